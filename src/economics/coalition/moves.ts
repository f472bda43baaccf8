/**
 * Judging a move (a merge of coalitions, a split of one) by the Pareto order of Saad et al.: a move
 * is made when at least one miner involved is strictly better off (by more than ε) and none is
 * worse off (by more than ε). Because P_m depends on the whole partition, "better" compares each
 * involved miner's utility in the partition after the move with the one before it; the miners of
 * the other coalitions are affected too, but have no say (they are not involved).
 *
 * The split rule exists in two readings: `pareto` (no member of the coalition split is worse off)
 * and `paper` (§3.3 literally: some part of the split has a member better off and none of that
 * part worse off, whatever happens to the other parts). A Pareto split is a paper split, so a
 * partition with no paper split has no Pareto split either.
 */
import {
  coalitionCapacity,
  minerUtility,
  partitionUtilities,
  type Coalition,
  type CoalitionParameters,
  type Miner,
  type Partition,
} from "./model";

export type SplitRule = "pareto" | "paper";
export const SPLIT_RULES: readonly SplitRule[] = ["pareto", "paper"];

/** ε: utility differences at most this are ties, so rounding never makes a move. */
export const PARETO_EPSILON = 1e-9;

/**
 * Binary splits are enumerated exhaustively for coalitions up to this many members (2^19 − 1
 * splits at 20); a larger coalition is only tried with one or two members split off.
 */
export const BINARY_SPLIT_EXHAUSTIVE_MAX = 20;

/** A partition with the figures every evaluation of a move from it needs. */
export interface GameView {
  readonly miners: readonly Miner[];
  readonly parameters: CoalitionParameters;
  readonly partition: Partition;
  /** D_S of each coalition, by its index in `partition`. */
  readonly capacities: readonly number[];
  /** Σ_{S∈Π} D_S^γ. */
  readonly weightSum: number;
  /** Every miner's utility in `partition`, by id − 1. */
  readonly utilities: readonly number[];
}

export function gameView(miners: readonly Miner[], parameters: CoalitionParameters, partition: Partition): GameView {
  const capacities = partition.map((c) => coalitionCapacity(miners, c));
  return {
    miners,
    parameters,
    partition,
    capacities,
    weightSum: capacities.reduce((sum, d) => sum + d ** parameters.gamma, 0),
    utilities: partitionUtilities(miners, parameters, partition),
  };
}

/**
 * The utilities of the members of `parts` (each part's, in its order) when the coalitions at
 * `removed` (indexes into the view's partition) are replaced by `parts` (the same miners).
 */
export function utilitiesAfter(view: GameView, removed: readonly number[], parts: readonly Coalition[]): number[][] {
  const p = view.parameters;
  const capacities = parts.map((part) => coalitionCapacity(view.miners, part));
  let weightSum = view.weightSum;
  for (const i of removed) weightSum -= view.capacities[i] ** p.gamma;
  for (const d of capacities) weightSum += d ** p.gamma;
  return parts.map((part, i) =>
    part.map((id) => minerUtility(p, view.miners[id - 1], capacities[i], part.length, weightSum)),
  );
}

/** True when some member gains more than ε and none loses more than ε. */
export function paretoBetter(before: readonly number[], after: readonly number[]): boolean {
  let better = false;
  for (let i = 0; i < before.length; i++) {
    const change = after[i] - before[i];
    if (change < -PARETO_EPSILON) return false;
    if (change > PARETO_EPSILON) better = true;
  }
  return better;
}

const before = (view: GameView, part: Coalition) => part.map((id) => view.utilities[id - 1]);

/** Whether replacing the coalitions at `removed` by `parts` is a move under `rule`. */
export function moveImproves(
  view: GameView,
  removed: readonly number[],
  parts: readonly Coalition[],
  rule: SplitRule,
): boolean {
  const after = utilitiesAfter(view, removed, parts);
  if (rule === "paper" && parts.length > 1) return parts.some((part, i) => paretoBetter(before(view, part), after[i]));
  return paretoBetter(
    parts.flatMap((part) => before(view, part)),
    after.flat(),
  );
}

/** Whether merging the coalitions at `indexes` is a Pareto move (both rules merge alike). */
export function mergeImproves(view: GameView, indexes: readonly number[]): boolean {
  const merged = indexes.flatMap((i) => view.partition[i]).sort((a, b) => a - b);
  return moveImproves(view, indexes, [merged], "pareto");
}

/** The outcome of scanning one coalition's binary splits. */
export interface SplitScan {
  /** How many splits were judged. */
  readonly checked: number;
  /** Whether they were all the coalition's 2^(k−1) − 1 binary splits. */
  readonly exhaustive: boolean;
  /** The first improving split (in bitmask order), or null. */
  readonly found: readonly [Coalition, Coalition] | null;
}

/**
 * The binary splits of the coalition at `index` in bitmask order: bit i − 1 of the mask puts member
 * i (in id order; the smallest id always stays in the second part) into the first part. Stops at
 * the first improving one unless `all`. Allocation-free in the loop: a 20-member coalition has
 * 524,287 splits.
 */
export function scanBinarySplits(view: GameView, index: number, rule: SplitRule, all = false): SplitScan {
  const coalition = view.partition[index];
  const k = coalition.length;
  if (k < 2) return { checked: 0, exhaustive: true, found: null };
  if (k > BINARY_SPLIT_EXHAUSTIVE_MAX) return scanSmallSplits(view, index, rule, all);
  const p = view.parameters;
  const d = coalition.map((id) => view.miners[id - 1].capacity);
  const xi = coalition.map((id) => view.miners[id - 1].powerCost);
  const u = coalition.map((id) => view.utilities[id - 1]);
  const total = view.capacities[index];
  const otherWeight = view.weightSum - total ** p.gamma;
  const half = 2 ** (k - 1);
  const partCapacity = new Float64Array(half);
  const partSize = new Uint8Array(half);
  let checked = 0;
  let found: [Coalition, Coalition] | null = null;
  for (let mask = 1; mask < half; mask++) {
    const low = mask & -mask;
    const bit = 31 - Math.clz32(low);
    partCapacity[mask] = partCapacity[mask ^ low] + d[bit + 1];
    partSize[mask] = partSize[mask ^ low] + 1;
    const dA = partCapacity[mask];
    const dB = total - dA;
    const sizeA = partSize[mask];
    const sizeB = k - sizeA;
    const weightSum = otherWeight + dA ** p.gamma + dB ** p.gamma;
    const shareA = (dA ** (p.gamma - 1) / weightSum) * p.reward;
    const shareB = (dB ** (p.gamma - 1) / weightSum) * p.reward;
    const fixedA = p.commCost * (sizeA - 1);
    const fixedB = p.commCost * (sizeB - 1);
    let betterA = false;
    let worseA = false;
    let betterB = false;
    let worseB = false;
    for (let i = 0; i < k; i++) {
      const inA = i > 0 && ((mask >>> (i - 1)) & 1) === 1;
      const after = inA
        ? shareA * d[i] - fixedA - (xi[i] * p.work) / dA
        : shareB * d[i] - fixedB - (xi[i] * p.work) / dB;
      const change = after - u[i];
      if (change > PARETO_EPSILON) {
        if (inA) betterA = true;
        else betterB = true;
      } else if (change < -PARETO_EPSILON) {
        if (inA) worseA = true;
        else worseB = true;
        // Pareto: one loser vetoes; paper: only a loser in each part rules both parts out.
        if (rule === "pareto" || (worseA && worseB)) break;
      }
    }
    checked++;
    const improves =
      rule === "pareto" ? (betterA || betterB) && !worseA && !worseB : (betterA && !worseA) || (betterB && !worseB);
    if (improves && found === null) {
      const partA = coalition.filter((_, i) => i > 0 && ((mask >>> (i - 1)) & 1) === 1);
      found = [partA, coalition.filter((id) => !partA.includes(id))];
      if (!all) break;
    }
  }
  return { checked, exhaustive: checked === half - 1, found };
}

/** A coalition too large to enumerate: only the splits that take one or two members out. */
function scanSmallSplits(view: GameView, index: number, rule: SplitRule, all: boolean): SplitScan {
  const coalition = view.partition[index];
  let checked = 0;
  let found: [Coalition, Coalition] | null = null;
  const tryPart = (part: number[]): boolean => {
    const rest = coalition.filter((id) => !part.includes(id));
    checked++;
    if (found === null && moveImproves(view, [index], [part, rest], rule)) found = [part, rest];
    return found !== null && !all;
  };
  outer: for (let i = 0; i < coalition.length; i++) {
    if (tryPart([coalition[i]])) break;
    for (let j = i + 1; j < coalition.length; j++) if (tryPart([coalition[i], coalition[j]])) break outer;
  }
  return { checked, exhaustive: false, found };
}
