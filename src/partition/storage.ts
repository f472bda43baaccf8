import type Graph from "graphology-types";
import type { DeviceId } from "../traffic/types";
import { PartitionError } from "./errors";

// The storage model of the dividing paper (formula 1), exactly as DESIGN.md states it: every
// record is stored by every node of every chain that holds it.
//  - intra-chain: some chain holds both endpoints; the record goes on the smallest such chain
//    and costs that chain's size;
//  - cross-chain: no chain holds both; the record goes on one chain of each endpoint, the pair
//    with the smallest total size, costs the sum of the two sizes and also counts in `cross`;
//  - a device in no chain counts as a chain of its own (size 1).

/**
 * The record counts of every pair of devices (the full trust graph, above and below the
 * threshold) on integer device indexes, built once and shared by every strategy evaluated.
 */
export interface PairTable {
  /** Every device of the log; a device's index is its position here. */
  devices: DeviceId[];
  index: Map<DeviceId, number>;
  /** Pair p joins devices `u[p]` and `v[p]` with `count[p]` records. */
  u: Int32Array;
  v: Int32Array;
  count: Float64Array;
  /** Sum of `count`: the records of the log. */
  records: number;
}

/** The storage figures of one grouping (the columns of the paper's Table I, plus ratios). */
export interface StorageCost {
  /** Sum of the costs of every record (formula 1). */
  count: number;
  /** The part of `count` spent on cross-chain records. */
  cross: number;
  /** count / (records × devices): 1 for one chain holding every device. */
  storageRatio: number;
  /** cross / count (0 when count is 0). */
  crossShare: number;
  /** Chains, counting a device in no group as a chain of its own. */
  chains: number;
  /** Devices in two or more chains. */
  interChainNodes: number;
}

/** A grouping names a device the pair table does not know. */
export class UnknownDeviceError extends PartitionError {
  constructor(
    readonly device: DeviceId,
    readonly where: string,
  ) {
    super(`${where}: device ${JSON.stringify(device)} is not a device of the log`);
  }
}

/** A pair table from any undirected graphology graph whose edges carry the record `count`. */
export function pairTableFromGraph(graph: Graph, devices: DeviceId[] = graph.nodes()): PairTable {
  const index = indexDevices(devices);
  const size = graph.size;
  const u = new Int32Array(size);
  const v = new Int32Array(size);
  const count = new Float64Array(size);
  let p = 0;
  let records = 0;
  graph.forEachEdge((_edge, attributes, source, target) => {
    u[p] = deviceIndex(index, source, "graph");
    v[p] = deviceIndex(index, target, "graph");
    count[p] = attributes.count as number;
    records += count[p];
    p += 1;
  });
  return { devices, index, u, v, count, records };
}

/** A pair table from explicit `[a, b, count]` triples (each unordered pair at most once). */
export function pairTableFromCounts(
  devices: DeviceId[],
  pairs: readonly (readonly [DeviceId, DeviceId, number])[],
): PairTable {
  const index = indexDevices(devices);
  const u = new Int32Array(pairs.length);
  const v = new Int32Array(pairs.length);
  const count = new Float64Array(pairs.length);
  let records = 0;
  pairs.forEach(([a, b, c], p) => {
    u[p] = deviceIndex(index, a, "pairs");
    v[p] = deviceIndex(index, b, "pairs");
    count[p] = c;
    records += c;
  });
  return { devices, index, u, v, count, records };
}

function indexDevices(devices: readonly DeviceId[]): Map<DeviceId, number> {
  const index = new Map<DeviceId, number>();
  devices.forEach((d, i) => index.set(d, i));
  return index;
}

function deviceIndex(index: Map<DeviceId, number>, device: DeviceId, where: string): number {
  const i = index.get(device);
  if (i === undefined) throw new UnknownDeviceError(device, where);
  return i;
}

/** The chains on device indexes: chain sizes and, per device, the chains that hold it. */
export interface ChainIndex {
  size: number[];
  chainsOf: number[][];
}

/**
 * Chain membership on device indexes. Duplicate members of a group count once; a device in no
 * group gets a chain of its own, so every device is in at least one chain. Non-empty group g is
 * chain g when no earlier group is empty; the chains of devices in no group come after the groups.
 */
export function chainIndex(
  table: Pick<PairTable, "devices" | "index">,
  groups: readonly (readonly DeviceId[])[],
): ChainIndex {
  const size: number[] = [];
  const chainsOf: number[][] = table.devices.map(() => []);
  groups.forEach((group, g) => {
    const chain = size.length;
    let members = 0;
    for (const device of group) {
      const d = deviceIndex(table.index, device, `group ${g + 1}`);
      const held = chainsOf[d];
      if (held[held.length - 1] === chain) continue;
      held.push(chain);
      members += 1;
    }
    if (members > 0) size.push(members);
  });
  for (const held of chainsOf) {
    if (held.length === 0) {
      held.push(size.length);
      size.push(1);
    }
  }
  return { size, chainsOf };
}

/** "No chain": what {@link sharedChain} and {@link smallestChain} return when there is none. */
export const NO_CHAIN = -1;

/**
 * Where formula 1 stores one record: the chains that hold it (chain indexes of a
 * {@link ChainIndex}) and whether it is cross-chain. The record router of `records:send` and the
 * storage cost both come from {@link placeRecord}, so what is written is what is priced.
 */
export interface RecordPlacement {
  /** Intra-chain: the one chain. Cross-chain: the first endpoint's chain, then the second's. */
  readonly chains: readonly number[];
  readonly cross: boolean;
}

/** A device was given no chain (a {@link ChainIndex} gives every device at least one). */
export class UnplacedDeviceError extends PartitionError {
  constructor(readonly endpoint: "first" | "second") {
    super(
      `the ${endpoint} endpoint of a record is in no chain: build the chains with chainIndex, which gives such a device a chain of its own`,
    );
  }
}

/** True when chain `c` beats chain `best` for formula 1: smaller, or as small with a lower index. */
function better(c: number, best: number, size: ArrayLike<number>): boolean {
  return best === NO_CHAIN || size[c] < size[best] || (size[c] === size[best] && c < best);
}

/** The smallest chain holding both devices (ties: the lowest index), or {@link NO_CHAIN}. */
export function sharedChain(
  chainsOfA: readonly number[],
  chainsOfB: readonly number[],
  size: ArrayLike<number>,
): number {
  let best = NO_CHAIN;
  for (const c of chainsOfA) if (better(c, best, size) && chainsOfB.includes(c)) best = c;
  return best;
}

/** The smallest chain holding the device (ties: the lowest index), or {@link NO_CHAIN}. */
export function smallestChain(chainsOf: readonly number[], size: ArrayLike<number>): number {
  let best = NO_CHAIN;
  for (const c of chainsOf) if (better(c, best, size)) best = c;
  return best;
}

/**
 * Formula 1's placement of a record between devices a and b: the smallest chain holding both
 * (intra-chain); else one chain of each endpoint, the pair with the smallest total size — the two
 * choices are independent, so that is each endpoint's smallest chain (cross-chain). Ties go to the
 * lower chain index, so the placement is deterministic.
 */
export function placeRecord(
  chainsOfA: readonly number[],
  chainsOfB: readonly number[],
  size: ArrayLike<number>,
): RecordPlacement {
  const shared = sharedChain(chainsOfA, chainsOfB, size);
  if (shared !== NO_CHAIN) return { chains: [shared], cross: false };
  const a = smallestChain(chainsOfA, size);
  const b = smallestChain(chainsOfB, size);
  if (a === NO_CHAIN) throw new UnplacedDeviceError("first");
  if (b === NO_CHAIN) throw new UnplacedDeviceError("second");
  return { chains: [a, b], cross: true };
}

/** What one record placed at `placement` costs under formula 1: the sizes of the chains holding it. */
export function placementCost(placement: RecordPlacement, size: ArrayLike<number>): number {
  let cost = 0;
  for (const c of placement.chains) cost += size[c];
  return cost;
}

/** Size of the smallest chain holding both devices, or Infinity when they share none. */
export function sharedChainSize(
  chainsOfA: readonly number[],
  chainsOfB: readonly number[],
  size: ArrayLike<number>,
): number {
  const shared = sharedChain(chainsOfA, chainsOfB, size);
  return shared === NO_CHAIN ? Infinity : size[shared];
}

/** Size of the smallest chain holding the device (Infinity when it is in none). */
export function smallestChainSize(chainsOf: readonly number[], size: ArrayLike<number>): number {
  const smallest = smallestChain(chainsOf, size);
  return smallest === NO_CHAIN ? Infinity : size[smallest];
}

/**
 * Cost of one record between devices a and b, and whether it is cross-chain: the smallest shared
 * chain's size, or else the sum of each endpoint's smallest chain (see {@link placeRecord}).
 */
export function recordCost(
  chainsOfA: readonly number[],
  chainsOfB: readonly number[],
  size: ArrayLike<number>,
): { cost: number; cross: boolean } {
  const placement = placeRecord(chainsOfA, chainsOfB, size);
  return { cost: placementCost(placement, size), cross: placement.cross };
}

/** Evaluates formula 1 for a grouping (groups may overlap; devices in no group are chains of their own). */
export function evaluateStorage(table: PairTable, groups: readonly (readonly DeviceId[])[]): StorageCost {
  const { size, chainsOf } = chainIndex(table, groups);
  let count = 0;
  let cross = 0;
  for (let p = 0; p < table.u.length; p += 1) {
    const { cost, cross: isCross } = recordCost(chainsOf[table.u[p]], chainsOf[table.v[p]], size);
    const total = cost * table.count[p];
    count += total;
    if (isCross) cross += total;
  }
  let interChainNodes = 0;
  for (const held of chainsOf) if (held.length >= 2) interChainNodes += 1;
  const full = table.records * table.devices.length;
  return {
    count,
    cross,
    storageRatio: full === 0 ? 0 : count / full,
    crossShare: count === 0 ? 0 : cross / count,
    chains: size.length,
    interChainNodes,
  };
}
