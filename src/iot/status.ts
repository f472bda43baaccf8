/**
 * Status data: the JSON snapshot a unit uploads to the off-chain store, summarizing the readings
 * taken since its last upload (BPIIoT VI.B: "status data" shared with providers). Raw readings
 * stay on the device; the snapshot carries per-signal count, min, max, mean, standard deviation
 * and last value, and how many readings crossed the thresholds.
 *
 * The encoding is canonical (fixed key order, numbers rounded to `STATUS_DECIMALS`) so the same
 * snapshot always gives the same bytes, hence the same keccak-256 on chain.
 */
import { getAddress } from "ethers";
import { StatusFormatError } from "./errors";
import type { SensorReading } from "./sensors";

export const STATUS_FORMAT = "commchain-status";
export const STATUS_VERSION = 1;
/** Decimal places kept in a snapshot: sensors are not more precise than a thousandth. */
export const STATUS_DECIMALS = 3;

/** Summary statistics of one signal over the window. */
export interface SignalStats {
  min: number;
  max: number;
  mean: number;
  /** Population standard deviation. */
  stddev: number;
  last: number;
  /** Readings above the threshold once rounded to integers, as the contract counts them. */
  aboveThreshold: number;
}

/** One uploaded status snapshot. */
export interface StatusSnapshot {
  format: typeof STATUS_FORMAT;
  version: typeof STATUS_VERSION;
  /** The device (unit) account. */
  device: string;
  /** The machine the readings are of. */
  machine: string;
  /** 1 for the unit's first upload, then +1 per upload. */
  sequence: number;
  /** Time of the first and last reading summarized, Unix ms, and how many there were. */
  window: { from: number; to: number; readings: number };
  thresholds: { temperature: number; vibration: number };
  temperature: SignalStats;
  vibration: SignalStats;
}

/** Running statistics of one signal (Welford's algorithm: one pass, numerically stable). */
class RunningStats {
  count = 0;
  min = Number.POSITIVE_INFINITY;
  max = Number.NEGATIVE_INFINITY;
  mean = 0;
  private m2 = 0;
  last = 0;
  above = 0;

  add(value: number, threshold: number): void {
    this.count++;
    const delta = value - this.mean;
    this.mean += delta / this.count;
    this.m2 += delta * (value - this.mean);
    this.min = Math.min(this.min, value);
    this.max = Math.max(this.max, value);
    this.last = value;
    // Rounded as the contract sees the reading (`toContractReading`), then compared strictly.
    if (Math.round(value) > threshold) this.above++;
  }

  stats(): SignalStats {
    return {
      min: round(this.min),
      max: round(this.max),
      mean: round(this.mean),
      stddev: round(this.count > 0 ? Math.sqrt(this.m2 / this.count) : 0),
      last: round(this.last),
      aboveThreshold: this.above,
    };
  }
}

function round(value: number): number {
  const factor = 10 ** STATUS_DECIMALS;
  const rounded = Math.round(value * factor) / factor;
  // -0 would serialize as 0 anyway; normalize so equal snapshots compare equal in tests too.
  return rounded === 0 ? 0 : rounded;
}

/**
 * Summarizes readings as they come; `snapshot()` then `reset()` at each upload. Thresholds count
 * readings above them (rounded to integers first, as the contract sees them).
 */
export class StatusAccumulator {
  private temperature = new RunningStats();
  private vibration = new RunningStats();
  private from = 0;
  private to = 0;

  constructor(private thresholds: { temperature: number; vibration: number }) {}

  /** Readings summarized since the last reset. */
  get count(): number {
    return this.temperature.count;
  }

  /** Uses new thresholds for readings added from now on (the machine's owner changed them). */
  setThresholds(thresholds: { temperature: number; vibration: number }): void {
    this.thresholds = thresholds;
  }

  add(reading: SensorReading): void {
    if (this.count === 0) this.from = reading.time;
    this.to = reading.time;
    this.temperature.add(reading.temperature, this.thresholds.temperature);
    this.vibration.add(reading.vibration, this.thresholds.vibration);
  }

  /** The snapshot of the readings since the last reset; undefined when there were none. */
  snapshot(identity: { device: string; machine: string; sequence: number }): StatusSnapshot | undefined {
    if (this.count === 0) return undefined;
    return {
      format: STATUS_FORMAT,
      version: STATUS_VERSION,
      device: getAddress(identity.device),
      machine: getAddress(identity.machine),
      sequence: identity.sequence,
      window: { from: this.from, to: this.to, readings: this.count },
      thresholds: { ...this.thresholds },
      temperature: this.temperature.stats(),
      vibration: this.vibration.stats(),
    };
  }

  reset(): void {
    this.temperature = new RunningStats();
    this.vibration = new RunningStats();
  }
}

const STATS_KEYS = ["min", "max", "mean", "stddev", "last", "aboveThreshold"] as const;

function orderedStats(s: SignalStats): SignalStats {
  return Object.fromEntries(STATS_KEYS.map((k) => [k, s[k]])) as unknown as SignalStats;
}

/** The canonical bytes of a snapshot (fixed key order, UTF-8 JSON). */
export function encodeStatus(snapshot: StatusSnapshot): Uint8Array {
  const ordered: StatusSnapshot = {
    format: snapshot.format,
    version: snapshot.version,
    device: snapshot.device,
    machine: snapshot.machine,
    sequence: snapshot.sequence,
    window: { from: snapshot.window.from, to: snapshot.window.to, readings: snapshot.window.readings },
    thresholds: { temperature: snapshot.thresholds.temperature, vibration: snapshot.thresholds.vibration },
    temperature: orderedStats(snapshot.temperature),
    vibration: orderedStats(snapshot.vibration),
  };
  return new TextEncoder().encode(JSON.stringify(ordered));
}

/** Parses a snapshot; throws `StatusFormatError` naming the bad field. */
export function decodeStatus(bytes: Uint8Array): StatusSnapshot {
  let value: Record<string, unknown>;
  try {
    value = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes)) as Record<string, unknown>;
  } catch (err) {
    throw new StatusFormatError("(document)", `not UTF-8 JSON (${(err as Error).message})`);
  }
  if (typeof value !== "object" || value === null) throw new StatusFormatError("(document)", "expected a JSON object");
  if (value.format !== STATUS_FORMAT)
    throw new StatusFormatError("format", `expected "${STATUS_FORMAT}", found ${JSON.stringify(value.format)}`);
  if (value.version !== STATUS_VERSION)
    throw new StatusFormatError("version", `unsupported ${JSON.stringify(value.version)}`);
  for (const field of ["device", "machine"]) {
    if (typeof value[field] !== "string" || !/^0x[0-9a-fA-F]{40}$/.test(value[field] as string))
      throw new StatusFormatError(field, "expected an address");
  }
  if (!Number.isSafeInteger(value.sequence)) throw new StatusFormatError("sequence", "expected an integer");
  for (const signal of ["temperature", "vibration"]) {
    const stats = value[signal] as Record<string, unknown> | undefined;
    for (const key of STATS_KEYS) {
      if (typeof stats?.[key] !== "number") throw new StatusFormatError(`${signal}.${key}`, "expected a number");
    }
  }
  const window = value.window as Record<string, unknown> | undefined;
  for (const key of ["from", "to", "readings"]) {
    if (typeof window?.[key] !== "number") throw new StatusFormatError(`window.${key}`, "expected a number");
  }
  return value as unknown as StatusSnapshot;
}

/**
 * The query string recorded in the EPR for a snapshot: what returns this subset of the device's
 * data (the paper's "query string that returns a subset of the data").
 */
export function statusQuery(snapshot: StatusSnapshot): string {
  return `status?machine=${snapshot.machine}&seq=${snapshot.sequence}&from=${snapshot.window.from}&to=${snapshot.window.to}`;
}
