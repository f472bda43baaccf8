import { expect } from "chai";
import { UndirectedGraph } from "graphology";
import {
  NO_CHAIN,
  UnknownDeviceError,
  UnplacedDeviceError,
  chainIndex,
  evaluateStorage,
  pairTableFromCounts,
  pairTableFromGraph,
  placeRecord,
  placementCost,
  recordCost,
  sharedChain,
  smallestChain,
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
    const cost = evaluateStorage(table, [
      ["1", "2", "2", "3"],
      ["3", "4", "5", "6"],
      ["5", "6"],
    ]);
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
    expect(() => evaluateStorage(table, [["1", "99"]])).to.throw(
      UnknownDeviceError,
      'group 1: device "99" is not a device of the log',
    );
  });

  describe("placement (where formula 1 stores a record)", () => {
    // Chain indexes: A = 0, B = 1, C = 2, and device 7's own chain = 3 (size 1).
    const { size, chainsOf } = chainIndex(table, groups);
    const at = (device: string) => chainsOf[Number(device) - 1];
    const place = (a: string, b: string) => placeRecord(at(a), at(b), size);

    it("numbers the groups' chains in order and gives a device in no group a chain of its own after them", () => {
      expect(size).to.deep.equal([3, 4, 2, 1]);
      expect(chainsOf).to.deep.equal([[0], [0], [0, 1], [1], [1, 2], [1, 2], [3]]);
    });

    it("puts an intra-chain record on the smallest chain holding both endpoints", () => {
      expect(place("1", "2")).to.deep.equal({ chains: [0], cross: false });
      expect(place("2", "3")).to.deep.equal({ chains: [0], cross: false });
      expect(place("3", "4")).to.deep.equal({ chains: [1], cross: false });
      // B (4) and C (2) both hold 5 and 6: C
      expect(place("5", "6")).to.deep.equal({ chains: [2], cross: false });
      expect(place("6", "5")).to.deep.equal({ chains: [2], cross: false });
    });

    it("puts a cross-chain record on each endpoint's smallest chain, first endpoint first", () => {
      expect(place("1", "4")).to.deep.equal({ chains: [0, 1], cross: true });
      expect(place("4", "1")).to.deep.equal({ chains: [1, 0], cross: true });
      expect(place("2", "6")).to.deep.equal({ chains: [0, 2], cross: true });
      // device 7 is in no group: its copy goes on its own chain 3
      expect(place("6", "7")).to.deep.equal({ chains: [2, 3], cross: true });
    });

    it("breaks ties between chains of the same size by the lower chain index", () => {
      // two chains of size 2 both hold x and y; a third chain of size 2 holds only y
      const sizes = [2, 2, 2];
      expect(placeRecord([1, 0], [0, 1], sizes)).to.deep.equal({ chains: [0], cross: false });
      expect(sharedChain([1, 0], [1, 0], sizes)).to.equal(0);
      expect(smallestChain([2, 1], sizes)).to.equal(1);
      expect(placeRecord([2], [1, 0], sizes)).to.deep.equal({ chains: [2, 0], cross: true });
    });

    it("prices a record at the sizes of the chains it is placed on (recordCost and evaluateStorage use the placement)", () => {
      expect(placementCost(place("5", "6"), size)).to.equal(2);
      expect(placementCost(place("1", "4"), size)).to.equal(7);
      expect(recordCost(at("6"), at("7"), size)).to.deep.equal({ cost: 3, cross: true });
      // summing placements over the pairs gives evaluateStorage's count and cross
      let count = 0;
      let cross = 0;
      for (const [a, b, records] of pairs) {
        const placement = place(a, b);
        count += placementCost(placement, size) * records;
        if (placement.cross) cross += placementCost(placement, size) * records;
      }
      expect({ count, cross }).to.deep.equal({ count: 114, cross: 32 });
    });

    it("refuses an endpoint in no chain (chainIndex never leaves one)", () => {
      expect(sharedChain([], [0], size)).to.equal(NO_CHAIN);
      expect(smallestChain([], size)).to.equal(NO_CHAIN);
      expect(() => placeRecord([], [0], size)).to.throw(
        UnplacedDeviceError,
        "the first endpoint of a record is in no chain",
      );
      expect(() => placeRecord([0], [], size)).to.throw(
        UnplacedDeviceError,
        "the second endpoint of a record is in no chain",
      );
    });
  });
});
