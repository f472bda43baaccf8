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
  const localOf = new Int32Array(n).fill(-1);
  const clique = new Int32Array(k);
  const faceIds = new Int32Array(k);

  for (let position = 0; position < n; position++) {
    const root = order[position];
    // Later neighbours of the root, indexed locally in degeneracy order so that an oriented
    // edge always goes from a smaller to a larger local index.
    const later: number[] = [];
    for (let e = adjStart[root]; e < adjStart[root + 1]; e++) if (rank[adj[e]] > position) later.push(e);
    const s = later.length;
    if (s < k - 1) continue;
    later.sort((a, b) => rank[adj[a]] - rank[adj[b]]);
    const globalOf = new Int32Array(s);
    const rootLog = new Float64Array(s);
    for (let i = 0; i < s; i++) {
      globalOf[i] = adj[later[i]];
      rootLog[i] = logWeights[later[i]];
      localOf[globalOf[i]] = i;
    }
    const words = wordsFor(s);
    const rows = new Uint32Array(s * words);
    const pairLog = new Float64Array(s * s);
    for (let i = 0; i < s; i++) {
      const u = globalOf[i];
      for (let e = adjStart[u]; e < adjStart[u + 1]; e++) {
        const j = localOf[adj[e]];
        if (j <= i) continue;
        rows[i * words + (j >>> 5)] |= 1 << (j & 31);
        pairLog[i * s + j] = logWeights[e];
      }
    }
    for (let i = 0; i < s; i++) localOf[globalOf[i]] = -1;

    const chosen = new Int32Array(k - 1);
    const keep = () => {
      clique[0] = root;
      for (let t = 0; t < k - 1; t++) clique[t + 1] = globalOf[chosen[t]];
      clique.sort();
      for (let skip = 0; skip < k; skip++) faceIds[skip] = faces.idOf(clique, 0, k, skip);
      sets.grow(faces.count);
      for (let skip = 1; skip < k; skip++) sets.union(faceIds[0], faceIds[skip]);
    };
    // Extends the chosen locals chosen[0…depth) (log-weight sum `logSum`) with a candidate.
    const extend = (depth: number, candidates: Uint32Array, logSum: number) => {
      for (let w = 0; w < words; w++) {
        let bits = candidates[w];
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
          const next = new Uint32Array(words);
          let size = 0;
          for (let x = 0; x < words; x++) {
            next[x] = candidates[x] & rows[c * words + x];
            size += popcount32(next[x]);
          }
          if (depth + 1 + size >= k - 1) extend(depth + 1, next, sum);
        }
      }
    };
    const all = new Uint32Array(words);
    for (let i = 0; i < s; i++) all[i >>> 5] |= 1 << (i & 31);
    extend(0, all, 0);
  }

  // A community is the union of the faces of one set.
  const communityOfRoot = new Map<number, number>();
  const members: Set<number>[] = [];
  const data = faces.tupleData();
  for (let face = 0; face < faces.count; face++) {
    const root = sets.find(face);
    let community = communityOfRoot.get(root);
    if (community === undefined) {
      community = members.length;
      communityOfRoot.set(root, community);
      members.push(new Set());
    }
    for (let i = face * (k - 1); i < (face + 1) * (k - 1); i++) members[community].add(data[i]);
  }
  return members.map((set) => [...set]);
}
