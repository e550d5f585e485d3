import {
  ApplicationIntegrationType,
  InteractionContextType,
  MessageFlags,
  type AutocompleteInteraction,
  type ButtonInteraction,
  type ChatInputCommandInteraction,
  type RESTPostAPIChatInputApplicationCommandsJSONBody,
} from 'discord.js';
import type { Db } from '../../db/open';
import type { Logger } from '../../log';
import type { TrackRate } from './trackRate';

export interface CommandContext {
  db: Db;
  log: Logger;
  now: () => number;
  /** Per-person cap on jobs being followed at once (a server may set its own). */
  maxActiveJobsPerUser: number;
  /** /track per person and minute. */
  trackRate: TrackRate;
  /** The useapi account number behind USEAPI_TOKEN (`user:<n>-…`), when the token shows it. */
  useapiAccount: string | null;
  /** Tells delivery there is something to post. */
  onChange: () => void;
}

export interface Command {
  definition: RESTPostAPIChatInputApplicationCommandsJSONBody;
  execute(interaction: ChatInputCommandInteraction, ctx: CommandContext): Promise<void>;
  autocomplete?(interaction: AutocompleteInteraction, ctx: CommandContext): Promise<void>;
  /** Buttons this command's messages carry, routed by `custom_id` prefix (so they work after a restart). */
  buttons?: Array<{ prefix: string; handle(interaction: ButtonInteraction, ctx: CommandContext): Promise<void> }>;
}

/** Guild text channels and the bot's own DMs; not user-installed contexts (the bot could not edit there). */
/** Server-only commands (settings, reviews). */
export const GUILD_ONLY = {
  integration_types: [ApplicationIntegrationType.GuildInstall],
  contexts: [InteractionContextType.Guild],
};

export const COMMAND_CONTEXTS = {
  integration_types: [ApplicationIntegrationType.GuildInstall],
  contexts: [InteractionContextType.Guild, InteractionContextType.BotDM],
};

/** Whether people get a DM when their job ends, where neither they nor the server said. */
export const DM_DEFAULT = true;

/** A short, private answer to whoever ran the command. */
export async function answer(interaction: ChatInputCommandInteraction, content: string): Promise<void> {
  await interaction.reply({ content, flags: MessageFlags.Ephemeral, allowedMentions: { parse: [] } });
}
