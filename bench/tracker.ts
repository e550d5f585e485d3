/**
 * The tracker side, run in a child process: the real bot (startBot: real SQLite file, poller,
 * delivery, discord.js client) configured against the loopback Discord and the useapi emulator.
 * The parent subscribes jobs with /track through the fake Discord and watches what arrives there.
 */
import { startBot } from '../src/bot';
import { loadConfig } from '../src/config';
import { createLogger } from '../src/log';
import type { Control } from './child';
import { startCostMeter, type ProcessCost } from './measure';

export interface TrackerParams {
  env: Record<string, string>;
  /** Time compression: discord.js' own global limit and rate-limit offset are scaled by it. */
  k: number;
}

export interface SideResult {
  cost: ProcessCost;
  notes: string[];
}

export async function runTrackerSide(params: TrackerParams, ctl: Control): Promise<SideResult> {
  // No health server: benches run side by side, and it is not what they measure.
  const config = loadConfig({ HTTP_PORT: '0', ...params.env });
  const log = createLogger({ level: config.logLevel, secrets: [config.discordToken, config.useapiToken ?? ''] });
  const meter = startCostMeter();
  const bot = await startBot(config, log);
  const notes = [compressRest(bot.client.rest, params.k)];
  ctl.ready();
  await ctl.stopped;
  await bot.stop();
  return { cost: meter.stop(), notes };
}

/**
 * startBot builds its discord.js client itself and offers no option for discord.js' own limits, so
 * they are scaled here after the fact. @discordjs/rest reads `globalRequestsPerSecond` and `offset`
 * from its options at every request: without this, the compressed run would measure discord.js'
 * 50 requests/s self-throttle (which, compressed, means 5/s) and a 50 ms offset that is 0.5 s at K=10.
 */
export function compressRest(rest: { options: unknown }, k: number): string {
  const options = rest.options as { globalRequestsPerSecond: number; offset: number };
  options.globalRequestsPerSecond = 50 * k;
  options.offset = 50 / k;
  return `discord.js rest.globalRequestsPerSecond=${50 * k}, offset=${50 / k} ms (patched after startBot)`;
}
