/**
 * The miners' coalition-formation game of the IoT consensus paper (§3.3, equation 1), with the
 * functional forms the paper leaves out taken from `specs/iot-consensus-smart-city.md` §2:
 *
 * - miner m has a sensing capacity d_m ~ U[1, 10] and a unit power cost ξ_m ~ U[0.5, 1.5];
 * - a coalition S shares one sensing task of work W, so each member senses for T_m = W / D_S,
 *   where D_S = Σ_{j∈S} d_j;
 * - coalitions compete for the reward like miners for a block: S wins with probability
 *   D_S^γ / Σ_{S'∈Π} D_{S'}^γ (γ > 1: economies of scale) and shares it by capacity, so
 *   P_m = (D_S^γ / Σ_{S'∈Π} D_{S'}^γ) · d_m / D_S;
 * - talking to the other members costs C_m = c·(|S| − 1);
 * - u_m = P_m·R − C_m − ξ_m·T_m (equation 1).
 *
 * P_m depends on the whole partition Π through the denominator: a merge or split elsewhere changes
 * everyone's chance (externalities), so a game of coalitions, not of isolated groups.
 *
 * Miners are numbered 1…M; a coalition is the sorted array of its ids and a partition the array of
 * its coalitions ordered by their smallest id (`canonicalPartition`), the order the algorithm scans.
 */
import { createRandom } from "../../util/random";
import { CoalitionParameterError } from "../errors";

/** The model's parameters (the miners aside). */
export interface CoalitionParameters {
  /** R: the consensus reward of one round. */
  readonly reward: number;
  /** W: the work of the sensing task a coalition shares. */
  readonly work: number;
  /** c: the communication cost per other member of one's coalition. */
  readonly commCost: number;
  /** γ: the exponent of a coalition's capacity in its chance of the reward. */
  readonly gamma: number;
}

export const COALITION_DEFAULTS: CoalitionParameters = Object.freeze({
  reward: 100,
  work: 50,
  commCost: 0.5,
  gamma: 1.5,
});

/** One miner: its id (1…M), sensing capacity d_m and unit power cost ξ_m. */
export interface Miner {
  readonly id: number;
  readonly capacity: number;
  readonly powerCost: number;
}

/** A coalition: its members' ids, ascending. */
export type Coalition = readonly number[];
/** A partition of the miners: its coalitions, each sorted, ordered by smallest id. */
export type Partition = readonly Coalition[];

export const CAPACITY_RANGE = Object.freeze({ min: 1, max: 10 });
export const POWER_COST_RANGE = Object.freeze({ min: 0.5, max: 1.5 });
/** The most miners a study takes: the algorithm scans O(M²) merges per move. */
export const MAX_MINERS = 200;

/**
 * M miners drawn from `seed`: for each miner in id order its capacity, then its power cost, from
 * one stream, so miner m is the same for every M ≥ m.
 */
export function drawMiners(count: number, seed: number): Miner[] {
  const random = createRandom(seed);
  const miners: Miner[] = [];
  for (let id = 1; id <= count; id++) {
    const capacity = CAPACITY_RANGE.min + (CAPACITY_RANGE.max - CAPACITY_RANGE.min) * random.next();
    const powerCost = POWER_COST_RANGE.min + (POWER_COST_RANGE.max - POWER_COST_RANGE.min) * random.next();
    miners.push({ id, capacity, powerCost });
  }
  return miners;
}

function finite(parameter: string, value: number): void {
  if (typeof value !== "number" || !Number.isFinite(value))
    throw new CoalitionParameterError(parameter, `must be a finite number, got ${String(value)}`);
}

/** Checks the parameters: R ≥ 0, W > 0, c ≥ 0, γ > 0, all finite. */
export function validateCoalitionParameters(p: CoalitionParameters): CoalitionParameters {
  for (const name of ["reward", "work", "commCost", "gamma"] as const) finite(name, p[name]);
  if (p.reward < 0) throw new CoalitionParameterError("reward", `must be ≥ 0, got ${p.reward}`);
  if (p.work <= 0) throw new CoalitionParameterError("work", `must be > 0, got ${p.work}`);
  if (p.commCost < 0) throw new CoalitionParameterError("commCost", `must be ≥ 0, got ${p.commCost}`);
  if (p.gamma <= 0) throw new CoalitionParameterError("gamma", `must be > 0, got ${p.gamma}`);
  return p;
}

/** Checks given miners: ids 1…M in order, capacities > 0 (T_m = W/D_S), power costs ≥ 0. */
export function validateMiners(miners: readonly Miner[]): readonly Miner[] {
  if (miners.length < 1 || miners.length > MAX_MINERS)
    throw new CoalitionParameterError("miners", `must number 1 to ${MAX_MINERS}, got ${miners.length}`);
  miners.forEach((m, i) => {
    if (m.id !== i + 1) throw new CoalitionParameterError("miners", `miner ${i + 1} has id ${m.id}: ids must be 1…M`);
    if (!(Number.isFinite(m.capacity) && m.capacity > 0))
      throw new CoalitionParameterError("miners", `miner ${m.id}: capacity must be > 0, got ${m.capacity}`);
    if (!(Number.isFinite(m.powerCost) && m.powerCost >= 0))
      throw new CoalitionParameterError("miners", `miner ${m.id}: power cost must be ≥ 0, got ${m.powerCost}`);
  });
  return miners;
}

/** D_S: the coalition's total capacity. */
export function coalitionCapacity(miners: readonly Miner[], coalition: Coalition): number {
  let total = 0;
  for (const id of coalition) total += miners[id - 1].capacity;
  return total;
}

/**
 * Equation (1) for one miner of a coalition of capacity `coalitionCapacity` and `size` members,
 * in a partition whose Σ_{S'} D_{S'}^γ is `weightSum`.
 */
export function minerUtility(
  p: CoalitionParameters,
  miner: Miner,
  coalitionCapacity: number,
  size: number,
  weightSum: number,
): number {
  const chance = (coalitionCapacity ** p.gamma / weightSum) * (miner.capacity / coalitionCapacity);
  return chance * p.reward - p.commCost * (size - 1) - miner.powerCost * (p.work / coalitionCapacity);
}

/** Every miner's utility in `partition`, indexed by id − 1. */
export function partitionUtilities(miners: readonly Miner[], p: CoalitionParameters, partition: Partition): number[] {
  const capacities = partition.map((c) => coalitionCapacity(miners, c));
  const weightSum = capacities.reduce((sum, d) => sum + d ** p.gamma, 0);
  const utilities = new Array<number>(miners.length).fill(Number.NaN);
  partition.forEach((coalition, i) => {
    for (const id of coalition)
      utilities[id - 1] = minerUtility(p, miners[id - 1], capacities[i], coalition.length, weightSum);
  });
  return utilities;
}

/** Σ u_m over every miner. */
export function totalUtility(utilities: readonly number[]): number {
  return utilities.reduce((sum, u) => sum + u, 0);
}

/** The same partition with every coalition sorted and the coalitions ordered by smallest id. */
export function canonicalPartition(partition: readonly (readonly number[])[]): number[][] {
  return partition
    .filter((c) => c.length > 0)
    .map((c) => [...c].sort((a, b) => a - b))
    .sort((a, b) => a[0] - b[0]);
}

/** A text key of a canonical partition, for spotting a partition seen before. */
export function partitionKey(partition: Partition): string {
  return partition.map((c) => c.join(",")).join("|");
}

/** Every miner alone: Π0 of the paper's algorithm. */
export function singletonPartition(count: number): number[][] {
  return Array.from({ length: count }, (_, i) => [i + 1]);
}

/** All miners in one coalition. */
export function grandPartition(count: number): number[][] {
  return [Array.from({ length: count }, (_, i) => i + 1)];
}
