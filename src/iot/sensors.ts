/**
 * The device layer of the IoT unit (BPIIoT IV.D): where temperature and vibration readings come
 * from. A `SensorSource` is anything that yields readings as an async iterable; adapters turn a
 * push callback, an (async) iterable or a CSV file into one, and `SyntheticSensor` is a seeded
 * machine model for simulations and tests.
 *
 * The synthetic machine runs normally (temperature and vibration around their means, Gaussian
 * noise) and now and then goes through an anomaly episode: for a stretch of readings its
 * vibration, its temperature or both sit well above Table 1's thresholds (VibraThreshold 100,
 * TempThreshold 200). With the defaults about a quarter of all readings vibrate hot and a quarter
 * run hot, so a few thousand readings at the paper's count thresholds (1000) raise service
 * requests and order parts.
 */
import { createReadStream } from "node:fs";
import { parse } from "csv-parse";
import { createRandom, type Random } from "../util/random";
import { IoTConfigError, SensorReadingError } from "./errors";

/** One reading of the machine's sensors. */
export interface SensorReading {
  /** Unix milliseconds. */
  time: number;
  /** Temperature, in the unit of the machine's TempThreshold (°C for the paper's 200). */
  temperature: number;
  /** Vibration frequency, in the unit of the machine's VibraThreshold (Hz for the paper's 100). */
  vibration: number;
}

/** Where readings come from. */
export interface SensorSource {
  /** A name for messages (a file, a device path, "synthetic(seed=7)"). */
  readonly name: string;
  /** The readings, in the order they were taken; ends when the source does. */
  readings(signal?: AbortSignal): AsyncIterable<SensorReading>;
}

/** Throws `SensorReadingError` unless `reading` has a finite time, temperature and vibration. */
export function checkReading(source: string, position: string, reading: SensorReading): SensorReading {
  for (const field of ["time", "temperature", "vibration"] as const) {
    const value = reading?.[field];
    if (typeof value !== "number" || !Number.isFinite(value)) {
      throw new SensorReadingError(source, position, field, `must be a finite number, got ${JSON.stringify(value)}`);
    }
  }
  return reading;
}

// ---------------------------------------------------------------------------------------------
// Synthetic machine

/** Which signal an anomaly episode drives over its threshold. */
export type AnomalyKind = "vibration" | "temperature" | "both";

/** An anomaly episode: readings `start` to `start + length - 1` (0-based) are anomalous. */
export interface AnomalyEpisode {
  start: number;
  length: number;
  kind: AnomalyKind;
}

/** A signal's level: mean and standard deviation of its Gaussian noise. */
export interface SignalLevel {
  mean: number;
  noise: number;
}

export interface SyntheticSensorOptions {
  /** Seed of the generator: the same seed gives the same readings, everywhere. */
  seed: number;
  /** Time of the first reading, Unix ms. Default 2025-01-01T00:00:00Z. */
  startTime?: number;
  /** Time between readings, ms. Default 1000. */
  intervalMs?: number;
  /** Normal operation. Defaults: temperature 70 ± 4, vibration 45 ± 8. */
  normal?: { temperature?: SignalLevel; vibration?: SignalLevel };
  /** Levels during an episode. Defaults: temperature 235 ± 10, vibration 140 ± 12 (3.5 σ above 200 and 100). */
  anomalous?: { temperature?: SignalLevel; vibration?: SignalLevel };
  /**
   * Random episodes: each normal reading starts one with probability `rate`, lasting a uniform
   * `minLength`..`maxLength` readings, of a kind drawn from `kinds`. Defaults: 0.002, 100, 500,
   * all three kinds. Ignored when `episodes` is given.
   */
  anomalies?: { rate?: number; minLength?: number; maxLength?: number; kinds?: readonly AnomalyKind[] };
  /** A fixed schedule of episodes instead of random ones (sorted, not overlapping). */
  episodes?: readonly AnomalyEpisode[];
  /** Stop after this many readings. Default: endless. */
  count?: number;
  /** Wall-clock pause between readings yielded by `readings()`, ms. Default 0 (as fast as consumed). */
  paceMs?: number;
  /**
   * A warning before each episode, off by default: over the `readings` readings before an episode
   * starts, the mean of the signal(s) it will drive ramps linearly from normal up to `ramp` of the
   * way toward the episode's level (reached on the reading before the episode), with their noise
   * × `noiseScale`. What makes onset predictable (src/learning: 200, 0.4, 1.5). With a precursor,
   * random episodes are drawn ahead from their own stream of the seed, so the readings differ from
   * those of the same seed without one; without it they are as before.
   */
  precursor?: SensorPrecursor;
}

/** The build-up before an episode (`SyntheticSensorOptions.precursor`). */
export interface SensorPrecursor {
  /** How many readings before an episode the build-up starts (≥ 1). */
  readings: number;
  /** Share of the way from the normal mean toward the episode's mean reached at the episode start, in [0, 1]. */
  ramp: number;
  /** Factor on the noise of the building signal(s) during the build-up (> 0). */
  noiseScale: number;
}

export const DEFAULT_SENSOR_START_TIME = Date.UTC(2025, 0, 1);
export const DEFAULT_NORMAL = { temperature: { mean: 70, noise: 4 }, vibration: { mean: 45, noise: 8 } } as const;
export const DEFAULT_ANOMALOUS = {
  temperature: { mean: 235, noise: 10 },
  vibration: { mean: 140, noise: 12 },
} as const;
export const DEFAULT_ANOMALIES = {
  rate: 0.002,
  minLength: 100,
  maxLength: 500,
  kinds: ["vibration", "temperature", "both"] as readonly AnomalyKind[],
};

/** A reading of the synthetic machine, with the episode it belongs to (if any). */
export interface SyntheticReading extends SensorReading {
  /** 0-based index of the reading. */
  index: number;
  anomaly?: AnomalyKind;
  /** With a precursor: the kind of the episode this reading builds up to (set only outside episodes). */
  precursor?: AnomalyKind;
}

/** A seeded synthetic machine: `next()` gives reading after reading, the same for the same seed. */
export class SyntheticSensor implements SensorSource {
  readonly name: string;
  private readonly random: Random;
  private readonly options: Required<
    Omit<SyntheticSensorOptions, "episodes" | "count" | "normal" | "anomalous" | "anomalies" | "precursor">
  > & {
    count?: number;
    normal: { temperature: SignalLevel; vibration: SignalLevel };
    anomalous: { temperature: SignalLevel; vibration: SignalLevel };
    anomalies: { rate: number; minLength: number; maxLength: number; kinds: readonly AnomalyKind[] };
  };
  private readonly schedule: readonly AnomalyEpisode[] | undefined;
  private readonly precursor: SensorPrecursor | undefined;
  /** With a precursor and random episodes: the episodes drawn ahead, and where drawing stopped. */
  private readonly ahead: AnomalyEpisode[] = [];
  private aheadRandom: Random | undefined;
  private aheadAt = 0;
  private index = 0;
  private episode: AnomalyEpisode | undefined;
  private scheduleAt = 0;

  constructor(options: SyntheticSensorOptions) {
    if (!Number.isSafeInteger(options.seed))
      throw new IoTConfigError("seed", `must be a safe integer, got ${options.seed}`);
    this.random = createRandom(options.seed);
    const anomalies = { ...DEFAULT_ANOMALIES, ...options.anomalies };
    this.options = {
      seed: options.seed,
      startTime: options.startTime ?? DEFAULT_SENSOR_START_TIME,
      intervalMs: options.intervalMs ?? 1000,
      paceMs: options.paceMs ?? 0,
      count: options.count,
      normal: { ...DEFAULT_NORMAL, ...options.normal },
      anomalous: { ...DEFAULT_ANOMALOUS, ...options.anomalous },
      anomalies,
    };
    if (!(anomalies.rate >= 0 && anomalies.rate <= 1))
      throw new IoTConfigError("anomalies.rate", `must be a probability, got ${anomalies.rate}`);
    if (!(
      Number.isSafeInteger(anomalies.minLength) &&
      anomalies.minLength >= 1 &&
      anomalies.maxLength >= anomalies.minLength
    )) {
      throw new IoTConfigError(
        "anomalies",
        `needs 1 <= minLength <= maxLength, got ${anomalies.minLength} and ${anomalies.maxLength}`,
      );
    }
    if (anomalies.kinds.length === 0) throw new IoTConfigError("anomalies.kinds", "must name at least one kind");
    if (options.count !== undefined && !(Number.isSafeInteger(options.count) && options.count >= 0)) {
      throw new IoTConfigError("count", `must be a non-negative integer, got ${options.count}`);
    }
    if (options.episodes !== undefined) {
      let end = 0;
      for (const [i, e] of options.episodes.entries()) {
        if (!(Number.isSafeInteger(e.start) && e.start >= end && Number.isSafeInteger(e.length) && e.length >= 1)) {
          throw new IoTConfigError(
            `episodes[${i}]`,
            `must start at or after ${end} (sorted, not overlapping) and last at least one reading`,
          );
        }
        end = e.start + e.length;
      }
      this.schedule = options.episodes;
    }
    if (options.precursor !== undefined) {
      const { readings, ramp, noiseScale } = options.precursor;
      if (!(Number.isSafeInteger(readings) && readings >= 1))
        throw new IoTConfigError("precursor.readings", `must be a positive integer, got ${readings}`);
      if (!(ramp >= 0 && ramp <= 1)) throw new IoTConfigError("precursor.ramp", `must be in [0, 1], got ${ramp}`);
      if (!(noiseScale > 0 && Number.isFinite(noiseScale)))
        throw new IoTConfigError("precursor.noiseScale", `must be a positive number, got ${noiseScale}`);
      this.precursor = { readings, ramp, noiseScale };
      if (this.schedule === undefined) this.aheadRandom = createRandom(options.seed, 1);
    }
    this.name = `synthetic(seed=${options.seed})`;
  }

  /** Readings produced so far. */
  get produced(): number {
    return this.index;
  }

  /** The next reading; deterministic for the seed. */
  next(): SyntheticReading {
    const i = this.index++;
    const episode = this.aheadRandom === undefined ? this.episodeAt(i) : this.episodeAhead(i);
    const { normal, anomalous } = this.options;
    const hotVibration = episode?.kind === "vibration" || episode?.kind === "both";
    const hotTemperature = episode?.kind === "temperature" || episode?.kind === "both";
    let levels = {
      temperature: hotTemperature ? anomalous.temperature : normal.temperature,
      vibration: hotVibration ? anomalous.vibration : normal.vibration,
    };
    const building = episode === undefined ? this.buildUp(i) : undefined;
    if (building !== undefined) levels = this.precursorLevels(building.kind, building.progress);
    // Both draws happen on every reading, so an episode does not shift the noise of later readings.
    const temperature = this.gaussian(levels.temperature);
    const vibration = Math.max(0, this.gaussian(levels.vibration));
    const reading: SyntheticReading = {
      index: i,
      time: this.options.startTime + i * this.options.intervalMs,
      temperature,
      vibration,
    };
    if (episode !== undefined) reading.anomaly = episode.kind;
    if (building !== undefined) reading.precursor = building.kind;
    return reading;
  }

  /** With a precursor: the episode reading `i` builds up to, and how far (1 on the reading before it). */
  private buildUp(i: number): { kind: AnomalyKind; progress: number } | undefined {
    if (this.precursor === undefined) return undefined;
    const next = this.nextEpisodeAfter(i);
    if (next === undefined) return undefined;
    const before = next.start - i; // 1 on the reading just before the episode
    if (before > this.precursor.readings) return undefined;
    return { kind: next.kind, progress: (this.precursor.readings - before + 1) / this.precursor.readings };
  }

  private precursorLevels(kind: AnomalyKind, progress: number): { temperature: SignalLevel; vibration: SignalLevel } {
    const { normal, anomalous } = this.options;
    const { ramp, noiseScale } = this.precursor!;
    const toward = (from: SignalLevel, to: SignalLevel): SignalLevel => ({
      mean: from.mean + ramp * progress * (to.mean - from.mean),
      noise: from.noise * noiseScale,
    });
    return {
      temperature: kind === "vibration" ? normal.temperature : toward(normal.temperature, anomalous.temperature),
      vibration: kind === "temperature" ? normal.vibration : toward(normal.vibration, anomalous.vibration),
    };
  }

  /** The first episode starting after reading `i` (scheduled, or drawn ahead far enough to see it). */
  private nextEpisodeAfter(i: number): AnomalyEpisode | undefined {
    if (this.schedule !== undefined) {
      for (let k = this.scheduleAt; k < this.schedule.length; k++)
        if (this.schedule[k].start > i) return this.schedule[k];
      return undefined;
    }
    this.drawAhead(i + this.precursor!.readings);
    return this.ahead.find((e) => e.start > i);
  }

  /** With a precursor and random episodes: the episode of reading `i`, from the episodes drawn ahead. */
  private episodeAhead(i: number): AnomalyEpisode | undefined {
    this.drawAhead(i);
    while (this.ahead.length > 0 && this.ahead[0].start + this.ahead[0].length <= i) this.ahead.shift();
    const e = this.ahead[0];
    return e !== undefined && e.start <= i ? e : undefined;
  }

  /**
   * Draws random episodes up to reading `until`, by the same rule as `episodeAt` (three draws per
   * normal reading) but from the precursor's own stream, so the schedule can be known ahead.
   */
  private drawAhead(until: number): void {
    const random = this.aheadRandom!;
    const { rate, minLength, maxLength, kinds } = this.options.anomalies;
    while (this.aheadAt <= until) {
      const starts = random.next() < rate;
      const length = minLength + random.int(maxLength - minLength + 1);
      const kind = kinds[random.int(kinds.length)];
      if (starts) {
        this.ahead.push({ start: this.aheadAt, length, kind });
        this.aheadAt += length;
      } else this.aheadAt++;
    }
  }

  async *readings(signal?: AbortSignal): AsyncIterable<SensorReading> {
    const { count, paceMs } = this.options;
    while ((count === undefined || this.index < count) && !signal?.aborted) {
      yield this.next();
      if (paceMs > 0) await new Promise((resolve) => setTimeout(resolve, paceMs));
    }
  }

  private episodeAt(i: number): AnomalyEpisode | undefined {
    if (this.schedule !== undefined) {
      while (
        this.scheduleAt < this.schedule.length &&
        this.schedule[this.scheduleAt].start + this.schedule[this.scheduleAt].length <= i
      )
        this.scheduleAt++;
      const e = this.schedule[this.scheduleAt];
      return e !== undefined && e.start <= i ? e : undefined;
    }
    if (this.episode !== undefined && i < this.episode.start + this.episode.length) return this.episode;
    this.episode = undefined;
    const { rate, minLength, maxLength, kinds } = this.options.anomalies;
    // Three draws per normal reading whether or not an episode starts: the stream stays aligned.
    const starts = this.random.next() < rate;
    const length = minLength + this.random.int(maxLength - minLength + 1);
    const kind = kinds[this.random.int(kinds.length)];
    if (starts) this.episode = { start: i, length, kind };
    return this.episode;
  }

  /** A Gaussian draw (Box–Muller); `1 - next()` keeps the logarithm's argument in (0, 1]. */
  private gaussian(level: SignalLevel): number {
    const u = 1 - this.random.next();
    const v = this.random.next();
    return level.mean + level.noise * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }
}

// ---------------------------------------------------------------------------------------------
// Adapters for real sensors

/** A source over readings already in an (async) iterable: a driver's stream, an array. */
export function iterableSource(
  name: string,
  iterable: AsyncIterable<SensorReading> | Iterable<SensorReading>,
): SensorSource {
  return {
    name,
    async *readings(signal?: AbortSignal): AsyncIterable<SensorReading> {
      let n = 0;
      for await (const reading of iterable as AsyncIterable<SensorReading>) {
        if (signal?.aborted) return;
        yield checkReading(name, `reading ${++n}`, reading);
      }
    },
  };
}

/** What a push-based sensor driver gets: call `push` per reading, `end` when done (with an error if it failed). */
export interface SensorSink {
  push(reading: SensorReading): void;
  end(error?: Error): void;
}

/**
 * A source over a push-based driver (a callback per reading, e.g. an MQTT subscription or a
 * serial port handler). `subscribe` starts the driver and returns its unsubscribe function,
 * called when the consumer stops. Readings pushed faster than they are consumed are buffered.
 */
export function callbackSource(name: string, subscribe: (sink: SensorSink) => () => void): SensorSource {
  return {
    name,
    async *readings(signal?: AbortSignal): AsyncIterable<SensorReading> {
      const buffer: SensorReading[] = [];
      let ended = false;
      let failure: Error | undefined;
      let wake: (() => void) | undefined;
      const notify = () => {
        wake?.();
        wake = undefined;
      };
      let n = 0;
      const unsubscribe = subscribe({
        push: (reading) => {
          if (ended) return;
          try {
            buffer.push(checkReading(name, `reading ${++n}`, reading));
          } catch (error) {
            failure = error as Error;
            ended = true;
          }
          notify();
        },
        end: (error) => {
          failure ??= error;
          ended = true;
          notify();
        },
      });
      const onAbort = () => notify();
      signal?.addEventListener("abort", onAbort);
      try {
        for (;;) {
          while (buffer.length > 0) {
            if (signal?.aborted) return;
            yield buffer.shift()!;
          }
          if (failure !== undefined) throw failure;
          if (ended || signal?.aborted) return;
          await new Promise<void>((resolve) => (wake = resolve));
        }
      } finally {
        signal?.removeEventListener("abort", onAbort);
        unsubscribe();
      }
    },
  };
}

/** Column names of a CSV replay. */
export interface CsvColumns {
  time: string;
  temperature: string;
  vibration: string;
}

export const DEFAULT_CSV_COLUMNS: CsvColumns = { time: "time", temperature: "temperature", vibration: "vibration" };

/** Parses a CSV time cell: Unix milliseconds or ISO-8601 (as the project's traffic logs). */
function parseTime(cell: string): number {
  if (/^-?\d+(\.\d+)?$/.test(cell.trim())) return Number(cell);
  return Date.parse(cell);
}

/**
 * Replays recorded readings from a CSV file with a header (`time,temperature,vibration` by
 * default; `time` in Unix ms or ISO-8601). A bad row throws `SensorReadingError` naming its line
 * and field. `paceMs` spaces the readings in wall-clock time (0: as fast as consumed).
 */
export function csvReplaySource(
  file: string,
  options: { columns?: Partial<CsvColumns>; paceMs?: number } = {},
): SensorSource {
  const columns = { ...DEFAULT_CSV_COLUMNS, ...options.columns };
  const paceMs = options.paceMs ?? 0;
  return {
    name: file,
    async *readings(signal?: AbortSignal): AsyncIterable<SensorReading> {
      const parser = createReadStream(file).pipe(
        parse({ columns: true, skip_empty_lines: true, trim: true, info: true }),
      );
      let checkedHeader = false;
      try {
        for await (const row of parser as AsyncIterable<{ record: Record<string, string>; info: { lines: number } }>) {
          if (signal?.aborted) return;
          const { record, info } = row;
          const line = `line ${info.lines}`;
          if (!checkedHeader) {
            for (const [field, column] of Object.entries(columns)) {
              if (!(column in record))
                throw new SensorReadingError(file, "line 1", field, `has no column "${column}" in the header`);
            }
            checkedHeader = true;
          }
          const reading: SensorReading = {
            time: parseTime(record[columns.time]),
            temperature: Number(record[columns.temperature] === "" ? Number.NaN : record[columns.temperature]),
            vibration: Number(record[columns.vibration] === "" ? Number.NaN : record[columns.vibration]),
          };
          for (const field of ["time", "temperature", "vibration"] as const) {
            if (!Number.isFinite(reading[field])) {
              throw new SensorReadingError(
                file,
                line,
                field,
                `is ${JSON.stringify(record[columns[field]])}, not a ${field === "time" ? "Unix ms or ISO-8601 time" : "number"}`,
              );
            }
          }
          yield reading;
          if (paceMs > 0) await new Promise((resolve) => setTimeout(resolve, paceMs));
        }
      } finally {
        parser.destroy();
      }
    },
  };
}
