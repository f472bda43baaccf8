import { PartitionError } from "../errors";
import { canonicalCommunities } from "../order";
import { evaluateStorage, type PairTable } from "../storage";
import { ChainState } from "./chain-state";
import type { Grouping } from "./grouping";

/** The smallest BFT validator set (3f + 1 with f = 1): a chain needs at least this many devices. */
export const DEFAULT_MIN_CHAIN_SIZE = 4;

// A device considers joining only the chains it talks to most: a chain it barely talks to cannot
// pay for the growth of that chain, and trying every chain would cost a trial per chain.
const CANDIDATE_CHAINS = 4;
const DEFAULT_MAX_ROUNDS = 100;

export interface OptimizeOptions {
  /** Chains below this size are merged into or dissolved among their neighbours (default 4). */
  minChainSize?: number;
  /** Upper bound on improvement rounds (each round tries every device, then every merge). */
  maxRounds?: number;
  /** Called after the repair and after every round with the current count. */
  onProgress?: (round: number, count: number) => void;
}

/** What each kind of accepted move did, for the report. */
export interface MoveCounts {
  /** Chains below the minimum size merged into a neighbour or dissolved. */
  repaired: number;
  /** A device moved from one chain to another. */
  moved: number;
  /** A device added to a second chain (a new bridge). */
  joined: number;
  /** A redundant membership dropped. */
  dropped: number;
  /** Two chains merged into one. */
  merged: number;
}

export interface OptimizedGrouping extends Grouping {
  name: "optimized";
  /** The strategy it started from (the cheaper of the candidates). */
  start: string;
  /** Count of the start, and after enforcing the minimum chain size. */
  startCount: number;
  repairedCount: number;
  /** Count and cross of the result (formula 1). */
  count: number;
  cross: number;
  rounds: number;
  moves: MoveCounts;
}

/** Options of the optimiser that cannot be used. */
export class OptimizeOptionsError extends PartitionError {}

/**
 * The `optimized` strategy (beyond the paper): local search that lowers the storage count of
 * formula 1 directly. It starts from the cheaper of `starts` (the community and Louvain
 * partitions), first enforces the minimum chain size (a chain below it is merged into the
 * neighbouring chain or dissolved among the neighbouring chains, whichever costs least; this may
 * raise the count, since a chain needs validators), then applies moves while one strictly lowers
 * the count: move a device to another chain, add a device to a second chain (overlap), drop a
 * redundant membership, merge two chains. No move takes a chain below the minimum size. Each
 * move is priced by an incremental delta (`ChainState`). Deterministic: devices and chains are
 * visited in index order and ties keep the first candidate.
 */
export function optimizeGrouping(table: PairTable, starts: readonly Grouping[], options: OptimizeOptions = {}): OptimizedGrouping {
  const minChainSize = options.minChainSize ?? DEFAULT_MIN_CHAIN_SIZE;
  const maxRounds = options.maxRounds ?? DEFAULT_MAX_ROUNDS;
  if (!Number.isInteger(minChainSize) || minChainSize < 1) throw new OptimizeOptionsError(`minChainSize: must be an integer ≥ 1, got ${minChainSize}`);
  if (!Number.isInteger(maxRounds) || maxRounds < 0) throw new OptimizeOptionsError(`maxRounds: must be an integer ≥ 0, got ${maxRounds}`);
  if (starts.length === 0) throw new OptimizeOptionsError("starts: needs at least one grouping to start from");

  let start = starts[0];
  let startCount = evaluateStorage(table, start.groups).count;
  for (const candidate of starts.slice(1)) {
    const count = evaluateStorage(table, candidate.groups).count;
    if (count < startCount) [start, startCount] = [candidate, count];
  }

  const state = new ChainState(table, start.groups);
  const moves: MoveCounts = { repaired: 0, moved: 0, joined: 0, dropped: 0, merged: 0 };
  moves.repaired = repairSmallChains(state, minChainSize);
  const repairedCount = state.count;
  options.onProgress?.(0, state.count);

  let rounds = 0;
  while (rounds < maxRounds) {
    rounds += 1;
    const improved = improveDevices(state, minChainSize, moves) + mergeChains(state, moves);
    options.onProgress?.(rounds, state.count);
    if (improved === 0) break;
  }

  return {
    name: "optimized",
    groups: canonicalCommunities(state.groups()),
    start: start.name,
    startCount,
    repairedCount,
    count: state.count,
    cross: state.cross,
    rounds,
    moves,
  };
}

/** Chains that hold a device talking to `device`, with the records to each, most records first. */
function chainsTalkedTo(state: ChainState, devices: readonly number[], exclude: ReadonlySet<number>): number[] {
  const records = new Map<number, number>();
  for (const d of devices) {
    state.forEachPair(d, (other, count) => {
      for (const c of state.chainsOf[other]) {
        if (!exclude.has(c)) records.set(c, (records.get(c) ?? 0) + count);
      }
    });
  }
  return [...records.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0]).map(([c]) => c);
}

function aliveChains(state: ChainState): number[] {
  const alive: number[] = [];
  state.members.forEach((m, c) => {
    if (m.length > 0) alive.push(c);
  });
  return alive;
}

/** Moves every member of `from` into `into` (shared members just leave `from`). */
function mergeInto(state: ChainState, from: number, into: number): void {
  for (const d of [...state.members[from]]) {
    if (!state.chainsOf[d].includes(into)) state.join(d, into);
    state.leave(d, from);
  }
}

/**
 * Dissolves `chain`: a member also held elsewhere just leaves; any other member moves to the
 * chain it talks to most. Returns false (having changed nothing it did not record) when a member
 * talks to no other chain.
 */
function dissolve(state: ChainState, chain: number): boolean {
  for (const d of [...state.members[chain]]) {
    if (state.chainsOf[d].length === 1) {
      const target = chainsTalkedTo(state, [d], new Set([chain]))[0];
      if (target === undefined) return false;
      state.join(d, target);
    }
    state.leave(d, chain);
  }
  return true;
}

/** Merges or dissolves every chain below the minimum size, cheapest option first. Returns how many. */
function repairSmallChains(state: ChainState, minChainSize: number): number {
  let repaired = 0;
  for (;;) {
    const alive = aliveChains(state);
    if (alive.length <= 1) return repaired;
    const small = alive.filter((c) => state.size(c) < minChainSize).sort((a, b) => state.size(a) - state.size(b) || a - b);
    if (small.length === 0) return repaired;
    const chain = small[0];

    let targets = chainsTalkedTo(state, state.members[chain], new Set([chain]));
    // A group that talks to nobody else still needs validators: it joins the smallest chain.
    if (targets.length === 0) targets = [alive.filter((c) => c !== chain).sort((a, b) => state.size(a) - state.size(b) || a - b)[0]];

    let best: (() => void) | undefined;
    let bestDelta = Infinity;
    for (const target of targets) {
      mergeInto(state, chain, target);
      const delta = state.trialDelta();
      state.rollback();
      if (delta < bestDelta) [best, bestDelta] = [() => mergeInto(state, chain, target), delta];
    }
    const dissolvable = dissolve(state, chain);
    const dissolveDelta = dissolvable ? state.trialDelta() : Infinity;
    state.rollback();
    if (dissolveDelta < bestDelta) best = () => dissolve(state, chain);

    best!();
    state.trialDelta();
    state.commit();
    repaired += 1;
  }
}

/** One pass over the devices, each taking its best strictly improving move. Returns the moves made. */
function improveDevices(state: ChainState, minChainSize: number, moves: MoveCounts): number {
  let improved = 0;
  for (let d = 0; d < state.chainsOf.length; d += 1) {
    const held = [...state.chainsOf[d]];
    const canLeave = held.filter((c) => state.size(c) - 1 >= minChainSize);
    let bestDelta = 0;
    let best: { kind: keyof MoveCounts; apply: () => void } | undefined;
    const consider = (kind: keyof MoveCounts, apply: () => void) => {
      apply();
      const delta = state.trialDelta();
      state.rollback();
      if (delta < bestDelta) [bestDelta, best] = [delta, { kind, apply }];
    };

    for (const target of chainsTalkedTo(state, [d], new Set(held)).slice(0, CANDIDATE_CHAINS)) {
      consider("joined", () => state.join(d, target));
      for (const from of canLeave) {
        consider("moved", () => {
          state.join(d, target);
          state.leave(d, from);
        });
      }
    }
    if (held.length >= 2) for (const from of canLeave) consider("dropped", () => state.leave(d, from));

    if (best !== undefined) {
      best.apply();
      state.trialDelta();
      state.commit();
      moves[best.kind] += 1;
      improved += 1;
    }
  }
  return improved;
}

/** Merges each chain, smallest first, into the neighbouring chain that lowers the count most. Returns the merges made. */
function mergeChains(state: ChainState, moves: MoveCounts): number {
  let merged = 0;
  const order = aliveChains(state).sort((a, b) => state.size(a) - state.size(b) || a - b);
  for (const chain of order) {
    if (state.size(chain) === 0) continue;
    let bestDelta = 0;
    let bestTarget: number | undefined;
    for (const target of chainsTalkedTo(state, state.members[chain], new Set([chain])).slice(0, CANDIDATE_CHAINS)) {
      mergeInto(state, chain, target);
      const delta = state.trialDelta();
      state.rollback();
      if (delta < bestDelta) [bestDelta, bestTarget] = [delta, target];
    }
    if (bestTarget !== undefined) {
      mergeInto(state, chain, bestTarget);
      state.trialDelta();
      state.commit();
      moves.merged += 1;
      merged += 1;
    }
  }
  return merged;
}
