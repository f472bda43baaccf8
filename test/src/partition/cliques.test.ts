import { expect } from "chai";
import { DirectedGraph, MultiUndirectedGraph, UndirectedGraph } from "graphology";
import { maximalCliqueList, maximalCliques } from "../../../src/partition/cliques";
import { degeneracyOrder, indexGraph } from "../../../src/partition/indexed-graph";
import { canonicalCommunities } from "../../../src/partition/order";
import { DirectedGraphError, InvalidCliqueSizeError } from "../../../src/partition/percolation-errors";
import { edgeList, gnp, planted, type WeightedGraph } from "../../oracle/graphs";
import { expectSameCommunities } from "../../oracle/compare";
import { runOracle } from "../../oracle/networkx";

function graphOf(edges: [string, string][], isolated: string[] = []): UndirectedGraph {
  const graph = new UndirectedGraph();
  for (const node of isolated) graph.addNode(node);
  for (const [a, b] of edges) graph.mergeEdge(a, b);
  return graph;
}

describe("partition/cliques", function () {
  describe("maximalCliques on hand-worked graphs", function () {
    it("finds the two triangles of a diamond and the lone edge and node", function () {
      const graph = graphOf(
        [
          ["a", "b"],
          ["a", "c"],
          ["b", "c"],
          ["b", "d"],
          ["c", "d"],
          ["d", "e"],
        ],
        ["z"],
      );
      expect(maximalCliques(graph)).to.deep.equal([["a", "b", "c"], ["b", "c", "d"], ["d", "e"], ["z"]]);
      expect(maximalCliques(graph, { minSize: 3 })).to.deep.equal([
        ["a", "b", "c"],
        ["b", "c", "d"],
      ]);
      expect(maximalCliques(graph, { minSize: 4 })).to.deep.equal([]);
    });

    it("finds one clique in a complete graph of 40 nodes", function () {
      const graph = new UndirectedGraph();
      for (let i = 0; i < 40; i++) for (let j = 0; j < i; j++) graph.mergeEdge(String(i), String(j));
      const cliques = maximalCliques(graph);
      expect(cliques).to.have.length(1);
      expect(cliques[0]).to.have.length(40);
    });

    it("ignores self-loops and parallel edges", function () {
      const graph = new MultiUndirectedGraph({ allowSelfLoops: true });
      for (const node of ["1", "2", "3"]) graph.addNode(node);
      graph.addEdge("1", "2");
      graph.addEdge("2", "1");
      graph.addEdge("1", "1");
      graph.addEdge("2", "3");
      expect(maximalCliques(graph)).to.deep.equal([
        ["1", "2"],
        ["2", "3"],
      ]);
    });

    it("returns nothing for an empty graph", function () {
      expect(maximalCliques(new UndirectedGraph())).to.deep.equal([]);
    });
  });

  describe("maximalCliques against networkx find_cliques", function () {
    const cases: { name: string; graph: WeightedGraph }[] = [
      { name: "G(30, 0.3)", graph: gnp(30, 0.3, 11) },
      { name: "G(60, 0.4)", graph: gnp(60, 0.4, 12) },
      { name: "G(40, 0.7)", graph: gnp(40, 0.7, 13) },
      { name: "G(300, 0.05)", graph: gnp(300, 0.05, 14) },
      {
        name: "planted 400 nodes",
        graph: planted({
          nodes: 400,
          minGroup: 5,
          maxGroup: 15,
          inside: 0.85,
          bridges: 20,
          bridgeLinks: 4,
          noise: 300,
          seed: 15,
        }),
      },
    ];
    let expected: string[][][];

    before(function () {
      const results = runOracle(
        cases.map(({ graph }) => ({ op: "find_cliques", nodes: graph.nodes(), edges: edgeList(graph) })),
      );
      expected = results.map((result) => canonicalCommunities(result.cliques!));
    });

    cases.forEach(({ name, graph }, i) => {
      it(`equals find_cliques on ${name}, and minSize only filters`, function () {
        expect(expected[i].length).to.be.above(0);
        expectSameCommunities(maximalCliques(graph), expected[i]);
        for (const minSize of [3, 5]) {
          expectSameCommunities(
            maximalCliques(graph, { minSize }),
            expected[i].filter((c) => c.length >= minSize),
          );
        }
      });
    });
  });

  describe("maximalCliqueList", function () {
    it("lists node indices of the indexed graph", function () {
      const graph = graphOf([
        ["x", "y"],
        ["y", "z"],
        ["x", "z"],
      ]);
      const g = indexGraph(graph);
      const list = maximalCliqueList(g);
      expect(list.count).to.equal(1);
      expect([...list.offsets]).to.deep.equal([0, 3]);
      expect([...list.members].map((i) => g.nodes[i]).sort()).to.deep.equal(["x", "y", "z"]);
    });
  });

  describe("degeneracyOrder", function () {
    it("gives the degeneracy of hand-worked graphs", function () {
      const path = graphOf([
        ["1", "2"],
        ["2", "3"],
        ["3", "4"],
      ]);
      const cycle = graphOf([
        ["1", "2"],
        ["2", "3"],
        ["3", "4"],
        ["4", "1"],
      ]);
      const k5 = new UndirectedGraph();
      for (let i = 0; i < 5; i++) for (let j = 0; j < i; j++) k5.mergeEdge(String(i), String(j));
      expect(degeneracyOrder(indexGraph(path)).degeneracy).to.equal(1);
      expect(degeneracyOrder(indexGraph(cycle)).degeneracy).to.equal(2);
      expect(degeneracyOrder(indexGraph(k5)).degeneracy).to.equal(4);
    });

    it("leaves every node at most `degeneracy` later neighbours, in a permutation of the nodes", function () {
      for (const graph of [
        gnp(200, 0.1, 21),
        planted({
          nodes: 300,
          minGroup: 5,
          maxGroup: 15,
          inside: 0.9,
          bridges: 10,
          bridgeLinks: 3,
          noise: 200,
          seed: 22,
        }),
      ]) {
        const g = indexGraph(graph);
        const { order, rank, degeneracy } = degeneracyOrder(g);
        expect([...order].sort((a, b) => a - b)).to.deep.equal(g.nodes.map((_, i) => i));
        let most = 0;
        for (let v = 0; v < g.nodes.length; v++) {
          expect(order[rank[v]]).to.equal(v);
          let later = 0;
          for (let e = g.offsets[v]; e < g.offsets[v + 1]; e++) if (rank[g.neighbors[e]] > rank[v]) later++;
          most = Math.max(most, later);
        }
        expect(most).to.equal(degeneracy);
      }
    });
  });

  describe("bad input", function () {
    it("rejects a minSize that is not an integer ≥ 1, naming it", function () {
      const graph = graphOf([["1", "2"]]);
      for (const minSize of [0, -3, 2.5, Number.NaN]) {
        expect(() => maximalCliques(graph, { minSize })).to.throw(
          InvalidCliqueSizeError,
          `minSize=${minSize} is not valid`,
        );
      }
    });

    it("rejects a graph with directed edges", function () {
      const graph = new DirectedGraph();
      graph.mergeEdge("1", "2");
      graph.mergeEdge("2", "3");
      expect(() => maximalCliques(graph)).to.throw(DirectedGraphError, "2 directed edge(s)");
    });
  });
});
