import { maximalCliqueList, type CliqueList } from "./cliques";
import { degeneracyOrder, indexGraph, type AnyGraph, type IndexedGraph } from "./indexed-graph";
import { canonicalIndexedCommunities, rankDeviceIds, selectDeviceIds, type DeviceRanking } from "./order";
import { InvalidCliqueSizeError, InvalidIntensityError } from "./percolation-errors";
import { UnionFind } from "./union-find";
import { weightedCommunityIndices } from "./weighted-percolation";

/**
 * k-clique communities (clique percolation, Palla et al. 2005): a community is the union of the
 * k-cliques reachable from one another through k-cliques sharing k−1 nodes. Computed, as in
 * networkx's `k_clique_communities`, on maximal cliques: two maximal cliques of ≥ k nodes are
 * adjacent when they share ≥ k−1 nodes, and each connected set of them is one community.
 *
 * `percolateAll` enumerates the maximal cliques once, measures the overlap of every pair of
 * cliques that share a node (through a node → cliques index, never all pairs), and sweeps k
 * downwards through one union-find: going from k+1 to k only adds cliques of exactly k nodes and
 * adjacencies of exactly k−1 shared nodes, so no work is repeated across k.
 *
 * With an `intensity`, communities are those of weighted clique percolation instead (see
 * weighted-percolation.ts).
 */

// Same as `DeviceId` of src/trust/types.ts (a plain string); kept local so that this module
// does not depend on the trust graph.
type DeviceId = string;

/** The communities at one k, in canonical order (see `canonicalCommunities`). */
export interface KCliqueLevel {
  k: number;
  communities: DeviceId[][];
  /** Nodes in no community at this k, sorted by `compareDeviceIds`. */
  uncovered: DeviceId[];
  /** Nodes in two or more communities at this k, sorted by `compareDeviceIds`. */
  overlapping: DeviceId[];
}

export interface PercolationOptions {
  /** Weighted clique percolation: keep only k-cliques whose geometric mean edge weight is ≥ this (a finite number ≥ 0). */
  intensity?: number;
  /** Edge attribute holding the weight, read only with `intensity`. Default "weight". */
  weightAttribute?: string;
}

export interface PercolateAllOptions extends PercolationOptions {
  /** Smallest k (≥ 2). Default 3, the paper's starting point. */
  kMin?: number;
}

const DEFAULT_WEIGHT_ATTRIBUTE = "weight";
const DEFAULT_K_MIN = 3;
const MIN_K = 2;

function checkK(option: string, k: unknown): number {
  if (typeof k !== "number" || !Number.isInteger(k) || k < MIN_K) throw new InvalidCliqueSizeError(option, k, MIN_K);
  return k;
}

function checkIntensity(intensity: unknown): number | undefined {
  if (intensity === undefined) return undefined;
  if (typeof intensity !== "number" || !Number.isFinite(intensity) || intensity < 0) {
    throw new InvalidIntensityError(intensity);
  }
  return intensity;
}

function cliqueSize(list: CliqueList, c: number): number {
  return list.offsets[c + 1] - list.offsets[c];
}

/**
 * Every pair of cliques sharing at least `minOverlap` (≥ 1) nodes, with the number shared, found
 * through the cliques of each node: the cost is the sum over nodes of (cliques of the node)², not
 * (cliques)².
 */
function cliqueOverlaps(
  list: CliqueList,
  n: number,
  minOverlap: number,
): { a: Int32Array; b: Int32Array; shared: Int32Array } {
  const { count, offsets, members } = list;
  const start = new Int32Array(n + 1);
  for (let i = 0; i < members.length; i++) start[members[i] + 1]++;
  for (let v = 0; v < n; v++) start[v + 1] += start[v];
  const fill = start.slice(0, n);
  const cliquesOf = new Int32Array(members.length);
  for (let c = 0; c < count; c++) {
    for (let i = offsets[c]; i < offsets[c + 1]; i++) cliquesOf[fill[members[i]]++] = c;
  }
  const shared = new Int32Array(count);
  const touched = new Int32Array(count);
  const a: number[] = [];
  const b: number[] = [];
  const sharedOut: number[] = [];
  for (let c = 0; c < count; c++) {
    let touchedCount = 0;
    for (let i = offsets[c]; i < offsets[c + 1]; i++) {
      const v = members[i];
      // cliquesOf(v) is ascending: walk down to c, counting only the pairs (c, d) with d > c.
      for (let j = start[v + 1] - 1; j >= start[v]; j--) {
        const d = cliquesOf[j];
        if (d <= c) break;
        if (shared[d]++ === 0) touched[touchedCount++] = d;
      }
    }
    for (let t = 0; t < touchedCount; t++) {
      const d = touched[t];
      if (shared[d] >= minOverlap) {
        a.push(c);
        b.push(d);
        sharedOut.push(shared[d]);
      }
      shared[d] = 0;
    }
  }
  return { a: Int32Array.from(a), b: Int32Array.from(b), shared: Int32Array.from(sharedOut) };
}

/** Items 0…count−1 sorted by descending integer key in [0, maxKey] (counting sort: keys are clique sizes). */
function byDescendingKey(count: number, maxKey: number, key: (item: number) => number): Int32Array {
  const start = new Int32Array(maxKey + 2);
  for (let i = 0; i < count; i++) start[maxKey - key(i) + 1]++;
  for (let b = 0; b <= maxKey; b++) start[b + 1] += start[b];
  const sorted = new Int32Array(count);
  for (let i = 0; i < count; i++) sorted[start[maxKey - key(i)]++] = i;
  return sorted;
}

/** The communities of the cliques `active` (connected through `sets`) as lists of node indices. */
function communitiesOfCliques(list: CliqueList, active: Int32Array, sets: UnionFind, n: number): number[][] {
  // Number the sets, group the active cliques by set, then collect each set's nodes once.
  const communityOfRoot = new Int32Array(sets.count).fill(-1);
  const cliqueCommunity = new Int32Array(active.length);
  let communityCount = 0;
  for (let i = 0; i < active.length; i++) {
    const root = sets.find(active[i]);
    if (communityOfRoot[root] < 0) communityOfRoot[root] = communityCount++;
    cliqueCommunity[i] = communityOfRoot[root];
  }
  const byCommunity = byDescendingKey(active.length, communityCount, (i) => communityCount - cliqueCommunity[i]);
  const communities: number[][] = Array.from({ length: communityCount }, () => []);
  const lastCommunity = new Int32Array(n).fill(-1);
  for (const i of byCommunity) {
    const community = cliqueCommunity[i];
    const c = active[i];
    for (let m = list.offsets[c]; m < list.offsets[c + 1]; m++) {
      const v = list.members[m];
      if (lastCommunity[v] === community) continue;
      lastCommunity[v] = community;
      communities[community].push(v);
    }
  }
  return communities;
}

/** A `KCliqueLevel` from communities given as node indices. */
function levelOf(ranking: DeviceRanking, k: number, communities: number[][]): KCliqueLevel {
  const memberships = new Int32Array(ranking.ids.length);
  for (const community of communities) for (const v of community) memberships[v]++;
  return {
    k,
    communities: canonicalIndexedCommunities(ranking, communities),
    uncovered: selectDeviceIds(ranking, (v) => memberships[v] === 0),
    overlapping: selectDeviceIds(ranking, (v) => memberships[v] >= 2),
  };
}

/**
 * Unweighted percolation for every k in [kMin, largest clique size]: the communities (node
 * indices) per k, ascending. One clique enumeration, one overlap pass, one union-find swept from
 * the largest k down.
 */
function percolateCliques(g: IndexedGraph, kMin: number): { k: number; communities: number[][] }[] {
  const n = g.nodes.length;
  const list = maximalCliqueList(g, { minSize: kMin });
  if (list.count === 0) return [];
  let largest = 0;
  for (let c = 0; c < list.count; c++) largest = Math.max(largest, cliqueSize(list, c));
  // Cliques by size descending: the cliques of ≥ k nodes are a prefix.
  const bySize = byDescendingKey(list.count, largest, (c) => cliqueSize(list, c));
  // Two distinct maximal cliques share fewer nodes than either has, so sharing ≥ k−1 nodes
  // already implies both have ≥ k nodes: an adjacency at k is an overlap of ≥ k−1, nothing more.
  const overlaps = cliqueOverlaps(list, n, kMin - 1);
  const byShared = byDescendingKey(overlaps.a.length, largest, (e) => overlaps.shared[e]);
  const sets = new UnionFind(list.count);
  const levels: { k: number; communities: number[][] }[] = [];
  let active = 0;
  let joined = 0;
  for (let k = largest; k >= kMin; k--) {
    while (active < bySize.length && cliqueSize(list, bySize[active]) >= k) active++;
    while (joined < byShared.length && overlaps.shared[byShared[joined]] >= k - 1) {
      const e = byShared[joined++];
      sets.union(overlaps.a[e], overlaps.b[e]);
    }
    levels.push({ k, communities: communitiesOfCliques(list, bySize.subarray(0, active), sets, n) });
  }
  return levels.reverse();
}

function weightAttributeOf(opts: PercolationOptions): string {
  return opts.weightAttribute ?? DEFAULT_WEIGHT_ATTRIBUTE;
}

/**
 * The k-clique communities of an undirected graphology graph, equal as sets to networkx's
 * `k_clique_communities(G, k)`; with `intensity`, the weighted (Farkas et al. 2007) communities.
 * Canonical order (see `canonicalCommunities`).
 */
export function kCliqueCommunities(graph: AnyGraph, k: number, opts: PercolationOptions = {}): DeviceId[][] {
  checkK("k", k);
  const intensity = checkIntensity(opts.intensity);
  if (intensity !== undefined) {
    const g = indexGraph(graph, { weightAttribute: weightAttributeOf(opts) });
    return canonicalIndexedCommunities(
      rankDeviceIds(g.nodes),
      weightedCommunityIndices(g, degeneracyOrder(g), k, intensity),
    );
  }
  const g = indexGraph(graph);
  const n = g.nodes.length;
  const list = maximalCliqueList(g, { minSize: k });
  const overlaps = cliqueOverlaps(list, n, k - 1);
  const sets = new UnionFind(list.count);
  for (let e = 0; e < overlaps.a.length; e++) sets.union(overlaps.a[e], overlaps.b[e]);
  const all = new Int32Array(list.count);
  for (let c = 0; c < list.count; c++) all[c] = c;
  return canonicalIndexedCommunities(rankDeviceIds(g.nodes), communitiesOfCliques(list, all, sets, n));
}

/**
 * The k-clique communities for k = kMin, kMin+1, … up to and including the first k with no
 * community (whose level has `communities: []`): Algorithm 1 steps 3–5 of the dividing paper.
 * With `intensity`, weighted clique percolation at every k (a k-clique's intensity is the
 * geometric mean of those of its (k−1)-subcliques, so once no k-clique is kept none of k+1 is).
 */
export function percolateAll(graph: AnyGraph, opts: PercolateAllOptions = {}): KCliqueLevel[] {
  const kMin = checkK("kMin", opts.kMin ?? DEFAULT_K_MIN);
  const intensity = checkIntensity(opts.intensity);
  if (intensity !== undefined) {
    const g = indexGraph(graph, { weightAttribute: weightAttributeOf(opts) });
    const degeneracy = degeneracyOrder(g);
    const ranking = rankDeviceIds(g.nodes);
    const levels: KCliqueLevel[] = [];
    for (let k = kMin; ; k++) {
      const level = levelOf(ranking, k, weightedCommunityIndices(g, degeneracy, k, intensity));
      levels.push(level);
      if (level.communities.length === 0) return levels;
    }
  }
  const g = indexGraph(graph);
  const ranking = rankDeviceIds(g.nodes);
  const levels = percolateCliques(g, kMin).map(({ k, communities }) => levelOf(ranking, k, communities));
  const firstEmpty = levels.length === 0 ? kMin : levels[levels.length - 1].k + 1;
  levels.push(levelOf(ranking, firstEmpty, []));
  return levels;
}
