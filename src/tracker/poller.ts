import { inTransaction, type Db } from '../db/open';
import { dueJobs, firstPollableJob, loadJob, pausedAccounts, saveAccount, saveJob, URGENT } from '../db/jobs';
import { enqueueResultDms } from '../db/outbox';
import { openReviews } from '../db/reviews';
import { crashPoint } from '../crashPoint';
import type { Logger } from '../log';
import { describeFailure, type PollResult, type UpstreamAdapter } from '../upstreams/port';
import { advance, type LifecycleSettings } from './lifecycle';
import { applyAccountSignal } from './account';
import { RequestBudget } from './budget';
import { jitter, loopPeriod, reservedShare } from './policy';
import { RunningList } from './runningList';

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
  list: RunningList;
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
      const list = new RunningList({
        ...{ db, adapter, budget, log, settings, now, random },
        onEnded: () => {
          if (running) void tickSafely();
        },
        onSettled: rearm,
        onChange: () => opts.onChange?.(),
      });
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
      const progressIntervalMs = lane.list.progressIntervalAt(at);
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
      log.debug({ event: 'poll_failed', jobId, result: describeFailure(result), streak: transition.job.errorStreak }, 'poll failed');
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
    for (const { list, adapter } of lanes.values()) list.tend(at, pausedKeys.has(adapter.accountKey));
    const free = concurrency - inFlight.size;
    if (free <= 0) return;
    for (const { jobId, upstream, nextPollAt } of dueJobs(db, at, free + inFlight.size, [...pausedKeys])) {
      if (inFlight.size >= concurrency) break;
      const lane = lanes.get(upstream);
      if (!lane || inFlight.has(jobId)) continue;
      const urgent = nextPollAt === URGENT || !lane.list.vouchesAt(at);
      if (!urgent && lane.budget.available(at) <= lane.reserved) continue;
      if (!lane.budget.take(at)) continue;
      poll(lane, jobId, at);
    }
    await Promise.resolve();
  }

  /** The loop's period, or less when a list read falls due sooner: an end is noticed the moment the list is due, not a tick later. */
  function untilNextTick(): number {
    const at = now();
    const wait = Math.min(tickMs, ...[...lanes.values()].map(({ list }) => list.dueIn(at)));
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
