import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { kill, logLines, spawnBot, startBotProcess, type BotProcess } from './botProcess';
import { sleep, World } from './world';

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

  it('refuses to run twice on one database, and takes over from one that was killed', async () => {
    world = await World.start({ inProcess: false });
    const first = killedAfterTest(await startBotProcess(world.env));

    const second = killedAfterTest(spawnBot(world.env));
    expect(await Promise.race([second.exited, sleep(15_000).then(() => 'still running')])).toBe(1);
    const refusal = logLines(second).find((line) => line.level === 60);
    expect(refusal?.msg).toContain(world.config.databasePath);
    expect(refusal?.msg).toContain(`pid ${first.proc.pid}`);
    expect(second.stdout()).not.toContain('"event":"ready"');

    // A reader, such as a backup, still opens the database while the bot holds it.
    const reader = new Database(world.config.databasePath, { readonly: true });
    expect(reader.prepare('SELECT count(*) AS n FROM jobs').get()).toEqual({ n: 0 });
    reader.close();

    await kill(first, 'SIGKILL');
    const third = killedAfterTest(await startBotProcess(world.env));
    expect(await kill(third, 'SIGTERM')).toBe(0);
  }, 60_000);
});
