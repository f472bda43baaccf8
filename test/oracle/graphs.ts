import { UndirectedGraph } from "graphology";

/**
 * Seeded test graphs for the clique-percolation tests and benchmark: Erdős–Rényi G(n, p) and
 * planted overlapping communities with bridges and noise. Node ids are zero-padded numbers
 * ("001"…), like device ids.
 */

/** mulberry32: a tiny, well-known 32-bit PRNG; enough for test graphs and reproducible everywhere. */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type WeightedGraph = UndirectedGraph<Record<string, never>, { weight: number }>;

function ids(n: number): string[] {
  const width = String(n).length;
  return Array.from({ length: n }, (_, i) => String(i + 1).padStart(width, "0"));
}

function addWeightedEdge(graph: WeightedGraph, a: string, b: string, weight: number): void {
  if (a === b || graph.hasEdge(a, b)) return;
  graph.addEdge(a, b, { weight });
}

/** G(n, p) with edge weights uniform in [1, 10). */
export function gnp(n: number, p: number, seed: number): WeightedGraph {
  const random = mulberry32(seed);
  const graph: WeightedGraph = new UndirectedGraph();
  const nodes = ids(n);
  for (const node of nodes) graph.addNode(node);
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) if (random() < p) addWeightedEdge(graph, nodes[i], nodes[j], 1 + 9 * random());
  }
  return graph;
}

export interface PlantedOptions {
  nodes: number;
  /** Group sizes are drawn uniformly from [minGroup, maxGroup]. */
  minGroup: number;
  maxGroup: number;
  /** Probability of each edge inside a group (1 = cliques). */
  inside: number;
  /** Number of bridge nodes, each added to a second group with this many links into it. */
  bridges: number;
  bridgeLinks: number;
  /** Number of random noise edges anywhere. */
  noise: number;
  seed: number;
}

/**
 * Planted communities: nodes split into consecutive groups, dense (strong weights 10–20) inside;
 * bridge nodes linked into a neighbouring group as well; sparse weak noise edges (weights 0.5–2).
 */
export function planted(opts: PlantedOptions): WeightedGraph {
  const random = mulberry32(opts.seed);
  const graph: WeightedGraph = new UndirectedGraph();
  const nodes = ids(opts.nodes);
  for (const node of nodes) graph.addNode(node);
  const groups: string[][] = [];
  for (let start = 0; start < nodes.length;) {
    const size = opts.minGroup + Math.floor(random() * (opts.maxGroup - opts.minGroup + 1));
    groups.push(nodes.slice(start, start + size));
    start += size;
  }
  for (const group of groups) {
    for (let i = 0; i < group.length; i++) {
      for (let j = i + 1; j < group.length; j++) {
        if (random() < opts.inside) addWeightedEdge(graph, group[i], group[j], 10 + 10 * random());
      }
    }
  }
  for (let b = 0; b < opts.bridges && groups.length > 1; b++) {
    const g = Math.floor(random() * groups.length);
    const from = groups[g];
    const to = groups[(g + 1) % groups.length];
    const bridge = from[Math.floor(random() * from.length)];
    for (let l = 0; l < opts.bridgeLinks; l++) {
      addWeightedEdge(graph, bridge, to[Math.floor(random() * to.length)], 10 + 10 * random());
    }
  }
  for (let e = 0; e < opts.noise; e++) {
    const a = nodes[Math.floor(random() * nodes.length)];
    const b = nodes[Math.floor(random() * nodes.length)];
    addWeightedEdge(graph, a, b, 0.5 + 1.5 * random());
  }
  return graph;
}

/** The edge list of a graph, for the python oracle. */
export function edgeList(graph: WeightedGraph, weighted = false): [string, string, number][] | [string, string][] {
  const edges: [string, string, number][] = [];
  graph.forEachEdge((_e, attributes, source, target) => edges.push([source, target, attributes.weight]));
  return weighted ? edges : edges.map(([s, t]) => [s, t] as [string, string]);
}
