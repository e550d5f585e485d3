import { afterEach, describe, expect, it } from 'vitest';
import { logLines, spawnBot, type BotProcess } from './botProcess';
import { World } from './world';

let world: World;
const children: BotProcess[] = [];

afterEach(async () => {
  for (const child of children.splice(0)) child.proc.kill('SIGKILL');
  world.discord.assertClean();
  await world.close();
});

function killedAfterTest(bot: BotProcess): BotProcess {
  children.push(bot);
  return bot;
}

describe('the process', () => {
  it('writes its whole fatal line before exiting when Discord refuses the login', async () => {
    world = await World.start({ inProcess: false });
    // A long refusal makes a line that cannot reach the pipe in one go: exiting early cuts it.
    const refusal = `Refused: ${'x'.repeat(300_000)}`;
    world.discord.failNext('GET /gateway/bot', 400, 1, { message: refusal, code: 50035 });
    const bot = killedAfterTest(spawnBot(world.env));

    expect(await bot.exited).toBe(1);
    const fatal = logLines(bot).find((line) => line.level === 60);
    expect(fatal).toMatchObject({ event: 'start_failed', err: { message: refusal } });
  }, 30_000);
});
