import { expect } from "chai";
import fc from "fast-check";
import { UndirectedGraph } from "graphology";
import type { PartitionLevel } from "../../../src/partition/document";
import { evaluateStorage, pairTableFromCounts, pairTableFromGraph } from "../../../src/partition/storage";
import { ChainState } from "../../../src/partition/strategies/chain-state";
import { NoCommunityError, chooseCommunities, communityGrouping } from "../../../src/partition/strategies/community";
import { edgeStrengthGrouping } from "../../../src/partition/strategies/edge-strength";
import { louvainGrouping } from "../../../src/partition/strategies/louvain";
import { optimizeGrouping } from "../../../src/partition/strategies/optimized";
import { GroupCountError, randomGrouping, randomGroupings } from "../../../src/partition/strategies/random";
import { ungroupedGrouping } from "../../../src/partition/strategies/ungrouped";
import type { TrustGraph } from "../../../src/traffic/types";

const ids = (n: number) => Array.from({ length: n }, (_, i) => String(i + 1));

function trustGraph(devices: string[], pairs: [string, string, number][]): TrustGraph {
  const graph: TrustGraph = new UndirectedGraph();
  for (const d of devices) graph.addNode(d, { records: 0 });
  for (const [a, b, count] of pairs) graph.addEdge(a, b, { count, weight: count });
  return graph;
}

/** Every pair of `members` with `count` records. */
function clique(members: string[], count: number): [string, string, number][] {
  return members.flatMap((a, i) => members.slice(i + 1).map((b): [string, string, number] => [a, b, count]));
}

describe("grouping strategies", () => {
  describe("ungrouped", () => {
    it("is one chain of every device, in id order", () => {
      expect(ungroupedGrouping(["10", "2", "1"])).to.deep.equal({ name: "ungrouped", groups: [["1", "2", "10"]] });
    });
  });

  describe("random", () => {
    const devices = ids(44);

    it("deals every device into exactly one of g balanced groups", () => {
      for (const g of [3, 4, 5]) {
        const { name, groups } = randomGrouping(devices, g, 1, 7);
        expect(name).to.equal(`random-${g}-1`);
        expect(groups).to.have.length(g);
        const sizes = groups.map((group) => group.length);
        expect(Math.max(...sizes) - Math.min(...sizes)).to.be.at.most(1);
        expect(groups.flat().sort()).to.deep.equal([...devices].sort());
      }
    });

    it("is seeded: same seed and draw give the same groups whatever the input order", () => {
      const first = randomGrouping(devices, 4, 2, 7);
      expect(randomGrouping([...devices].reverse(), 4, 2, 7)).to.deep.equal(first);
      expect(randomGrouping(devices, 4, 1, 7).groups).to.not.deep.equal(first.groups);
      expect(randomGrouping(devices, 4, 2, 8).groups).to.not.deep.equal(first.groups);
    });

    it("draws two groupings per group count, as Table I", () => {
      expect(randomGroupings(devices, [3, 4, 5], 2, 1).map((g) => g.name)).to.deep.equal([
        "random-3-1",
        "random-3-2",
        "random-4-1",
        "random-4-2",
        "random-5-1",
        "random-5-2",
      ]);
    });

    it("refuses more groups than devices", () => {
      expect(() => randomGrouping(ids(2), 3, 1, 1)).to.throw(GroupCountError, "cannot divide 2 devices into 3 groups");
    });
  });

  describe("edge-strength", () => {
    it("groups the connected components of the thresholded graph", () => {
      const graph = trustGraph(ids(6), [
        ["1", "2", 5],
        ["2", "3", 5],
        ["4", "5", 5],
      ]);
      expect(edgeStrengthGrouping(graph)).to.deep.equal({
        name: "edge-strength",
        groups: [["1", "2", "3"], ["4", "5"], ["6"]],
      });
    });
  });

  describe("louvain", () => {
    // two dense groups joined by one weak edge
    const devices = ids(10);
    const graph = trustGraph(devices, [
      ...clique(ids(5), 20),
      ...clique(["6", "7", "8", "9", "10"], 20),
      ["5", "6", 1],
    ]);

    it("finds the two dense groups and is deterministic for a seed", () => {
      const result = louvainGrouping(graph, 3);
      expect(result).to.deep.equal({ name: "louvain", groups: [ids(5), ["6", "7", "8", "9", "10"]] });
      expect(louvainGrouping(graph, 3)).to.deep.equal(result);
    });

    it("puts every device in exactly one group for any seed", () => {
      for (const seed of [1, 2, 3, 4]) {
        expect(louvainGrouping(graph, seed).groups.flat().sort()).to.deep.equal([...devices].sort());
      }
    });
  });

  describe("community", () => {
    const levels: PartitionLevel[] = [
      {
        k: 3,
        communities: [
          ["1", "2", "3", "4"],
          ["4", "5", "6"],
        ],
        uncovered: [],
        overlapping: ["4"],
      },
      { k: 4, communities: [["1", "2", "3", "4"]], uncovered: ["5", "6"], overlapping: [] },
      { k: 5, communities: [], uncovered: ids(6), overlapping: [] },
    ];

    it("chooses the largest k covering every device", () => {
      expect(chooseCommunities(levels)).to.deep.equal({
        k: 3,
        communities: [
          ["1", "2", "3", "4"],
          ["4", "5", "6"],
        ],
        interChainNodes: ["4"],
        uncovered: [],
        forced: false,
      });
    });

    it("lets exempt devices stay uncovered", () => {
      expect(chooseCommunities(levels, { exempt: ["5", "6"] }).k).to.equal(4);
    });

    it("takes a forced k and runs its uncovered devices as chains of their own", () => {
      const chosen = chooseCommunities(levels, { k: 4 });
      expect(chosen).to.include({ k: 4, forced: true });
      expect(communityGrouping(chosen)).to.deep.equal({
        name: "community",
        groups: [["1", "2", "3", "4"], ["5"], ["6"]],
      });
    });

    it("names the input and the largest usable k when the forced k has no community", () => {
      expect(() => chooseCommunities(levels, { k: 5, source: "traffic.csv" })).to.throw(
        NoCommunityError,
        "traffic.csv: no 5-clique community at this threshold (the largest k with a community is 4)",
      );
    });

    it("falls back to the k leaving the fewest devices uncovered", () => {
      const partial: PartitionLevel[] = [
        { k: 3, communities: [["1", "2", "3"]], uncovered: ["4"], overlapping: [] },
        { k: 4, communities: [], uncovered: ids(4), overlapping: [] },
      ];
      expect(chooseCommunities(partial)).to.include({ k: 3 });
    });
  });

  describe("optimized", () => {
    // Chains X = {1..4} and Y = {5..8}; device 4 talks a lot to both, so it pays to store Y's
    // records with 4 on Y too (a new bridge) rather than as cross-chain records of size 4 + 4.
    const devices = ids(8);
    const x = ["1", "2", "3", "4"];
    const y = ["5", "6", "7", "8"];
    const pairs: [string, string, number][] = [
      ...clique(x, 50),
      ...clique(y, 10),
      ...y.map((d): [string, string, number] => ["4", d, 100]),
    ];
    const table = pairTableFromCounts(devices, pairs);

    it("adds a bridge device when that lowers the count, and reports its start", () => {
      const start = { name: "community", groups: [x, y] };
      // start: X: 6 × 50 × 4 = 1200; Y: 6 × 10 × 4 = 240; cross 4 × 100 × (4 + 4) = 3200; total 4640
      expect(evaluateStorage(table, start.groups).count).to.equal(4640);
      const result = optimizeGrouping(table, [start]);
      expect(result).to.include({ name: "optimized", start: "community", startCount: 4640, repairedCount: 4640 });
      expect(result.count).to.be.below(4640);
      expect(result.count).to.equal(evaluateStorage(table, result.groups).count);
      expect(result.cross).to.equal(evaluateStorage(table, result.groups).cross);
      // 4 joins Y: X 1200, Y (size 5) 60 × 5 + 400 × 5 = 2300; total 3500, no cross left
      expect(result.groups).to.deep.equal([["4", "5", "6", "7", "8"], x]);
      expect(result.count).to.equal(3500);
      expect(result.moves.joined).to.equal(1);
    });

    it("starts from the cheaper start", () => {
      const result = optimizeGrouping(table, [
        { name: "community", groups: [devices] },
        { name: "louvain", groups: [x, y] },
      ]);
      expect(result.start).to.equal("louvain");
      expect(result.startCount).to.equal(4640);
    });

    it("merges or dissolves chains below the minimum chain size", () => {
      const result = optimizeGrouping(table, [{ name: "community", groups: [["1", "2"], ["3", "4"], y] }], {
        minChainSize: 4,
      });
      for (const group of result.groups) expect(group.length).to.be.at.least(4);
      expect(result.groups.flat()).to.include.members(devices);
      expect(result.count).to.be.at.most(result.repairedCount);
    });

    it("never ends above its (repaired) start, keeps formula 1 in step and is deterministic", () => {
      const arbitraryCase = fc.record({
        n: fc.integer({ min: 4, max: 16 }),
        edges: fc.array(fc.tuple(fc.nat(), fc.nat(), fc.integer({ min: 1, max: 30 })), { minLength: 1, maxLength: 60 }),
        groups: fc.array(fc.array(fc.nat(), { minLength: 1, maxLength: 8 }), { minLength: 1, maxLength: 5 }),
        minChainSize: fc.integer({ min: 1, max: 5 }),
      });
      fc.assert(
        fc.property(arbitraryCase, ({ n, edges, groups, minChainSize }) => {
          const devices = ids(n);
          const seen = new Map<string, [string, string, number]>();
          for (const [a, b, count] of edges) {
            const [u, v] = [a % n, b % n].sort((p, q) => p - q);
            if (u !== v) seen.set(`${u}-${v}`, [devices[u], devices[v], count]);
          }
          const pairTable = pairTableFromCounts(devices, [...seen.values()]);
          const start = { name: "community", groups: groups.map((g) => g.map((i) => devices[i % n])) };
          const result = optimizeGrouping(pairTable, [start], { minChainSize });
          const check = evaluateStorage(pairTable, result.groups);
          expect(result.count).to.equal(check.count);
          expect(result.cross).to.equal(check.cross);
          expect(result.count).to.be.at.most(result.repairedCount);
          for (const group of result.groups) expect(group.length).to.be.at.least(Math.min(minChainSize, n));
          expect(new Set(result.groups.flat()).size).to.equal(n);
          expect(optimizeGrouping(pairTable, [start], { minChainSize })).to.deep.equal(result);
        }),
        { numRuns: 100, seed: 42 },
      );
    });
  });

  describe("incremental chain state", () => {
    it("keeps count and cross equal to a full evaluation through joins, leaves, commits and rollbacks", () => {
      const devices = ids(9);
      const graph = trustGraph(devices, [
        ...clique(["1", "2", "3", "4"], 7),
        ...clique(["4", "5", "6"], 3),
        ["6", "7", 2],
        ["8", "9", 4],
        ["1", "9", 1],
      ]);
      const table = pairTableFromGraph(graph);
      const state = new ChainState(table, [
        ["1", "2", "3", "4"],
        ["4", "5", "6"],
      ]);
      const expectInStep = () => {
        const full = evaluateStorage(table, state.groups());
        expect([state.count, state.cross]).to.deep.equal([full.count, full.cross]);
      };
      expectInStep();
      const before = state.count;
      state.join(6, 0); // device "7" joins chain 0
      state.leave(3, 1); // device "4" leaves chain 1
      const delta = state.trialDelta();
      state.rollback();
      expect(state.count).to.equal(before);
      expectInStep();
      state.join(6, 0);
      state.leave(3, 1);
      expect(state.trialDelta()).to.equal(delta);
      state.commit();
      expect(state.count).to.equal(before + delta);
      expectInStep();
    });
  });
});
