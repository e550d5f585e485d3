import { Client } from 'discord.js';
import { loginAndWaitReady } from './client';
import { commandDefinitions } from './commands';

/**
 * Deploys the slash commands, globally or to one server, and returns their names. One login, one
 * bulk overwrite: used by `npm run register` and by the playground.
 */
export async function deployCommands(opts: { apiUrl: string; token: string; guildId?: string }): Promise<string[]> {
  const client = new Client({ intents: [], rest: { api: opts.apiUrl } });
  try {
    await loginAndWaitReady(client, opts.token);
    const commands = client.application!.commands;
    const registered = opts.guildId ? await commands.set(commandDefinitions(), opts.guildId) : await commands.set(commandDefinitions());
    return [...registered.values()].map((c) => c.name);
  } finally {
    await client.destroy();
  }
}
