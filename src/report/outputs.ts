import path from "node:path";
import { writeFilesAtomic } from "../io/atomic-write";
import { formatPartition, type PartitionDocument } from "../partition/document";
import { renderSvg, storageSpec, trustGraphSpec } from "./charts";
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
  const paths: PartitionOutputs = {
    partition: path.join(outDir, OUTPUT_FILES.partition),
    report: path.join(outDir, OUTPUT_FILES.report),
    trustGraph: path.join(outDir, OUTPUT_FILES.trustGraph),
    storage: path.join(outDir, OUTPUT_FILES.storage),
  };
  const [trustGraph, storage] = await Promise.all([renderSvg(trustGraphSpec(doc)), renderSvg(storageSpec(doc))]);
  await writeFilesAtomic([
    { path: paths.partition, data: formatPartition(doc) },
    { path: paths.report, data: renderReport(doc, { trustGraph: OUTPUT_FILES.trustGraph, storage: OUTPUT_FILES.storage }) },
    { path: paths.trustGraph, data: trustGraph },
    { path: paths.storage, data: storage },
  ]);
  return paths;
}
