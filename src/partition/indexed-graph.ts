import type { AbstractGraph, Attributes } from "graphology-types";
import { DirectedGraphError, InvalidEdgeWeightError } from "./percolation-errors";

/** Any graphology graph (simple or multi, any attributes); only its undirected edges are read. */
export type AnyGraph = AbstractGraph<Attributes, Attributes, Attributes>;

/**
 * A graph in compressed sparse rows over the integers 0…n−1: what the clique algorithms run on.
 * graphology's string-keyed maps are too slow for the inner loops of clique enumeration, so the
 * graph is copied once into flat typed arrays.
 */
export interface IndexedGraph {
  /** Node keys; node i of the arrays below is `nodes[i]` (graphology's node order). */
  readonly nodes: readonly string[];
  /** Neighbours of node i are `neighbors[offsets[i]]` … `neighbors[offsets[i + 1] − 1]`, ascending, without self-loops or repeats. */
  readonly offsets: Int32Array;
  readonly neighbors: Int32Array;
  /** Natural logarithm of the weight of each entry of `neighbors` (parallel edges summed); only when weights were read. */
  readonly logWeights?: Float64Array;
}

export interface IndexOptions {
  /** Read this edge attribute as the weight of every edge (must be a finite number ≥ 0). */
  weightAttribute?: string;
}

/** Copies a graphology graph into an `IndexedGraph`; throws on directed edges and, when weights are read, on a missing or bad weight. */
export function indexGraph(graph: AnyGraph, opts: IndexOptions = {}): IndexedGraph {
  if (graph.directedSize > 0) throw new DirectedGraphError(graph.directedSize);
  const nodes = graph.nodes();
  const indexOf = new Map<string, number>();
  nodes.forEach((node, i) => indexOf.set(node, i));
  const n = nodes.length;
  const attribute = opts.weightAttribute;

  // Endpoints (and weights) of every edge that is not a self-loop, then counting sort into rows.
  const sources: number[] = [];
  const targets: number[] = [];
  const weights: number[] = [];
  graph.forEachEdge((_edge, attributes, source, target) => {
    if (source === target) return;
    if (attribute !== undefined) {
      const weight: unknown = attributes[attribute];
      if (typeof weight !== "number" || !Number.isFinite(weight) || weight < 0) {
        throw new InvalidEdgeWeightError(source, target, attribute, weight);
      }
      weights.push(weight);
    }
    sources.push(indexOf.get(source)!);
    targets.push(indexOf.get(target)!);
  });

  const degree = new Int32Array(n + 1);
  for (let e = 0; e < sources.length; e++) {
    degree[sources[e]]++;
    degree[targets[e]]++;
  }
  const start = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) start[i + 1] = start[i] + degree[i];
  const fill = start.slice(0, n);
  const raw = new Int32Array(start[n]);
  const rawWeights = attribute === undefined ? undefined : new Float64Array(start[n]);
  for (let e = 0; e < sources.length; e++) {
    const s = sources[e];
    const t = targets[e];
    if (rawWeights) {
      rawWeights[fill[s]] = weights[e];
      rawWeights[fill[t]] = weights[e];
    }
    raw[fill[s]++] = t;
    raw[fill[t]++] = s;
  }

  // Sort each row (by neighbour, weights alongside) and merge parallel edges (multigraphs):
  // their weights add up, as records do.
  const offsets = new Int32Array(n + 1);
  const neighbors = new Int32Array(start[n]);
  const logWeights = rawWeights ? new Float64Array(start[n]) : undefined;
  let out = 0;
  for (let i = 0; i < n; i++) {
    offsets[i] = out;
    const from = start[i];
    const to = start[i + 1];
    if (rawWeights) sortRowWithWeights(raw, rawWeights, from, to);
    else sortRow(raw, from, to);
    for (let p = from; p < to; p++) {
      if (out > offsets[i] && raw[p] === neighbors[out - 1]) {
        if (rawWeights) logWeights![out - 1] += rawWeights[p];
        continue;
      }
      neighbors[out] = raw[p];
      if (rawWeights) logWeights![out] = rawWeights[p];
      out++;
    }
  }
  offsets[n] = out;
  if (logWeights) for (let p = 0; p < out; p++) logWeights[p] = Math.log(logWeights[p]);
  return {
    nodes,
    offsets,
    neighbors: neighbors.subarray(0, out),
    logWeights: logWeights?.subarray(0, out),
  };
}

/** Rows at most this long are insertion-sorted in place (no allocation: most rows are short). */
const SHORT_ROW = 32;

/** Sorts keys[from…to) ascending. */
function sortRow(keys: Int32Array, from: number, to: number): void {
  if (to - from > SHORT_ROW) {
    keys.subarray(from, to).sort();
    return;
  }
  for (let i = from + 1; i < to; i++) {
    const key = keys[i];
    let j = i - 1;
    for (; j >= from && keys[j] > key; j--) keys[j + 1] = keys[j];
    keys[j + 1] = key;
  }
}

/** Sorts keys[from…to) ascending, moving values[from…to) along. */
function sortRowWithWeights(keys: Int32Array, values: Float64Array, from: number, to: number): void {
  if (to - from <= SHORT_ROW) {
    for (let i = from + 1; i < to; i++) {
      const key = keys[i];
      const value = values[i];
      let j = i - 1;
      for (; j >= from && keys[j] > key; j--) {
        keys[j + 1] = keys[j];
        values[j + 1] = values[j];
      }
      keys[j + 1] = key;
      values[j + 1] = value;
    }
    return;
  }
  const order = Array.from({ length: to - from }, (_, i) => from + i).sort((a, b) => keys[a] - keys[b]);
  const sortedKeys = Int32Array.from(order, (p) => keys[p]);
  const sortedValues = Float64Array.from(order, (p) => values[p]);
  keys.set(sortedKeys, from);
  values.set(sortedValues, from);
}

/**
 * A degeneracy (smallest-last) ordering: repeatedly remove a node of minimum remaining degree
 * (Matula–Beck, with the bucket queue of Batagelj–Zaversnik, O(n + m)). Every node has at most
 * `degeneracy` neighbours later in the order, which bounds the work of clique enumeration.
 */
export interface DegeneracyOrder {
  /** Nodes in removal order. */
  readonly order: Int32Array;
  /** Position of each node in `order`. */
  readonly rank: Int32Array;
  /** Largest number of later neighbours of any node. */
  readonly degeneracy: number;
}

export function degeneracyOrder(g: IndexedGraph): DegeneracyOrder {
  const n = g.nodes.length;
  const degree = new Int32Array(n);
  let maxDegree = 0;
  for (let i = 0; i < n; i++) {
    degree[i] = g.offsets[i + 1] - g.offsets[i];
    if (degree[i] > maxDegree) maxDegree = degree[i];
  }
  // Nodes sorted by degree (bin starts), and each node's position in that array.
  const binStart = new Int32Array(maxDegree + 2);
  for (let i = 0; i < n; i++) binStart[degree[i] + 1]++;
  for (let d = 0; d <= maxDegree; d++) binStart[d + 1] += binStart[d];
  const sorted = new Int32Array(n);
  const position = new Int32Array(n);
  const next = binStart.slice();
  for (let i = 0; i < n; i++) {
    position[i] = next[degree[i]]++;
    sorted[position[i]] = i;
  }
  const removed = new Uint8Array(n);
  const rank = new Int32Array(n);
  let degeneracy = 0;
  for (let r = 0; r < n; r++) {
    const v = sorted[r];
    removed[v] = 1;
    rank[v] = r;
    if (degree[v] > degeneracy) degeneracy = degree[v];
    for (let p = g.offsets[v]; p < g.offsets[v + 1]; p++) {
      const u = g.neighbors[p];
      if (removed[u] || degree[u] <= degree[v]) continue;
      // Move u to the front of its bin, then shrink the bin by one: u's degree drops by one.
      const d = degree[u];
      const front = Math.max(binStart[d], r + 1);
      const w = sorted[front];
      if (w !== u) {
        sorted[position[u]] = w;
        position[w] = position[u];
        sorted[front] = u;
        position[u] = front;
      }
      binStart[d] = front + 1;
      degree[u]--;
    }
  }
  return { order: sorted, rank, degeneracy };
}
