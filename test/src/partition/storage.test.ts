import { expect } from "chai";
import { UndirectedGraph } from "graphology";
import {
  UnknownDeviceError,
  evaluateStorage,
  pairTableFromCounts,
  pairTableFromGraph,
} from "../../../src/partition/storage";

// Worked by hand. Seven devices; chains A = {1,2,3} (size 3), B = {3,4,5,6} (size 4),
// C = {5,6} (size 2); device 3 is in A and B, devices 5 and 6 in B and C; device 7 is in no
// chain, so it counts as a chain of its own (size 1).
const devices = ["1", "2", "3", "4", "5", "6", "7"];
const groups = [
  ["1", "2", "3"],
  ["3", "4", "5", "6"],
  ["5", "6"],
];
const pairs: [string, string, number][] = [
  ["1", "2", 10], // intra A:                     10 × 3       = 30
  ["2", "3", 4], //  intra A (3 is also in B):     4 × 3       = 12
  ["3", "4", 5], //  intra B:                      5 × 4       = 20
  ["5", "6", 6], //  B and C both hold it, C is smaller: 6 × 2 = 12
  ["4", "5", 2], //  intra B:                      2 × 4       =  8
  ["1", "4", 3], //  cross: 1's smallest A (3) + 4's B (4):  3 × (3 + 4) = 21
  ["2", "6", 1], //  cross: A (3) + 6's smallest C (2):      1 × (3 + 2) =  5
  ["6", "7", 2], //  cross: C (2) + 7 alone (1):             2 × (2 + 1) =  6
];
// records = 10 + 4 + 5 + 6 + 2 + 3 + 1 + 2 = 33
// count   = 30 + 12 + 20 + 12 + 8 + 21 + 5 + 6 = 114, cross = 21 + 5 + 6 = 32
// ungrouped: one chain of all 7 devices = 33 × 7 = 231

describe("storage model (formula 1)", () => {
  const table = pairTableFromCounts(devices, pairs);

  it("prices intra-chain records at the smallest shared chain and cross records at the smallest pair", () => {
    const cost = evaluateStorage(table, groups);
    expect(table.records).to.equal(33);
    expect(cost).to.deep.equal({
      count: 114,
      cross: 32,
      storageRatio: 114 / 231,
      crossShare: 32 / 114,
      chains: 4, // A, B, C and device 7 on its own
      interChainNodes: 3, // 3, 5, 6
    });
  });

  it("gives records × devices for one chain of every device", () => {
    expect(evaluateStorage(table, [devices])).to.deep.equal({
      count: 231,
      cross: 0,
      storageRatio: 1,
      crossShare: 0,
      chains: 1,
      interChainNodes: 0,
    });
  });

  it("treats every device as its own chain when there is no group", () => {
    // every record is cross-chain between two chains of size 1: 33 × 2 = 66
    expect(evaluateStorage(table, [])).to.include({ count: 66, cross: 66, chains: 7, interChainNodes: 0 });
  });

  it("counts a device listed twice in a group once", () => {
    const cost = evaluateStorage(table, [["1", "2", "2", "3"], ["3", "4", "5", "6"], ["5", "6"]]);
    expect(cost.count).to.equal(114);
  });

  it("reads the pair counts of a trust graph, below the threshold too", () => {
    const graph = new UndirectedGraph<{ records: number }, { count: number; weight: number }>();
    for (const d of devices) graph.addNode(d, { records: 0 });
    for (const [a, b, count] of pairs) graph.addEdge(a, b, { count, weight: count / 2 });
    const fromGraph = pairTableFromGraph(graph);
    expect(fromGraph.records).to.equal(33);
    expect(evaluateStorage(fromGraph, groups)).to.deep.equal(evaluateStorage(table, groups));
  });

  it("rejects a group naming an unknown device", () => {
    expect(() => evaluateStorage(table, [["1", "99"]])).to.throw(UnknownDeviceError, 'group 1: device "99" is not a device of the log');
  });
});
