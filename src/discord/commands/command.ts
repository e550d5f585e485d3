import {
  ApplicationCommandOptionType,
  ApplicationIntegrationType,
  InteractionContextType,
  MessageFlags,
  type AutocompleteInteraction,
  type ButtonInteraction,
  type ChatInputCommandInteraction,
  type InteractionReplyOptions,
  type RESTPostAPIChatInputApplicationCommandsJSONBody,
  type User,
} from 'discord.js';
import type { ResultMediaSource } from '../../db/media';
import type { Db } from '../../db/open';
import type { FreshLinks } from '../../tracker/freshLinks';
import type { Logger } from '../../log';
import type { StatusFacts } from '../views/status';
import type { Registry } from '../../upstreams/registry';
import type { TrackingReplies } from '../replies';
import type { TrackRate } from './trackRate';

export interface CommandContext {
  db: Db;
  log: Logger;
  now: () => number;
  /** Per-person cap on jobs being followed at once (a server may set its own). */
  maxActiveJobsPerUser: number;
  /** The configured upstreams: which one a pasted id belongs to. */
  upstreams: Registry;
  /** /track per person and minute. */
  trackRate: TrackRate;
  /** Tells delivery there is something to post. */
  onChange: () => void;
  /** /track replies that are tracking messages (delivery edits them through their tokens). */
  replies: TrackingReplies;
  /** Completed jobs' re-hosted files (absent: links), which a /track reply leaves to delivery. */
  media?: ResultMediaSource;
  /** Discord ids of the bot's owners (OWNER_USER_IDS). */
  ownerUserIds: readonly string[];
  /** What /tracker-status shows, read now. */
  opsStatus: () => StatusFacts;
  /** The jobs with fresh links where theirs expired or soon will (for a private answer only). */
  freshLinks: FreshLinks;
}

type Definition = RESTPostAPIChatInputApplicationCommandsJSONBody;

export interface Command {
  definition: Definition;
  execute(interaction: ChatInputCommandInteraction, ctx: CommandContext): Promise<void>;
  autocomplete?(interaction: AutocompleteInteraction, ctx: CommandContext): Promise<void>;
  /** Buttons this command's messages carry, routed by `custom_id` prefix (so they work after a restart). */
  buttons?: Array<{ prefix: string; handle(interaction: ButtonInteraction, ctx: CommandContext): Promise<void> }>;
}

type Grouping = ApplicationCommandOptionType.Subcommand | ApplicationCommandOptionType.SubcommandGroup;
type OptionsOf<T> = T extends { readonly options: ReadonlyArray<infer O> } ? O : never;
type Leaves<O> = O extends { readonly type: Grouping } ? Leaves<OptionsOf<O>> : O;
type NameOf<O> = O extends { readonly name: infer N extends string } ? N : never;
/** The names of the options of one type a definition declares, subcommands' options included. */
type Named<D, K extends ApplicationCommandOptionType> = NameOf<Extract<Leaves<OptionsOf<D>>, { readonly type: K }>>;

type Resolver = ChatInputCommandInteraction['options'];
type Getter<Name, Value> = {
  (name: Name, required: true): Value;
  (name: Name, required?: boolean): Value | null;
};

/** `interaction.options` as a definition allows: an option it does not declare fails the build. */
export interface CommandOptions<D> {
  getSubcommand(): NameOf<Extract<OptionsOf<D>, { readonly type: ApplicationCommandOptionType.Subcommand }>>;
  getString: Getter<Named<D, ApplicationCommandOptionType.String>, string>;
  getInteger: Getter<Named<D, ApplicationCommandOptionType.Integer>, number>;
  getBoolean: Getter<Named<D, ApplicationCommandOptionType.Boolean>, boolean>;
  getUser: Getter<Named<D, ApplicationCommandOptionType.User>, User>;
  getChannel: Getter<Named<D, ApplicationCommandOptionType.Channel>, NonNullable<ReturnType<Resolver['getChannel']>>>;
  getRole: Getter<Named<D, ApplicationCommandOptionType.Role>, NonNullable<ReturnType<Resolver['getRole']>>>;
}

/**
 * A command from its definition (`as const satisfies RESTPostAPIChatInputApplicationCommandsJSONBody`)
 * and its handlers; `execute` reads its options through `CommandOptions` of that definition.
 */
export function defineCommand<D extends Definition>(
  definition: D,
  handlers: Omit<Command, 'definition' | 'execute'> & {
    execute(interaction: ChatInputCommandInteraction, options: CommandOptions<D>, ctx: CommandContext): Promise<void>;
  },
): Command {
  return {
    ...handlers,
    definition,
    execute: (interaction, ctx) => handlers.execute(interaction, interaction.options as unknown as CommandOptions<D>, ctx),
  };
}

/** Server-only commands (settings, reviews). */
export const GUILD_ONLY = {
  integration_types: [ApplicationIntegrationType.GuildInstall],
  contexts: [InteractionContextType.Guild],
};

/** Guild text channels and the bot's own DMs; not user-installed contexts (the bot could not edit there). */
export const COMMAND_CONTEXTS = {
  integration_types: [ApplicationIntegrationType.GuildInstall],
  contexts: [InteractionContextType.Guild, InteractionContextType.BotDM],
};

/** Whether people get a DM when their job ends, where neither they nor the server said. */
export const DM_DEFAULT = true;

/** A private answer to whoever ran the command or pressed the button; it mentions nobody. */
export async function answer(
  interaction: ChatInputCommandInteraction | ButtonInteraction,
  message: string | Pick<InteractionReplyOptions, 'content' | 'embeds' | 'components'>,
): Promise<void> {
  const body = typeof message === 'string' ? { content: message } : message;
  await interaction.reply({ ...body, flags: MessageFlags.Ephemeral, allowedMentions: { parse: [] } });
}
