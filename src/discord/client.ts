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
  // Delivery, the one steady user of the global limit, keeps to it itself: each of its requests
  // holds a place until a second after its answer (Lanes.startGlobal), so it never starts more than
  // 50 in any second. discord.js counts requests of other parts too (commands' answers are exempt
  // on Discord but not here): at 50 it could hold delivery's requests back into a second Discord
  // has already filled. Twice that stays a backstop that never holds delivery back.
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
