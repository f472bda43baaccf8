/**
 * The learning task and its data: predict the onset of an anomaly episode. From a window of the
 * last `window` readings (120) of a machine in normal operation, does an episode start within the
 * next `horizon` readings (60)? Episodes sit far above the thresholds once they run (any model
 * tells them apart), so the task is the warning before one: each device's `SyntheticSensor` runs
 * with a precursor (over the 200 readings before an episode its signal ramps 40 % of the way
 * toward the episode level, noise × 1.5).
 *
 * Non-IID by device, as real owners are: each device has its own offsets of the normal levels, its
 * own noise, one dominant anomaly kind (3 of 4 episodes), its own episode rate and 1k–8k readings,
 * all drawn from (seed, device id), so an owner's data never depends on another's.
 */
import { createHash } from "node:crypto";
import { SyntheticSensor, type AnomalyKind, type SensorPrecursor } from "../iot/sensors";
import { createRandom } from "../util/random";
import { LearningConfigError } from "./errors";
import { FEATURES, windowFeatures } from "./features";

/** Samples with their labels: `features` is row-major, `samples` rows of `FEATURES` values. */
export interface Dataset {
  features: Float64Array;
  /** 1 when an episode starts within the horizon after the window. */
  labels: Uint8Array;
  samples: number;
}

/** How a device differs from the others (drawn from the seed and its id). */
export interface DeviceProfile {
  device: string;
  /** Seed of its sensor. */
  seed: number;
  readings: number;
  /** Offsets of its normal temperature and vibration means. */
  offsets: { temperature: number; vibration: number };
  /** Factor on its normal noise. */
  noise: number;
  /** The kind of 3 of its 4 episodes. */
  dominant: AnomalyKind;
  /** Chance that a normal reading starts an episode. */
  rate: number;
}

/** One data owner's samples. */
export interface OwnerDataset extends Dataset {
  owner: string;
  positives: number;
  profile: DeviceProfile;
}

export interface DataOptions {
  seed: number;
  /** Readings per window. Default 120. */
  window?: number;
  /** Readings after the window in which an onset makes the label 1. Default 60. */
  horizon?: number;
  /** Readings between the ends of consecutive windows. Default 10. */
  stride?: number;
  /** The build-up before an episode. Default 200 readings, ramp 0.4, noise × 1.5. */
  precursor?: SensorPrecursor;
  /** Readings per device, drawn uniformly. Default 1,000..8,000. */
  readings?: { min: number; max: number };
}

export const DEFAULT_WINDOW = 120;
export const DEFAULT_HORIZON = 60;
export const DEFAULT_STRIDE = 10;
export const DEFAULT_PRECURSOR: SensorPrecursor = { readings: 200, ramp: 0.4, noiseScale: 1.5 };
export const DEFAULT_READINGS = { min: 1000, max: 8000 };
/** Share of the devices kept out of training to test on. */
export const HOLDOUT_SHARE = 0.2;

const KINDS: readonly AnomalyKind[] = ["vibration", "temperature", "both"];
const NORMAL = { temperature: { mean: 70, noise: 4 }, vibration: { mean: 45, noise: 8 } };

/** A safe-integer seed from the run's seed and a name (SHA-256, 48 bits). */
export function derivedSeed(seed: number, name: string): number {
  const digest = createHash("sha256").update(`commchain/learning|${seed}|${name}`).digest();
  return digest.readUIntBE(0, 6);
}

/** The profile of `device` under `seed`. */
export function deviceProfile(
  device: string,
  seed: number,
  readings: { min: number; max: number } = DEFAULT_READINGS,
): DeviceProfile {
  const own = derivedSeed(seed, device);
  const random = createRandom(own);
  const uniform = (a: number, b: number) => a + (b - a) * random.next();
  return {
    device,
    seed: own,
    readings: readings.min + random.int(readings.max - readings.min + 1),
    offsets: { temperature: uniform(-10, 10), vibration: uniform(-6, 6) },
    noise: uniform(0.8, 1.25),
    dominant: KINDS[random.int(KINDS.length)],
    rate: uniform(0.001, 0.003),
  };
}

function checkOptions(options: DataOptions): Required<Omit<DataOptions, "seed">> {
  const window = options.window ?? DEFAULT_WINDOW;
  const horizon = options.horizon ?? DEFAULT_HORIZON;
  const stride = options.stride ?? DEFAULT_STRIDE;
  const readings = options.readings ?? DEFAULT_READINGS;
  if (!Number.isSafeInteger(options.seed))
    throw new LearningConfigError("seed", `must be a safe integer, got ${options.seed}`);
  for (const [name, value, min] of [
    ["window", window, 4],
    ["horizon", horizon, 1],
    ["stride", stride, 1],
  ] as const) {
    if (!(Number.isSafeInteger(value) && value >= min))
      throw new LearningConfigError(name, `must be an integer of at least ${min}, got ${value}`);
  }
  if (!(Number.isSafeInteger(readings.min) && readings.min >= window + horizon && readings.max >= readings.min))
    throw new LearningConfigError(
      "readings",
      `needs window + horizon (${window + horizon}) <= min <= max, got ${readings.min}..${readings.max}`,
    );
  return { window, horizon, stride, readings, precursor: options.precursor ?? DEFAULT_PRECURSOR };
}

/** The samples of one device: windows that lie wholly in normal operation, labelled by onset within the horizon. */
export function deviceDataset(profile: DeviceProfile, options: DataOptions): OwnerDataset {
  const { window, horizon, stride, precursor } = checkOptions(options);
  const others = KINDS.filter((k) => k !== profile.dominant);
  const sensor = new SyntheticSensor({
    seed: profile.seed,
    normal: {
      temperature: {
        mean: NORMAL.temperature.mean + profile.offsets.temperature,
        noise: NORMAL.temperature.noise * profile.noise,
      },
      vibration: {
        mean: NORMAL.vibration.mean + profile.offsets.vibration,
        noise: NORMAL.vibration.noise * profile.noise,
      },
    },
    anomalies: { rate: profile.rate, kinds: [profile.dominant, profile.dominant, profile.dominant, ...others] },
    precursor,
  });
  const n = profile.readings;
  const temperature = new Float64Array(n);
  const vibration = new Float64Array(n);
  // anomalous[i] = number of anomalous readings before i, so a range's count is a difference.
  const anomalous = new Uint32Array(n + 1);
  for (let i = 0; i < n; i++) {
    const r = sensor.next();
    temperature[i] = r.temperature;
    vibration[i] = r.vibration;
    anomalous[i + 1] = anomalous[i] + (r.anomaly === undefined ? 0 : 1);
  }
  const { ends, labels, positives } = onsetWindows(anomalous, { window, horizon, stride });
  const features = new Float64Array(ends.length * FEATURES);
  ends.forEach((end, k) => windowFeatures(temperature, vibration, end - window, end, features, k * FEATURES));
  return { owner: profile.device, features, labels, samples: ends.length, positives, profile };
}

/**
 * The windows of a device's readings and their labels, from `anomalous[i]` = the number of
 * anomalous readings before reading i (a prefix count, n + 1 long). A window is readings
 * end − window .. end − 1, for end = window, window + stride, … while the horizon after it fits;
 * windows touching an episode are dropped (the task is the warning, not the episode itself); the
 * label is 1 when an anomalous reading falls in end .. end + horizon − 1, i.e. an episode starts there.
 */
export function onsetWindows(
  anomalous: Uint32Array,
  { window, horizon, stride }: { window: number; horizon: number; stride: number },
): { ends: number[]; labels: Uint8Array; positives: number } {
  const n = anomalous.length - 1;
  const ends: number[] = [];
  for (let end = window; end + horizon <= n; end += stride) {
    if (anomalous[end] - anomalous[end - window] === 0) ends.push(end);
  }
  const labels = new Uint8Array(ends.length);
  let positives = 0;
  ends.forEach((end, k) => {
    labels[k] = anomalous[end + horizon] - anomalous[end] > 0 ? 1 : 0;
    positives += labels[k];
  });
  return { ends, labels, positives };
}

/** Each device's own dataset, seeded from (seed, device id). */
export function ownerDatasets(deviceIds: readonly string[], options: DataOptions): OwnerDataset[] {
  const { readings } = checkOptions(options);
  if (new Set(deviceIds).size !== deviceIds.length) throw new LearningConfigError("deviceIds", "holds a device twice");
  return deviceIds.map((device) => deviceDataset(deviceProfile(device, options.seed, readings), options));
}

/** Several datasets as one (the holdout; the pooled data of centralised training). */
export function concatDatasets(datasets: readonly Dataset[]): Dataset {
  const samples = datasets.reduce((s, d) => s + d.samples, 0);
  const features = new Float64Array(samples * FEATURES);
  const labels = new Uint8Array(samples);
  let at = 0;
  for (const d of datasets) {
    features.set(d.features.subarray(0, d.samples * FEATURES), at * FEATURES);
    labels.set(d.labels.subarray(0, d.samples), at);
    at += d.samples;
  }
  return { features, labels, samples };
}

/** The owners' datasets and the held-out devices' samples. */
export interface LearningData {
  owners: OwnerDataset[];
  holdout: Dataset;
  holdoutDevices: string[];
}

/**
 * Splits `deviceIds` into owners and held-out devices (⌈20 %⌉ of them, at least one, picked by a
 * shuffle of the seed) and builds their datasets. The owners keep the order of `deviceIds`.
 */
export function learningDataset(deviceIds: readonly string[], options: DataOptions): LearningData {
  if (deviceIds.length < 2)
    throw new LearningConfigError(
      "deviceIds",
      `needs at least 2 devices (an owner and a held-out one), got ${deviceIds.length}`,
    );
  const held = Math.max(1, Math.ceil(deviceIds.length * HOLDOUT_SHARE));
  const order = createRandom(derivedSeed(options.seed, "holdout")).shuffle([...deviceIds]);
  const holdoutDevices = new Set(order.slice(0, held));
  const datasets = ownerDatasets(deviceIds, options);
  return {
    owners: datasets.filter((d) => !holdoutDevices.has(d.owner)),
    holdout: concatDatasets(datasets.filter((d) => holdoutDevices.has(d.owner))),
    holdoutDevices: deviceIds.filter((d) => holdoutDevices.has(d)),
  };
}

/**
 * Device ids for `owners` data owners and the held-out devices beside them (one per four owners,
 * rounded up, so the holdout is 20 % of the devices): `device-1`, `device-2`, …
 */
export function syntheticDeviceIds(owners: number): string[] {
  if (!(Number.isSafeInteger(owners) && owners >= 1))
    throw new LearningConfigError("owners", `must be a positive integer, got ${owners}`);
  const total = owners + Math.ceil(owners / 4);
  return Array.from({ length: total }, (_, i) => `device-${i + 1}`);
}
