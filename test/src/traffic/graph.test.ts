import { expect } from "chai";
import { TrafficError } from "../../../src/traffic/errors";
import {
  addPairCount,
  buildTrustGraph,
  PairCounter,
  pairKey,
  spanHoursOf,
  splitPairKey,
  type PairCounts,
} from "../../../src/traffic/graph";

describe("traffic/graph", () => {
  it("keys a pair the same in both directions", () => {
    expect(pairKey("10", "2")).to.equal(pairKey("2", "10"));
    expect(splitPairKey(pairKey("b", "a"))).to.deep.equal(["a", "b"]);
    expect(() => splitPairKey("ab")).to.throw(TrafficError, '"ab" is not a pair key');
  });

  it("computes the span in hours, at least one", () => {
    expect(spanHoursOf(0, 10 * 3_600_000)).to.equal(10);
    expect(spanHoursOf(0, 5_400_000)).to.equal(1.5);
    expect(spanHoursOf(1000, 1000 + 59 * 60_000)).to.equal(1);
    expect(() => spanHoursOf(10, 5)).to.throw(TrafficError, "span from 10 to 5 is not a time range");
  });

  it("builds nodes with records and edges with count and weight from pair counts", () => {
    const counts: PairCounts = new Map();
    addPairCount(counts, "a", "b");
    addPairCount(counts, "b", "a", 4);
    addPairCount(counts, "c", "a", 2);
    // span 4 h: a–b 5 → 1.25/h, a–c 2 → 0.5/h; a takes part in 7 records, b in 5, c in 2.
    const graph = buildTrustGraph(counts, 4);
    expect(graph.nodes()).to.deep.equal(["a", "b", "c"]);
    expect(graph.mapNodes((_node, { records }) => records)).to.deep.equal([7, 5, 2]);
    expect(graph.getEdgeAttributes(graph.edge("b", "a") as string)).to.deep.equal({ count: 5, weight: 1.25 });
    expect(graph.getEdgeAttributes(graph.edge("a", "c") as string)).to.deep.equal({ count: 2, weight: 0.5 });
  });

  it("adds up repeated triples of the same pair in either direction", () => {
    const graph = buildTrustGraph(
      [
        ["x", "y", 3],
        ["y", "x", 3],
      ],
      2,
    );
    expect(graph.size).to.equal(1);
    expect(graph.getEdgeAttributes(graph.edge("x", "y") as string)).to.deep.equal({ count: 6, weight: 3 });
    expect(graph.getNodeAttribute("y", "records")).to.equal(6);
  });

  it("counts pairs in both directions with PairCounter, devices in order of appearance", () => {
    const counter = new PairCounter();
    counter.add("10", "2");
    counter.add("2", "10");
    counter.add("7", "2", 3);
    counter.add("10", "7");
    expect(counter.records).to.equal(6);
    expect(counter.devices()).to.deep.equal(["10", "2", "7"]);
    expect([...counter.pairs()]).to.deep.equal([
      ["10", "2", 2],
      ["10", "7", 1],
      ["2", "7", 3],
    ]);
    expect(() => counter.add("7", "7")).to.throw(TrafficError, 'pair ("7", "7") joins a device to itself');
  });

  it("adds the listed devices first, in their order, even one without a pair", () => {
    const graph = buildTrustGraph([["b", "c", 2]], 1, ["z", "c", "b"]);
    expect(graph.nodes()).to.deep.equal(["z", "c", "b"]);
    expect(graph.getNodeAttributes("z")).to.deep.equal({ records: 0 });
    expect(graph.degree("z")).to.equal(0);
    expect(graph.getNodeAttributes("c")).to.deep.equal({ records: 2 });
  });

  it("rejects self pairs, empty ids, bad counts and bad spans", () => {
    expect(() => buildTrustGraph([["a", "a", 1]], 1)).to.throw(
      TrafficError,
      'pair ("a", "a") joins a device to itself',
    );
    expect(() => buildTrustGraph([["", "a", 1]], 1)).to.throw(TrafficError, "empty device id");
    expect(() => buildTrustGraph([["a", "b", 0]], 1)).to.throw(
      TrafficError,
      "has count 0, expected a positive integer",
    );
    expect(() => buildTrustGraph([["a", "b", 1.5]], 1)).to.throw(TrafficError, "has count 1.5");
    expect(() => buildTrustGraph([], 0)).to.throw(TrafficError, "spanHours must be a positive number of hours, got 0");
  });
});
