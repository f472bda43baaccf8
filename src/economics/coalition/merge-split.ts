/**
 * The merge-and-split algorithm of §3.3, made deterministic: from the initial partition, repeat
 * "make the first merge that improves, else the first split that improves" until neither exists
 * (Dhp-stable), a partition comes back (a cycle: with the paper's split rule the order can go
 * round), or the move limit is reached. "First" is fixed: coalitions ordered by smallest id, merge
 * pairs lexicographic, splits of one coalition in bitmask order (`scanBinarySplits`).
 */
import { createRandom } from "../../util/random";
import { CoalitionParameterError } from "../errors";
import {
  canonicalPartition,
  grandPartition,
  partitionKey,
  partitionUtilities,
  singletonPartition,
  validateCoalitionParameters,
  validateMiners,
  type CoalitionParameters,
  type Miner,
  type Partition,
} from "./model";
import { gameView, mergeImproves, scanBinarySplits, SPLIT_RULES, type GameView, type SplitRule } from "./moves";

/** Where the algorithm starts: every miner alone (the paper's Π0), all together, or k random groups. */
export type InitRule = "singletons" | "grand" | `random:${number}`;

export interface FormationOptions {
  readonly splitRule: SplitRule;
  readonly init: InitRule;
  /** The seed of `random:k`'s grouping (its own stream, apart from the miners' draw). */
  readonly seed: number;
  /** Stop with status "limit" after this many moves. */
  readonly maxMoves: number;
}

export const MAX_MOVES = 10_000;
export const FORMATION_DEFAULTS: FormationOptions = Object.freeze({
  splitRule: "pareto",
  init: "singletons",
  seed: 1,
  maxMoves: MAX_MOVES,
});

/** stable: no move applies; cycle: a partition came back; limit: `maxMoves` made and a move still applies. */
export type FormationStatus = "stable" | "cycle" | "limit";

/** One run of the algorithm. */
export interface Formation {
  readonly init: InitRule;
  readonly splitRule: SplitRule;
  readonly start: number[][];
  /** The last partition (for "cycle", the one seen again). */
  readonly partition: number[][];
  /** Every miner's utility in `partition`, by id − 1. */
  readonly utilities: number[];
  readonly merges: number;
  readonly splits: number;
  readonly status: FormationStatus;
}

/** Checks an init rule's text: singletons, grand, or random:k with 1 ≤ k ≤ M. */
export function parseInitRule(text: string, miners: number, option = "init"): InitRule {
  if (text === "singletons" || text === "grand") return text;
  const random = /^random:(\d+)$/.exec(text);
  if (random !== null) {
    const k = Number(random[1]);
    if (k >= 1 && k <= miners) return `random:${k}`;
    throw new CoalitionParameterError(option, `random:k needs 1 ≤ k ≤ ${miners} (the miners), got "${text}"`);
  }
  throw new CoalitionParameterError(option, `must be "singletons", "grand" or "random:k", got "${text}"`);
}

/** The starting partition of `init` for `count` miners. */
export function initialPartition(count: number, init: InitRule, seed: number): number[][] {
  const rule = parseInitRule(init, count);
  if (rule === "singletons") return singletonPartition(count);
  if (rule === "grand") return grandPartition(count);
  const k = Number(rule.slice("random:".length));
  // Stream 1: the grouping must not shift the miners' own draw (stream 0).
  const random = createRandom(seed, 1);
  const groups: number[][] = Array.from({ length: k }, () => []);
  for (let id = 1; id <= count; id++) groups[random.int(k)].push(id);
  return canonicalPartition(groups);
}

/** The first improving merge: the lexicographically first pair of coalitions (i < j), or null. */
export function firstMerge(view: GameView): [number, number] | null {
  const n = view.partition.length;
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) if (mergeImproves(view, [i, j])) return [i, j];
  return null;
}

/** The first improving binary split of the first coalition that has one, or null. */
export function firstSplit(view: GameView, rule: SplitRule): { index: number; parts: readonly number[][] } | null {
  for (let index = 0; index < view.partition.length; index++) {
    const scan = scanBinarySplits(view, index, rule);
    if (scan.found !== null) return { index, parts: scan.found.map((part) => [...part]) };
  }
  return null;
}

function validateFormationOptions(miners: number, o: FormationOptions): void {
  if (!SPLIT_RULES.includes(o.splitRule))
    throw new CoalitionParameterError("splitRule", `must be "pareto" or "paper", got "${String(o.splitRule)}"`);
  parseInitRule(o.init, miners);
  if (!Number.isSafeInteger(o.seed)) throw new CoalitionParameterError("seed", `must be an integer, got ${o.seed}`);
  if (!Number.isInteger(o.maxMoves) || o.maxMoves < 0)
    throw new CoalitionParameterError("maxMoves", `must be an integer ≥ 0, got ${o.maxMoves}`);
}

/** Runs merge-and-split on `miners` from `options.init` until stable, a cycle or the move limit. */
export function formCoalitions(
  miners: readonly Miner[],
  parameters: CoalitionParameters,
  options: Partial<FormationOptions> = {},
): Formation {
  validateMiners(miners);
  validateCoalitionParameters(parameters);
  const o: FormationOptions = { ...FORMATION_DEFAULTS, ...options };
  validateFormationOptions(miners.length, o);
  const start = initialPartition(miners.length, o.init, o.seed);
  let partition: Partition = start;
  const seen = new Set([partitionKey(partition)]);
  let merges = 0;
  let splits = 0;
  let status: FormationStatus = "stable";
  for (;;) {
    const view = gameView(miners, parameters, partition);
    const merge = firstMerge(view);
    const split = merge === null ? firstSplit(view, o.splitRule) : null;
    if (merge === null && split === null) break;
    if (merges + splits >= o.maxMoves) {
      status = "limit";
      break;
    }
    if (merge !== null) {
      const [i, j] = merge;
      partition = canonicalPartition([
        ...partition.filter((_, k) => k !== i && k !== j),
        [...partition[i], ...partition[j]],
      ]);
      merges++;
    } else if (split !== null) {
      partition = canonicalPartition([...partition.filter((_, k) => k !== split.index), ...split.parts]);
      splits++;
    }
    const key = partitionKey(partition);
    if (seen.has(key)) {
      status = "cycle";
      break;
    }
    seen.add(key);
  }
  const final = canonicalPartition(partition);
  return {
    init: o.init,
    splitRule: o.splitRule,
    start,
    partition: final,
    utilities: partitionUtilities(miners, parameters, final),
    merges,
    splits,
    status,
  };
}
