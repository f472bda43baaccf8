/**
 * Readings on their way to MaintenanceService: converted to the contract's integers and batched.
 *
 * The contract takes `int32` temperatures and `uint32` vibrations in the unit of its thresholds
 * and compares strictly (`T > TempThreshold`). A sensor's float is rounded to the nearest integer
 * (so 200.4 °C does not count against a threshold of 200, 200.6 does) and clamped into the type's
 * range (a negative vibration, impossible physically but possible from a noisy driver, becomes 0).
 *
 * The batcher flushes when it holds `size` readings or when the oldest reading it holds has
 * waited `maxDelayMs`, whichever comes first: big batches save gas (one transaction, the counters
 * written once), the delay bounds how late a threshold crossing reaches the chain.
 */
import { IoTConfigError } from "./errors";
import type { SensorReading } from "./sensors";

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;
const UINT32_MAX = 2 ** 32 - 1;

/** A reading as MaintenanceService takes it. */
export interface ContractReading {
  temp: number;
  vibra: number;
}

/** Rounds and clamps a reading to the contract's `int32` temperature and `uint32` vibration. */
export function toContractReading(reading: SensorReading): ContractReading {
  const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));
  return {
    temp: clamp(Math.round(reading.temperature), INT32_MIN, INT32_MAX),
    vibra: clamp(Math.round(reading.vibration), 0, UINT32_MAX),
  };
}

/** How readings are grouped into transactions. */
export interface BatchPolicy {
  /** Readings per transaction (1 = one `reportReading` per reading). */
  size: number;
  /** Longest a reading waits for its batch to fill, ms (wall clock). */
  maxDelayMs: number;
}

export const DEFAULT_BATCH: BatchPolicy = { size: 50, maxDelayMs: 10_000 };
/** More readings than this in one batch would not fit a block's gas at the paper's thresholds. */
export const MAX_BATCH_SIZE = 2_000;

/** Checks a batch policy; throws `IoTConfigError` naming the bad field. */
export function checkBatchPolicy(policy: BatchPolicy): BatchPolicy {
  if (!(Number.isSafeInteger(policy.size) && policy.size >= 1 && policy.size <= MAX_BATCH_SIZE)) {
    throw new IoTConfigError("batch.size", `must be an integer from 1 to ${MAX_BATCH_SIZE}, got ${policy.size}`);
  }
  if (!(Number.isFinite(policy.maxDelayMs) && policy.maxDelayMs >= 0)) {
    throw new IoTConfigError("batch.maxDelayMs", `must be a non-negative number of ms, got ${policy.maxDelayMs}`);
  }
  return policy;
}

/**
 * Groups readings into batches and hands each to `onBatch`, one at a time and in order. A
 * failure of a delay-triggered flush (no caller to throw to) is kept and thrown by the next
 * `add` or `flush`.
 */
export class ReadingBatcher {
  private buffer: SensorReading[] = [];
  private timer: NodeJS.Timeout | undefined;
  private tail: Promise<void> = Promise.resolve();
  private failure: unknown;

  constructor(
    private readonly policy: BatchPolicy,
    private readonly onBatch: (batch: SensorReading[]) => Promise<void>,
    /** Told at once of a failed delay-triggered flush (it is also thrown by the next call). */
    private readonly onDelayedFailure?: (error: unknown) => void,
  ) {
    checkBatchPolicy(policy);
  }

  /** Readings waiting for their batch. */
  get waiting(): number {
    return this.buffer.length;
  }

  /** Adds a reading; resolves once any batch it completed was handed over. */
  async add(reading: SensorReading): Promise<void> {
    this.rethrow();
    this.buffer.push(reading);
    if (this.buffer.length >= this.policy.size) return this.flush();
    if (this.timer === undefined) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.flush().catch((error: unknown) => {
          this.failure = error;
          this.onDelayedFailure?.(error);
        });
      }, this.policy.maxDelayMs);
    }
  }

  /** Hands over whatever is waiting (nothing if empty); resolves when every batch so far is handed over. */
  flush(): Promise<void> {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    const batch = this.buffer;
    this.buffer = [];
    const run = this.tail.then(async () => {
      if (batch.length > 0) await this.onBatch(batch);
    });
    this.tail = run.catch(() => undefined);
    return run.then(() => this.rethrow());
  }

  /** Stops the delay timer; waiting readings stay (flush them first to keep them). */
  stop(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private rethrow(): void {
    if (this.failure === undefined) return;
    const failure = this.failure;
    this.failure = undefined;
    throw failure;
  }
}
