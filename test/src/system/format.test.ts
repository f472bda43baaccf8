import { expect } from "chai";
import path from "node:path";
import { formatOutcome } from "../../../src/system/format";
import type { RunOutcome } from "../../../src/system/run";

/** The parts of an outcome the closing lines read; the rest of a run's outcome does not matter here. */
function outcome(tamperedValid: boolean | undefined): RunOutcome {
  return {
    report: {
      seconds: 71.26,
      traffic: { devices: 44 },
      chains: { communities: [{}, {}, {}] },
      units: { serviceRequests: 12, partOrders: 5 },
      records: { copies: 12_345 },
      verification: { valid: 30, tampered: tamperedValid === undefined ? undefined : { valid: tamperedValid } },
    },
    files: { markdown: "/runs/one/report.md" },
    paths: { root: "/runs/one" },
  } as unknown as RunOutcome;
}

describe("system/format", () => {
  it("closes a run with what ran, the verdicts and where the report is", () => {
    expect(formatOutcome(outcome(false), (file) => path.relative("/runs", file))).to.equal(
      [
        "",
        "commchain ran in 71.3 s: 44 devices, 3 communities, 12 service requests, 5 part orders, 12,345 record copies, 30 records VALID, tampered proof INVALID",
        "report: one/report.md (also report.json and charts/ in one)",
      ].join("\n"),
    );
  });

  it("says so when the tampered proof was accepted or not checked", () => {
    expect(formatOutcome(outcome(true), (file) => file)).to.contain("tampered proof accepted");
    expect(formatOutcome(outcome(undefined), (file) => file)).to.contain("tampered proof accepted");
  });
});
