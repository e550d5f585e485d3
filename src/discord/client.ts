import { Client, Events, GatewayIntentBits, MessageFlags, type Interaction, type RESTOptions } from 'discord.js';
import { findButton, findCommand } from './commands';
import type { CommandContext } from './commands/command';
import { DISCORD_GLOBAL_PER_SECOND } from './lanes';

/** How the bot's REST client treats Discord's limits and faults (the benchmark uses the same). */
export const REST_OPTIONS = {
  // discord.js would wait out channel rate limits by itself, holding stale edits in a queue;
  // delivery prefers to hear about them and send the latest state later.
  rejectOnRateLimit: ['/channels'],
  // One immediate retry absorbs a lone 5xx or reset (and gives an interaction reply its second
  // chance inside Discord's 3 s); longer trouble is delivery's to wait out with its backoff,
  // not four back-to-back requests per try.
  retries: 1,
  // Delivery, the one steady user of the global limit, keeps to it with seconds that end after
  // Discord's (see Lanes.startGlobal). discord.js' own seconds start elsewhere: at 50 they would see
  // the end of one of delivery's seconds and the start of the next as 51 requests and hold the
  // rest back, to be released into a second Discord has already filled. Any second of discord.js
  // overlaps at most two of delivery's, so this stays a backstop that never holds delivery back.
  globalRequestsPerSecond: 2 * DISCORD_GLOBAL_PER_SECOND,
} as const satisfies Partial<RESTOptions>;

export function createDiscordClient(apiUrl: string): Client {
  return new Client({
    intents: [GatewayIntentBits.Guilds],
    rest: { api: apiUrl, ...REST_OPTIONS, rejectOnRateLimit: [...REST_OPTIONS.rejectOnRateLimit] },
  });
}

/** Routes every interaction to its command; a failing handler answers the person and is logged, never thrown. */
export function routeInteractions(client: Client, ctx: CommandContext): void {
  client.on(Events.InteractionCreate, (interaction) => {
    handle(interaction, ctx).catch((error: unknown) => {
      ctx.log.error({ event: 'interaction_failed', err: error }, 'interaction handler failed');
      if ((interaction.isChatInputCommand() || interaction.isButton()) && !interaction.replied && !interaction.deferred) {
        interaction
          .reply({ content: 'Something went wrong on my side; nothing was changed. Please try again.', flags: MessageFlags.Ephemeral })
          .catch(() => undefined);
      }
    });
  });
}

async function handle(interaction: Interaction, ctx: CommandContext): Promise<void> {
  if (interaction.isChatInputCommand()) {
    await findCommand(interaction.commandName)?.execute(interaction, ctx);
  } else if (interaction.isAutocomplete()) {
    await findCommand(interaction.commandName)?.autocomplete?.(interaction, ctx);
  } else if (interaction.isButton()) {
    await findButton(interaction.customId)?.handle(interaction, ctx);
  }
}

/** Logs in and resolves once the gateway's READY has arrived (which also gives the application id). */
export async function loginAndWaitReady(client: Client, token: string): Promise<void> {
  const ready = new Promise<void>((resolve) => client.once(Events.ClientReady, () => resolve()));
  await client.login(token);
  await ready;
}
