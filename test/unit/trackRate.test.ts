import { describe, expect, it } from 'vitest';
import { TrackRate } from '../../src/discord/commands/trackRate';

describe('TrackRate', () => {
  it('allows perMinute /track in any minute per person, and says when the next one is allowed', () => {
    const rate = new TrackRate(3);
    expect([0, 10_000, 20_000].map((at) => rate.take('alice', at).allowed)).toEqual([true, true, true]);
    expect(rate.take('alice', 30_000)).toEqual({ allowed: false, retryAt: 60_000 });
    expect(rate.take('bob', 30_000).allowed).toBe(true);
    expect(rate.take('alice', 59_999).allowed).toBe(false);
    // The first use leaves the minute: one more, not three.
    expect(rate.take('alice', 60_001).allowed).toBe(true);
    expect(rate.take('alice', 60_002)).toEqual({ allowed: false, retryAt: 70_000 });
  });
});
