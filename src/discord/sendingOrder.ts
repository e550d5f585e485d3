import type { OutboxRow } from '../db/outbox';
import type { StaleSubscription } from '../db/subscriptions';

/**
 * How urgent a request is, most urgent first. A saturated channel sends them in this order:
 * - `final`: a tracking message's final state (an edit, or the post of a job that ended before its
 *   message was posted), in the order the jobs ended: what people wait for, and it never changes again;
 * - `effect`: an outbox message (a review post or an account alert in a channel; a DM in its own
 *   lane). Like a final state it reports something that has happened and cannot collapse into a
 *   later request, and an alert gets worse with every minute it waits; there are few of them;
 * - `new`: a tracking message not posted yet (its person already has the /track answer);
 * - `progress`: an edit showing a newer progress of a running job. Ten of them collapse into one,
 *   so they wait: a channel's progress is suspended while it owes anything else.
 */
export type Urgency = 'final' | 'effect' | 'new' | 'progress';

export type Owed =
  | { urgency: Exclude<Urgency, 'effect'>; lane: string; stale: StaleSubscription }
  | { urgency: 'effect'; lane: string; row: OutboxRow };

const RANK: Record<Urgency, number> = { final: 0, effect: 1, new: 2, progress: 3 };

/**
 * What delivery owes Discord, most urgent first (each list keeps its own order within an urgency).
 * `laneOfMessage` says whose rate limit a tracking message's request counts against: its channel's,
 * or its own interaction token's.
 */
export function sendingOrder(
  stale: readonly StaleSubscription[],
  due: readonly OutboxRow[],
  laneOfMessage: (s: StaleSubscription) => string = (s) => s.subscription.channelId,
): Owed[] {
  const owed: Owed[] = [
    ...stale.map((s) => ({ urgency: urgencyOf(s), lane: laneOfMessage(s), stale: s })),
    ...due.map((row) => ({ urgency: 'effect' as const, lane: laneOf(row), row })),
  ];
  owed.sort((a, b) => RANK[a.urgency] - RANK[b.urgency]);
  const busy = new Set(owed.filter((o) => o.urgency !== 'progress').map((o) => o.lane));
  return owed.filter((o) => o.urgency !== 'progress' || !busy.has(o.lane));
}

function urgencyOf({ subscription, terminal }: StaleSubscription): Exclude<Urgency, 'effect'> {
  if (terminal) return 'final';
  return subscription.messageId === null ? 'new' : 'progress';
}

/** Posts to a channel share that channel's lane (and rate limit) with its tracking messages. */
export function laneOf(row: OutboxRow): string {
  return row.channelId ?? `dm:${row.userId}`;
}
