import { ApplicationCommandOptionType, time, TimestampStyles, type ChatInputCommandInteraction, type RESTPostAPIChatInputApplicationCommandsJSONBody } from 'discord.js';
import { isBlocked, loadGuildSettings, promptsHidden } from '../../db/guilds';
import { insertJob, loadAccount, loadJob, saveJob, URGENT } from '../../db/jobs';
import { inTransaction } from '../../db/open';
import { enqueueResultDm } from '../../db/outbox';
import {
  countOpenSubscriptions,
  findSubscription,
  follow,
  followAgainAfterGivingUp,
  forgetAnswer,
  markRendered,
  wakeParkedJob,
  type FollowRequest,
} from '../../db/subscriptions';
import { crashPoint } from '../../crashPoint';
import { alertOpenIncidents } from '../../tracker/account';
import { endOf, trackAgain } from '../../tracker/lifecycle';
import type { JobRef } from '../../upstreams/port';
import { messageLink } from '../views/dm';
import { filesToShow } from '../resultUploads';
import { trackingMessage } from '../views/tracking';
import { displayId } from '../views/jobView';
import { answer, COMMAND_CONTEXTS, defineCommand, DM_DEFAULT, type CommandContext } from './command';
import { NEEDED_TO_POST } from './permissions';

type TrackOutcome =
  | { kind: 'tracking'; subscriptionId: number }
  | { kind: 'already'; link: string | null; finished: boolean }
  | { kind: 'cap' }
  /** It ended upstream before this /track: the result is shown at once (and DMed). */
  | { kind: 'finished'; subscriptionId: number }
  /** The tracker had given up on it: it starts afresh. */
  | { kind: 'again'; gaveUp: 'not_found' | 'max_age'; subscriptionId: number }
  | { kind: 'expired' };

/** Why the tracker had stopped, in the words of the answer. */
const GAVE_UP_BECAUSE = { not_found: 'not found', max_age: 'it ran longer than I follow a job' } as const;

export const trackDefinition = {
  name: 'track',
  description: 'Follow a Midjourney, Google Flow or Dreamina job: a message here stays up to date until it ends.',
  options: [
    { type: ApplicationCommandOptionType.String, name: 'jobid', description: 'The job id (useapi.net jobid, or a midjourney-proxy task id)', required: true, max_length: 200 },
    { type: ApplicationCommandOptionType.Boolean, name: 'dm', description: 'DM me when the job ends (default: yes, unless the server says otherwise)', required: false },
  ],
  ...COMMAND_CONTEXTS,
} as const satisfies RESTPostAPIChatInputApplicationCommandsJSONBody;

export const track = defineCommand(trackDefinition, {
  async execute(interaction, options, ctx) {
    const recognised = ctx.upstreams.recognise(options.getString('jobid', true));
    if (!recognised.ok) return answer(interaction, recognised.why);
    const { ref } = recognised;
    const adapter = ctx.upstreams.get(ref.upstream)!;
    const shown = displayId(ref.key);
    if (interaction.inGuild() && !interaction.appPermissions.has(NEEDED_TO_POST)) {
      return answer(
        interaction,
        'I cannot post in this channel. I need **View Channel**, **Send Messages** and **Embed Links** here; ask an admin, or try another channel.',
      );
    }

    const rate = ctx.trackRate.take(interaction.user.id, ctx.now());
    if (!rate.allowed) {
      return answer(interaction, `You can start following ${ctx.trackRate.perMinute} jobs a minute. Try again ${time(Math.ceil(rate.retryAt / 1000), TimestampStyles.RelativeTime)}.`);
    }

    const settings = interaction.inGuild() ? loadGuildSettings(ctx.db, interaction.guildId) : null;
    if (settings && isBlocked(ctx.db, settings.guildId, interaction.user.id)) {
      return answer(interaction, 'The admins of this server have blocked you from tracking jobs here.');
    }
    const cap = settings?.maxActiveJobsPerUser ?? ctx.maxActiveJobsPerUser;
    const dm = options.getBoolean('dm') ?? settings?.dmDefault ?? DM_DEFAULT;
    const outcome = subscribe(ctx, cap, { ...ref, account: adapter.accountKey }, {
      jobId: ref.key,
      userId: interaction.user.id,
      guildId: interaction.guildId,
      channelId: interaction.channelId,
      dm,
      answerInteractionId: interaction.id,
    });
    switch (outcome.kind) {
      case 'cap':
        return answer(
          interaction,
          `You are already following ${cap} jobs that have not finished, the most allowed at once${settings ? ' in this server' : ''}. ` +
            'Wait for one to end, or stop one with `/untrack`.',
        );
      case 'already': {
        const where = outcome.link ? `: ${outcome.link}` : '.';
        return answer(interaction, outcome.finished ? `That job already finished${where}` : `You are already tracking \`${shown}\`${where}`);
      }
      case 'expired':
        return answer(interaction, `\`${shown}\` has expired: ${adapter.names.keepsJobs ? `${adapter.names.service} keeps jobs for ${adapter.names.keepsJobs}` : `${adapter.names.service} no longer keeps it`}, so it can no longer be read. There is nothing more to follow.`);
    }
    // Before anything awaits: delivery must not post a message of its own while the reply is on its way.
    ctx.replies.begin(outcome.subscriptionId);
    ctx.log.info({ event: 'tracked', outcome: outcome.kind, jobId: ref.key, upstream: ref.upstream, userId: interaction.user.id, guildId: interaction.guildId }, 'job tracked');
    const lead = {
      tracking: `Tracking ${ref.description} \`${shown}\` on ${adapter.names.service}.`,
      again: outcome.kind === 'again' ? `Following it again: I had stopped (${GAVE_UP_BECAUSE[outcome.gaveUp]}).` : '',
      finished: 'It had already ended.',
    }[outcome.kind];
    await replyWithTrackingMessage(interaction, ctx, outcome.subscriptionId, ref.key, [lead]);
  },
});

/**
 * Answers /track with the tracking message itself (public, like any bot's answer to a command):
 * the job as far as it is known, brought up to date by delivery through the interaction's token.
 * If the reply fails, delivery posts the message in the channel instead.
 */
async function replyWithTrackingMessage(interaction: ChatInputCommandInteraction, ctx: CommandContext, subscriptionId: number, jobId: string, lead: string[]): Promise<void> {
  try {
    const job = loadJob(ctx.db, jobId)!;
    const hidePrompt = promptsHidden(ctx.db, interaction.guildId);
    const body = trackingMessage(job, ctx.now(), { hidePrompt }, lead);
    const response = await interaction.reply({ ...body, allowedMentions: { parse: [] }, withResponse: true });
    const messageId = response.resource?.message?.id;
    if (!messageId) throw new Error('the /track reply came back without its message');
    crashPoint('track_answered');
    // The reply shows the job as delivery would, but without re-hosted files: those delivery adds.
    const complete = filesToShow(job, ctx.media) === null;
    markRendered(ctx.db, subscriptionId, messageId, complete ? job.version : 0, complete && job.terminal);
    ctx.replies.replied(subscriptionId, { applicationId: interaction.applicationId, token: interaction.token }, interaction.createdTimestamp);
  } catch (error) {
    forgetAnswer(ctx.db, subscriptionId);
    ctx.replies.notReplied(subscriptionId);
    ctx.log.warn({ event: 'track_reply_failed', subscription: subscriptionId, err: error }, 'the /track reply failed; delivery posts the tracking message');
  } finally {
    ctx.onChange();
  }
}

function subscribe(ctx: CommandContext, cap: number, ref: JobRef & { account: string }, request: FollowRequest): TrackOutcome {
  const now = ctx.now();
  const { db } = ctx;
  return inTransaction(db, (): TrackOutcome => {
    const existing = findSubscription(db, request.userId, request.jobId);
    const job = loadJob(db, request.jobId);
    const end = job ? endOf(job) : null;
    if (end === 'expired') return { kind: 'expired' };
    const following = existing !== undefined && (existing.state === 'active' || existing.state === 'done');
    if (following && end !== 'tracker') {
      return { kind: 'already', link: messageLink(existing), finished: end === 'upstream' };
    }
    // A job that ended upstream is not open: it takes no place under the cap.
    if (end !== 'upstream' && countOpenSubscriptions(db, request.userId, request.guildId) >= cap) return { kind: 'cap' };

    const accountProblem = loadAccount(db, ref.account).problem;
    const gaveUp = job && end === 'tracker' ? (job.problem === 'max_age' ? 'max_age' : 'not_found') : null;
    if (job && end === 'tracker') {
      // A newly tracked job is read first: the person who just ran /track is waiting for it.
      saveJob(db, { ...trackAgain(job, now), problem: accountProblem, nextPollAt: URGENT }, true);
      followAgainAfterGivingUp(db, request.jobId);
    } else if (!job) {
      insertJob(db, { jobId: ref.key, upstream: ref.upstream, account: ref.account, scope: ref.scope }, { trackedAt: now, nextPollAt: URGENT, problem: accountProblem });
    } else {
      wakeParkedJob(db, request.jobId);
    }

    const sub = follow(db, existing, request, now);
    if (end === 'upstream' && request.dm) enqueueResultDm(db, sub, now);
    alertOpenIncidents(db, now);
    if (gaveUp) return { kind: 'again', gaveUp, subscriptionId: sub.id };
    return { kind: end === 'upstream' ? 'finished' : 'tracking', subscriptionId: sub.id };
  });
}
