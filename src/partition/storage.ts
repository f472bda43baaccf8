import type Graph from "graphology-types";
import type { DeviceId } from "../trust/types";
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
export function pairTableFromCounts(devices: DeviceId[], pairs: readonly (readonly [DeviceId, DeviceId, number])[]): PairTable {
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
 * group gets a chain of its own, so every device is in at least one chain.
 */
export function chainIndex(table: PairTable, groups: readonly (readonly DeviceId[])[]): ChainIndex {
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

/** Size of the smallest chain holding both devices, or Infinity when they share none. */
export function sharedChainSize(chainsOfA: readonly number[], chainsOfB: readonly number[], size: ArrayLike<number>): number {
  let best = Infinity;
  for (const c of chainsOfA) {
    if (size[c] < best && chainsOfB.includes(c)) best = size[c];
  }
  return best;
}

/** Size of the smallest chain holding the device. */
export function smallestChainSize(chainsOf: readonly number[], size: ArrayLike<number>): number {
  let best = Infinity;
  for (const c of chainsOf) if (size[c] < best) best = size[c];
  return best;
}

/**
 * Cost of one record between devices a and b, and whether it is cross-chain: the smallest shared
 * chain's size, or else the sum of each endpoint's smallest chain.
 */
export function recordCost(chainsOfA: readonly number[], chainsOfB: readonly number[], size: ArrayLike<number>): { cost: number; cross: boolean } {
  const shared = sharedChainSize(chainsOfA, chainsOfB, size);
  if (shared !== Infinity) return { cost: shared, cross: false };
  return { cost: smallestChainSize(chainsOfA, size) + smallestChainSize(chainsOfB, size), cross: true };
}

/** Evaluates formula 1 for a grouping (groups may overlap; devices in no group are chains of their own). */
export function evaluateStorage(table: PairTable, groups: readonly (readonly DeviceId[])[]): StorageCost {
  const { size, chainsOf } = chainIndex(table, groups);
  let count = 0;
  let cross = 0;
  for (let p = 0; p < table.u.length; p += 1) {
    const a = chainsOf[table.u[p]];
    const b = chainsOf[table.v[p]];
    const shared = sharedChainSize(a, b, size);
    if (shared !== Infinity) {
      count += shared * table.count[p];
    } else {
      const cost = (smallestChainSize(a, size) + smallestChainSize(b, size)) * table.count[p];
      count += cost;
      cross += cost;
    }
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
