import 'dotenv/config';
import { ConfigError, loadConfig } from '../config';
import { deployCommands } from './deploy';

/**
 * Deploys the slash commands. `npm run register` → globally (can take a while to show up);
 * `npm run register -- --guild <id>` → to one server, at once (for development).
 */
async function main(): Promise<void> {
  const config = loadConfig();
  const guildFlag = process.argv.indexOf('--guild');
  const guildId = guildFlag >= 0 ? process.argv[guildFlag + 1] : undefined;
  if (guildFlag >= 0 && !guildId) throw new ConfigError('--guild needs a server id');

  const names = await deployCommands({ apiUrl: config.discordApiUrl, token: config.discordToken, ...(guildId ? { guildId } : {}) });
  console.log(`Registered ${names.length} commands ${guildId ? `in server ${guildId}` : 'globally'}: ${names.map((name) => `/${name}`).join(', ')}`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
