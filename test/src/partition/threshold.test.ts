import { expect } from "chai";
import {
  applyThreshold,
  assertThresholdConnects,
  autoThreshold,
  disconnectedDevices,
  IsolatedDeviceError,
  strongestEdges,
  ThresholdDisconnectsError,
} from "../../../src/partition/threshold";
import { ThresholdError } from "../../../src/traffic/errors";
import { buildTrustGraph } from "../../../src/traffic/graph";
import type { TrustGraph } from "../../../src/traffic/types";

// Span 2 h, so weight = count / 2:
//   a–b 20 → 10   a–c 16 → 8   b–c 12 → 6   c–d 6 → 3   d–e 10 → 5   e–f 2 → 1
// strongest edge per device: a 10, b 10, c 8, d 5, e 5, f 1.
function example(): TrustGraph {
  return buildTrustGraph(
    [
      ["a", "b", 20],
      ["a", "c", 16],
      ["c", "b", 12],
      ["c", "d", 6],
      ["d", "e", 10],
      ["f", "e", 2],
    ],
    2,
  );
}

function edgeList(graph: TrustGraph): string[] {
  return graph.mapEdges((_edge, { weight }, source, target) => `${source}-${target}:${weight}`);
}

describe("partition/threshold", () => {
  it("finds the strongest edge of each device", () => {
    expect([...strongestEdges(example())]).to.deep.equal([
      ["a", 10],
      ["b", 10],
      ["c", 8],
      ["d", 5],
      ["e", 5],
      ["f", 1],
    ]);
  });

  it("chooses the weakest device's strongest edge as the auto threshold", () => {
    // min(10, 10, 8, 5, 5, 1) = 1: f only has e–f.
    expect(autoThreshold(example())).to.equal(1);
  });

  it("ignores exempt devices when choosing the threshold", () => {
    // without f: min(10, 10, 8, 5, 5) = 5; without d, e and f: min(10, 10, 8) = 8.
    expect(autoThreshold(example(), ["f"])).to.equal(5);
    expect(autoThreshold(example(), new Set(["d", "e", "f"]))).to.equal(8);
  });

  it("keeps every node and only the edges at or above the threshold", () => {
    const graph = example();
    const kept = applyThreshold(graph, 5);
    expect(kept.nodes()).to.deep.equal(["a", "b", "c", "d", "e", "f"]);
    expect(kept.getNodeAttributes("c")).to.deep.equal({ records: 34 });
    expect(edgeList(kept)).to.deep.equal(["a-b:10", "a-c:8", "c-b:6", "d-e:5"]);
    expect(kept.getEdgeAttributes(kept.edge("d", "e") as string)).to.deep.equal({ count: 10, weight: 5 });
    // the input is untouched
    expect(graph.size).to.equal(6);
    // threshold 0 keeps everything, a threshold above every edge keeps no edge
    expect(applyThreshold(graph, 0).size).to.equal(6);
    expect(applyThreshold(graph, 10.5).size).to.equal(0);
    expect(applyThreshold(graph, 10.5).order).to.equal(6);
  });

  it("keeps every non-exempt device connected at the auto threshold", () => {
    const graph = example();
    for (const exempt of [[], ["f"], ["d", "e", "f"]]) {
      const threshold = autoThreshold(graph, exempt);
      const kept = applyThreshold(graph, threshold);
      for (const device of kept.nodes()) {
        if (!exempt.includes(device)) expect(kept.degree(device), device).to.be.greaterThan(0);
      }
      expect(disconnectedDevices(graph, threshold, exempt)).to.deep.equal([]);
    }
  });

  it("reports which devices a threshold disconnects", () => {
    const graph = example();
    expect(disconnectedDevices(graph, 5)).to.deep.equal(["f"]);
    expect(disconnectedDevices(graph, 5, ["f"])).to.deep.equal([]);
    expect(disconnectedDevices(graph, 9)).to.deep.equal(["c", "d", "e", "f"]);
    expect(() => assertThresholdConnects(graph, 5, ["f"])).not.to.throw();

    let error: unknown;
    try {
      assertThresholdConnects(graph, 9);
    } catch (caught) {
      error = caught;
    }
    expect(error).to.be.instanceOf(ThresholdDisconnectsError);
    expect(error).to.include({ threshold: 9, devices: 6 });
    expect((error as ThresholdDisconnectsError).disconnected).to.deep.equal(["c", "d", "e", "f"]);
    expect((error as Error).message).to.equal(
      "threshold 9 disconnects 4 of 6 devices (no edge of weight ≥ 9): c, d, e, f",
    );
    expect(() => assertThresholdConnects(graph, 50)).to.throw(
      ThresholdDisconnectsError,
      "threshold 50 disconnects every device: no edge has weight ≥ 50",
    );
  });

  it("names a device with no edge at all, which only exempting can cover", () => {
    const graph = example();
    graph.addNode("g", { records: 0 });
    graph.addNode("h", { records: 0 });
    expect(() => autoThreshold(graph)).to.throw(
      IsolatedDeviceError,
      'devices "g", "h" have no edge at all, so no threshold can keep them connected: exempt them',
    );
    expect(() => autoThreshold(graph, ["g"])).to.throw(IsolatedDeviceError, 'device "h" has no edge at all');
    expect(autoThreshold(graph, ["g", "h"])).to.equal(1);
    expect(disconnectedDevices(graph, 0)).to.deep.equal(["g", "h"]);
  });

  it("refuses a graph with no device left to threshold", () => {
    const single = buildTrustGraph([], 1);
    single.addNode("01", { records: 0 });
    expect(() => autoThreshold(single, ["01"])).to.throw(
      ThresholdError,
      "no threshold can be chosen: the trust graph has 1 device, 1 exempt, and no other device",
    );
    expect(() => autoThreshold(buildTrustGraph([], 1))).to.throw(ThresholdError, "the trust graph has 0 devices");
    expect(() => autoThreshold(example(), ["a", "b", "c", "d", "e", "f"])).to.throw(ThresholdError, "6 exempt");
  });

  it("refuses unknown exempt devices and invalid thresholds", () => {
    expect(() => autoThreshold(example(), ["z"])).to.throw(ThresholdError, 'exempt device "z" not in the trust graph');
    expect(() => applyThreshold(example(), -1)).to.throw(ThresholdError, "got -1");
    expect(() => applyThreshold(example(), Number.NaN)).to.throw(ThresholdError, "got NaN");
    expect(() => disconnectedDevices(example(), Infinity)).to.throw(ThresholdError, "got Infinity");
  });
});
