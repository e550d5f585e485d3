/**
 * The useapi Midjourney adapter's whole parse path over real HTTP: whatever status, body and Retry-After the
 * emulator sends back, a read answers one of the known results and never throws.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ListResult, PollResult } from '../../src/upstreams/port';
import { useapiMidjourney } from '../../src/upstreams/useapi-midjourney';
import { makeJobId, startUseapiEmulator, type UseapiEmulator } from '../../src/playground/useapi';

const RUNS = Number(process.env.FUZZ_RUNS ?? 100);
let useapi: UseapiEmulator;
beforeAll(async () => {
  useapi = await startUseapiEmulator();
});
afterAll(async () => {
  await useapi.close();
});

const body = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 300 }),
  fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
  fc.record({ jobid: fc.string(), status: fc.string(), response: fc.jsonValue({ maxDepth: 2 }) }).map((v) => JSON.stringify(v)),
  fc.record({ channels: fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 3 })) }).map((v) => JSON.stringify(v)),
);
/** What a header can carry (Node refuses control characters in headers). */
const retryAfter = fc.option(fc.oneof(fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 40 }), fc.integer({ min: -5, max: 1e9 }).map(String), fc.date({ noInvalidDate: true }).map((d) => d.toUTCString())), { nil: undefined });

function wellFormed(result: PollResult | ListResult): void {
  expect(['ok', 'http', 'timeout', 'network', 'malformed']).toContain(result.kind);
  if (result.kind === 'http') {
    expect(result.status).not.toBe(200);
    if (result.retryAfterMs !== null) expect(Number.isFinite(result.retryAfterMs) && result.retryAfterMs >= 0).toBe(true);
    if (result.message !== null) expect(typeof result.message).toBe('string');
  }
}

describe('useapi client, fuzzed answers', { timeout: 120_000 }, () => {
  it('a job read and a list read answer a known result, whatever status, body and Retry-After come back', async () => {
    const adapter = useapiMidjourney({ baseUrl: useapi.url, token: useapi.token, timeoutMs: 2000, account: null, maxRequestsPerSecond: 10 });
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(200, 200, 200, 201, 204, 301, 400, 401, 402, 404, 410, 422, 429, 500, 503, 596, 599), body, fc.constantFrom('application/json', 'text/html', 'text/plain; charset=utf-8'), retryAfter, async (status, text, contentType, after) => {
        const jobid = makeJobId();
        useapi.addJob({ jobid, steps: [{ afterMs: 0, status: 'progress', progress: 5 }] });
        const fault = { kind: 'status' as const, status, body: status === 204 ? '' : text, contentType, ...(after === undefined ? {} : { retryAfter: after }) };
        useapi.queueFaults(jobid, fault);
        useapi.queueListFaults(fault);
        wellFormed(await adapter.read(jobid));
        wellFormed(await adapter.listRunning!([jobid]));
      }),
      { numRuns: RUNS },
    );
  });
});
