/**
 * Clique percolation benchmark: `percolateAll` and `kCliqueCommunities` against networkx's
 * `k_clique_communities` on the same thresholded planted-community graphs, in the same run.
 *
 *   npx ts-node bench/percolation.ts [--quick]
 *
 * Progress goes to stderr; the last line of stdout is one JSON object with the figures per size.
 * networkx is timed inside python (perf_counter around `list(k_clique_communities(G, k))` only:
 * no interpreter start, JSON parsing or graph building). Our times include copying the
 * graphology graph into integer arrays and producing canonical output.
 */
import { maximalCliqueList } from "../src/partition/cliques";
import { indexGraph } from "../src/partition/indexed-graph";
import { canonicalCommunities } from "../src/partition/order";
import { kCliqueCommunities, percolateAll, type KCliqueLevel } from "../src/partition/percolation";
import { edgeList, planted, type PlantedOptions, type WeightedGraph } from "../test/oracle/graphs";
import { runOracle } from "../test/oracle/networkx";

/** Best of this many runs for our side (the networkx side runs once: it is the slow one). */
const RUNS = 5;
/** Intensity of the weighted run: inside-group edges weigh 10–20, noise 0.5–2. */
const INTENSITY = 12;

const SIZES: { name: string; options: PlantedOptions }[] = [
  {
    // Paper-like: 44 devices, ~5 groups, 2 bridge devices, a few weak links above the threshold.
    name: "paper-44",
    options: { nodes: 44, minGroup: 7, maxGroup: 11, inside: 0.85, bridges: 2, bridgeLinks: 4, noise: 6, seed: 1 },
  },
  {
    name: "devices-10000",
    options: { nodes: 10_000, minGroup: 5, maxGroup: 15, inside: 0.85, bridges: 400, bridgeLinks: 4, noise: 3_000, seed: 2 },
  },
];

function log(message: string): void {
  process.stderr.write(`${message}\n`);
}

function bestOf<T>(runs: number, work: () => T): { ms: number; result: T } {
  let best = Infinity;
  let result!: T;
  for (let r = 0; r < runs; r++) {
    const start = performance.now();
    result = work();
    best = Math.min(best, performance.now() - start);
  }
  return { ms: best, result };
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}

function key(communities: string[][]): string {
  return JSON.stringify(canonicalCommunities(communities));
}

function benchmark(name: string, graph: WeightedGraph) {
  log(`[${name}] ${graph.order} nodes, ${graph.size} edges`);
  const cliques = maximalCliqueList(indexGraph(graph), { minSize: 3 }).count;
  const all = bestOf(RUNS, () => percolateAll(graph, { kMin: 3 }));
  const levels: KCliqueLevel[] = all.result;
  const ks = levels.map((level) => level.k);
  log(`[${name}] percolateAll k = ${ks[0]}…${ks[ks.length - 1]}: ${round(all.ms)} ms, ${cliques} maximal cliques of ≥ 3 nodes`);
  const perK: Record<string, number> = {};
  let perKTotal = 0;
  for (const k of ks) {
    const single = bestOf(RUNS, () => kCliqueCommunities(graph, k));
    perK[k] = round(single.ms);
    perKTotal += single.ms;
    if (key(single.result) !== key(levels.find((level) => level.k === k)!.communities)) {
      throw new Error(`${name}: kCliqueCommunities(k=${k}) differs from percolateAll`);
    }
  }
  log(`[${name}] kCliqueCommunities for each k: ${round(perKTotal)} ms`);
  const weighted = bestOf(RUNS, () => percolateAll(graph, { kMin: 3, intensity: INTENSITY }));
  log(`[${name}] weighted percolateAll (I = ${INTENSITY}): ${round(weighted.ms)} ms, k up to ${weighted.result[weighted.result.length - 1].k}`);

  log(`[${name}] networkx k_clique_communities for k = ${ks.join(", ")} …`);
  const [oracle] = runOracle([{ op: "k_clique_communities", nodes: graph.nodes(), edges: edgeList(graph), ks }]);
  const networkxMs = oracle.seconds * 1000;
  const equal = levels.every((level) => key(oracle.byK![level.k]) === key(level.communities));
  if (!equal) throw new Error(`${name}: communities differ from networkx`);
  log(`[${name}] networkx: ${round(networkxMs)} ms; same communities: ${equal}`);
  const networkxPerK: Record<string, number> = {};
  for (const [k, seconds] of Object.entries(oracle.secondsByK!)) networkxPerK[k] = round(seconds * 1000);
  return {
    name,
    nodes: graph.order,
    edges: graph.size,
    cliques,
    ks,
    communitiesByK: Object.fromEntries(levels.map((level) => [level.k, level.communities.length])),
    oursPercolateAllMs: round(all.ms),
    oursKCliqueCommunitiesMs: round(perKTotal),
    oursKCliqueCommunitiesByKMs: perK,
    oursWeightedPercolateAllMs: round(weighted.ms),
    networkxMs: round(networkxMs),
    networkxByKMs: networkxPerK,
    speedupPercolateAll: round(networkxMs / all.ms),
    speedupKCliqueCommunities: round(networkxMs / perKTotal),
    sameAsNetworkx: equal,
  };
}

function main(): void {
  const quick = process.argv.includes("--quick");
  const results = [];
  for (const { name, options } of quick ? SIZES.slice(0, 1) : SIZES) results.push(benchmark(name, planted(options)));
  process.stdout.write(`${JSON.stringify({ benchmark: "percolation", runs: RUNS, intensity: INTENSITY, sizes: results })}\n`);
}

main();
