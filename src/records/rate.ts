/**
 * The `--rate` of `records:send`: at most `perSecond` records per second overall, on average from
 * the start, so a replay runs at the pace of the original traffic rather than as fast as the
 * chains take it. Hand-written (a few lines) rather than a token-bucket package: the limiter only
 * has to pace one loop, and the clock is injectable so that tests need no real time.
 */
import { RecordsOptionError } from "./errors";

/** The time source of a {@link RateLimiter}. */
export interface Clock {
  /** Milliseconds, monotonic. */
  now(): number;
  sleep(ms: number): Promise<void>;
}

/** Real time. */
export const systemClock: Clock = {
  now: () => performance.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** Sleeps shorter than this are deferred to a later record: a timer per record would cost more than it paces. */
const MIN_SLEEP_MS = 5;

/** Paces records to at most `perSecond` per second (no limit when undefined). */
export class RateLimiter {
  private start: number | undefined;
  private taken = 0;

  constructor(
    readonly perSecond: number | undefined,
    private readonly clock: Clock = systemClock,
  ) {
    if (perSecond !== undefined && !(Number.isFinite(perSecond) && perSecond > 0)) {
      throw new RecordsOptionError("--rate", `must be a positive number of records per second, got ${perSecond}`);
    }
  }

  /** Takes `count` records; resolves when sending them keeps the average rate within the limit. */
  async take(count = 1): Promise<void> {
    if (this.perSecond === undefined) return;
    this.start ??= this.clock.now();
    this.taken += count;
    // The first record goes at once; record n is due n / rate seconds after it.
    const due = this.start + ((this.taken - 1) / this.perSecond) * 1000;
    const wait = due - this.clock.now();
    if (wait >= MIN_SLEEP_MS) await this.clock.sleep(wait);
  }
}
