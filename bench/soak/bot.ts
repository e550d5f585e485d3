/** The real bot process for the soak: started, killed, and checked for crashes from its log. */
import { startBotProcess, type BotProcess } from '../../test/e2e/botProcess';

export { startBotProcess, type BotProcess };

/** Events that mean something went wrong inside the process even though it kept running. */
const CRASH_EVENTS = /^(start_failed|unhandled_rejection|.*_crashed)$/;

/** Crashes seen in one run of the process: an exit nobody asked for, or a crash event in its log. */
export function crashesOf(bot: BotProcess, { killedOnPurpose }: { killedOnPurpose: boolean }): string[] {
  const found = logEntries(bot)
    .filter((line) => CRASH_EVENTS.test(String(line.event)) || line.level === 60)
    .map((line) => `${String(line.event)}: ${String(line.msg)} ${JSON.stringify(line.err ?? '').slice(0, 600)}`);
  if (!killedOnPurpose && bot.proc.exitCode !== null) found.push(`exited with ${bot.proc.exitCode}`);
  return found;
}

export async function killNow(bot: BotProcess): Promise<void> {
  if (bot.proc.exitCode === null && bot.proc.signalCode === null) bot.proc.kill('SIGKILL');
  await bot.exited;
}

/** Stops the process cleanly (SIGTERM) and returns its exit code. */
export async function stopBot(bot: BotProcess): Promise<number | null> {
  bot.proc.kill('SIGTERM');
  return bot.exited;
}

/** The process's JSON log lines; a line a SIGKILL cut short is skipped. */
function logEntries(bot: BotProcess): Array<Record<string, unknown>> {
  return bot
    .stdout()
    .split('\n')
    .flatMap((line) => {
      try {
        return line.startsWith('{') ? [JSON.parse(line) as Record<string, unknown>] : [];
      } catch {
        return [];
      }
    });
}
