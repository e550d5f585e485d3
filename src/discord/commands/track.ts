import { time, TimestampStyles } from 'discord.js';
import { and, eq, isNull } from 'drizzle-orm';
import { isBlocked, loadGuildSettings } from '../../db/guilds';
import { loadAccount, loadJob, saveJob, URGENT } from '../../db/jobs';
import { inTransaction, type Db } from '../../db/open';
import { jobs, subscriptions } from '../../db/schema';
import { enqueueResultDm } from '../../db/outbox';
import { countOpenSubscriptions, findSubscription, type SubscriptionRow } from '../../db/subscriptions';
import { alertOpenIncidents } from '../../tracker/account';
import { endOf, trackAgain } from '../../tracker/lifecycle';
import { jobIdProblemText, parseJobId } from '../../useapi/jobId';
import { messageLink } from '../views/dm';
import { answer, COMMAND_CONTEXTS, DM_DEFAULT, type Command, type CommandContext } from './command';
import { NEEDED_TO_POST } from './permissions';

type TrackOutcome =
  | { kind: 'tracking' }
  | { kind: 'already'; link: string | null; finished: boolean }
  | { kind: 'cap' }
  /** It ended upstream before this /track: the result is shown at once (and DMed). */
  | { kind: 'finished' }
  /** The tracker had given up on it: it starts afresh. */
  | { kind: 'again'; gaveUp: 'not_found' | 'max_age' }
  | { kind: 'expired' };

interface TrackRequest {
  jobId: string;
  userId: string;
  guildId: string | null;
  channelId: string;
  dm: boolean;
}

/** Why the tracker had stopped, in the words of the answer. */
const GAVE_UP_BECAUSE = { not_found: 'not found', max_age: 'it ran longer than I follow a job' } as const;

export const track: Command = {
  definition: {
    name: 'track',
    description: 'Follow a useapi.net Midjourney v3 job: a message here stays up to date until it ends.',
    options: [
      { type: 3, name: 'jobid', description: 'The v3 job id (j…-u…-c…-bot:midjourney)', required: true, max_length: 200 },
      { type: 5, name: 'dm', description: 'DM me when the job ends (default: yes, unless the server says otherwise)', required: false },
    ],
    ...COMMAND_CONTEXTS,
  },

  async execute(interaction, ctx) {
    const parsed = parseJobId(interaction.options.getString('jobid', true));
    if (!parsed.ok) return answer(interaction, jobIdProblemText(parsed.reason));
    const { jobId } = parsed;
    if (ctx.useapiAccount !== null && jobId.account !== ctx.useapiAccount) {
      return answer(
        interaction,
        'That job was made with a different useapi.net account than the one this bot uses, so the bot cannot read it.',
      );
    }
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
    const dm = interaction.options.getBoolean('dm') ?? settings?.dmDefault ?? DM_DEFAULT;
    const outcome = subscribe(ctx, cap, {
      jobId: jobId.id,
      userId: interaction.user.id,
      guildId: interaction.guildId,
      channelId: interaction.channelId,
      dm,
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
        return answer(interaction, outcome.finished ? `That job already finished${where}` : `You are already tracking \`${jobId.id}\`${where}`);
      }
      case 'expired':
        return answer(interaction, `\`${jobId.id}\` has expired: useapi.net keeps jobs for 62 days, so it can no longer be read. There is nothing more to follow.`);
    }
    ctx.onChange();
    ctx.log.info({ event: 'tracked', outcome: outcome.kind, jobId: jobId.id, userId: interaction.user.id, guildId: interaction.guildId }, 'job tracked');
    switch (outcome.kind) {
      case 'finished':
        return answer(interaction, `That job already finished — here is its result in this channel${dm ? ", and I've DMed you" : ''}.`);
      case 'again':
        return answer(
          interaction,
          `I'd stopped following it (${GAVE_UP_BECAUSE[outcome.gaveUp]}); trying again now. A new message in this channel will follow it${dm ? ', and I will DM you when it ends' : ''}.`,
        );
      case 'tracking':
        return answer(
          interaction,
          `Tracking \`${jobId.id}\`. A message in this channel will follow it${dm ? ', and I will DM you when it ends' : ''}.`,
        );
    }
  },
};

function subscribe(ctx: CommandContext, cap: number, request: TrackRequest): TrackOutcome {
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

    const accountProblem = loadAccount(db).problem;
    let outcome: TrackOutcome = { kind: end === 'upstream' ? 'finished' : 'tracking' };
    if (job && end === 'tracker') {
      outcome = { kind: 'again', gaveUp: job.problem === 'max_age' ? 'max_age' : 'not_found' };
      // A newly tracked job is read first: the person who just ran /track is waiting for it.
      saveJob(db, { ...trackAgain(job, now), problem: accountProblem, nextPollAt: URGENT }, true);
      // Everyone whose message said the tracker had given up follows it again: the job is one, and
      // their messages should not keep saying "not found" while it runs or after it ends.
      db.update(subscriptions)
        .set({ state: 'active' })
        .where(and(eq(subscriptions.jobId, request.jobId), eq(subscriptions.state, 'done')))
        .run();
    } else if (!job) {
      db.insert(jobs).values({ jobId: request.jobId, trackedAt: now, nextPollAt: URGENT, problem: accountProblem }).run();
    } else {
      // A job nobody followed any more was parked (no poll time): wake it.
      db.update(jobs)
        .set({ nextPollAt: URGENT })
        .where(and(eq(jobs.jobId, request.jobId), eq(jobs.terminal, false), isNull(jobs.nextPollAt)))
        .run();
    }

    const sub = follow(db, existing, request, now);
    if (end === 'upstream' && request.dm) enqueueResultDm(db, sub, now);
    alertOpenIncidents(db, now);
    return outcome;
  });
}

/** The person's subscription, waiting for a new tracking message in this channel (a new generation of an old one). */
function follow(db: Db, existing: SubscriptionRow | undefined, request: TrackRequest, now: number): SubscriptionRow {
  const fresh = { guildId: request.guildId, channelId: request.channelId, dm: request.dm, messageId: null, renderedVersion: 0, createdAt: now, state: 'active' as const };
  if (existing) {
    return db
      .update(subscriptions)
      .set({ ...fresh, lostReason: null, generation: existing.generation + 1 })
      .where(eq(subscriptions.id, existing.id))
      .returning()
      .get();
  }
  return db.insert(subscriptions).values({ ...fresh, jobId: request.jobId, userId: request.userId }).returning().get();
}
