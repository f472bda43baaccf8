/** Step 2, partition: the trust graph of the log, its threshold, k-clique communities and the storage strategies. */
import { runPartition } from "../../partition/pipeline";
import type { PartitionDocument } from "../../partition/document";
import { writePartitionOutputs, type PartitionOutputs } from "../../report/partition/outputs";
import type { Step } from "./step";
import type { TrafficLog } from "./traffic";
import { figure } from "./text";

/** Decimals of the storage ratio on the done line. */
const RATIO_DIGITS = 3;

/** The partition of the run and the files written for it. */
export interface RunPartition {
  readonly document: PartitionDocument;
  readonly files: PartitionOutputs;
}

export const partitionStep: Step<"partition", { readonly traffic: TrafficLog }, RunPartition> = {
  name: "partition",
  title: () => "trust graph → threshold → k-clique communities → strategies",
  async run({ before, options, paths }, progress) {
    const run = await runPartition(before.traffic.file, { seed: options.seed, onStage: (stage) => progress(stage) });
    const files = await writePartitionOutputs(paths.partitionDir, run.document);
    return { document: run.document, files };
  },
  summary: ({ document: doc }) => {
    const community = doc.strategies.find((s) => s.name === "community");
    return `${doc.log.devices} devices, ${figure(doc.log.records)} records → ${doc.chosen.communities.length} communities (k = ${doc.chosen.k}, sizes ${doc.chosen.communities.map((c) => c.length).join(", ")}), storage ratio ${community?.storageRatio.toFixed(RATIO_DIGITS) ?? "–"}`;
  },
};
