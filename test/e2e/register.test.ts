import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFakeDiscord, type FakeDiscord } from '../../src/playground/discord';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const run = promisify(execFile);

let fake: FakeDiscord;
beforeEach(async () => {
  fake = await startFakeDiscord();
});
afterEach(async () => {
  fake.assertClean();
  await fake.close();
});

/** `npm run register [-- --guild <id>]`, as a newcomer runs it. */
function register(...args: string[]) {
  return run(process.execPath, ['--import', 'tsx', 'src/discord/register.ts', ...args], {
    cwd: ROOT,
    env: { ...process.env, DISCORD_TOKEN: fake.token, USEAPI_TOKEN: 'user:1-unused', DISCORD_API_URL: fake.apiUrl },
  });
}

describe('npm run register', () => {
  it('deploys every command globally, with bodies Discord accepts', async () => {
    const { stdout } = await register();
    expect(stdout).toMatch(/Registered 5 commands globally/);
    const names = fake.commands().map((c) => c.name);
    expect(names.sort()).toEqual(['jobs', 'review', 'track', 'tracker-settings', 'untrack']);
    const settings = fake.commands().find((c) => c.name === 'tracker-settings')!;
    expect(settings.default_member_permissions).toBe('32');
  });

  it('deploys to one server with --guild', async () => {
    const guildId = fake.guilds[0]!.id;
    const { stdout } = await register('--guild', guildId);
    expect(stdout).toContain(`in server ${guildId}`);
    expect(fake.commands(guildId)).toHaveLength(5);
    expect(fake.commands()).toHaveLength(0);
  });

  it('names every missing setting and exits non-zero', async () => {
    const failure = await run(process.execPath, ['--import', 'tsx', 'src/discord/register.ts'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, DOTENV_CONFIG_PATH: '/nonexistent' },
    }).catch((error: { code: number; stderr: string }) => error);
    expect(failure).toMatchObject({ code: 1 });
    expect((failure as { stderr: string }).stderr).toMatch(/DISCORD_TOKEN is missing; USEAPI_TOKEN is missing/);
  });
});
