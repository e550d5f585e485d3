import { channelMention, ChannelType, MessageFlags, PermissionFlagsBits, type APIEmbed, type ChatInputCommandInteraction } from 'discord.js';
import { and, eq } from 'drizzle-orm';
import { blocksOf, loadGuildSettings, unblock, updateGuildSettings, type GuildSettings } from '../../db/guilds';
import { inTransaction } from '../../db/open';
import { addReviewEvent, lastReviewPost } from '../../db/reviews';
import { blocks } from '../../db/schema';
import { blocksView, settingsView } from '../views/admin';
import { answer, DM_DEFAULT, GUILD_ONLY, type Command, type CommandContext } from './command';
import { botCanPostIn, canManageServer } from './permissions';

const CLEARABLE = {
  review_channel: 'reviewChannelId',
  admin_role: 'adminRoleId',
  max_jobs: 'maxActiveJobsPerUser',
  dm_default: 'dmDefault',
} as const satisfies Record<string, keyof Omit<GuildSettings, 'guildId'>>;

export const trackerSettings: Command = {
  definition: {
    name: 'tracker-settings',
    description: 'Server settings of the job tracker (Manage Server).',
    default_member_permissions: String(PermissionFlagsBits.ManageGuild),
    ...GUILD_ONLY,
    options: [
      { type: 1, name: 'show', description: 'Show this server\'s settings.' },
      {
        type: 1,
        name: 'set',
        description: 'Change one or more settings.',
        options: [
          { type: 7, name: 'review_channel', description: 'Where moderated jobs and account alerts are posted', channel_types: [ChannelType.GuildText] },
          { type: 8, name: 'admin_role', description: 'A role that may also review moderated jobs' },
          { type: 4, name: 'max_jobs', description: 'Unfinished jobs one person may follow at once', min_value: 1, max_value: 100 },
          { type: 5, name: 'dm_default', description: 'DM people when their job ends, unless they say otherwise' },
        ],
      },
      {
        type: 1,
        name: 'clear',
        description: 'Return a setting to its default.',
        options: [
          {
            type: 3,
            name: 'setting',
            description: 'Which setting',
            required: true,
            choices: Object.keys(CLEARABLE).map((name) => ({ name, value: name })),
          },
        ],
      },
      { type: 1, name: 'blocks', description: 'List people blocked from /track here.' },
      {
        type: 1,
        name: 'unblock',
        description: 'Let a blocked person /track again.',
        options: [{ type: 6, name: 'user', description: 'The person to unblock', required: true }],
      },
    ],
  },

  async execute(interaction, ctx) {
    // Discord hides the command from others, but the permission is checked again here.
    if (!interaction.inGuild() || !canManageServer(interaction)) {
      return answer(interaction, 'Only members with **Manage Server** can change the tracker\'s settings.');
    }
    const guildId = interaction.guildId;
    const at = ctx.now();
    switch (interaction.options.getSubcommand()) {
      case 'set': {
        const changes = requestedChanges(interaction);
        if (Object.keys(changes).length === 0) return answer(interaction, 'Name at least one setting to change.');
        // Refused rather than saved with a warning: every review post and alert would fail there unseen.
        if (changes.reviewChannelId && botCanPostIn(interaction, changes.reviewChannelId) === false) {
          return answer(
            interaction,
            `I cannot post in ${channelMention(changes.reviewChannelId)}: I need **View Channel**, **Send Messages** and **Embed Links** there. Nothing was changed.`,
          );
        }
        updateGuildSettings(ctx.db, guildId, changes, interaction.user.id, at);
        ctx.log.info({ event: 'settings_changed', guildId, by: interaction.user.id, changes }, 'server settings changed');
        return show(interaction, ctx, 'Saved.');
      }
      case 'clear': {
        const setting = interaction.options.getString('setting', true) as keyof typeof CLEARABLE;
        if (!(setting in CLEARABLE)) return answer(interaction, 'Unknown setting.');
        updateGuildSettings(ctx.db, guildId, { [CLEARABLE[setting]]: null }, interaction.user.id, at);
        return show(interaction, ctx, `\`${setting}\` is back to its default.`);
      }
      case 'blocks':
        return reply(interaction, blocksView(blocksOf(ctx.db, guildId)));
      case 'unblock': {
        const user = interaction.options.getUser('user', true);
        const lifted = inTransaction(ctx.db, () => {
          const entry = ctx.db.select().from(blocks).where(and(eq(blocks.guildId, guildId), eq(blocks.userId, user.id))).get();
          if (!entry || !unblock(ctx.db, guildId, user.id)) return false;
          if (entry.reviewId !== null) addReviewEvent(ctx.db, entry.reviewId, at, 'unblocked', interaction.user.id);
          return true;
        });
        if (lifted) ctx.log.info({ event: 'unblocked', guildId, userId: user.id, by: interaction.user.id }, 'person unblocked');
        return answer(interaction, lifted ? `<@${user.id}> may use /track here again.` : `<@${user.id}> is not blocked here.`);
      }
      default:
        return show(interaction, ctx);
    }
  },
};

function requestedChanges(interaction: ChatInputCommandInteraction): Partial<Omit<GuildSettings, 'guildId'>> {
  const changes: Partial<Omit<GuildSettings, 'guildId'>> = {};
  const channel = interaction.options.getChannel('review_channel');
  const role = interaction.options.getRole('admin_role');
  const maxJobs = interaction.options.getInteger('max_jobs');
  const dmDefault = interaction.options.getBoolean('dm_default');
  if (channel) changes.reviewChannelId = channel.id;
  if (role) changes.adminRoleId = role.id;
  if (maxJobs !== null) changes.maxActiveJobsPerUser = maxJobs;
  if (dmDefault !== null) changes.dmDefault = dmDefault;
  return changes;
}

async function show(interaction: ChatInputCommandInteraction, ctx: CommandContext, note?: string): Promise<void> {
  const settings = loadGuildSettings(ctx.db, interaction.guildId!);
  const defaults = { maxActiveJobsPerUser: ctx.maxActiveJobsPerUser, dmDefault: DM_DEFAULT };
  await reply(interaction, settingsView(settings, defaults, lastReviewPost(ctx.db, interaction.guildId!)), note);
}

async function reply(interaction: ChatInputCommandInteraction, body: { embeds: APIEmbed[] }, content?: string): Promise<void> {
  await interaction.reply({ ...body, content, flags: MessageFlags.Ephemeral, allowedMentions: { parse: [] } });
}

