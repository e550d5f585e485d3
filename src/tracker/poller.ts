import { inTransaction, type Db } from '../db/open';
import { countRunningJobs, dueJobs, firstPollableJob, loadJob, pausedAccounts, pollBy, pollFirst, runningJobIds, saveAccount, saveJob, URGENT } from '../db/jobs';
import { enqueueResultDms } from '../db/outbox';
import { openReviews } from '../db/reviews';
import { crashPoint } from '../crashPoint';
import type { Logger } from '../log';
import type { PollResult, UpstreamAdapter } from '../upstreams/port';
import { advance, type LifecycleSettings } from './lifecycle';
import { applyAccountSignal } from './account';
import { RequestBudget } from './budget';
import { backoffDelay, jitter, LIST_MIN_JOBS, listInterval, loopPeriod, progressInterval, reservedShare } from './policy';

/** useapi publishes no read limit; 10 requests a second is gentle and still follows 150 jobs at full pace. */
export const DEFAULT_MAX_REQUESTS_PER_SECOND = 10;

export interface PollerOptions {
  db: Db;
  /** The configured upstream adapters (reached only through the port). */
  upstreams: readonly UpstreamAdapter[];
  log: Logger;
  settings: LifecycleSettings;
  now?: () => number;
  random?: () => number;
  /** Upstream reads in flight at once. */
  concurrency?: number;
  /** Discord ids of the bot's owners, who hear of account incidents by DM. */
  ownerUserIds?: readonly string[];
  /** Called after a change that delivery should act on. */
  onChange?: () => void;
}

export interface Poller {
  start(): void;
  /** Stops claiming work and waits for reads in flight to be recorded. */
  stop(): Promise<void>;
  /** One pass of the loop (tests and benchmarks drive it directly). */
  tick(): Promise<void>;
  /** Passes the running loop has finished: tests wait on them instead of sleeping. */
  passes(): number;
  /**
   * One request of `upstream`'s budget for something else than a poll (a fresh link for /jobs),
   * only when it leaves the polls' reserve untouched; call the result when its answer came. Null:
   * none to spare now.
   */
  spare(upstream: string): (() => void) | null;
}

/** One upstream as the poller drives it: its own request budget and its own list of running jobs. */
interface Lane {
  adapter: UpstreamAdapter;
  budget: RequestBudget;
  /** Budget that progress reads leave free, so the list and final reads never queue behind them. */
  reserved: number;
  /**
   * The list of running jobs: when to read it next, until when its last answer vouches for the jobs,
   * and whether jobs were scheduled on that promise (they must be read on their own once it lapses).
   */
  list: { inFlight: Promise<void> | null; nextAt: number; coveredUntil: number; covering: boolean; failures: number; watched: number };
}

/**
 * One loop over the due-queue in SQLite. A job is read once per poll however many people follow
 * it; the result and its effects are written in one transaction.
 */
export function createPoller(opts: PollerOptions): Poller {
  const { db, log, settings } = opts;
  const now = opts.now ?? Date.now;
  const random = opts.random ?? Math.random;
  const concurrency = opts.concurrency ?? 8;
  const ownerUserIds = opts.ownerUserIds ?? [];
  const tickMs = loopPeriod(settings);
  /** While the account is refused, it is probed this often with one job. */
  const probeIntervalMs = Math.max(30_000, 6 * settings.pollIntervalMs);

  const inFlight = new Map<string, Promise<void>>();
  /** Reads in flight per account: a paused account is probed only when none is. */
  const inFlightByAccount = new Map<string, number>();
  const lanes = new Map<string, Lane>(
    opts.upstreams.map((adapter) => {
      const budget = new RequestBudget(adapter.maxRequestsPerSecond);
      const list = { inFlight: null, nextAt: 0, coveredUntil: 0, covering: false, failures: 0, watched: 0 };
      return [adapter.id, { adapter, budget, reserved: reservedShare(budget.perSecond), list }];
    }),
  );
  let timer: NodeJS.Timeout | undefined;
  /** When the timer fires; while a pass is under way (`looping`), it sets the timer itself when done. */
  let timerAt = Infinity;
  let looping = false;
  let running = false;
  let passes = 0;

  /** `sentAt`: when the read was sent; an answer to an older question cannot vouch for the account now. */
  function record(lane: Lane, jobId: string, result: PollResult, sentAt: number): void {
    const at = now();
    const outcome = inTransaction(db, () => {
      const before = loadJob(db, jobId);
      // Parked while the read was on its way (its last follower left): nobody is waiting for it.
      if (!before || before.terminal || before.nextPollAt === null) return null;
      const { list } = lane;
      const covered = list.coveredUntil > at;
      if (covered) list.covering = true;
      const progressIntervalMs = covered ? progressInterval(list.watched, settings) : undefined;
      const transition = advance(before, result, settings, { now: at, random, progressIntervalMs });
      saveJob(db, transition.job, transition.visible);
      let dms = 0;
      let reviews = 0;
      for (const effect of transition.effects) {
        if (effect.kind === 'job_finished') dms += enqueueResultDms(db, jobId, at);
        if (effect.kind === 'open_review') reviews += openReviews(db, jobId, at);
      }
      const account = applyAccountSignal(db, transition.account, { at, sentAt }, { probeIntervalMs, ownerUserIds });
      crashPoint('poll_transaction');
      return { transition, dms, reviews, account };
    });
    if (!outcome) return;
    const { transition, dms, reviews, account } = outcome;
    if (account) log.warn({ event: `account_${account.kind}`, incident: account.incident, jobId, upstream: lane.adapter.id }, 'upstream account state changed');
    if (transition.change) {
      log.info(
        {
          event: 'job_changed',
          jobId,
          change: transition.change,
          status: transition.job.status,
          progress: transition.job.progress,
          problem: transition.job.problem,
          terminal: transition.job.terminal,
          http: transition.job.lastHttpStatus,
          dms,
          reviews,
        },
        'job changed',
      );
    } else if (result.kind !== 'ok') {
      log.debug({ event: 'poll_failed', jobId, result: describe(result), streak: transition.job.errorStreak }, 'poll failed');
    }
    if (transition.visible || dms > 0 || reviews > 0 || account) opts.onChange?.();
  }

  /** `takenAt`: when its place in the budget was taken. */
  function poll(lane: Lane, jobId: string, takenAt: number): void {
    const sentAt = now();
    const account = lane.adapter.accountKey;
    inFlightByAccount.set(account, (inFlightByAccount.get(account) ?? 0) + 1);
    const work = lane.adapter
      .read(jobId)
      .finally(() => lane.budget.answered(takenAt, now()))
      .then((result) => record(lane, jobId, result, sentAt))
      .catch((error: unknown) => log.error({ event: 'poll_crashed', jobId, err: error }, 'recording a poll failed'))
      .finally(() => {
        inFlight.delete(jobId);
        inFlightByAccount.set(account, (inFlightByAccount.get(account) ?? 1) - 1);
      });
    inFlight.set(jobId, work);
  }

  /**
   * One read of the list of running jobs stands in for many "is it done yet?" reads: a job that
   * was running and is no longer listed has ended, and is read at once for its final state.
   */
  function readList(lane: Lane, at: number): void {
    const { list, adapter } = lane;
    list.nextAt = at + listInterval(list.watched, settings);
    list.inFlight = adapter.listRunning!(runningJobIds(db, adapter.id))
      .finally(() => lane.budget.answered(at, now()))
      .then((result) => {
        const done = now();
        if (result.kind !== 'ok') {
          list.failures++;
          list.nextAt = done + backoffDelay(list.failures, result.kind === 'http' ? result.retryAfterMs : null, settings, random);
          log.debug({ event: 'list_failed', upstream: adapter.id, result: describe(result), streak: list.failures }, 'list of running jobs unavailable');
          return;
        }
        list.failures = 0;
        const watched = runningJobIds(db, adapter.id);
        list.watched = watched.length;
        // It vouches for two intervals (time for a failed list read to be retried), then each job is due within a third:
        // an end is noticed within 3× the interval whatever the list does. Too few left to go on: no longer than this answer.
        list.coveredUntil = done + (list.watched < LIST_MIN_JOBS ? 0 : 2 * settings.pollIntervalMs);
        const ended = watched.filter((jobId) => !result.running.has(jobId));
        if (ended.length > 0) {
          // Their final state is the news people wait for: read them now, ahead of progress reads.
          pollFirst(db, ended);
          if (running) void tickSafely();
        }
      })
      .catch((error: unknown) => log.error({ event: 'list_crashed', upstream: adapter.id, err: error }, 'reading the list of running jobs failed'))
      .finally(() => {
        list.inFlight = null;
        // Its next read is due before the loop's next pass, perhaps.
        rearm();
      });
  }

  async function tick(): Promise<void> {
    const at = now();
    const paused = pausedAccounts(db);
    for (const account of paused) {
      // Account-wide refusal: one probe at a time instead of every job failing on its own.
      if ((account.nextProbeAt ?? 0) > at || (inFlightByAccount.get(account.account) ?? 0) > 0) continue;
      const probe = firstPollableJob(db, account.account);
      const lane = probe && lanes.get(probe.upstream);
      if (!probe || !lane || !lane.budget.take(at)) continue;
      // Set before the answer, whatever it will be (a timeout, 5xx, 404…): one probe per interval.
      saveAccount(db, account.account, { ...account, nextProbeAt: at + jitter(probeIntervalMs, random) });
      poll(lane, probe.jobId, at);
    }
    const pausedKeys = new Set(paused.map((a) => a.account));
    for (const lane of lanes.values()) {
      const { list, adapter } = lane;
      if (adapter.listRunning && !pausedKeys.has(adapter.accountKey) && !list.inFlight && at >= list.nextAt) {
        if (list.watched < LIST_MIN_JOBS) list.watched = countRunningJobs(db, adapter.id);
        if (list.watched < LIST_MIN_JOBS) {
          // Too few to be worth the list: it stops vouching for them now.
          list.nextAt = at + settings.pollIntervalMs;
          list.coveredUntil = Math.min(list.coveredUntil, at);
        }
        // Without budget now, the list still goes first at the next tick.
        else if (lane.budget.take(at)) readList(lane, at);
      }
      if (list.covering && list.coveredUntil <= at) {
        // Jobs scheduled for their progress only, on the list's word: each is read on its own again.
        list.covering = false;
        pollBy(db, adapter.id, at + settings.pollIntervalMs);
      }
    }
    const free = concurrency - inFlight.size;
    if (free <= 0) return;
    for (const { jobId, upstream, nextPollAt } of dueJobs(db, at, free + inFlight.size, [...pausedKeys])) {
      if (inFlight.size >= concurrency) break;
      const lane = lanes.get(upstream);
      if (!lane || inFlight.has(jobId)) continue;
      const urgent = nextPollAt === URGENT || lane.list.coveredUntil <= at;
      if (!urgent && lane.budget.available(at) <= lane.reserved) continue;
      if (!lane.budget.take(at)) continue;
      poll(lane, jobId, at);
    }
    await Promise.resolve();
  }

  /** The loop's period, or less when a list read falls due sooner: an end is noticed the moment the list is due, not a tick later. */
  function untilNextTick(): number {
    const at = now();
    let wait = tickMs;
    for (const { adapter, list } of lanes.values()) {
      if (adapter.listRunning && !list.inFlight && list.watched >= LIST_MIN_JOBS) wait = Math.min(wait, list.nextAt - at);
    }
    return Math.max(0, wait);
  }

  function tickSafely(): Promise<void> {
    return tick().catch((error: unknown) => log.error({ event: 'tick_crashed', err: error }, 'poller tick failed'));
  }

  function loop(): void {
    if (!running) return;
    looping = true;
    timerAt = Infinity;
    void tickSafely().finally(() => {
      looping = false;
      passes++;
      rearm();
    });
  }

  /** Sets the timer of the loop's next pass, unless it is set to fire sooner already. */
  function rearm(): void {
    if (!running || looping) return;
    const wait = untilNextTick();
    if (now() + wait >= timerAt) return;
    clearTimeout(timer);
    timerAt = now() + wait;
    timer = setTimeout(loop, wait);
  }

  return {
    start() {
      if (running) return;
      running = true;
      loop();
    },
    async stop() {
      running = false;
      clearTimeout(timer);
      await Promise.allSettled([...inFlight.values(), ...[...lanes.values()].map((lane) => lane.list.inFlight)]);
    },
    tick,
    passes: () => passes,
    spare(upstream) {
      const lane = lanes.get(upstream);
      const at = now();
      if (!lane || lane.budget.available(at) <= lane.reserved || !lane.budget.take(at)) return null;
      return () => lane.budget.answered(at, now());
    },
  };
}

function describe(result: PollResult): string {
  switch (result.kind) {
    case 'http':
      return `HTTP ${result.status}${result.message ? `: ${result.message}` : ''}`;
    case 'network':
    case 'malformed':
      return `${result.kind}: ${result.message}`;
    default:
      return result.kind;
  }
}
