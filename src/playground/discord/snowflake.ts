/** Discord's epoch (2015-01-01T00:00:00Z), the zero point of every snowflake's timestamp. */
export const DISCORD_EPOCH = 1_420_070_400_000n;

/**
 * Makes strictly increasing, realistic snowflakes (19 digits today): 42 bits of milliseconds since
 * DISCORD_EPOCH, 5 bits worker, 5 bits process, 12 bits increment.
 */
export class SnowflakeGenerator {
  private last = 0n;

  constructor(
    private readonly worker = 1n,
    private readonly processId = 0n,
  ) {}

  next(now: number = Date.now()): string {
    const candidate =
      ((BigInt(now) - DISCORD_EPOCH) << 22n) | (this.worker << 17n) | (this.processId << 12n);
    // Same millisecond (or a clock step back): bump past the last one, which keeps ids unique and
    // increasing like Discord's per-worker increment does.
    this.last = candidate > this.last ? candidate : this.last + 1n;
    return this.last.toString();
  }
}

/** Creation time (ms since the Unix epoch) encoded in a snowflake. */
export function snowflakeTime(id: string): number {
  return Number((BigInt(id) >> 22n) + DISCORD_EPOCH);
}

export function isSnowflake(value: string): boolean {
  return /^[1-9][0-9]{15,19}$/.test(value);
}
