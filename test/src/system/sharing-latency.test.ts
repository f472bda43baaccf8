import { expect } from "chai";
import { renderSvg } from "../../../src/report/kit/vega";
import {
  DEFAULT_MATRIX,
  goalsOf,
  latencyChartSpec,
  pathName,
  pathsFromEnv,
  trendOf,
} from "../../../src/system/sharing-latency";

const level = (sensors: number, p50: number, p95: number) => ({ sensors, endToEnd: { p50, p95 } });

describe("system/sharing-latency", () => {
  it("measures the default matrix unless told otherwise", () => {
    expect(pathsFromEnv({}).map(pathName)).to.deep.equal([
      "gateway/epr",
      "dht/epr",
      "pre/epr",
      "gateway/orderer",
      "pre/orderer",
    ]);
    expect(pathsFromEnv({}).length).to.equal(DEFAULT_MATRIX.length);
    expect(pathsFromEnv({ BENCH_VIA: "both" }).map(pathName)).to.deep.equal([
      "gateway/epr",
      "dht/epr",
      "gateway/orderer",
    ]);
    expect(pathsFromEnv({ BENCH_VIA: "pre", BENCH_STEP2: "epr" }).map(pathName)).to.deep.equal(["pre/epr"]);
    expect(pathsFromEnv({ BENCH_VIA: "dht", BENCH_STEP2: "orderer" }).map(pathName)).to.deep.equal(["dht/orderer"]);
    expect(pathsFromEnv({ BENCH_MATRIX: "pre/orderer, dht/epr" }).map(pathName)).to.deep.equal([
      "pre/orderer",
      "dht/epr",
    ]);
  });

  it("refuses unknown paths, naming the variable", () => {
    expect(() => pathsFromEnv({ BENCH_VIA: "ftp" })).to.throw(RangeError, /^BENCH_VIA/);
    expect(() => pathsFromEnv({ BENCH_STEP2: "raft" })).to.throw(RangeError, /^BENCH_STEP2/);
    expect(() => pathsFromEnv({ BENCH_MATRIX: "pre" })).to.throw(RangeError, /^BENCH_MATRIX/);
  });

  it("judges the goals at 10 sensors: < 1 s on every path, < 250 ms through the gateway", () => {
    const goals = goalsOf({
      "gateway/epr": [level(1, 30, 50), level(10, 150, 240)],
      "pre/orderer": [level(1, 200, 300), level(10, 700, 1000)],
    });
    expect(goals.paper.byPath["gateway/epr"]).to.deep.equal({ p95AtGoalMs: 240, met: true });
    expect(goals.paper.byPath["pre/orderer"]).to.deep.equal({ p95AtGoalMs: 1000, met: false });
    expect(goals.paper.met).to.equal(false);
    expect(goals.gateway.met).to.equal(true);
    expect(goalsOf({ "dht/epr": [level(1, 1, 1)] }).gateway.met).to.equal(null);
    expect(goalsOf({ "dht/epr": [level(1, 1, 1)] }).paper.met).to.equal(false);
  });

  it("reports the trend of p50 against sensors per path", () => {
    const trend = trendOf({ a: [level(1, 10, 0), level(2, 20, 0), level(3, 15, 0)], b: [level(1, 5, 0)] });
    expect(trend.a).to.deep.equal({ rho: 0.5, levels: 3 });
    expect(trend.b).to.deep.equal({ rho: null, levels: 1 });
  });

  it("draws one line per path and percentile with the paper's bound", async function () {
    this.timeout(30_000);
    const spec = latencyChartSpec(
      { "gateway/epr": [level(1, 30, 50), level(2, 40, 60)], "pre/epr": [level(1, 60, 90), level(2, 70, 95)] },
      "test",
    );
    const svg = await renderSvg(spec);
    expect(svg).to.match(/^<svg/);
    expect(svg).to.contain("gateway/epr").and.to.contain("pre/epr").and.to.contain("sub-second");
  });
});
