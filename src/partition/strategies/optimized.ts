import { PartitionError } from "../errors";
import { canonicalCommunities } from "../order";
import type { PairTable } from "../storage";
import { ChainState, NO_CHAIN } from "./chain-state";
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
  /** The start it kept: the candidate cheapest once every chain has the minimum size. */
  start: string;
  /** Count of that start as given. */
  startCount: number;
  /** Count of that start once every chain has the minimum size (≥ startCount when it had smaller chains). */
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
 * formula 1 directly. Each of `starts` (the community and Louvain partitions) first gets the
 * minimum chain size enforced (a chain below it is merged into a neighbouring chain or dissolved
 * among the neighbouring chains, whichever costs least; this may raise the count, since a chain
 * needs validators), and the cheapest repaired start is kept. Then moves are applied while one
 * strictly lowers the count: move a device to another chain, add a device to a second chain
 * (overlap), drop a redundant membership, merge two chains. No move takes a chain below the
 * minimum size, so the result is never above the repaired start. Moves are priced by
 * incremental deltas (`ChainState`), never by re-evaluating the whole grouping. Deterministic:
 * devices and chains are visited in index order and ties keep the first candidate.
 */
export function optimizeGrouping(
  table: PairTable,
  starts: readonly Grouping[],
  options: OptimizeOptions = {},
): OptimizedGrouping {
  const minChainSize = options.minChainSize ?? DEFAULT_MIN_CHAIN_SIZE;
  const maxRounds = options.maxRounds ?? DEFAULT_MAX_ROUNDS;
  if (!Number.isInteger(minChainSize) || minChainSize < 1)
    throw new OptimizeOptionsError(`minChainSize: must be an integer ≥ 1, got ${minChainSize}`);
  if (!Number.isInteger(maxRounds) || maxRounds < 0)
    throw new OptimizeOptionsError(`maxRounds: must be an integer ≥ 0, got ${maxRounds}`);
  if (starts.length === 0) throw new OptimizeOptionsError("starts: needs at least one grouping to start from");

  // Repair every start first and keep the cheapest: the minimum chain size is a hard rule, so the
  // start that is cheaper once it holds is the better one.
  let best: { start: Grouping; startCount: number; state: ChainState; repaired: number } | undefined;
  for (const start of starts) {
    const state = new ChainState(table, start.groups);
    const startCount = state.count;
    const repaired = repairSmallChains(state, minChainSize);
    if (best === undefined || state.count < best.state.count) best = { start, startCount, state, repaired };
  }
  const { start, startCount, state } = best!;
  const moves: MoveCounts = { repaired: best!.repaired, moved: 0, joined: 0, dropped: 0, merged: 0 };
  const repairedCount = state.count;
  options.onProgress?.(0, state.count);

  // The first round visits every device and chain; later rounds only those near a change (a
  // member of a changed chain or one of its partners), since elsewhere nothing moved.
  state.takeChangedChains();
  let devices = state.chainsOf.map((_, d) => d);
  let rounds = 0;
  while (rounds < maxRounds && devices.length > 0) {
    rounds += 1;
    const improved =
      improveDevices(state, devices, minChainSize, moves) + mergeChains(state, chainsOfDevices(state, devices), moves);
    options.onProgress?.(rounds, state.count);
    if (improved === 0) break;
    devices = devicesNear(state, state.takeChangedChains());
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

/** The members of `chains` and every device they exchange records with, in index order. */
function devicesNear(state: ChainState, chains: readonly number[]): number[] {
  const near = new Set<number>();
  for (const c of chains) {
    for (const d of state.members[c]) {
      near.add(d);
      state.forEachPair(d, (other) => near.add(other));
    }
  }
  return [...near].sort((a, b) => a - b);
}

/** The chains holding any of `devices`. */
function chainsOfDevices(state: ChainState, devices: readonly number[]): number[] {
  const chains = new Set<number>();
  for (const d of devices) for (const c of state.chainsOf[d]) chains.add(c);
  return [...chains];
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
      const target = state.talkedTo([d], [chain])[0];
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
    const small = alive
      .filter((c) => state.size(c) < minChainSize)
      .sort((a, b) => state.size(a) - state.size(b) || a - b);
    if (small.length === 0) return repaired;
    const chain = small[0];

    let targets = state.talkedTo(state.members[chain], [chain]).slice(0, CANDIDATE_CHAINS);
    // A group that talks to nobody else still needs validators: it joins the smallest chain.
    if (targets.length === 0)
      targets = [alive.filter((c) => c !== chain).sort((a, b) => state.size(a) - state.size(b) || a - b)[0]];

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

/**
 * One pass over `devices`, each taking its best move when that move is a sure improvement
 * (negative estimate, see `ChainState.estimateMove`), confirmed by the exact delta. Returns the
 * moves made.
 */
function improveDevices(
  state: ChainState,
  devices: readonly number[],
  minChainSize: number,
  moves: MoveCounts,
): number {
  let improved = 0;
  for (const d of devices) {
    const held = [...state.chainsOf[d]];
    const canLeave = held.filter((c) => state.size(c) - 1 >= minChainSize);
    let best = { estimate: 0, kind: "moved" as keyof MoveCounts, into: NO_CHAIN, from: NO_CHAIN };
    const consider = (kind: keyof MoveCounts, into: number, from: number) => {
      const estimate = state.estimateMove(d, into, from);
      if (estimate < best.estimate) best = { estimate, kind, into, from };
    };
    for (const into of state.talkedTo([d], held).slice(0, CANDIDATE_CHAINS)) {
      consider("joined", into, NO_CHAIN);
      for (const from of canLeave) consider("moved", into, from);
    }
    if (held.length >= 2) for (const from of canLeave) consider("dropped", NO_CHAIN, from);
    if (best.estimate >= 0) continue;

    if (best.into !== NO_CHAIN) state.join(d, best.into);
    if (best.from !== NO_CHAIN) state.leave(d, best.from);
    if (state.trialDelta() < 0) {
      state.commit();
      moves[best.kind] += 1;
      improved += 1;
    } else {
      state.rollback();
    }
  }
  return improved;
}

/**
 * Merges each of `chains`, smallest first, into the chain that lowers the count most, trying only the
 * chains whose merge could save anything (`ChainState.mergeGains`). Returns the merges made.
 */
function mergeChains(state: ChainState, chains: readonly number[], moves: MoveCounts): number {
  let merged = 0;
  const order = [...chains].sort((a, b) => state.size(a) - state.size(b) || a - b);
  for (const chain of order) {
    if (state.size(chain) === 0) continue;
    let bestDelta = 0;
    let bestTarget: number | undefined;
    for (const { chain: target, tally: gain } of state.mergeGains(chain).slice(0, CANDIDATE_CHAINS)) {
      // candidates come best bound first: once a bound cannot beat the best delta, none can
      if (-gain >= bestDelta) break;
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
