import { writeSync } from 'node:fs';

/**
 * A test hook for `npm run soak` (bench/soak/): with `TRACKER_CRASH_AT=<point>:<n>` in the
 * environment, the process kills itself with SIGKILL the n-th time it reaches `crashPoint(<point>)`,
 * after writing `crash_point <point>` to stderr. The points sit in the windows where a crash is most
 * dangerous (after Discord accepted a message, before the database knows; inside the poller's
 * transaction), so the soak can prove nothing is lost or repeated there. Unset, it does nothing.
 */
export type CrashPointName = 'message_created' | 'track_answered' | 'outbox_sent' | 'poll_transaction';

const armed = /^([a-z_]+):(\d+)$/.exec(process.env.TRACKER_CRASH_AT ?? '');
const target = armed ? { point: armed[1], remaining: Number(armed[2]) } : null;

export function crashPoint(point: CrashPointName): void {
  if (target?.point !== point || --target.remaining > 0) return;
  writeSync(2, `crash_point ${point}\n`);
  process.kill(process.pid, 'SIGKILL');
}
