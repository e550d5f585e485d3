import {
  ApplicationCommandOptionType,
  TimestampStyles,
  type ButtonInteraction,
  type ChatInputCommandInteraction,
  type RESTPostAPIChatInputApplicationCommandsJSONBody,
} from 'discord.js';
import { loadGuildSettings } from '../../db/guilds';
import { loadJob, toTrackedJob } from '../../db/jobs';
import { decideReview, findReview, loadReview, reviewHistory, reviewPage, type ReviewRow } from '../../db/reviews';
import { reviewDetail } from '../views/reviewDetail';
import { safeTime, safeUserMention } from '../views/markup';
import { parseReviewButtonId, parseReviewPageId, type ReviewAction, type ReviewFilter } from '../views/reviewIds';
import { REVIEW_PAGE_SIZE, reviewList } from '../views/reviewList';
import { reviewPost } from '../views/reviewPost';
import { answer, defineCommand, GUILD_ONLY, type CommandContext, type CommandOptions } from './command';
import { canReview } from './permissions';

const DECISION = { dismiss: 'dismissed', warn: 'warned', block: 'blocked' } as const satisfies Record<ReviewAction, ReviewRow['status']>;
const REFUSAL = 'Only members with **Manage Server** or this server\'s tracker admin role can review moderated jobs.';

/**
 * `/review` is visible to everyone so that the server's admin role works without extra setup
 * in Integrations; who may use it is checked at run time.
 */
export const reviewDefinition = {
  name: 'review',
  description: 'Moderated jobs from this server (tracker admins).',
  ...GUILD_ONLY,
  options: [
    {
      type: ApplicationCommandOptionType.Subcommand,
      name: 'list',
      description: 'Page through the review queue.',
      options: [
        {
          type: ApplicationCommandOptionType.String,
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
      type: ApplicationCommandOptionType.Subcommand,
      name: 'show',
      description: 'One moderated job with its history.',
      options: [{ type: ApplicationCommandOptionType.String, name: 'jobid', description: 'The job id', required: true, max_length: 200 }],
    },
  ],
} as const satisfies RESTPostAPIChatInputApplicationCommandsJSONBody;

export const review = defineCommand(reviewDefinition, {
  async execute(interaction, options, ctx) {
    if (!interaction.inGuild() || !canReview(interaction, loadGuildSettings(ctx.db, interaction.guildId))) {
      return answer(interaction, REFUSAL);
    }
    if (options.getSubcommand() === 'show') return show(interaction, options, ctx);
    const filter = options.getString('status') === 'all' ? 'all' : 'pending';
    await answer(interaction, listPage(ctx, interaction.guildId, filter, 1));
  },

  buttons: [
    { prefix: 'review:', handle: decide },
    { prefix: 'reviews:', handle: turnPage },
  ],
});

function listPage(ctx: CommandContext, guildId: string, filter: ReviewFilter, page: number) {
  const { total, rows } = reviewPage(ctx.db, guildId, filter, page, REVIEW_PAGE_SIZE);
  const pageCount = Math.max(1, Math.ceil(total / REVIEW_PAGE_SIZE));
  const items = rows.map((r) => ({ review: r.review, job: toTrackedJob(r.job) }));
  return reviewList(items, { page, pageCount, total, filter }, ctx.now());
}

async function show(interaction: ChatInputCommandInteraction, options: CommandOptions<typeof reviewDefinition>, ctx: CommandContext): Promise<void> {
  const raw = options.getString('jobid', true);
  const record = findReview(ctx.db, interaction.guildId!, ctx.upstreams.keyOf(raw));
  const job = record && loadJob(ctx.db, record.jobId);
  if (!record || !job) return answer(interaction, 'No moderated job with that id in this server\'s queue.');
  const events = reviewHistory(ctx.db, record.id);
  await answer(interaction, reviewDetail(record, job, events, ctx.now()));
}

async function turnPage(interaction: ButtonInteraction, ctx: CommandContext): Promise<void> {
  const target = parseReviewPageId(interaction.customId);
  if (!target || !interaction.inGuild()) return;
  if (!canReview(interaction, loadGuildSettings(ctx.db, interaction.guildId))) return answer(interaction, REFUSAL);
  await interaction.update({ ...listPage(ctx, interaction.guildId, target.filter, target.page), allowedMentions: { parse: [] } });
}

/** Dismiss, Warn or Block on a review post. The first decision wins; later clicks are told who decided. */
async function decide(interaction: ButtonInteraction, ctx: CommandContext): Promise<void> {
  const target = parseReviewButtonId(interaction.customId);
  const record = target && loadReview(ctx.db, target.reviewId);
  // A review belongs to one server: a button carried elsewhere finds nothing.
  if (!target || !record || !interaction.inGuild() || record.guildId !== interaction.guildId) {
    return answer(interaction, 'That review is not part of this server\'s queue.');
  }
  if (!canReview(interaction, loadGuildSettings(ctx.db, interaction.guildId))) return answer(interaction, REFUSAL);
  const at = ctx.now();
  const actor = interaction.user.id;
  const decided = decideReview(ctx.db, record, { status: DECISION[target.action], actorId: actor, at, guildName: interaction.guild?.name ?? null });
  const current = loadReview(ctx.db, record.id)!;
  const job = loadJob(ctx.db, record.jobId)!;
  if (!decided) {
    return answer(interaction, `Already handled: ${current.status} by ${safeUserMention(current.actedBy)} ${safeTime(current.actedAt ?? at, TimestampStyles.RelativeTime)}.`);
  }
  ctx.log.info({ event: 'review_decided', reviewId: record.id, guildId: record.guildId, decision: current.status, by: actor }, 'review decided');
  ctx.onChange();
  await interaction.update({ ...reviewPost(current, job, at), allowedMentions: { parse: [] } });
}
