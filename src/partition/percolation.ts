import { maximalCliqueList, type CliqueList } from "./cliques";
import { degeneracyOrder, indexGraph, type AnyGraph, type IndexedGraph } from "./indexed-graph";
import { canonicalCommunities, compareDeviceIds } from "./order";
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
function cliqueOverlaps(list: CliqueList, n: number, minOverlap: number): { a: Int32Array; b: Int32Array; shared: Int32Array } {
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

/** The communities of the cliques `active` (connected through `sets`) as lists of node indices. */
function communitiesOfCliques(list: CliqueList, active: Int32Array, sets: UnionFind, n: number): number[][] {
  // Group the active cliques by set (counting sort by community), then collect each set's nodes.
  const communityOf = new Map<number, number>();
  const cliqueCommunity = new Int32Array(active.length);
  for (let i = 0; i < active.length; i++) {
    const root = sets.find(active[i]);
    let community = communityOf.get(root);
    if (community === undefined) {
      community = communityOf.size;
      communityOf.set(root, community);
    }
    cliqueCommunity[i] = community;
  }
  const communities: number[][] = Array.from({ length: communityOf.size }, () => []);
  const lastCommunity = new Int32Array(n).fill(-1);
  const byCommunity = Array.from(active.keys()).sort((x, y) => cliqueCommunity[x] - cliqueCommunity[y]);
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
function levelOf(g: IndexedGraph, k: number, communities: number[][]): KCliqueLevel {
  const memberships = new Int32Array(g.nodes.length);
  for (const community of communities) for (const v of community) memberships[v]++;
  const uncovered: DeviceId[] = [];
  const overlapping: DeviceId[] = [];
  for (let v = 0; v < g.nodes.length; v++) {
    if (memberships[v] === 0) uncovered.push(g.nodes[v]);
    else if (memberships[v] >= 2) overlapping.push(g.nodes[v]);
  }
  return {
    k,
    communities: canonicalCommunities(communities.map((community) => community.map((v) => g.nodes[v]))),
    uncovered: uncovered.sort(compareDeviceIds),
    overlapping: overlapping.sort(compareDeviceIds),
  };
}

/**
 * Unweighted percolation for every k in [kMin, largest clique size]: returns the communities
 * (node indices) per k, ascending. One clique enumeration, one overlap pass, one union-find swept
 * from the largest k down.
 */
function percolateCliques(g: IndexedGraph, kMin: number): { k: number; communities: number[][] }[] {
  const n = g.nodes.length;
  const list = maximalCliqueList(g, { minSize: kMin });
  if (list.count === 0) return [];
  // Cliques by size descending: the cliques of ≥ k nodes are a prefix.
  const bySize = Int32Array.from({ length: list.count }, (_, c) => c).sort(
    (x, y) => cliqueSize(list, y) - cliqueSize(list, x),
  );
  const largest = cliqueSize(list, bySize[0]);
  // Two distinct maximal cliques share fewer nodes than either has, so sharing ≥ k−1 nodes
  // already implies both have ≥ k nodes: an adjacency at k is an overlap of ≥ k−1, nothing more.
  const overlaps = cliqueOverlaps(list, n, kMin - 1);
  const byShared = Int32Array.from({ length: overlaps.a.length }, (_, e) => e).sort(
    (x, y) => overlaps.shared[y] - overlaps.shared[x],
  );
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
    return levelOf(g, k, weightedCommunityIndices(g, degeneracyOrder(g), k, intensity)).communities;
  }
  const g = indexGraph(graph);
  const n = g.nodes.length;
  const list = maximalCliqueList(g, { minSize: k });
  const overlaps = cliqueOverlaps(list, n, k - 1);
  const sets = new UnionFind(list.count);
  for (let e = 0; e < overlaps.a.length; e++) sets.union(overlaps.a[e], overlaps.b[e]);
  const all = Int32Array.from({ length: list.count }, (_, c) => c);
  return levelOf(g, k, communitiesOfCliques(list, all, sets, n)).communities;
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
    const levels: KCliqueLevel[] = [];
    for (let k = kMin; ; k++) {
      const level = levelOf(g, k, weightedCommunityIndices(g, degeneracy, k, intensity));
      levels.push(level);
      if (level.communities.length === 0) return levels;
    }
  }
  const g = indexGraph(graph);
  const levels = percolateCliques(g, kMin).map(({ k, communities }) => levelOf(g, k, communities));
  const firstEmpty = levels.length === 0 ? kMin : levels[levels.length - 1].k + 1;
  levels.push(levelOf(g, firstEmpty, []));
  return levels;
}
