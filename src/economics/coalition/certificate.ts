/**
 * The certificate of a partition: checked move by move, not taken from the algorithm's word.
 *
 * - Dhp stability: no merge of any set of coalitions is a Pareto move (every subset while there
 *   are at most 16 coalitions, else every pair) and no split of a coalition is a move under the
 *   run's split rule (every binary split up to 20 members; every partition into any number of
 *   parts up to 10 members).
 * - Individual stability: no miner gains by leaving its coalition to be alone. Dhp stability does
 *   not imply it (the others may lose by the miner's leaving, vetoing the split), so it is reported
 *   beside it.
 * - The miners who end worse off than when every miner is alone: merge-and-split protects only
 *   those involved in each move, so the externalities of later moves can leave some below their
 *   singleton utility, though none of them gains by leaving.
 */
import { partitionUtilities, singletonPartition, type CoalitionParameters, type Miner, type Partition } from "./model";
import {
  gameView,
  mergeImproves,
  PARETO_EPSILON,
  scanBinarySplits,
  utilitiesAfter,
  type GameView,
  type SplitRule,
} from "./moves";
import { bellNumber } from "./partitions";

/** Every set of coalitions is tried for a merge while there are at most this many (2^16 sets). */
export const MERGE_SETS_EXHAUSTIVE_MAX = 16;
/** Every partition of a coalition is tried for a split up to this many members (B(10) = 115,975). */
export const PARTITION_SPLIT_EXHAUSTIVE_MAX = 10;

/** The split checks of one coalition. */
export interface CoalitionCheck {
  readonly coalition: number[];
  /** Binary splits judged, and whether that was all 2^(k−1) − 1 of them. */
  readonly binarySplitsChecked: number;
  readonly binaryExhaustive: boolean;
  /** Splits into any number of parts judged (0 above 10 members), and whether that was all B(k) − 1. */
  readonly partitionSplitsChecked: number;
  readonly partitionExhaustive: boolean;
  /** Whether every split of the coalition was judged (binary and multi-part). */
  readonly exhaustive: boolean;
  /** The first improving split found, or null. */
  readonly split: number[][] | null;
}

export interface CoalitionCertificate {
  readonly splitRule: SplitRule;
  readonly epsilon: number;
  /** No improving merge and no improving split was found. */
  readonly stable: boolean;
  /** Every merge and every split was judged (stable then means Dhp-stable, not only "none found"). */
  readonly exhaustive: boolean;
  readonly merges: {
    readonly pairsChecked: number;
    /** Sets of three or more coalitions judged, and whether that was every such set. */
    readonly setsChecked: number;
    readonly setsExhaustive: boolean;
    /** The first improving merge found (the coalitions merged), or null. */
    readonly found: number[][] | null;
  };
  readonly coalitions: CoalitionCheck[];
  /** Leaving one's coalition to be alone: the gainers and the largest gain (null: every miner is alone). */
  readonly individual: {
    readonly stable: boolean;
    readonly maxGain: number | null;
    readonly gainers: number[];
  };
  /** Miners whose utility is below the one they have when every miner is alone. */
  readonly belowSingleton: { readonly count: number; readonly ids: number[] };
}

function checkMerges(view: ReturnType<typeof gameView>): CoalitionCertificate["merges"] {
  const n = view.partition.length;
  let pairsChecked = 0;
  let found: number[][] | null = null;
  for (let i = 0; i < n && found === null; i++) {
    for (let j = i + 1; j < n && found === null; j++) {
      pairsChecked++;
      if (mergeImproves(view, [i, j])) found = [[...view.partition[i]], [...view.partition[j]]];
    }
  }
  let setsChecked = 0;
  const setsExhaustive = n <= MERGE_SETS_EXHAUSTIVE_MAX;
  if (setsExhaustive && found === null) {
    for (let mask = 1; mask < 2 ** n; mask++) {
      const indexes = [...Array(n).keys()].filter((i) => ((mask >>> i) & 1) === 1);
      if (indexes.length < 3) continue;
      setsChecked++;
      if (mergeImproves(view, indexes)) {
        found = indexes.map((i) => [...view.partition[i]]);
        break;
      }
    }
  }
  return { pairsChecked, setsChecked, setsExhaustive, found };
}

/**
 * The splits of the coalition at `index` into three or more parts, by restricted growth strings
 * (member i joins block b ≤ 1 + the highest block before it); the binary ones are the bitmask
 * scan's. Allocation-free per partition: a 10-member coalition has 115,974 splits.
 */
function scanMultiPartSplits(
  view: GameView,
  index: number,
  rule: SplitRule,
): { checked: number; found: number[][] | null } {
  const coalition = view.partition[index];
  const k = coalition.length;
  const p = view.parameters;
  const d = coalition.map((id) => view.miners[id - 1].capacity);
  const xi = coalition.map((id) => view.miners[id - 1].powerCost);
  const u = coalition.map((id) => view.utilities[id - 1]);
  const otherWeight = view.weightSum - view.capacities[index] ** p.gamma;
  const block = new Int32Array(k);
  const highest = new Int32Array(k);
  const capacity = new Float64Array(k);
  const share = new Float64Array(k);
  const size = new Int32Array(k);
  const better = new Uint8Array(k);
  const worse = new Uint8Array(k);
  let checked = 0;
  for (;;) {
    const parts = highest[k - 1] + 1;
    if (parts >= 3) {
      capacity.fill(0, 0, parts);
      size.fill(0, 0, parts);
      better.fill(0, 0, parts);
      worse.fill(0, 0, parts);
      for (let i = 0; i < k; i++) {
        capacity[block[i]] += d[i];
        size[block[i]]++;
      }
      let weightSum = otherWeight;
      for (let b = 0; b < parts; b++) weightSum += capacity[b] ** p.gamma;
      for (let b = 0; b < parts; b++) share[b] = (capacity[b] ** (p.gamma - 1) / weightSum) * p.reward;
      for (let i = 0; i < k; i++) {
        const b = block[i];
        const change = share[b] * d[i] - p.commCost * (size[b] - 1) - (xi[i] * p.work) / capacity[b] - u[i];
        if (change > PARETO_EPSILON) better[b] = 1;
        else if (change < -PARETO_EPSILON) worse[b] = 1;
      }
      checked++;
      let improves = false;
      if (rule === "pareto") improves = !worse.subarray(0, parts).includes(1) && better.subarray(0, parts).includes(1);
      else for (let b = 0; b < parts && !improves; b++) improves = better[b] === 1 && worse[b] === 0;
      if (improves) {
        const found: number[][] = Array.from({ length: parts }, () => []);
        for (let i = 0; i < k; i++) found[block[i]].push(coalition[i]);
        return { checked, found };
      }
    }
    let i = k - 1;
    while (i > 0 && block[i] > highest[i - 1]) i--;
    if (i === 0) return { checked, found: null };
    block[i]++;
    highest[i] = Math.max(highest[i - 1], block[i]);
    for (let j = i + 1; j < k; j++) {
      block[j] = 0;
      highest[j] = highest[i];
    }
  }
}

function checkCoalition(view: GameView, index: number, rule: SplitRule): CoalitionCheck {
  const coalition = [...view.partition[index]];
  const k = coalition.length;
  const binary = scanBinarySplits(view, index, rule);
  let split: number[][] | null = binary.found === null ? null : binary.found.map((part) => [...part]);
  let partitionSplitsChecked = 0;
  const partitionExhaustive = k <= PARTITION_SPLIT_EXHAUSTIVE_MAX;
  if (partitionExhaustive && split === null && k > 2) {
    const multi = scanMultiPartSplits(view, index, rule);
    partitionSplitsChecked = multi.checked;
    split = multi.found;
  }
  const allMultiPart = k <= 2 || partitionSplitsChecked === bellNumber(k) - 2 ** (k - 1);
  return {
    coalition,
    binarySplitsChecked: binary.checked,
    binaryExhaustive: binary.exhaustive,
    partitionSplitsChecked,
    partitionExhaustive,
    exhaustive: binary.exhaustive && partitionExhaustive && allMultiPart,
    split,
  };
}

/** Checks `partition` as described above; `splitRule` is the rule the run split by. */
export function certifyPartition(
  miners: readonly Miner[],
  parameters: CoalitionParameters,
  partition: Partition,
  splitRule: SplitRule,
): CoalitionCertificate {
  const view = gameView(miners, parameters, partition);
  const merges = checkMerges(view);
  const coalitions = partition.map((_, i) => checkCoalition(view, i, splitRule));
  let maxGain: number | null = null;
  const gainers: number[] = [];
  partition.forEach((coalition, index) => {
    if (coalition.length < 2) return;
    for (const id of coalition) {
      const rest = coalition.filter((other) => other !== id);
      const gain = utilitiesAfter(view, [index], [rest, [id]])[1][0] - view.utilities[id - 1];
      maxGain = maxGain === null ? gain : Math.max(maxGain, gain);
      if (gain > PARETO_EPSILON) gainers.push(id);
    }
  });
  const alone = partitionUtilities(miners, parameters, singletonPartition(miners.length));
  const below = miners.filter((m) => view.utilities[m.id - 1] < alone[m.id - 1] - PARETO_EPSILON).map((m) => m.id);
  const splitFound = coalitions.some((c) => c.split !== null);
  return {
    splitRule,
    epsilon: PARETO_EPSILON,
    stable: merges.found === null && !splitFound,
    exhaustive: merges.setsExhaustive && coalitions.every((c) => c.exhaustive),
    merges,
    coalitions,
    individual: { stable: gainers.length === 0, maxGain, gainers: gainers.sort((a, b) => a - b) },
    belowSingleton: { count: below.length, ids: below },
  };
}
