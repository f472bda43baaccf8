/** traffic/format: what gen-traffic prints about the log it wrote. */
import { expect } from "chai";
import { describeTrafficPlan } from "../../../src/traffic/format";
import type { TrafficPlan } from "../../../src/traffic/generate";

const plan: TrafficPlan = {
  options: {
    devices: 6,
    records: 12345,
    groups: 2,
    overlap: 1,
    background: 1,
    spanHours: 4,
    start: Date.UTC(2024, 0, 1),
    seed: 7,
  },
  devices: ["1", "2", "3", "4", "5", "6"],
  groups: [
    ["1", "2", "3", "4"],
    ["4", "5", "6"],
  ],
  bridges: ["4"],
  quiet: ["6"],
  hubs: [],
  loners: [],
  heartbeat: 10,
  pairs: [
    { a: "1", b: "2", count: 100, kind: "cell" },
    { a: "1", b: "5", count: 3, kind: "light" },
  ],
};

describe("traffic/format", () => {
  it("describes the log: size, cells and bridges, light pairs, span and heartbeat", () => {
    expect(describeTrafficPlan("out/traffic.csv", plan).split("\n")).to.deep.equal([
      "Wrote out/traffic.csv",
      "  12,345 records, 6 devices (1…6), seed 7",
      "  2 cells of 3–4 devices, 1 bridge devices (4)",
      "  1 light pairs between cells, 0 hubs, 1 quiet devices",
      "  span 4 h from 2024-01-01T00:00:00.000Z; every in-cell pair ≥ 10 records (2.5/h), every light pair fewer",
    ]);
  });

  it("names the bridges only when there are at most ten", () => {
    const bridges = Array.from({ length: 11 }, (_, i) => String(i + 1));
    expect(describeTrafficPlan("t.csv", { ...plan, bridges }).split("\n")[2]).to.equal(
      "  2 cells of 3–4 devices, 11 bridge devices",
    );
  });
});
