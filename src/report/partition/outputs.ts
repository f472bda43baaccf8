/** The files of a partition run: partition.json, report.md and its two charts, written as one set. */
import { formatPartition, type PartitionDocument } from "../../partition/document";
import { writeFileSet } from "../kit/file-set";
import { renderSvg } from "../kit/vega";
import { storageSpec, trustGraphSpec } from "./charts";
import { renderReport } from "./report";

/** The files a partition run writes into its output directory. */
export const OUTPUT_FILES = {
  partition: "partition.json",
  report: "report.md",
  trustGraph: "trust-graph.svg",
  storage: "storage.svg",
} as const;

export type PartitionOutputs = Record<keyof typeof OUTPUT_FILES, string>;

/**
 * Renders and writes partition.json, report.md, trust-graph.svg and storage.svg into `outDir`
 * (created if needed) as one set: all are rendered and written to temp files first, so a failure
 * leaves none of them half-written. Returns the paths written.
 */
export async function writePartitionOutputs(outDir: string, doc: PartitionDocument): Promise<PartitionOutputs> {
  const [trustGraph, storage] = await Promise.all([renderSvg(trustGraphSpec(doc)), renderSvg(storageSpec(doc))]);
  return writeFileSet(outDir, {
    partition: { file: OUTPUT_FILES.partition, data: formatPartition(doc) },
    report: {
      file: OUTPUT_FILES.report,
      data: renderReport(doc, { trustGraph: OUTPUT_FILES.trustGraph, storage: OUTPUT_FILES.storage }),
    },
    trustGraph: { file: OUTPUT_FILES.trustGraph, data: trustGraph },
    storage: { file: OUTPUT_FILES.storage, data: storage },
  });
}
