// An independent oracle for the coalition game's tests: equation (1) and the Pareto judgement
// written again from the model's description, with its own set-partition enumeration, sharing no
// code with src/economics/coalition.

export interface OracleMiner {
  readonly capacity: number;
  readonly powerCost: number;
}
export interface OracleParameters {
  readonly reward: number;
  readonly work: number;
  readonly commCost: number;
  readonly gamma: number;
}

/** Each miner's utility (by id − 1) in `partition` (ids 1…M). */
export function oracleUtilities(
  miners: readonly OracleMiner[],
  p: OracleParameters,
  partition: readonly (readonly number[])[],
): number[] {
  const power = (coalition: readonly number[]) => coalition.reduce((s, id) => s + miners[id - 1].capacity, 0);
  const denominator = partition.reduce((s, c) => s + Math.pow(power(c), p.gamma), 0);
  const u: number[] = [];
  for (const coalition of partition) {
    const total = power(coalition);
    for (const id of coalition) {
      const m = miners[id - 1];
      const winChance = Math.pow(total, p.gamma) / denominator;
      const share = m.capacity / total;
      const sensingTime = p.work / total;
      u[id - 1] = winChance * share * p.reward - p.commCost * (coalition.length - 1) - m.powerCost * sensingTime;
    }
  }
  return u;
}

/** Every set partition of `items`, recursively: the first item joins each part of a partition of the rest, or stands alone. */
export function allSetPartitions(items: readonly number[]): number[][][] {
  if (items.length === 0) return [[]];
  const [first, ...rest] = items;
  const out: number[][][] = [];
  for (const partition of allSetPartitions(rest)) {
    out.push([[first], ...partition]);
    partition.forEach((_, i) => out.push(partition.map((part, j) => (i === j ? [first, ...part] : part))));
  }
  return out;
}

/** Whether moving from `before` to `after` is a Pareto improvement for the miners `involved`. */
export function oracleParetoBetter(
  before: number[],
  after: number[],
  involved: readonly number[],
  eps = 1e-9,
): boolean {
  const changes = involved.map((id) => after[id - 1] - before[id - 1]);
  return changes.every((x) => x >= -eps) && changes.some((x) => x > eps);
}

/** Every improving move from `partition` under the Pareto order: merges of any set of coalitions, splits into any partition. */
export function oracleMoves(
  miners: readonly OracleMiner[],
  p: OracleParameters,
  partition: readonly (readonly number[])[],
): { kind: "merge" | "split"; coalitions: number[][] }[] {
  const before = oracleUtilities(miners, p, partition);
  const moves: { kind: "merge" | "split"; coalitions: number[][] }[] = [];
  const n = partition.length;
  for (let mask = 1; mask < 1 << n; mask++) {
    const chosen = partition.filter((_, i) => (mask >> i) & 1);
    if (chosen.length < 2) continue;
    const merged = chosen.flat();
    const after = oracleUtilities(miners, p, [...partition.filter((_, i) => !((mask >> i) & 1)), merged]);
    if (oracleParetoBetter(before, after, merged)) moves.push({ kind: "merge", coalitions: chosen.map((c) => [...c]) });
  }
  partition.forEach((coalition, i) => {
    for (const parts of allSetPartitions([...coalition])) {
      if (parts.length < 2) continue;
      const after = oracleUtilities(miners, p, [...partition.filter((_, j) => j !== i), ...parts]);
      if (oracleParetoBetter(before, after, coalition)) moves.push({ kind: "split", coalitions: parts });
    }
  });
  return moves;
}
