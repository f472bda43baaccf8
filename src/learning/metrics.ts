/**
 * How well a model predicts held-out labels: accuracy and balanced accuracy at the 0.5 cut,
 * the area under the ROC curve (rank-based, so it needs no cut) and the log loss. Onsets are the
 * rarer class (about one window in ten), so balanced accuracy — the mean of the rates of correct
 * answers on each class — is the figure to compare: always answering "no onset" scores ~90 %
 * accuracy and 50 % balanced accuracy.
 */
import { ranks } from "../util/stats";
import { LearningConfigError } from "./errors";

export interface Metrics {
  accuracy: number;
  balancedAccuracy: number;
  /** Area under the ROC curve; 0.5 when one class is missing. */
  auc: number;
  /** Mean negative log-likelihood, probabilities clamped to [1e-15, 1 − 1e-15]. */
  loss: number;
}

const EPSILON = 1e-15;

/** The metrics of probabilities `p` against 0/1 `labels`. */
export function evaluate(p: Float64Array, labels: Uint8Array): Metrics {
  if (p.length !== labels.length)
    throw new LearningConfigError("labels", `${labels.length} labels for ${p.length} predictions`);
  if (p.length === 0) throw new LearningConfigError("labels", "no samples to evaluate on");
  let [tp, tn, positives, loss] = [0, 0, 0, 0];
  for (let i = 0; i < p.length; i++) {
    const q = Math.min(1 - EPSILON, Math.max(EPSILON, p[i]));
    if (labels[i] === 1) {
      positives++;
      if (p[i] >= 0.5) tp++;
      loss -= Math.log(q);
    } else {
      if (p[i] < 0.5) tn++;
      loss -= Math.log(1 - q);
    }
  }
  const negatives = p.length - positives;
  const rates = [positives > 0 ? tp / positives : undefined, negatives > 0 ? tn / negatives : undefined].filter(
    (r): r is number => r !== undefined,
  );
  return {
    accuracy: (tp + tn) / p.length,
    balancedAccuracy: rates.reduce((a, b) => a + b, 0) / rates.length,
    auc: auc(p, labels),
    loss: loss / p.length,
  };
}

/**
 * The Mann–Whitney estimate of the AUC: the chance that a random positive scores above a random
 * negative, ties counting one half (mid-ranks).
 */
export function auc(p: Float64Array, labels: Uint8Array): number {
  const r = ranks(Array.from(p));
  let positives = 0;
  let rankSum = 0;
  for (let i = 0; i < r.length; i++) {
    if (labels[i] === 1) {
      positives++;
      rankSum += r[i];
    }
  }
  const negatives = r.length - positives;
  if (positives === 0 || negatives === 0) return 0.5;
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}
