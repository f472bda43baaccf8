/** Writes `economics:coalition`'s files as one atomic set: coalition.json, report.md, coalition.svg. */
import { formatJsonFile, writeFileSet } from "../../report/kit/file-set";
import { renderSvg } from "../../report/kit/vega";
import { coalitionChartSpec } from "./charts";
import { renderCoalitionReport } from "./report";
import type { CoalitionRun, CoalitionStudy } from "./study";

export const COALITION_FILES = { json: "coalition.json", report: "report.md", chart: "coalition.svg" } as const;

export type CoalitionOutputs = Record<keyof typeof COALITION_FILES, string>;

const byId = (utilities: readonly number[]) => Object.fromEntries(utilities.map((u, i) => [String(i + 1), u]));

function runDocument(run: CoalitionRun): object {
  return {
    init: run.init,
    splitRule: run.splitRule,
    status: run.status,
    start: run.start,
    partition: run.partition,
    utilities: byId(run.utilities),
    totalUtility: run.totalUtility,
    merges: run.merges,
    splits: run.splits,
    bestCoalition: run.bestCoalition,
    certificate: run.certificate,
  };
}

/** The machine-readable document: the run from `init` at the top level, both starts and the trivial partitions beside it. */
export function coalitionDocument(study: CoalitionStudy): object {
  const o = study.options;
  const run = study.run;
  return {
    parameters: o.parameters,
    seed: o.seed,
    splitRule: o.splitRule,
    init: run.init,
    miners: study.miners,
    status: run.status,
    partition: run.partition,
    utilities: byId(run.utilities),
    totalUtility: run.totalUtility,
    merges: run.merges,
    splits: run.splits,
    bestCoalition: run.bestCoalition,
    certificate: run.certificate,
    singletonUtilities: byId(study.singletonUtilities),
    grandUtilities: byId(study.grandUtilities),
    startsDiffer: study.startsDiffer,
    fromSingletons: runDocument(study.fromSingletons),
    fromGrand: runDocument(study.fromGrand),
    optimum: study.optimum,
  };
}

/** Renders and writes the study's files into `outDir`; none is half-written if one fails. */
export async function writeCoalitionOutputs(outDir: string, study: CoalitionStudy): Promise<CoalitionOutputs> {
  const svg = await renderSvg(coalitionChartSpec(study));
  return writeFileSet(outDir, {
    json: { file: COALITION_FILES.json, data: formatJsonFile(coalitionDocument(study)) },
    report: { file: COALITION_FILES.report, data: renderCoalitionReport(study, COALITION_FILES.chart) },
    chart: { file: COALITION_FILES.chart, data: svg },
  });
}
