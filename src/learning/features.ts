/**
 * The 12 features of a window of readings: per signal (temperature, vibration) its mean, standard
 * deviation, minimum, maximum, least-squares slope and late-minus-early change.
 *
 * Each is scaled by fixed constants from the machine's thresholds (BPIIoT Table 1: TempThreshold
 * 200, VibraThreshold 100), never by statistics pooled over the owners: a data owner computes its
 * features from its own readings alone, and every owner's features mean the same thing, so the
 * federated model fits all of them. Levels are centred on half the threshold in units of a quarter
 * threshold (normal operation lands near −0.5…0, the threshold at +2); spreads are in units of a
 * twentieth of the threshold (normal noise ≈ 0.4 for temperature, 1.6 for vibration).
 */

/** The thresholds the features are scaled by. */
export interface SignalThresholds {
  temperature: number;
  vibration: number;
}

/** BPIIoT Table 1: TempThreshold 200 (°C), VibraThreshold 100 (Hz). */
export const TABLE1_THRESHOLDS: SignalThresholds = { temperature: 200, vibration: 100 };

/** Names of the features, in their order in a feature row. */
export const FEATURE_NAMES = [
  "temperature.mean",
  "temperature.std",
  "temperature.min",
  "temperature.max",
  "temperature.slope",
  "temperature.change",
  "vibration.mean",
  "vibration.std",
  "vibration.min",
  "vibration.max",
  "vibration.slope",
  "vibration.change",
] as const;

/** Features per window. */
export const FEATURES = FEATURE_NAMES.length;

/** Share of the window at each end whose means make the late-minus-early change (less noisy than last − first). */
const CHANGE_SHARE = 0.25;

/**
 * Writes the 12 features of readings `from`..`to − 1` of `temperature` and `vibration` into `out`
 * at `offset`. The window needs at least 4 readings (a slope and two quarter means).
 */
export function windowFeatures(
  temperature: Float64Array,
  vibration: Float64Array,
  from: number,
  to: number,
  out: Float64Array,
  offset: number,
  thresholds: SignalThresholds = TABLE1_THRESHOLDS,
): void {
  signalFeatures(temperature, from, to, thresholds.temperature, out, offset);
  signalFeatures(vibration, from, to, thresholds.vibration, out, offset + FEATURES / 2);
}

function signalFeatures(
  values: Float64Array,
  from: number,
  to: number,
  threshold: number,
  out: Float64Array,
  offset: number,
): void {
  const n = to - from;
  const level = (x: number) => (x - threshold / 2) / (threshold / 4);
  const spread = threshold / 20;
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  for (let i = from; i < to; i++) {
    const x = values[i];
    sum += x;
    if (x < min) min = x;
    if (x > max) max = x;
  }
  const mean = sum / n;
  // Slope by least squares against the centred index, as a change across the whole window.
  const centre = (n - 1) / 2;
  let sxx = 0;
  let sxy = 0;
  let ss = 0;
  for (let i = from; i < to; i++) {
    const k = i - from - centre;
    const d = values[i] - mean;
    sxx += k * k;
    sxy += k * d;
    ss += d * d;
  }
  const quarter = Math.max(1, Math.floor(n * CHANGE_SHARE));
  let early = 0;
  let late = 0;
  for (let k = 0; k < quarter; k++) {
    early += values[from + k];
    late += values[to - 1 - k];
  }
  out[offset] = level(mean);
  out[offset + 1] = Math.sqrt(ss / n) / spread;
  out[offset + 2] = level(min);
  out[offset + 3] = level(max);
  out[offset + 4] = ((sxy / sxx) * (n - 1)) / (threshold / 4);
  out[offset + 5] = (late - early) / quarter / (threshold / 4);
}
