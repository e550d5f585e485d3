import { and, eq, isNull } from 'drizzle-orm';
import { isBlocked, loadGuildSettings } from '../../db/guilds';
import { insertJob, loadAccount, loadJob, saveJob, URGENT } from '../../db/jobs';
import { inTransaction, type Db } from '../../db/open';
import { jobs, subscriptions } from '../../db/schema';
import { enqueueResultDm } from '../../db/outbox';
import { countOpenSubscriptions, findSubscription, type SubscriptionRow } from '../../db/subscriptions';
import { alertOpenIncidents } from '../../tracker/account';
import { endOf, trackAgain } from '../../tracker/lifecycle';
import type { JobRef } from '../../upstreams/port';
import { displayId } from '../views/jobView';
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
  ref: JobRef & { account: string };
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
    description: 'Follow a Midjourney, Google Flow or Dreamina job: a message here stays up to date until it ends.',
    options: [
      { type: 3, name: 'jobid', description: 'The job id (useapi.net jobid, or a midjourney-proxy task id)', required: true, max_length: 200 },
      { type: 5, name: 'dm', description: 'DM me when the job ends (default: yes, unless the server says otherwise)', required: false },
    ],
    ...COMMAND_CONTEXTS,
  },

  async execute(interaction, ctx) {
    const recognised = ctx.upstreams.recognise(interaction.options.getString('jobid', true));
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

    const settings = interaction.inGuild() ? loadGuildSettings(ctx.db, interaction.guildId) : null;
    if (settings && isBlocked(ctx.db, settings.guildId, interaction.user.id)) {
      return answer(interaction, 'The admins of this server have blocked you from tracking jobs here.');
    }
    const cap = settings?.maxActiveJobsPerUser ?? ctx.maxActiveJobsPerUser;
    const dm = interaction.options.getBoolean('dm') ?? settings?.dmDefault ?? DM_DEFAULT;
    const outcome = subscribe(ctx, cap, {
      ref: { ...ref, account: adapter.accountKey },
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
        return answer(interaction, outcome.finished ? `That job already finished${where}` : `You are already tracking \`${shown}\`${where}`);
      }
      case 'expired':
        return answer(interaction, `\`${shown}\` has expired: ${adapter.names.keepsJobs ? `${adapter.names.service} keeps jobs for ${adapter.names.keepsJobs}` : `${adapter.names.service} no longer keeps it`}, so it can no longer be read. There is nothing more to follow.`);
    }
    ctx.onChange();
    ctx.log.info({ event: 'tracked', outcome: outcome.kind, jobId: ref.key, upstream: ref.upstream, userId: interaction.user.id, guildId: interaction.guildId }, 'job tracked');
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
          `Tracking ${ref.description} \`${shown}\` on ${adapter.names.service}. A message in this channel will follow it${dm ? ', and I will DM you when it ends' : ''}.`,
        );
    }
  },
};

function subscribe(ctx: CommandContext, cap: number, request: TrackRequest): TrackOutcome {
  const now = ctx.now();
  const { db } = ctx;
  const jobId = request.ref.key;
  return inTransaction(db, (): TrackOutcome => {
    const existing = findSubscription(db, request.userId, jobId);
    const job = loadJob(db, jobId);
    const end = job ? endOf(job) : null;
    if (end === 'expired') return { kind: 'expired' };
    const following = existing !== undefined && (existing.state === 'active' || existing.state === 'done');
    if (following && end !== 'tracker') {
      return { kind: 'already', link: messageLink(existing), finished: end === 'upstream' };
    }
    // A job that ended upstream is not open: it takes no place under the cap.
    if (end !== 'upstream' && countOpenSubscriptions(db, request.userId, request.guildId) >= cap) return { kind: 'cap' };

    const accountProblem = loadAccount(db, request.ref.account).problem;
    let outcome: TrackOutcome = { kind: end === 'upstream' ? 'finished' : 'tracking' };
    if (job && end === 'tracker') {
      outcome = { kind: 'again', gaveUp: job.problem === 'max_age' ? 'max_age' : 'not_found' };
      // A newly tracked job is read first: the person who just ran /track is waiting for it.
      saveJob(db, { ...trackAgain(job, now), problem: accountProblem, nextPollAt: URGENT }, true);
      // Everyone whose message said the tracker had given up follows it again: the job is one, and
      // their messages should not keep saying "not found" while it runs or after it ends.
      db.update(subscriptions)
        .set({ state: 'active' })
        .where(and(eq(subscriptions.jobId, jobId), eq(subscriptions.state, 'done')))
        .run();
    } else if (!job) {
      const { key, upstream, account, scope } = request.ref;
      insertJob(db, { jobId: key, upstream, account, scope }, { trackedAt: now, nextPollAt: URGENT, problem: accountProblem });
    } else {
      // A job nobody followed any more was parked (no poll time): wake it.
      db.update(jobs)
        .set({ nextPollAt: URGENT })
        .where(and(eq(jobs.jobId, jobId), eq(jobs.terminal, false), isNull(jobs.nextPollAt)))
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
  return db.insert(subscriptions).values({ ...fresh, jobId: request.ref.key, userId: request.userId }).returning().get();
}
