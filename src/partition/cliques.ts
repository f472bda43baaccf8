import { popcount32, wordsFor } from "./bitset";
import { degeneracyOrder, indexGraph, type AnyGraph, type IndexedGraph } from "./indexed-graph";
import { canonicalIndexedCommunities, rankDeviceIds } from "./order";
import { InvalidCliqueSizeError } from "./percolation-errors";

/**
 * Maximal cliques: Bron–Kerbosch with Tomita–Tanaka–Takahashi pivoting (2006) run once per node
 * of a degeneracy ordering (Eppstein–Löffler–Strash 2010), O(d·n·3^(d/3)) for degeneracy d.
 *
 * Hand-written because graphology's standard library has no maximal-clique enumeration, and
 * because clique percolation on 10,000-device graphs needs it on flat integer arrays: each
 * node's subproblem (its later neighbours P and earlier neighbours X) is re-indexed locally and
 * held as dense bit rows, so set intersections are word operations. The recursion is an explicit
 * stack, so a huge clique cannot overflow the JavaScript call stack.
 */

/** Maximal cliques as flat arrays: clique c is `members[offsets[c]]` … `members[offsets[c + 1] − 1]` (node indices). */
export interface CliqueList {
  readonly count: number;
  readonly offsets: Int32Array;
  readonly members: Int32Array;
}

export interface CliqueOptions {
  /** Only report cliques of at least this many nodes (pruned during the search, not after). Default 1. */
  minSize?: number;
}

/** A growable Int32Array (cliques are counted in the hundreds of thousands on large graphs). */
class IntBuffer {
  private data = new Int32Array(256);
  length = 0;
  push(value: number): void {
    if (this.length === this.data.length) {
      const bigger = new Int32Array(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.length++] = value;
  }
  toArray(): Int32Array {
    return this.data.slice(0, this.length);
  }
}

function checkMinSize(minSize: unknown): number {
  if (minSize === undefined) return 1;
  if (typeof minSize !== "number" || !Number.isInteger(minSize) || minSize < 1) {
    throw new InvalidCliqueSizeError("minSize", minSize, 1);
  }
  return minSize;
}

/** Every maximal clique of at least `minSize` nodes of an indexed graph, each exactly once. */
export function maximalCliqueList(g: IndexedGraph, opts: CliqueOptions = {}): CliqueList {
  const minSize = checkMinSize(opts.minSize);
  const n = g.nodes.length;
  const { offsets: adjStart, neighbors: adj } = g;
  const { order, rank, degeneracy } = degeneracyOrder(g);
  let maxDegree = 0;
  for (let v = 0; v < n; v++) maxDegree = Math.max(maxDegree, adjStart[v + 1] - adjStart[v]);

  // Scratch sized once for the largest subproblem: P has at most `degeneracy` nodes, P ∪ X at
  // most `maxDegree`. Rows of P nodes span P ∪ X; rows of X nodes only P (all a pivot needs).
  const maxP = degeneracy;
  const maxWordsAll = wordsFor(maxDegree);
  const maxWordsP = wordsFor(maxP);
  const localOf = new Int32Array(n).fill(-1);
  const globalOf = new Int32Array(maxDegree);
  const rows = new Uint32Array(maxP * maxWordsAll + maxDegree * maxWordsP);
  const depthLimit = maxP + 1;
  const pStack = new Uint32Array(depthLimit * maxWordsP);
  const xStack = new Uint32Array(depthLimit * maxWordsAll);
  const candidates = new Int32Array(depthLimit * Math.max(maxP, 1));
  const candidateCount = new Int32Array(depthLimit);
  const cursor = new Int32Array(depthLimit);
  const chosen = new Int32Array(depthLimit);

  const offsets = new IntBuffer();
  const members = new IntBuffer();
  offsets.push(0);

  // The current root's subproblem; the helpers below are created once, not per root.
  let root = 0;
  let p = 0;
  let m = 0;
  let wordsAll = 0;
  let wordsP = 0;
  const rowOf = (local: number) => (local < p ? local * wordsAll : p * wordsAll + (local - p) * wordsP);
  const report = (size: number) => {
    members.push(root);
    for (let t = 0; t < size; t++) members.push(globalOf[chosen[t]]);
    offsets.push(members.length);
  };
  // Tomita pivoting: expand only P \ N(u) for the u of P ∪ X with the most neighbours in P.
  const choosePivotAndCandidates = (depth: number) => {
    const pBase = depth * maxWordsP;
    const xBase = depth * maxWordsAll;
    let sizeP = 0;
    for (let w = 0; w < wordsP; w++) sizeP += popcount32(pStack[pBase + w]);
    let best = -1;
    let bestCount = -1;
    scan: for (let pass = 0; pass < 2; pass++) {
      const base = pass === 0 ? pBase : xBase;
      const words = pass === 0 ? wordsP : wordsAll;
      for (let w = 0; w < words; w++) {
        let bits = pass === 0 ? pStack[base + w] : xStack[base + w];
        while (bits !== 0) {
          const low = bits & -bits;
          bits ^= low;
          const u = (w << 5) | (31 - Math.clz32(low));
          const row = rowOf(u);
          let count = 0;
          for (let k = 0; k < wordsP; k++) count += popcount32(pStack[pBase + k] & rows[row + k]);
          if (count > bestCount) {
            bestCount = count;
            best = u;
            if (count === sizeP - (pass === 0 ? 1 : 0)) break scan; // no pivot can do better
          }
        }
      }
    }
    const row = rowOf(best);
    const candBase = depth * maxP;
    let c = 0;
    for (let w = 0; w < wordsP; w++) {
      let bits = pStack[pBase + w] & ~rows[row + w];
      while (bits !== 0) {
        const low = bits & -bits;
        bits ^= low;
        candidates[candBase + c++] = (w << 5) | (31 - Math.clz32(low));
      }
    }
    candidateCount[depth] = c;
    cursor[depth] = 0;
  };

  for (let position = 0; position < n; position++) {
    root = order[position];
    // P = later neighbours (indices 0…p−1), X = earlier neighbours (p…m−1).
    p = 0;
    for (let e = adjStart[root]; e < adjStart[root + 1]; e++) if (rank[adj[e]] > position) p++;
    if (1 + p < minSize) continue;
    let nextP = 0;
    let nextX = p;
    for (let e = adjStart[root]; e < adjStart[root + 1]; e++) {
      const u = adj[e];
      const local = rank[u] > position ? nextP++ : nextX++;
      localOf[u] = local;
      globalOf[local] = u;
    }
    m = nextX;
    wordsAll = wordsFor(m);
    wordsP = wordsFor(p);
    rows.fill(0, 0, p * wordsAll + (m - p) * wordsP);
    // Only P nodes' adjacency is scanned; an edge to an X node also fills that X node's P-row.
    for (let i = 0; i < p; i++) {
      const u = globalOf[i];
      const rowI = rowOf(i);
      for (let e = adjStart[u]; e < adjStart[u + 1]; e++) {
        const j = localOf[adj[e]];
        if (j < 0) continue;
        rows[rowI + (j >>> 5)] |= 1 << (j & 31);
        if (j >= p) rows[rowOf(j) + (i >>> 5)] |= 1 << (i & 31);
      }
    }

    // Depth 0: P = all later neighbours, X = all earlier ones; R = [root].
    pStack.fill(0, 0, wordsP);
    xStack.fill(0, 0, wordsAll);
    for (let i = 0; i < p; i++) pStack[i >>> 5] |= 1 << (i & 31);
    for (let i = p; i < m; i++) xStack[i >>> 5] |= 1 << (i & 31);

    if (p === 0) {
      if (m === 0) report(0); // an isolated node is a maximal clique of one
    } else {
      let depth = 0;
      choosePivotAndCandidates(0);
      while (depth >= 0) {
        if (cursor[depth] === candidateCount[depth]) {
          depth--;
          continue;
        }
        const v = candidates[depth * maxP + cursor[depth]++];
        chosen[depth] = v;
        const pBase = depth * maxWordsP;
        const xBase = depth * maxWordsAll;
        const row = rowOf(v);
        const nextPBase = pBase + maxWordsP;
        const nextXBase = xBase + maxWordsAll;
        let sizeNextP = 0;
        for (let w = 0; w < wordsP; w++) {
          const bits = pStack[pBase + w] & rows[row + w];
          pStack[nextPBase + w] = bits;
          sizeNextP += popcount32(bits);
        }
        let emptyNextX = true;
        for (let w = 0; w < wordsAll; w++) {
          const bits = xStack[xBase + w] & rows[row + w];
          xStack[nextXBase + w] = bits;
          if (bits !== 0) emptyNextX = false;
        }
        // v leaves P for X at this depth whatever happens below.
        pStack[pBase + (v >>> 5)] &= ~(1 << (v & 31));
        xStack[xBase + (v >>> 5)] |= 1 << (v & 31);
        const size = depth + 2; // root + chosen[0…depth]
        if (sizeNextP === 0) {
          if (emptyNextX && size >= minSize) report(depth + 1);
          continue;
        }
        if (size + sizeNextP < minSize) continue;
        depth++;
        choosePivotAndCandidates(depth);
      }
    }
    for (let e = adjStart[root]; e < adjStart[root + 1]; e++) localOf[adj[e]] = -1;
  }
  return { count: offsets.length - 1, offsets: offsets.toArray(), members: members.toArray() };
}

/**
 * Every maximal clique of at least `minSize` nodes of an undirected graphology graph (self-loops
 * and parallel edges ignored; directed edges are an error), as node keys in canonical order
 * (see `canonicalCommunities`). Equals networkx's `find_cliques` as a set of sets.
 */
export function maximalCliques(graph: AnyGraph, opts: CliqueOptions = {}): string[][] {
  const g = indexGraph(graph);
  const list = maximalCliqueList(g, opts);
  const cliques: Int32Array[] = [];
  for (let c = 0; c < list.count; c++) cliques.push(list.members.subarray(list.offsets[c], list.offsets[c + 1]));
  return canonicalIndexedCommunities(rankDeviceIds(g.nodes), cliques);
}
