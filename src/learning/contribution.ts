/**
 * How the DA pays the owners "based on the contributions" (004 §3.2, which gives no formula). The
 * rule has to live with secure aggregation, which hides each update from the DA: anything scored
 * on an individual update — leave-one-out, Shapley values, agreement with the aggregate — either
 * needs the update or exposes it (sum(S) − sum(S∖u) = update_u). So the payment weight is what
 * FedAvg itself weighted by, known without seeing any update: c_u = n_u·r_u / Σ_v n_v·r_v, n_u the
 * owner's samples and r_u the rounds its update was in the aggregate. The weights are integers
 * (samples × rounds) for the contract, which pays ⌊pool·c_u⌋ and leaves the dust.
 *
 * `leaveOneOut` is here for comparison only, behind an explicit `plain: true`: it retrains without
 * each owner, i.e. the DA aggregates S∖u beside S, and the difference of the two sums is u's
 * update. Never run it on a secure task.
 */
import type { Dataset, OwnerDataset } from "./data";
import { LearningConfigError } from "./errors";
import { federatedTraining, type FederatedOptions } from "./fedavg";
import type { Metrics } from "./metrics";

/** Each owner's payment weight n_u·r_u, and their sum. */
export interface PaymentWeights {
  weights: bigint[];
  total: bigint;
}

/** The weights n_u·r_u from samples and rounds survived (both by owner index). */
export function paymentWeights(samples: readonly number[], survived: readonly number[]): PaymentWeights {
  if (samples.length !== survived.length)
    throw new LearningConfigError("survived", `${survived.length} entries for ${samples.length} owners`);
  const weights = samples.map((n, u) => {
    const r = survived[u];
    if (!(Number.isSafeInteger(n) && n >= 0))
      throw new LearningConfigError(`samples[${u}]`, `must be a count, got ${n}`);
    if (!(Number.isSafeInteger(r) && r >= 0))
      throw new LearningConfigError(`survived[${u}]`, `must be a count, got ${r}`);
    return BigInt(n) * BigInt(r);
  });
  return { weights, total: weights.reduce((a, b) => a + b, 0n) };
}

/** ⌊pool·w_u / Σw⌋ to each owner, and the dust left (as the contract pays). */
export function payouts(pool: bigint, { weights, total }: PaymentWeights): { payouts: bigint[]; dust: bigint } {
  if (pool < 0n) throw new LearningConfigError("pool", `must not be negative, got ${pool}`);
  if (total === 0n) return { payouts: weights.map(() => 0n), dust: pool };
  const paid = weights.map((w) => (pool * w) / total);
  return { payouts: paid, dust: pool - paid.reduce((a, b) => a + b, 0n) };
}

export interface LeaveOneOutOptions extends Omit<FederatedOptions, "owners" | "holdout" | "secure" | "onRound"> {
  /** Must be `true`: the score exposes each owner's update, so it exists for plain (unmasked) runs only. */
  plain: boolean;
}

/** Each owner's leave-one-out value: the full model's metric minus the metric of the model trained without it. */
export interface LeaveOneOut {
  full: Metrics;
  /** By owner index: balanced accuracy with everyone minus balanced accuracy without that owner. */
  balancedAccuracyDrop: number[];
  aucDrop: number[];
}

/**
 * LEAKS each owner's update (see the module comment): plain FedAvg without each owner in turn.
 * Refused unless `plain: true` is passed explicitly.
 */
export async function leaveOneOut(
  owners: readonly OwnerDataset[],
  holdout: Dataset,
  options: LeaveOneOutOptions,
): Promise<LeaveOneOut> {
  if (options.plain !== true)
    throw new LearningConfigError(
      "plain",
      "leave-one-out exposes each owner's update (sum(S) − sum(S∖u) = update_u); pass plain: true to run it on a plain task",
    );
  const { plain: _plain, ...rest } = options;
  void _plain;
  const run = async (subset: readonly OwnerDataset[]) =>
    (await federatedTraining({ ...rest, owners: subset, holdout, secure: false, dropouts: 0 })).metrics;
  const full = await run(owners);
  const without = [];
  for (let u = 0; u < owners.length; u++) without.push(await run(owners.filter((_, v) => v !== u)));
  return {
    full,
    balancedAccuracyDrop: without.map((m) => full.balancedAccuracy - m.balancedAccuracy),
    aucDrop: without.map((m) => full.auc - m.auc),
  };
}
