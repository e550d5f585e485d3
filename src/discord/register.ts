import 'dotenv/config';
import { Client } from 'discord.js';
import { ConfigError, loadConfig } from '../config';
import { commandDefinitions } from './commands';
import { loginAndWaitReady } from './client';

/**
 * Deploys the slash commands. `npm run register` → globally (can take a while to show up);
 * `npm run register -- --guild <id>` → to one server, at once (for development).
 */
async function main(): Promise<void> {
  const config = loadConfig();
  const guildFlag = process.argv.indexOf('--guild');
  const guildId = guildFlag >= 0 ? process.argv[guildFlag + 1] : undefined;
  if (guildFlag >= 0 && !guildId) throw new ConfigError('--guild needs a server id');

  const client = new Client({ intents: [], rest: { api: config.discordApiUrl } });
  try {
    await loginAndWaitReady(client, config.discordToken);
    const commands = client.application!.commands;
    const registered = guildId ? await commands.set(commandDefinitions(), guildId) : await commands.set(commandDefinitions());
    console.log(`Registered ${registered.size} commands ${guildId ? `in server ${guildId}` : 'globally'}: ${[...registered.values()].map((c) => `/${c.name}`).join(', ')}`);
  } finally {
    await client.destroy();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
