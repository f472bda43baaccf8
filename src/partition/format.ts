/** What `partition` prints about a run: the log, the threshold, the chosen k, the storage ratios and the files written. */
import type { PartitionDocument } from "./document";

/** The summary of `doc`, made from `log`; `files` are the outputs written, as the user should see their paths. */
export function formatPartitionSummary(log: string, doc: PartitionDocument, files: readonly string[]): string {
  const ratio = (name: string) => doc.strategies.find((s) => s.name === name)?.storageRatio.toPrecision(3) ?? "-";
  return [
    `Partitioned ${log}: ${doc.log.records.toLocaleString("en-US")} records, ${doc.log.devices} devices`,
    `  threshold ${doc.threshold.value} ${doc.threshold.unit} (${doc.threshold.auto ? "auto" : "given"})`,
    `  chosen k = ${doc.chosen.k}: ${doc.chosen.communities.length} communities, ` +
      `${doc.chosen.interChainNodes.length} inter-chain devices, ${doc.chosen.uncovered.length} uncovered`,
    `  storage ratio: community ${ratio("community")}, optimized ${ratio("optimized")} (ungrouped = 1)`,
    ...files.map((file) => `  wrote ${file}`),
  ].join("\n");
}
