/** Writes a run's report: report.json, report.md and the run's charts, as one set (atomically). */
import path from "node:path";
import { formatJsonFile, writeFileSet } from "../report/kit/file-set";
import { renderSvg } from "../report/kit/vega";
import { latencySpec, throughputSpec, type LatencySamples } from "./charts";
import type { RunReport } from "./report";
import { renderRunReport, type RunCharts } from "./report-markdown";
import { runRelative, type RunPaths } from "./run-dir";

/** The files a report is made of, absolute. */
export interface RunReportFiles {
  readonly json: string;
  readonly markdown: string;
  readonly charts: readonly string[];
}

/** Chart files relative to the run directory (the partition's own charts included). */
export function runCharts(paths: RunPaths): RunCharts {
  const relative = (file: string) => runRelative(paths.root, file);
  return {
    trustGraph: relative(path.join(paths.partitionDir, "trust-graph.svg")),
    storage: relative(path.join(paths.partitionDir, "storage.svg")),
    throughput: relative(path.join(paths.charts, "throughput.svg")),
    latency: relative(path.join(paths.charts, "latency.svg")),
  };
}

/** Renders the charts and writes the report files; none is half-written. */
export async function writeRunReport(
  paths: RunPaths,
  report: RunReport,
  samples: LatencySamples,
): Promise<RunReportFiles> {
  const charts = runCharts(paths);
  const [throughput, latency] = await Promise.all([
    renderSvg(throughputSpec(report)),
    renderSvg(latencySpec(samples, report.options.relayIntervalMs)),
  ]);
  const files = await writeFileSet(paths.root, {
    json: { file: paths.reportJson, data: formatJsonFile(report) },
    markdown: { file: paths.reportMarkdown, data: renderRunReport(report, charts) },
    throughput: { file: charts.throughput, data: throughput },
    latency: { file: charts.latency, data: latency },
  });
  return { json: files.json, markdown: files.markdown, charts: [files.throughput, files.latency] };
}

/**
 * Rewrites report.json and report.md with `report` (the charts stay): the run's last steps
 * (the report itself, the shutdown) end after the report was first written.
 */
export async function rewriteRunReport(paths: RunPaths, report: RunReport): Promise<void> {
  await writeFileSet(paths.root, {
    json: { file: paths.reportJson, data: formatJsonFile(report) },
    markdown: { file: paths.reportMarkdown, data: renderRunReport(report, runCharts(paths)) },
  });
}
