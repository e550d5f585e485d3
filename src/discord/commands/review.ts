import { MessageFlags, type ButtonInteraction, type ChatInputCommandInteraction } from 'discord.js';
import { block, loadGuildSettings } from '../../db/guilds';
import { loadJob, toTrackedJob } from '../../db/jobs';
import { inTransaction } from '../../db/open';
import { enqueue } from '../../db/outbox';
import { decideReview, findReview, loadReview, reviewHistory, reviewPage, type ReviewRow } from '../../db/reviews';
import { parseReviewButtonId, parseReviewPageId, REVIEW_PAGE_SIZE, reviewDetail, reviewList, reviewPost, type ReviewAction } from '../views/review';
import { answer, GUILD_ONLY, type Command, type CommandContext } from './command';
import { canReview } from './permissions';

const DECISION = { dismiss: 'dismissed', warn: 'warned', block: 'blocked' } as const satisfies Record<ReviewAction, ReviewRow['status']>;
const REFUSAL = 'Only members with **Manage Server** or this server\'s tracker admin role can review moderated jobs.';

/**
 * `/review` is visible to everyone so that the server's admin role works without extra setup
 * in Integrations; who may use it is checked at run time.
 */
export const review: Command = {
  definition: {
    name: 'review',
    description: 'Moderated jobs from this server (tracker admins).',
    ...GUILD_ONLY,
    options: [
      {
        type: 1,
        name: 'list',
        description: 'Page through the review queue.',
        options: [
          {
            type: 3,
            name: 'status',
            description: 'Pending only (default) or all',
            choices: [
              { name: 'pending', value: 'pending' },
              { name: 'all', value: 'all' },
            ],
          },
        ],
      },
      {
        type: 1,
        name: 'show',
        description: 'One moderated job with its history.',
        options: [{ type: 3, name: 'jobid', description: 'The job id', required: true, max_length: 200 }],
      },
    ],
  },

  async execute(interaction, ctx) {
    if (!interaction.inGuild() || !canReview(interaction, loadGuildSettings(ctx.db, interaction.guildId))) {
      return answer(interaction, REFUSAL);
    }
    if (interaction.options.getSubcommand() === 'show') return show(interaction, ctx);
    const filter = interaction.options.getString('status') === 'all' ? 'all' : 'pending';
    await interaction.reply({ ...listPage(ctx, interaction.guildId, filter, 1), flags: MessageFlags.Ephemeral, allowedMentions: { parse: [] } });
  },

  buttons: [
    { prefix: 'review:', handle: decide },
    { prefix: 'reviews:', handle: turnPage },
  ],
};

function listPage(ctx: CommandContext, guildId: string, filter: 'pending' | 'all', page: number) {
  const { total, rows } = reviewPage(ctx.db, guildId, filter, page, REVIEW_PAGE_SIZE);
  const pageCount = Math.max(1, Math.ceil(total / REVIEW_PAGE_SIZE));
  const items = rows.map((r) => ({ review: r.review, job: toTrackedJob(r.job) }));
  return reviewList(items, { page, pageCount, total, filter }, ctx.now());
}

async function show(interaction: ChatInputCommandInteraction, ctx: CommandContext): Promise<void> {
  const raw = interaction.options.getString('jobid', true);
  const record = findReview(ctx.db, interaction.guildId!, ctx.upstreams.keyOf(raw));
  const job = record && loadJob(ctx.db, record.jobId);
  if (!record || !job) return answer(interaction, 'No moderated job with that id in this server\'s queue.');
  const events = reviewHistory(ctx.db, record.id);
  await interaction.reply({ ...reviewDetail(record, job, events, ctx.now()), flags: MessageFlags.Ephemeral, allowedMentions: { parse: [] } });
}

async function turnPage(interaction: ButtonInteraction, ctx: CommandContext): Promise<void> {
  const target = parseReviewPageId(interaction.customId);
  if (!target || !interaction.inGuild()) return;
  if (!canReview(interaction, loadGuildSettings(ctx.db, interaction.guildId))) {
    await interaction.reply({ content: REFUSAL, flags: MessageFlags.Ephemeral });
    return;
  }
  await interaction.update({ ...listPage(ctx, interaction.guildId, target.filter, target.page), allowedMentions: { parse: [] } });
}

/** Dismiss, Warn or Block on a review post. The first decision wins; later clicks are told who decided. */
async function decide(interaction: ButtonInteraction, ctx: CommandContext): Promise<void> {
  const target = parseReviewButtonId(interaction.customId);
  const record = target && loadReview(ctx.db, target.reviewId);
  // A review belongs to one server: a button carried elsewhere finds nothing.
  if (!target || !record || !interaction.inGuild() || record.guildId !== interaction.guildId) {
    await interaction.reply({ content: 'That review is not part of this server\'s queue.', flags: MessageFlags.Ephemeral });
    return;
  }
  if (!canReview(interaction, loadGuildSettings(ctx.db, interaction.guildId))) {
    await interaction.reply({ content: REFUSAL, flags: MessageFlags.Ephemeral });
    return;
  }
  const at = ctx.now();
  const actor = interaction.user.id;
  const decided = inTransaction(ctx.db, () => {
    if (!decideReview(ctx.db, record.id, DECISION[target.action], actor, at)) return false;
    if (target.action === 'warn') {
      enqueue(ctx.db, { kind: 'warn_dm', dedupeKey: `warn:${record.id}`, userId: record.userId, payload: { jobId: record.jobId, guildName: interaction.guild?.name ?? null } }, at);
    }
    if (target.action === 'block') block(ctx.db, { guildId: record.guildId, userId: record.userId, blockedBy: actor, at, reviewId: record.id });
    return true;
  });
  const current = loadReview(ctx.db, record.id)!;
  const job = loadJob(ctx.db, record.jobId)!;
  if (!decided) {
    await interaction.reply({
      content: `Already handled: ${current.status} by <@${current.actedBy}> <t:${Math.floor((current.actedAt ?? at) / 1000)}:R>.`,
      flags: MessageFlags.Ephemeral,
      allowedMentions: { parse: [] },
    });
    return;
  }
  ctx.log.info({ event: 'review_decided', reviewId: record.id, guildId: record.guildId, decision: current.status, by: actor }, 'review decided');
  ctx.onChange();
  await interaction.update({ ...reviewPost(current, job, at), allowedMentions: { parse: [] } });
}
