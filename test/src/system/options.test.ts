import { expect } from "chai";
import { DEFAULT_TRAFFIC_OPTIONS } from "../../../src/traffic/generate";
import {
  DEFAULT_START_OPTIONS,
  StartOptionError,
  TABLE1_COUNT_THRESHOLD,
  resolveStartOptions,
  type StartOptions,
} from "../../../src/system";

function refusal(given: Partial<StartOptions>): StartOptionError {
  try {
    resolveStartOptions(given);
  } catch (error) {
    expect(error).to.be.instanceOf(StartOptionError);
    return error as StartOptionError;
  }
  return expect.fail(`expected ${JSON.stringify(given)} to be refused`);
}

describe("system/options", () => {
  it("defaults to the paper's factory at Table 1's count thresholds", () => {
    const options = resolveStartOptions();
    expect(options).to.deep.equal(DEFAULT_START_OPTIONS);
    expect([options.devices, options.records, options.seed]).to.deep.equal([
      DEFAULT_TRAFFIC_OPTIONS.devices,
      DEFAULT_TRAFFIC_OPTIONS.records,
      DEFAULT_TRAFFIC_OPTIONS.seed,
    ]);
    expect(options.countThreshold).to.equal(TABLE1_COUNT_THRESHOLD).and.to.equal(1000);
    expect(options.runDir).to.equal("out/run");
    expect(options.keepChains).to.equal(false);
  });

  it("takes what is given over the defaults, and ignores options given as undefined", () => {
    const options = resolveStartOptions({
      devices: 12,
      groups: 3,
      log: undefined,
      readingsPerDevice: 400,
      countThreshold: 10,
      keepChains: true,
    });
    expect(options).to.deep.include({
      devices: 12,
      groups: 3,
      readingsPerDevice: 400,
      countThreshold: 10,
      keepChains: true,
      records: DEFAULT_TRAFFIC_OPTIONS.records,
    });
    expect("log" in options).to.equal(false);
  });

  it("names the option and the value it refuses", () => {
    expect(refusal({ devices: 2 }).message).to.equal("--devices: must be an integer from 3 up, got 2");
    expect(refusal({ records: 1.5 }).message).to.equal("--records: must be an integer from 1 up, got 1.5");
    expect(refusal({ groups: 0 }).option).to.equal("groups");
    expect(refusal({ uploadsPerDevice: 1 }).message).to.equal(
      "--uploads-per-device: must be an integer from 2 up, got 1",
    );
    expect(refusal({ uploadsPerDevice: 5, readingsPerDevice: 4 }).message).to.equal(
      "--readings-per-device: must be an integer from 5 up, got 4",
    );
    expect(refusal({ countThreshold: 0 }).message).to.equal(
      "--count-threshold: must be an integer from 1 to 4294967294, got 0",
    );
    expect(refusal({ readingBatch: 2_001 }).message).to.equal(
      "--reading-batch: must be an integer from 1 to 2000, got 2001",
    );
    expect(refusal({ relayIntervalMs: 0 }).option).to.equal("relay-interval");
    expect(refusal({ verifySample: 0 }).option).to.equal("verify-sample");
    expect(refusal({ seed: -1 }).option).to.equal("seed");
    expect(refusal({ runDir: " " }).message).to.equal("--run-dir: must name a directory");
    expect(refusal({ log: "" }).message).to.equal("--log: must name a traffic log (CSV)");
  });
});
