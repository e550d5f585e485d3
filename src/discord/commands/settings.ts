import {
  ApplicationCommandOptionType,
  channelMention,
  ChannelType,
  inlineCode,
  PermissionFlagsBits,
  userMention,
  type ChatInputCommandInteraction,
  type RESTPostAPIChatInputApplicationCommandsJSONBody,
} from 'discord.js';
import { blocksOf, loadGuildSettings, promptsHidden, updateGuildSettings, type GuildSettings } from '../../db/guilds';
import { inTransaction } from '../../db/open';
import { redrawGuildMessages } from '../../db/subscriptions';
import { lastReviewPost, liftBlock } from '../../db/reviews';
import { blocksView, settingsView } from '../views/admin';
import { answer, defineCommand, DM_DEFAULT, GUILD_ONLY, type CommandContext, type CommandOptions } from './command';
import { botCanPostIn, canManageServer } from './permissions';

const CLEARABLE = {
  review_channel: 'reviewChannelId',
  admin_role: 'adminRoleId',
  max_jobs: 'maxActiveJobsPerUser',
  dm_default: 'dmDefault',
  hide_prompts: 'hidePrompts',
} as const satisfies Record<string, keyof Omit<GuildSettings, 'guildId'>>;

export const trackerSettingsDefinition = {
  name: 'tracker-settings',
  description: 'Server settings of the job tracker (Manage Server).',
  default_member_permissions: String(PermissionFlagsBits.ManageGuild),
  ...GUILD_ONLY,
  options: [
    { type: ApplicationCommandOptionType.Subcommand, name: 'show', description: 'Show this server\'s settings.' },
    {
      type: ApplicationCommandOptionType.Subcommand,
      name: 'set',
      description: 'Change one or more settings.',
      options: [
        {
          type: ApplicationCommandOptionType.Channel,
          name: 'review_channel',
          description: 'Where moderated jobs and account alerts are posted',
          channel_types: [ChannelType.GuildText],
        },
        { type: ApplicationCommandOptionType.Role, name: 'admin_role', description: 'A role that may also review moderated jobs' },
        {
          type: ApplicationCommandOptionType.Integer,
          name: 'max_jobs',
          description: 'Unfinished jobs one person may follow at once',
          min_value: 1,
          max_value: 100,
        },
        { type: ApplicationCommandOptionType.Boolean, name: 'dm_default', description: 'DM people when their job ends, unless they say otherwise' },
        { type: ApplicationCommandOptionType.Boolean, name: 'hide_prompts', description: 'Leave prompts out of public tracking messages (people still see theirs by DM and /jobs)' },
      ],
    },
    {
      type: ApplicationCommandOptionType.Subcommand,
      name: 'clear',
      description: 'Return a setting to its default.',
      options: [
        {
          type: ApplicationCommandOptionType.String,
          name: 'setting',
          description: 'Which setting',
          required: true,
          choices: Object.keys(CLEARABLE).map((name) => ({ name, value: name })),
        },
      ],
    },
    { type: ApplicationCommandOptionType.Subcommand, name: 'blocks', description: 'List people blocked from /track here.' },
    {
      type: ApplicationCommandOptionType.Subcommand,
      name: 'unblock',
      description: 'Let a blocked person /track again.',
      options: [{ type: ApplicationCommandOptionType.User, name: 'user', description: 'The person to unblock', required: true }],
    },
  ],
} as const satisfies RESTPostAPIChatInputApplicationCommandsJSONBody;

type SettingsOptions = CommandOptions<typeof trackerSettingsDefinition>;

export const trackerSettings = defineCommand(trackerSettingsDefinition, {
  async execute(interaction, options, ctx) {
    // Discord hides the command from others, but the permission is checked again here.
    if (!interaction.inGuild() || !canManageServer(interaction)) {
      return answer(interaction, 'Only members with **Manage Server** can change the tracker\'s settings.');
    }
    const guildId = interaction.guildId;
    const at = ctx.now();
    switch (options.getSubcommand()) {
      case 'set': {
        const changes = requestedChanges(options);
        if (Object.keys(changes).length === 0) return answer(interaction, 'Name at least one setting to change.');
        // Refused rather than saved with a warning: every review post and alert would fail there unseen.
        if (changes.reviewChannelId && botCanPostIn(interaction, changes.reviewChannelId) === false) {
          return answer(
            interaction,
            `I cannot post in ${channelMention(changes.reviewChannelId)}: I need **View Channel**, **Send Messages** and **Embed Links** there. Nothing was changed.`,
          );
        }
        saveSettings(ctx, guildId, changes, interaction.user.id, at);
        ctx.log.info({ event: 'settings_changed', guildId, by: interaction.user.id, changes }, 'server settings changed');
        return show(interaction, ctx, 'Saved.');
      }
      case 'clear': {
        const setting = options.getString('setting', true) as keyof typeof CLEARABLE;
        if (!(setting in CLEARABLE)) return answer(interaction, 'Unknown setting.');
        saveSettings(ctx, guildId, { [CLEARABLE[setting]]: null }, interaction.user.id, at);
        return show(interaction, ctx, `${inlineCode(setting)} is back to its default.`);
      }
      case 'blocks':
        return answer(interaction, blocksView(blocksOf(ctx.db, guildId)));
      case 'unblock': {
        const user = options.getUser('user', true);
        const lifted = liftBlock(ctx.db, guildId, user.id, interaction.user.id, at);
        if (lifted) ctx.log.info({ event: 'unblocked', guildId, userId: user.id, by: interaction.user.id }, 'person unblocked');
        return answer(interaction, lifted ? `${userMention(user.id)} may use /track here again.` : `${userMention(user.id)} is not blocked here.`);
      }
      default:
        return show(interaction, ctx);
    }
  },
});

function requestedChanges(options: SettingsOptions): Partial<Omit<GuildSettings, 'guildId'>> {
  const changes: Partial<Omit<GuildSettings, 'guildId'>> = {};
  const channel = options.getChannel('review_channel');
  const role = options.getRole('admin_role');
  const maxJobs = options.getInteger('max_jobs');
  const dmDefault = options.getBoolean('dm_default');
  const hidePrompts = options.getBoolean('hide_prompts');
  if (channel) changes.reviewChannelId = channel.id;
  if (role) changes.adminRoleId = role.id;
  if (maxJobs !== null) changes.maxActiveJobsPerUser = maxJobs;
  if (dmDefault !== null) changes.dmDefault = dmDefault;
  if (hidePrompts !== null) changes.hidePrompts = hidePrompts;
  return changes;
}

/** Saves the changes; when the prompts' visibility changed, the server's live tracking messages are drawn again. */
function saveSettings(ctx: CommandContext, guildId: string, changes: Partial<Omit<GuildSettings, 'guildId'>>, by: string, at: number): void {
  const redraw = 'hidePrompts' in changes && promptsHidden(ctx.db, guildId) !== (changes.hidePrompts === true);
  inTransaction(ctx.db, () => {
    updateGuildSettings(ctx.db, guildId, changes, by, at);
    if (redraw) redrawGuildMessages(ctx.db, guildId);
  });
  if (redraw) ctx.onChange();
}

async function show(interaction: ChatInputCommandInteraction, ctx: CommandContext, note?: string): Promise<void> {
  const settings = loadGuildSettings(ctx.db, interaction.guildId!);
  const defaults = { maxActiveJobsPerUser: ctx.maxActiveJobsPerUser, dmDefault: DM_DEFAULT, hidePrompts: false };
  await answer(interaction, { ...settingsView(settings, defaults, lastReviewPost(ctx.db, interaction.guildId!)), content: note });
}

