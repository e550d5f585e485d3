import 'dotenv/config';
import { REST, Routes, type APIApplication, type APIApplicationCommand } from 'discord.js';
import { ConfigError, loadConfig } from '../config';
import { commandDefinitions } from './commands';

/**
 * Deploys the slash commands with one REST call, as the discord.js guide's deploy script does (no
 * gateway login). `npm run register` → globally (can take a while to show up);
 * `npm run register -- --guild <id>` → to one server, at once (for development).
 */
async function main(): Promise<void> {
  const config = loadConfig();
  const guildFlag = process.argv.indexOf('--guild');
  const guildId = guildFlag >= 0 ? process.argv[guildFlag + 1] : undefined;
  if (guildFlag >= 0 && !guildId) throw new ConfigError('--guild needs a server id');

  const rest = new REST({ api: config.discordApiUrl }).setToken(config.discordToken);
  const application = (await rest.get(Routes.currentApplication())) as APIApplication;
  const route = guildId ? Routes.applicationGuildCommands(application.id, guildId) : Routes.applicationCommands(application.id);
  const registered = (await rest.put(route, { body: commandDefinitions() })) as APIApplicationCommand[];
  console.log(`Registered ${registered.length} commands ${guildId ? `in server ${guildId}` : 'globally'}: ${registered.map((c) => `/${c.name}`).join(', ')}`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
