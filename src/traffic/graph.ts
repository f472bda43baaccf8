// The trust model of the dividing paper (III.A): an undirected weighted graph whose edge
// strength ω is the communication tightness, records per hour of the log's span.
import { UndirectedGraph } from "graphology";
import { TrafficError } from "./errors";
import type { DeviceId, TrustEdge, TrustGraph, TrustNode } from "./types";

const MS_PER_HOUR = 3_600_000;

// NUL cannot occur in a device id (the log reader rejects control characters), so it
// separates the two ids of a pair key without escaping.
const PAIR_SEPARATOR = "\u0000";

/**
 * Record counts per unordered device pair, keyed by `pairKey(a, b)`. A plain Map with one
 * string key per pair is what keeps millions of rows cheap: the rows themselves are never kept.
 */
export type PairCounts = Map<string, number>;

/** The key of the unordered pair {a, b}: the two ids in code-unit order, so a→b and b→a meet. */
export function pairKey(a: DeviceId, b: DeviceId): string {
  return a < b ? a + PAIR_SEPARATOR + b : b + PAIR_SEPARATOR + a;
}

/** The two ids of a `pairKey`, in the key's order. */
export function splitPairKey(key: string): [DeviceId, DeviceId] {
  const at = key.indexOf(PAIR_SEPARATOR);
  if (at <= 0 || at === key.length - 1) throw new TrafficError(`"${key}" is not a pair key`);
  return [key.slice(0, at), key.slice(at + 1)];
}

/** Adds `records` records between a and b to the counts. */
export function addPairCount(counts: PairCounts, a: DeviceId, b: DeviceId, records = 1): void {
  const key = pairKey(a, b);
  counts.set(key, (counts.get(key) ?? 0) + records);
}

/** The span of a log in hours as DESIGN.md defines it: last − first, a span under one hour counts as one hour. */
export function spanHoursOf(firstTimestamp: number, lastTimestamp: number): number {
  if (!Number.isFinite(firstTimestamp) || !Number.isFinite(lastTimestamp) || lastTimestamp < firstTimestamp) {
    throw new TrafficError(`span from ${firstTimestamp} to ${lastTimestamp} is not a time range`);
  }
  return Math.max(1, (lastTimestamp - firstTimestamp) / MS_PER_HOUR);
}

/**
 * Counts records per unordered device pair while a log streams by. Device ids are interned to
 * small integers and each device keeps a Map of its higher-numbered partners, so a record
 * costs two id lookups and one integer-keyed update: no key string is built per row, which
 * is what dominated reading a million rows with a `PairCounts` map.
 */
export class PairCounter {
  private readonly index = new Map<DeviceId, number>();
  private readonly ids: DeviceId[] = [];
  private readonly partners: Map<number, number>[] = [];
  private total = 0;

  /** Adds `records` records between a and b (a ≠ b). */
  add(a: DeviceId, b: DeviceId, records = 1): void {
    let i = this.index.get(a);
    if (i === undefined) i = this.intern(a);
    let j = this.index.get(b);
    if (j === undefined) j = this.intern(b);
    if (i === j) throw new TrafficError(`pair ("${a}", "${b}") joins a device to itself`);
    const low = i < j ? i : j;
    const high = i < j ? j : i;
    const partners = this.partners[low];
    partners.set(high, (partners.get(high) ?? 0) + records);
    this.total += records;
  }

  /** Records counted so far. */
  get records(): number {
    return this.total;
  }

  /** Devices seen so far, in order of first appearance. */
  devices(): DeviceId[] {
    return [...this.ids];
  }

  /** Every pair with its count, as `[a, b, count]` with a the device seen first. */
  *pairs(): IterableIterator<[DeviceId, DeviceId, number]> {
    for (let low = 0; low < this.ids.length; low += 1) {
      for (const [high, count] of this.partners[low]) yield [this.ids[low], this.ids[high], count];
    }
  }

  private intern(device: DeviceId): number {
    const i = this.ids.length;
    this.index.set(device, i);
    this.ids.push(device);
    this.partners.push(new Map());
    return i;
  }
}

/**
 * Builds the trust graph from pair counts: every device is a node (attribute `records`, the
 * records it takes part in), every pair with ≥ 1 record an edge with `count` and `weight` =
 * count / spanHours. Nodes come in the order of `devices` (if given), then as pairs name them.
 *
 * @param pairCounts counts keyed by `pairKey`, or `[a, b, count]` triples (a pair may repeat: counts add up)
 * @param spanHours the log's span in hours (see `spanHoursOf`), > 0
 * @param devices nodes to add first, in this order; one with no pair is a node with no edge
 */
export function buildTrustGraph(
  pairCounts: ReadonlyMap<string, number> | Iterable<readonly [DeviceId, DeviceId, number]>,
  spanHours: number,
  devices: Iterable<DeviceId> = [],
): TrustGraph {
  if (!Number.isFinite(spanHours) || spanHours <= 0) {
    throw new TrafficError(`spanHours must be a positive number of hours, got ${spanHours}`);
  }
  const graph: TrustGraph = new UndirectedGraph<TrustNode, TrustEdge>();
  for (const device of devices) {
    if (device === "") throw new TrafficError("a device id is empty");
    graph.mergeNode(device, { records: 0 });
  }
  const add = (a: DeviceId, b: DeviceId, count: number): void => {
    if (a === "" || b === "") throw new TrafficError(`pair ("${a}", "${b}") has an empty device id`);
    if (a === b) throw new TrafficError(`pair ("${a}", "${b}") joins a device to itself`);
    if (!Number.isSafeInteger(count) || count < 1) {
      throw new TrafficError(`pair ("${a}", "${b}") has count ${count}, expected a positive integer`);
    }
    for (const device of [a, b]) {
      if (graph.hasNode(device)) graph.updateNodeAttribute(device, "records", (records = 0) => records + count);
      else graph.addNode(device, { records: count });
    }
    const edge = graph.edge(a, b);
    if (edge === undefined) {
      graph.addEdge(a, b, { count, weight: count / spanHours });
    } else {
      const total = graph.getEdgeAttribute(edge, "count") + count;
      graph.replaceEdgeAttributes(edge, { count: total, weight: total / spanHours });
    }
  };
  if (pairCounts instanceof Map) {
    for (const [key, count] of pairCounts as ReadonlyMap<string, number>) add(...splitPairKey(key), count);
  } else {
    for (const [a, b, count] of pairCounts as Iterable<readonly [DeviceId, DeviceId, number]>) add(a, b, count);
  }
  return graph;
}
