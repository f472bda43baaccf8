import { popcount32, wordsFor } from "./bitset";
import type { DegeneracyOrder, IndexedGraph } from "./indexed-graph";
import { UnionFind } from "./union-find";

/**
 * Weighted clique percolation (Farkas, Ábel, Palla, Vicsek 2007): a k-clique takes part only if
 * its intensity, the geometric mean of its k(k−1)/2 edge weights, is at least I; kept k-cliques
 * sharing k−1 nodes are adjacent; communities are the unions of connected kept k-cliques.
 *
 * The maximal-clique shortcut of unweighted percolation does not apply (one maximal clique can
 * hold kept and dropped k-cliques), so every k-clique is listed once, along a degeneracy
 * orientation (each node only extends towards its later neighbours, Chiba–Nishizeki style), and
 * kept ones are joined through a union-find over their (k−1)-node faces.
 */

/** Relative slack on the log-intensity comparison so that a clique exactly at I counts despite rounding. */
const INTENSITY_TOLERANCE = 1e-12;

/** Interns fixed-width integer tuples (the (k−1)-node faces) to dense ids, by open addressing. */
class TupleIndex {
  private tuples: Int32Array;
  private table: Int32Array;
  private mask: number;
  count = 0;

  constructor(readonly width: number) {
    this.tuples = new Int32Array(Math.max(width, 1) * 1024);
    this.table = new Int32Array(2048).fill(-1);
    this.mask = this.table.length - 1;
  }

  /** Members of tuple `id` start at `tupleStart(id)` in `tupleData()`. */
  tupleData(): Int32Array {
    return this.tuples;
  }

  private hash(source: Int32Array, start: number, skip: number, end: number): number {
    let h = 0x811c9dc5 ^ this.width;
    for (let i = start; i < end; i++) {
      if (i === skip) continue;
      h = Math.imul(h ^ source[i], 0x01000193);
      h ^= h >>> 15;
    }
    h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
    return (h ^ (h >>> 13)) >>> 0;
  }

  private equals(id: number, source: Int32Array, start: number, skip: number, end: number): boolean {
    let at = id * this.width;
    for (let i = start; i < end; i++) {
      if (i === skip) continue;
      if (this.tuples[at++] !== source[i]) return false;
    }
    return true;
  }

  /** Id of the tuple `source[start…end)` without the element at `skip`, added if new. */
  idOf(source: Int32Array, start: number, end: number, skip: number): number {
    let slot = this.hash(source, start, skip, end) & this.mask;
    for (;;) {
      const id = this.table[slot];
      if (id < 0) break;
      if (this.equals(id, source, start, skip, end)) return id;
      slot = (slot + 1) & this.mask;
    }
    const id = this.count++;
    if ((id + 1) * this.width > this.tuples.length) {
      const bigger = new Int32Array(this.tuples.length * 2);
      bigger.set(this.tuples);
      this.tuples = bigger;
    }
    let at = id * this.width;
    for (let i = start; i < end; i++) if (i !== skip) this.tuples[at++] = source[i];
    this.table[slot] = id;
    if (this.count * 2 > this.table.length) this.rehash();
    return id;
  }

  private rehash(): void {
    this.table = new Int32Array(this.table.length * 2).fill(-1);
    this.mask = this.table.length - 1;
    for (let id = 0; id < this.count; id++) {
      const start = id * this.width;
      let slot = this.hash(this.tuples, start, -1, start + this.width) & this.mask;
      while (this.table[slot] >= 0) slot = (slot + 1) & this.mask;
      this.table[slot] = id;
    }
  }
}

/**
 * The weighted k-clique communities of an indexed graph with `logWeights`, as lists of node
 * indices (unordered). `intensity` is I ≥ 0; k ≥ 2.
 */
export function weightedCommunityIndices(
  g: IndexedGraph,
  degeneracy: DegeneracyOrder,
  k: number,
  intensity: number,
): number[][] {
  const logWeights = g.logWeights!;
  const { offsets: adjStart, neighbors: adj } = g;
  const { order, rank } = degeneracy;
  const n = g.nodes.length;
  const pairs = (k * (k - 1)) / 2;
  const keepAll = intensity === 0;
  const minLogSum = keepAll ? -Infinity : pairs * Math.log(intensity);
  const threshold = minLogSum - INTENSITY_TOLERANCE * Math.max(1, Math.abs(minLogSum));

  const faces = new TupleIndex(k - 1);
  const sets = new UnionFind();
  const clique = new Int32Array(k);
  const faceIds = new Int32Array(k);

  // Scratch for the largest neighbourhood: a node has at most `degeneracy` later neighbours.
  const maxLater = degeneracy.degeneracy;
  const maxWords = wordsFor(maxLater);
  const localOf = new Int32Array(n).fill(-1);
  const globalOf = new Int32Array(maxLater);
  const rootLog = new Float64Array(maxLater);
  const rows = new Uint32Array(maxLater * maxWords);
  // Only entries of adjacent pairs are ever read, so this is never cleared between roots.
  const pairLog = new Float64Array(maxLater * maxLater);
  const candidates = new Uint32Array(k * maxWords);
  const chosen = new Int32Array(k);

  let root = 0;
  let s = 0;
  let words = 0;

  const keep = () => {
    clique[0] = root;
    for (let t = 0; t < k - 1; t++) clique[t + 1] = globalOf[chosen[t]];
    clique.sort();
    for (let skip = 0; skip < k; skip++) faceIds[skip] = faces.idOf(clique, 0, k, skip);
    sets.grow(faces.count);
    for (let skip = 1; skip < k; skip++) sets.union(faceIds[0], faceIds[skip]);
  };

  // Extends the chosen locals chosen[0…depth) (edge log-weight sum `logSum`, root included) by
  // each candidate of level `depth`; locals only extend to larger locals, so each k-clique of
  // the root's later neighbourhood is listed once. Recursion depth is at most k − 1.
  const extend = (depth: number, logSum: number) => {
    const base = depth * maxWords;
    for (let w = 0; w < words; w++) {
      let bits = candidates[base + w];
      while (bits !== 0) {
        const low = bits & -bits;
        bits ^= low;
        const c = (w << 5) | (31 - Math.clz32(low));
        let sum = logSum + rootLog[c];
        for (let t = 0; t < depth; t++) sum += pairLog[chosen[t] * s + c];
        chosen[depth] = c;
        if (depth + 1 === k - 1) {
          if (keepAll || sum >= threshold) keep();
          continue;
        }
        const next = base + maxWords;
        let size = 0;
        for (let x = 0; x < words; x++) {
          const common = candidates[base + x] & rows[c * words + x];
          candidates[next + x] = common;
          size += popcount32(common);
        }
        if (depth + 1 + size >= k - 1) extend(depth + 1, sum);
      }
    }
  };

  for (let position = 0; position < n; position++) {
    root = order[position];
    // The root's later neighbours, indexed locally in ascending node order (any fixed order
    // works: a clique is listed from its earliest node, as an increasing run of locals).
    s = 0;
    for (let e = adjStart[root]; e < adjStart[root + 1]; e++) {
      if (rank[adj[e]] <= position) continue;
      globalOf[s] = adj[e];
      rootLog[s] = logWeights[e];
      localOf[adj[e]] = s++;
    }
    if (s >= k - 1) {
      words = wordsFor(s);
      rows.fill(0, 0, s * words);
      for (let i = 0; i < s; i++) {
        const u = globalOf[i];
        for (let e = adjStart[u]; e < adjStart[u + 1]; e++) {
          const j = localOf[adj[e]];
          if (j <= i) continue;
          rows[i * words + (j >>> 5)] |= 1 << (j & 31);
          pairLog[i * s + j] = logWeights[e];
        }
      }
      candidates.fill(0, 0, words);
      for (let i = 0; i < s; i++) candidates[i >>> 5] |= 1 << (i & 31);
      extend(0, 0);
    }
    for (let i = 0; i < s; i++) localOf[globalOf[i]] = -1;
  }

  // A community is the union of the faces of one set: number the sets, order the faces by set
  // (counting sort), then collect each set's nodes once.
  const communityOfRoot = new Int32Array(faces.count).fill(-1);
  const faceCommunity = new Int32Array(faces.count);
  let communityCount = 0;
  for (let face = 0; face < faces.count; face++) {
    const setRoot = sets.find(face);
    if (communityOfRoot[setRoot] < 0) communityOfRoot[setRoot] = communityCount++;
    faceCommunity[face] = communityOfRoot[setRoot];
  }
  const start = new Int32Array(communityCount + 1);
  for (let face = 0; face < faces.count; face++) start[faceCommunity[face] + 1]++;
  for (let c = 0; c < communityCount; c++) start[c + 1] += start[c];
  const byCommunity = new Int32Array(faces.count);
  for (let face = 0; face < faces.count; face++) byCommunity[start[faceCommunity[face]]++] = face;
  const communities: number[][] = Array.from({ length: communityCount }, () => []);
  const lastCommunity = new Int32Array(n).fill(-1);
  const data = faces.tupleData();
  for (const face of byCommunity) {
    const community = faceCommunity[face];
    for (let i = face * (k - 1); i < (face + 1) * (k - 1); i++) {
      if (lastCommunity[data[i]] === community) continue;
      lastCommunity[data[i]] = community;
      communities[community].push(data[i]);
    }
  }
  return communities;
}
