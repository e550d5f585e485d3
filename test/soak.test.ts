import { expect, it } from 'vitest';
import { runSoak, soakTable } from '../bench/soak/soak';

// `npm run soak -- --quick`: the real bot process under kills, upstream faults and Discord faults.
// SOAK_SEED=<n> replays a run; the seed is in the table printed on failure.
it('the quick soak: every verdict is 0', async () => {
  const seed = Number(process.env.SOAK_SEED ?? Math.floor(Math.random() * 2 ** 31));
  const report = await runSoak({ seed, quick: true });
  const table = soakTable(report);
  expect(report.killLoop.kills).toBeGreaterThanOrEqual(6);
  expect(report.killLoop.landed.track_answered + report.killLoop.landed.outbox_sent + report.killLoop.landed.poll_transaction, table).toBeGreaterThan(0);
  expect(report.pass, table).toBe(true);
}, 150_000);
