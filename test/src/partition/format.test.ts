/** partition/format: what the partition task prints about a run. */
import { expect } from "chai";
import type { PartitionDocument } from "../../../src/partition/document";
import { formatPartitionSummary } from "../../../src/partition/format";

// Only the fields the summary reads; the rest of a document does not matter to it.
const doc = {
  log: { file: "traffic.csv", records: 48667, devices: 44, spanHours: 10 },
  threshold: { value: 2.5, unit: "records/hour", auto: true },
  chosen: { k: 4, communities: [["1"], ["2"], ["3"]], interChainNodes: ["7", "8"], uncovered: [] },
  strategies: [
    { name: "community", groups: [], storageRatio: 0.123456 },
    { name: "random", groups: [], storageRatio: 0.9 },
  ],
} as unknown as PartitionDocument;

describe("partition/format", () => {
  it("summarises the log, the threshold, the chosen k, the storage ratios and the files", () => {
    expect(
      formatPartitionSummary("traffic.csv", doc, ["out/partition.json", "out/report.md"]).split("\n"),
    ).to.deep.equal([
      "Partitioned traffic.csv: 48,667 records, 44 devices",
      "  threshold 2.5 records/hour (auto)",
      "  chosen k = 4: 3 communities, 2 inter-chain devices, 0 uncovered",
      "  storage ratio: community 0.123, optimized - (ungrouped = 1)",
      "  wrote out/partition.json",
      "  wrote out/report.md",
    ]);
  });
});
