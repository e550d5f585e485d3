import { REST, Routes, type APIApplication, type APIApplicationCommand } from 'discord.js';
import { commandDefinitions } from './commands';

/**
 * Deploys the slash commands, globally or to one server, and returns their names. One REST bulk
 * overwrite with the application id from `GET /applications/@me`, as the discord.js guide's
 * deploy script does: no gateway login.
 */
export async function deployCommands(opts: { apiUrl: string; token: string; guildId?: string }): Promise<string[]> {
  const rest = new REST({ api: opts.apiUrl }).setToken(opts.token);
  const application = (await rest.get(Routes.currentApplication())) as APIApplication;
  const route = opts.guildId ? Routes.applicationGuildCommands(application.id, opts.guildId) : Routes.applicationCommands(application.id);
  const registered = (await rest.put(route, { body: commandDefinitions() })) as APIApplicationCommand[];
  return registered.map((c) => c.name);
}
