import { expect } from "chai";
import { classify, Level, levelName, UnknownDataSourceError, MarketError } from "../../../src/market";

describe("market: classify (R1's default level)", () => {
  it("puts sensor data High and the paper's non time-sensitive documents Low", () => {
    for (const source of ["sensor", "reading", "telemetry"]) expect(classify(source)).to.equal(Level.High);
    for (const source of ["production-task", "equipment-spec", "process-plan", "document"])
      expect(classify(source)).to.equal(Level.Low);
    expect(levelName(Level.High)).to.equal("High");
    expect(levelName(Level.Low)).to.equal("Low");
  });

  it("names an unknown source and lists the known ones", () => {
    expect(() => classify("video")).to.throw(
      UnknownDataSourceError,
      'data source "video" is unknown; the sources are sensor, reading, telemetry, production-task, equipment-spec, process-plan, document',
    );
    expect(() => classify("video")).to.throw(MarketError);
  });
});
