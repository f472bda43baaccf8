import { expect } from "chai";
import { DirectedGraph, MultiUndirectedGraph, UndirectedGraph } from "graphology";
import { canonicalCommunities } from "../../../src/partition/order";
import { kCliqueCommunities, percolateAll, type KCliqueLevel } from "../../../src/partition/percolation";
import {
  DirectedGraphError,
  InvalidCliqueSizeError,
  InvalidEdgeWeightError,
  InvalidIntensityError,
} from "../../../src/partition/percolation-errors";
import { expectSameCommunities } from "../../oracle/compare";
import { edgeList, gnp, planted, type WeightedGraph } from "../../oracle/graphs";
import { runOracle } from "../../oracle/networkx";

/** An undirected graph from an edge list; [a, b, w] sets the edge's weight. */
function graphOf(edges: ([string, string] | [string, string, number])[], isolated: string[] = []): UndirectedGraph {
  const graph = new UndirectedGraph();
  for (const node of isolated) graph.addNode(node);
  for (const [a, b, weight] of edges) graph.mergeEdge(a, b, weight === undefined ? {} : { weight });
  return graph;
}

/** Every edge among `nodes`. */
function clique(...nodes: string[]): [string, string][] {
  const edges: [string, string][] = [];
  for (let i = 0; i < nodes.length; i++) for (let j = i + 1; j < nodes.length; j++) edges.push([nodes[i], nodes[j]]);
  return edges;
}

/** Communities, uncovered and overlapping nodes of a level, as the tests spell them. */
function levelSummary(level: KCliqueLevel) {
  return { k: level.k, communities: level.communities, uncovered: level.uncovered, overlapping: level.overlapping };
}

/** Asserts a level's uncovered and overlapping nodes are those its communities imply. */
function expectConsistentLevel(graph: UndirectedGraph | WeightedGraph, level: KCliqueLevel): void {
  const memberships = new Map<string, number>();
  for (const community of level.communities) {
    expect(new Set(community).size, `members of a community at k = ${level.k} are distinct`).to.equal(community.length);
    for (const node of community) memberships.set(node, (memberships.get(node) ?? 0) + 1);
  }
  expect(level.uncovered, `uncovered at k = ${level.k}`).to.deep.equal(
    canonicalCommunities([graph.filterNodes((node) => !memberships.has(node))])[0],
  );
  expect(level.overlapping, `overlapping at k = ${level.k}`).to.deep.equal(
    canonicalCommunities([graph.filterNodes((node) => (memberships.get(node) ?? 0) >= 2)])[0],
  );
}

describe("partition/percolation", function () {
  describe("hand-worked graphs", function () {
    it("two triangles sharing an edge are one 3-clique community", function () {
      const graph = graphOf([...clique("a", "b", "c"), ...clique("b", "c", "d")]);
      expect(kCliqueCommunities(graph, 3)).to.deep.equal([["a", "b", "c", "d"]]);
      expect(kCliqueCommunities(graph, 4)).to.deep.equal([]);
    });

    it("two triangles sharing a node are two 3-clique communities, the shared node in both", function () {
      const graph = graphOf([...clique("a", "b", "c"), ...clique("c", "d", "e")]);
      expect(percolateAll(graph).map(levelSummary)).to.deep.equal([
        {
          k: 3,
          communities: [
            ["a", "b", "c"],
            ["c", "d", "e"],
          ],
          uncovered: [],
          overlapping: ["c"],
        },
        { k: 4, communities: [], uncovered: ["a", "b", "c", "d", "e"], overlapping: [] },
      ]);
    });

    it("a bridge device joins two groups without merging them (paper's inter-chain node)", function () {
      // Two 4-cliques 1–4 and 5–8; device 9 is in a 4-clique with 1, 2, 3 and with 5, 6, 7.
      // Device 10 hangs on by one edge and device 11 is isolated: never in a community.
      const graph = graphOf(
        [
          ...clique("1", "2", "3", "4"),
          ...clique("5", "6", "7", "8"),
          ...clique("1", "2", "3", "9"),
          ...clique("5", "6", "7", "9"),
          ["8", "10"],
        ],
        ["11"],
      );
      expect(percolateAll(graph).map(levelSummary)).to.deep.equal([
        {
          k: 3,
          communities: [
            ["1", "2", "3", "4", "9"],
            ["5", "6", "7", "8", "9"],
          ],
          uncovered: ["10", "11"],
          overlapping: ["9"],
        },
        {
          k: 4,
          communities: [
            ["1", "2", "3", "4", "9"],
            ["5", "6", "7", "8", "9"],
          ],
          uncovered: ["10", "11"],
          overlapping: ["9"],
        },
        {
          k: 5,
          communities: [],
          uncovered: ["1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11"],
          overlapping: [],
        },
      ]);
    });

    it("a chain of 4-cliques sharing 3 nodes percolates at k = 4 but not at k = 5", function () {
      // {1,2,3,4}, {2,3,4,5}, {3,4,5,6}: consecutive cliques share 3 nodes.
      const graph = graphOf([
        ...clique("1", "2", "3", "4"),
        ...clique("2", "3", "4", "5"),
        ...clique("3", "4", "5", "6"),
      ]);
      expect(kCliqueCommunities(graph, 4)).to.deep.equal([["1", "2", "3", "4", "5", "6"]]);
      expect(kCliqueCommunities(graph, 5)).to.deep.equal([]);
      const levels = percolateAll(graph, { kMin: 2 });
      expect(levels.map((level) => level.k)).to.deep.equal([2, 3, 4, 5]);
      expect(levels.map((level) => level.communities.length)).to.deep.equal([1, 1, 1, 0]);
    });

    it("k larger than any clique gives no community", function () {
      const graph = graphOf(clique("a", "b", "c", "d"));
      expect(kCliqueCommunities(graph, 5)).to.deep.equal([]);
      expect(kCliqueCommunities(graph, 4)).to.deep.equal([["a", "b", "c", "d"]]);
    });

    it("k = 2 gives the connected components that have an edge", function () {
      const graph = graphOf(
        [
          ["a", "b"],
          ["b", "c"],
          ["x", "y"],
          ["q", "q"],
        ],
        ["z"],
      );
      expect(kCliqueCommunities(graph, 2)).to.deep.equal([
        ["a", "b", "c"],
        ["x", "y"],
      ]);
    });

    it("a graph without any clique of kMin nodes has one, empty, level", function () {
      const path = graphOf([
        ["1", "2"],
        ["2", "3"],
      ]);
      expect(percolateAll(path).map(levelSummary)).to.deep.equal([
        { k: 3, communities: [], uncovered: ["1", "2", "3"], overlapping: [] },
      ]);
      expect(percolateAll(new UndirectedGraph())).to.deep.equal([
        { k: 3, communities: [], uncovered: [], overlapping: [] },
      ]);
    });

    it("ignores self-loops and parallel edges of a multigraph", function () {
      const graph = new MultiUndirectedGraph({ allowSelfLoops: true });
      for (const node of ["a", "b", "c", "d"]) graph.addNode(node);
      for (const [a, b] of [...clique("a", "b", "c"), ["a", "b"], ["c", "c"], ["c", "d"]]) graph.addEdge(a, b);
      expect(kCliqueCommunities(graph, 3)).to.deep.equal([["a", "b", "c"]]);
    });

    it("orders communities and members canonically (numeric-aware ids)", function () {
      const graph = graphOf([...clique("10", "9", "100"), ...clique("2", "1", "20", "3")]);
      expect(kCliqueCommunities(graph, 3)).to.deep.equal([
        ["1", "2", "3", "20"],
        ["9", "10", "100"],
      ]);
    });

    it("accepts a trust graph (typed node and edge attributes)", function () {
      const graph = new UndirectedGraph<{ records: number }, { count: number; weight: number }>();
      for (const [a, b] of clique("01", "02", "03")) graph.mergeEdge(a, b, { count: 10, weight: 1 });
      expect(percolateAll(graph)[0].communities).to.deep.equal([["01", "02", "03"]]);
    });
  });

  describe("equal to networkx k_clique_communities", function () {
    const ks = [3, 4, 5, 6];
    const cases: { name: string; graph: WeightedGraph }[] = [
      { name: "G(40, 0.3)", graph: gnp(40, 0.3, 1) },
      { name: "G(60, 0.5)", graph: gnp(60, 0.5, 2) },
      { name: "G(120, 0.1)", graph: gnp(120, 0.1, 3) },
      { name: "G(30, 0.55)", graph: gnp(30, 0.55, 4) },
      {
        name: "planted cliques with bridges (150 nodes)",
        graph: planted({
          nodes: 150,
          minGroup: 4,
          maxGroup: 9,
          inside: 1,
          bridges: 15,
          bridgeLinks: 4,
          noise: 60,
          seed: 5,
        }),
      },
      {
        name: "planted dense groups with overlaps and noise (200 nodes)",
        graph: planted({
          nodes: 200,
          minGroup: 6,
          maxGroup: 14,
          inside: 0.8,
          bridges: 25,
          bridgeLinks: 6,
          noise: 150,
          seed: 6,
        }),
      },
      {
        name: "mid-size planted graph (600 nodes)",
        graph: planted({
          nodes: 600,
          minGroup: 5,
          maxGroup: 15,
          inside: 0.85,
          bridges: 60,
          bridgeLinks: 5,
          noise: 900,
          seed: 7,
        }),
      },
      { name: "mid-size G(400, 0.04)", graph: gnp(400, 0.04, 8) },
    ];
    // networkx for k = 2…(largest clique + 1) on every case, in one python run.
    const allKs = Array.from({ length: 30 }, (_, i) => i + 2);
    let expected: Record<string, string[][]>[];

    before(function () {
      const results = runOracle(
        cases.map(({ graph }) => ({
          op: "k_clique_communities",
          nodes: graph.nodes(),
          edges: edgeList(graph),
          ks: allKs,
        })),
      );
      expected = results.map((result) => {
        const byK: Record<string, string[][]> = {};
        for (const [k, communities] of Object.entries(result.byK!)) byK[k] = canonicalCommunities(communities);
        return byK;
      });
    });

    cases.forEach(({ name, graph }, i) => {
      it(`kCliqueCommunities for k = 3…6 on ${name}`, function () {
        expect(
          ks.some((k) => expected[i][k].length > 1),
          "the case has several communities",
        ).to.equal(true);
        for (const k of ks) expectSameCommunities(kCliqueCommunities(graph, k), expected[i][k], `k = ${k}`);
      });

      it(`percolateAll on ${name}: every k from 2 to the first without community`, function () {
        const levels = percolateAll(graph, { kMin: 2 });
        const firstEmpty = allKs.find((k) => expected[i][k].length === 0)!;
        expect(levels.map((level) => level.k)).to.deep.equal(allKs.filter((k) => k <= firstEmpty));
        for (const level of levels) {
          expectSameCommunities(level.communities, expected[i][level.k], `k = ${level.k}`);
          expectConsistentLevel(graph, level);
        }
        expect(percolateAll(graph).map((level) => level.k)[0]).to.equal(3);
      });
    });
  });

  describe("weighted clique percolation (intensity)", function () {
    it("keeps a k-clique exactly at the intensity and drops it just below", function () {
      // Triangle with weights 1, 2, 4: geometric mean (1·2·4)^(1/3) = 2.
      const graph = graphOf([
        ["a", "b", 1],
        ["b", "c", 2],
        ["a", "c", 4],
      ]);
      expect(kCliqueCommunities(graph, 3, { intensity: 2 })).to.deep.equal([["a", "b", "c"]]);
      expect(kCliqueCommunities(graph, 3, { intensity: 2.001 })).to.deep.equal([]);
      expect(kCliqueCommunities(graph, 3, { intensity: 0 })).to.deep.equal([["a", "b", "c"]]);
    });

    it("drops the weak half of a maximal clique that unweighted percolation keeps whole", function () {
      // a-b-c strong (mean 4); b-c-d has bd = cd = 1, bc = 4: mean 4^(1/3) ≈ 1.59.
      const graph = graphOf([
        ["a", "b", 4],
        ["a", "c", 4],
        ["b", "c", 4],
        ["b", "d", 1],
        ["c", "d", 1],
      ]);
      expect(kCliqueCommunities(graph, 3)).to.deep.equal([["a", "b", "c", "d"]]);
      expect(kCliqueCommunities(graph, 3, { intensity: 2 })).to.deep.equal([["a", "b", "c"]]);
      expect(kCliqueCommunities(graph, 3, { intensity: 1.5 })).to.deep.equal([["a", "b", "c", "d"]]);
    });

    it("splits a 4-clique community joined only through a weak 4-clique", function () {
      // A = {1,2,3,4} and B = {3,4,5,6} share two nodes; C = {2,3,4,5} joins them (A∩C and
      // C∩B have 3 nodes). Edge 2–5 is weak: C's mean is (9^5·0.001)^(1/6) ≈ 1.97 < 5, so C drops.
      const edges: [string, string, number][] = [
        ...clique("1", "2", "3", "4"),
        ...clique("3", "4", "5", "6"),
        ["2", "5"],
      ].map(([a, b]) => [a, b, a === "2" && b === "5" ? 0.001 : 9]);
      const graph = graphOf(edges);
      expect(kCliqueCommunities(graph, 4)).to.deep.equal([["1", "2", "3", "4", "5", "6"]]);
      expect(kCliqueCommunities(graph, 4, { intensity: 5 })).to.deep.equal([
        ["1", "2", "3", "4"],
        ["3", "4", "5", "6"],
      ]);
      expect(percolateAll(graph, { intensity: 5 }).map(levelSummary)).to.deep.equal([
        { k: 3, communities: [["1", "2", "3", "4", "5", "6"]], uncovered: [], overlapping: [] },
        {
          k: 4,
          communities: [
            ["1", "2", "3", "4"],
            ["3", "4", "5", "6"],
          ],
          uncovered: [],
          overlapping: ["3", "4"],
        },
        { k: 5, communities: [], uncovered: ["1", "2", "3", "4", "5", "6"], overlapping: [] },
      ]);
    });

    it("drops a 5-clique whose weak edge pulls its mean under I while its strong 4-cliques percolate", function () {
      // K5 with edge 4–5 at 0.001, the rest 9: its mean is (9^9·0.001)^(1/10) ≈ 3.6 < 5.
      const edges: [string, string, number][] = clique("1", "2", "3", "4", "5").map(([a, b]) => [
        a,
        b,
        a === "4" && b === "5" ? 0.001 : 9,
      ]);
      const graph = graphOf(edges);
      expect(kCliqueCommunities(graph, 5)).to.deep.equal([["1", "2", "3", "4", "5"]]);
      expect(kCliqueCommunities(graph, 5, { intensity: 5 })).to.deep.equal([]);
      expect(kCliqueCommunities(graph, 4, { intensity: 5 })).to.deep.equal([["1", "2", "3", "4", "5"]]);
    });

    it("reads the weight from weightAttribute", function () {
      const graph = new UndirectedGraph();
      for (const [a, b] of clique("a", "b", "c")) graph.mergeEdge(a, b, { strength: 5, weight: 1 });
      expect(kCliqueCommunities(graph, 3, { intensity: 3, weightAttribute: "strength" })).to.deep.equal([
        ["a", "b", "c"],
      ]);
      expect(kCliqueCommunities(graph, 3, { intensity: 3 })).to.deep.equal([]);
    });

    describe("against a brute force in python (every k-clique, geometric mean, shared k−1 faces)", function () {
      const cases: { name: string; graph: WeightedGraph; intensity: number }[] = [
        { name: "G(40, 0.35), I = 4", graph: gnp(40, 0.35, 31), intensity: 4 },
        { name: "G(30, 0.6), I = 5", graph: gnp(30, 0.6, 32), intensity: 5 },
        {
          name: "planted 120 nodes, I = 8",
          graph: planted({
            nodes: 120,
            minGroup: 5,
            maxGroup: 10,
            inside: 0.9,
            bridges: 12,
            bridgeLinks: 4,
            noise: 80,
            seed: 33,
          }),
          intensity: 8,
        },
        {
          name: "planted 120 nodes, I = 14",
          graph: planted({
            nodes: 120,
            minGroup: 5,
            maxGroup: 10,
            inside: 0.9,
            bridges: 12,
            bridgeLinks: 4,
            noise: 80,
            seed: 33,
          }),
          intensity: 14,
        },
      ];
      const ks = [2, 3, 4, 5, 6];
      let expected: Record<string, string[][]>[];

      before(function () {
        const results = runOracle(
          cases.map(({ graph, intensity }) => ({
            op: "weighted_cpm",
            nodes: graph.nodes(),
            edges: edgeList(graph, true),
            ks,
            intensity,
          })),
        );
        expected = results.map((result) => {
          const byK: Record<string, string[][]> = {};
          for (const [k, communities] of Object.entries(result.byK!)) byK[k] = canonicalCommunities(communities);
          return byK;
        });
      });

      cases.forEach(({ name, graph, intensity }, i) => {
        it(`equals the brute force for k = 2…6 on ${name}`, function () {
          expect(
            ks.some((k) => expected[i][k].length > 1),
            "the case has several communities",
          ).to.equal(true);
          for (const k of ks)
            expectSameCommunities(kCliqueCommunities(graph, k, { intensity }), expected[i][k], `k = ${k}`);
          const levels = percolateAll(graph, { kMin: 2, intensity });
          expect(levels[levels.length - 1].communities).to.deep.equal([]);
          for (const level of levels) expectConsistentLevel(graph, level);
          for (const level of levels.filter((l) => ks.includes(l.k))) {
            expectSameCommunities(level.communities, expected[i][level.k], `percolateAll k = ${level.k}`);
          }
          const unweighted = kCliqueCommunities(graph, 3).flat().length;
          expect(kCliqueCommunities(graph, 3, { intensity }).flat().length).to.be.at.most(unweighted);
        });
      });
    });
  });

  describe("bad input", function () {
    const graph = graphOf(clique("a", "b", "c"));

    it("rejects k < 2 and non-integer k, naming k", function () {
      for (const k of [1, 0, -2, 2.5, Number.NaN]) {
        expect(() => kCliqueCommunities(graph, k)).to.throw(
          InvalidCliqueSizeError,
          `k=${k} is not valid: k must be an integer ≥ 2`,
        );
      }
      expect(() => percolateAll(graph, { kMin: 1 })).to.throw(InvalidCliqueSizeError, "kMin=1 is not valid");
    });

    it("rejects an intensity that is negative or not finite", function () {
      for (const intensity of [-1, Number.NaN, Number.POSITIVE_INFINITY]) {
        expect(() => kCliqueCommunities(graph, 3, { intensity })).to.throw(
          InvalidIntensityError,
          `intensity=${intensity} is not valid`,
        );
        expect(() => percolateAll(graph, { intensity })).to.throw(InvalidIntensityError, `intensity=${intensity}`);
      }
    });

    it("rejects a missing or bad weight when an intensity is set, naming the edge and attribute", function () {
      expect(() => kCliqueCommunities(graph, 3, { intensity: 1 })).to.throw(
        InvalidEdgeWeightError,
        'edge a–b has no "weight" attribute',
      );
      const weighted = graphOf([
        ["a", "b", 1],
        ["b", "c", -2],
        ["a", "c", 1],
      ]);
      expect(() => percolateAll(weighted, { intensity: 1 })).to.throw(
        InvalidEdgeWeightError,
        'edge b–c has "weight"=-2',
      );
      expect(() => kCliqueCommunities(weighted, 3, { intensity: 1, weightAttribute: "w" })).to.throw(
        InvalidEdgeWeightError,
        '"w"',
      );
      // Without an intensity, weights are not read at all.
      expect(kCliqueCommunities(weighted, 3)).to.deep.equal([["a", "b", "c"]]);
    });

    it("rejects a graph with directed edges", function () {
      const directed = new DirectedGraph();
      for (const [a, b] of clique("a", "b", "c")) directed.mergeEdge(a, b);
      expect(() => kCliqueCommunities(directed, 3)).to.throw(DirectedGraphError);
      expect(() => percolateAll(directed)).to.throw(DirectedGraphError);
    });
  });
});
