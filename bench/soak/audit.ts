/**
 * What the soak checks once the faults are over: compares what Discord shows (the loopback fake)
 * and what the database holds with what each person asked for.
 */
import { subscriptions } from '../../src/db/schema';
import { loadJob } from '../../src/db/jobs';
import { messageText } from '../../src/playground/discord';
import type { World } from '../../test/e2e/world';

export type Outcome = 'completed' | 'failed' | 'moderated';
/** A job's last status upstream: one of the outcomes, or a status useapi does not document (final as well). */
export type FinalStatus = Outcome | (string & {});

/** One person following one job in one channel, as the soak asked for it. */
export interface Follow {
  user: { id: string; username: string };
  jobid: string;
  outcome: FinalStatus;
  channelId: string;
  guildId: string;
  dm: boolean;
  /** Untracked before the job ended: no DM may come and the message is left as it was. */
  untracked?: 'before_end' | 'maybe_after_end';
  /** The tracking message was deleted or made unreachable on purpose: the result comes by DM, whatever `dm` says. */
  lost?: boolean;
  /** The person closed their DMs: Discord refuses the DM (50007), so none arrives and none is retried. */
  dmsClosed?: boolean;
}

export interface Verdicts {
  jobsLost: number;
  messagesDuplicated: number;
  messagesNotFinal: number;
  dmsDuplicated: number;
  dmsMissing: number;
}

const FINAL_WORD: Record<string, RegExp> = { completed: /Completed/, failed: /Failed/, moderated: /Moderated/ };
const finalWord = (status: string) => FINAL_WORD[status] ?? new RegExp(status.replace(/[^\w]/g, '\\$&'));
const LOST_DM = /can't update the tracking message/;

export function audit(world: World, follows: Follow[]): { verdicts: Verdicts; problems: string[] } {
  const problems: string[] = [];
  const rows = world.db.select().from(subscriptions).all();
  const verdicts: Verdicts = { jobsLost: 0, messagesDuplicated: 0, messagesNotFinal: 0, dmsDuplicated: 0, dmsMissing: 0 };

  for (const follow of follows) {
    const what = `${follow.user.username} ${follow.jobid}`;
    if (follow.untracked) continue;
    const row = rows.find((r) => r.userId === follow.user.id && r.jobId === follow.jobid);
    const job = loadJob(world.db, follow.jobid);
    // `outcome` is the upstream's own word (e.g. an undocumented `cancelled`), which the reading keeps.
    if (!row || !job?.terminal || (job.reading?.upstreamStatus ?? job.status) !== follow.outcome) {
      verdicts.jobsLost++;
      problems.push(`lost: ${what} (subscription ${row ? row.state : 'missing'}, job ${job ? `${job.status} terminal=${job.terminal}` : 'missing'})`);
      continue;
    }
    if (follow.lost) continue;
    const message = row.messageId ? world.discord.message(follow.channelId, row.messageId) : undefined;
    if (!message || !finalWord(follow.outcome).test(messageText(message.data)) || row.renderedVersion !== job.version) {
      verdicts.messagesNotFinal++;
      problems.push(`not final: ${what}: ${message ? messageText(message.data).slice(0, 120) : 'no message'}`);
    }
  }

  // Messages: at most one per person, job and channel.
  const expectedMessages = new Map<string, number>();
  for (const f of follows) expectedMessages.set(`${f.channelId} ${f.jobid}`, (expectedMessages.get(`${f.channelId} ${f.jobid}`) ?? 0) + 1);
  for (const [key, expected] of expectedMessages) {
    const [channelId, jobid] = key.split(' ') as [string, string];
    const shown = world.discord.channelMessages(channelId).filter((m) => messageText(m.data).includes(jobid)).length;
    if (shown > expected) {
      verdicts.messagesDuplicated += shown - expected;
      problems.push(`duplicated: ${shown} messages for ${jobid} in ${channelId}, ${expected} expected`);
    }
  }

  // DMs: one result DM per person who asked for it (or whose message was lost), none otherwise.
  for (const follow of follows) {
    const dms = world.discord.dmsTo(follow.user.id).filter((m) => messageText(m.data).includes(follow.jobid));
    const results = dms.filter((m) => !LOST_DM.test(messageText(m.data))).length;
    const lostNotices = dms.length - results;
    const expected = follow.untracked === 'maybe_after_end' ? null : follow.untracked || follow.dmsClosed ? 0 : follow.dm || follow.lost ? 1 : 0;
    const what = `${follow.user.username} ${follow.jobid}`;
    if (results > Math.max(1, expected ?? 1) || (expected === 0 && results > 0) || lostNotices > (follow.lost ? 1 : 0)) {
      verdicts.dmsDuplicated++;
      problems.push(`DM repeated or unwanted: ${what}: ${results} result DMs, ${lostNotices} lost notices`);
    }
    if ((expected === 1 && results === 0) || (follow.lost && lostNotices === 0)) {
      verdicts.dmsMissing++;
      problems.push(`DM missing: ${what}`);
    }
  }
  return { verdicts, problems };
}

export function allZero(verdicts: object): boolean {
  return Object.values(verdicts).every((v) => v === 0);
}

/** Waits until the audit passes (the faults are over, the bot catches up) or the time is up; returns the last audit. */
export async function settle(world: World, follows: Follow[], timeoutMs: number): Promise<ReturnType<typeof audit>> {
  const deadline = Date.now() + timeoutMs;
  let result = audit(world, follows);
  while (!allZero(result.verdicts) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    result = audit(world, follows);
  }
  // Converged: anything sent twice would show within Discord's answer to the bot's next scan.
  await quiet(world, 1000);
  return audit(world, follows);
}

/** Resolves once the fake Discord has seen no request for `ms` (or after ten times that). */
export async function quiet(world: World, ms: number): Promise<void> {
  let seen = world.discord.counters.requests;
  let since = Date.now();
  const deadline = since + 10 * ms;
  while (Date.now() - since < ms && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    if (world.discord.counters.requests !== seen) {
      seen = world.discord.counters.requests;
      since = Date.now();
    }
  }
}
