/**
 * The model: logistic regression on the 12 window features plus a bias (13 parameters, the bias
 * last), trained locally by mini-batch SGD. Onsets are rare, so each owner weights its classes
 * by a fixed onset weight (8, the default) or by its own counts ("balanced": n / (2 n_c), capped)
 * — never by pooled counts. Deterministic: the batches come from a shuffle seeded by the caller.
 */
import { createRandom } from "../util/random";
import type { Dataset } from "./data";
import { LearningConfigError } from "./errors";
import { FEATURES } from "./features";

export type ClassWeight = "balanced" | "none" | number;

/** Parameters of the model: `FEATURES` weights, then the bias. */
export const PARAMETERS = FEATURES + 1;

export interface TrainOptions {
  /** Seed of the batch shuffle. */
  seed: number;
  /** Passes over the data. Default 1 (FedAvg's E = 1). */
  epochs?: number;
  /** Default 4. */
  batchSize?: number;
  /** Default 0.1. */
  learningRate?: number;
  /**
   * Weights of the classes: "balanced" (n / (2 n_c) from the owner's own counts), "none", or a
   * number, the weight of an onset against 1 for a normal window. Default 8.
   */
  classWeight?: ClassWeight;
  /** L2 penalty on the weights (not the bias). Default 1e-4. */
  l2?: number;
}

/**
 * Defaults. The onset weight 8 is fixed by the task (roughly the ratio of normal windows to onsets
 * at the data's defaults) rather than counted per owner: every owner, the pooled baseline and each
 * solo owner then minimise the same weighted loss, so FedAvg and centralised training aim at the
 * same optimum (per-owner "balanced" weights made FedAvg's optimum drift from the pooled one).
 * Small batches give FedAvg's one local epoch enough steps to reach it in 20 rounds.
 */
export const DEFAULT_TRAINING = {
  epochs: 1,
  batchSize: 4,
  learningRate: 0.1,
  classWeight: 8,
  l2: 1e-4,
} as const;

/** Largest class weight: an owner with very few onsets must not take giant steps on them. */
const MAX_CLASS_WEIGHT = 10;

/** A model with every parameter 0 (predicts 0.5 everywhere): where training starts. */
export function initialModel(): Float64Array {
  return new Float64Array(PARAMETERS);
}

function sigmoid(z: number): number {
  return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
}

function score(model: Float64Array, features: Float64Array, row: number): number {
  let z = model[FEATURES];
  const at = row * FEATURES;
  for (let j = 0; j < FEATURES; j++) z += model[j] * features[at + j];
  return z;
}

/** The probability of an onset for each sample. */
export function predict(model: Float64Array, data: Dataset): Float64Array {
  checkModel(model);
  const p = new Float64Array(data.samples);
  for (let i = 0; i < data.samples; i++) p[i] = sigmoid(score(model, data.features, i));
  return p;
}

function checkModel(model: Float64Array): void {
  if (model.length !== PARAMETERS)
    throw new LearningConfigError("model", `has ${model.length} parameters, logistic regression has ${PARAMETERS}`);
}

/** Weights of the classes [0, 1] for `data`. */
export function classWeights(data: Dataset, mode: ClassWeight): [number, number] {
  if (mode === "none") return [1, 1];
  if (typeof mode === "number") {
    if (!(mode > 0 && Number.isFinite(mode)))
      throw new LearningConfigError("classWeight", `must be "balanced", "none" or a positive number, got ${mode}`);
    return [1, mode];
  }
  let positives = 0;
  for (let i = 0; i < data.samples; i++) positives += data.labels[i];
  const negatives = data.samples - positives;
  const weight = (count: number) => (count === 0 ? 1 : Math.min(MAX_CLASS_WEIGHT, data.samples / (2 * count)));
  return [weight(negatives), weight(positives)];
}

/** The model after `epochs` of mini-batch SGD on `data` from `model` (which is left unchanged). */
export function trainLocal(model: Float64Array, data: Dataset, options: TrainOptions): Float64Array {
  checkModel(model);
  const { epochs, batchSize, learningRate, classWeight, l2 } = {
    ...DEFAULT_TRAINING,
    ...options,
  } as Required<TrainOptions>;
  if (!(Number.isSafeInteger(epochs) && epochs >= 1))
    throw new LearningConfigError("epochs", `must be a positive integer, got ${epochs}`);
  if (!(Number.isSafeInteger(batchSize) && batchSize >= 1))
    throw new LearningConfigError("batchSize", `must be a positive integer, got ${batchSize}`);
  if (!(learningRate > 0 && Number.isFinite(learningRate)))
    throw new LearningConfigError("learningRate", `must be a positive number, got ${learningRate}`);
  const w = Float64Array.from(model);
  if (data.samples === 0) return w;
  const weights = classWeights(data, classWeight);
  const random = createRandom(options.seed);
  const order = Array.from({ length: data.samples }, (_, i) => i);
  const gradient = new Float64Array(PARAMETERS);
  for (let epoch = 0; epoch < epochs; epoch++) {
    random.shuffle(order);
    for (let start = 0; start < order.length; start += batchSize) {
      const end = Math.min(order.length, start + batchSize);
      gradient.fill(0);
      let total = 0;
      for (let k = start; k < end; k++) {
        const i = order[k];
        const c = weights[data.labels[i]];
        const error = c * (sigmoid(score(w, data.features, i)) - data.labels[i]);
        const at = i * FEATURES;
        for (let j = 0; j < FEATURES; j++) gradient[j] += error * data.features[at + j];
        gradient[FEATURES] += error;
        total += c;
      }
      const step = learningRate / total;
      for (let j = 0; j < FEATURES; j++) w[j] -= step * gradient[j] + learningRate * l2 * w[j];
      w[FEATURES] -= step * gradient[FEATURES];
    }
  }
  return w;
}
