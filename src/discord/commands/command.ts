import {
  ApplicationIntegrationType,
  InteractionContextType,
  type AutocompleteInteraction,
  type ChatInputCommandInteraction,
  type RESTPostAPIChatInputApplicationCommandsJSONBody,
} from 'discord.js';
import type { Db } from '../../db/open';
import type { Logger } from '../../log';

export interface CommandContext {
  db: Db;
  log: Logger;
  now: () => number;
  /** Per-person cap on jobs being followed at once. */
  maxActiveJobsPerUser: number;
  /** The useapi account number behind USEAPI_TOKEN (`user:<n>-…`), when the token shows it. */
  useapiAccount: string | null;
  /** Tells delivery there is something to post. */
  onChange: () => void;
}

export interface Command {
  definition: RESTPostAPIChatInputApplicationCommandsJSONBody;
  execute(interaction: ChatInputCommandInteraction, ctx: CommandContext): Promise<void>;
  autocomplete?(interaction: AutocompleteInteraction, ctx: CommandContext): Promise<void>;
}

/** Guild text channels and the bot's own DMs; not user-installed contexts (the bot could not edit there). */
export const COMMAND_CONTEXTS = {
  integration_types: [ApplicationIntegrationType.GuildInstall],
  contexts: [InteractionContextType.Guild, InteractionContextType.BotDM],
};
