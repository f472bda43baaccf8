/** Writes `economics:sampling`'s files as one atomic set: sampling.json, report.md, fig9–12.svg. */
import { formatJsonFile, writeFileSet, type SetFile } from "../report/kit/file-set";
import { renderSvg } from "../report/kit/vega";
import { SAMPLING_FIGURES, samplingFigureSpec, type SamplingFigure } from "./sampling-charts";
import { renderSamplingReport } from "./sampling-report";
import type { SamplingStudy } from "./sampling-study";

export const SAMPLING_FILES = { json: "sampling.json", report: "report.md" } as const;

export type SamplingOutputs = { json: string; report: string } & Record<SamplingFigure, string>;

/** The machine-readable document (issue 12's format): parameters, every equilibrium and every UPS point. */
export function samplingDocument(study: SamplingStudy): object {
  const o = study.options;
  return {
    parameters: {
      ...o.parameters,
      budgets: o.budgets,
      maxSellers: o.maxSellers,
      rawRates: o.rawRates,
      priceRatio: o.priceRatio,
      figurePriceRatios: o.figurePriceRatios,
      excludeInfeasible: o.excludeInfeasible,
      rawAsCap: o.rawAsCap,
    },
    certified: study.certified,
    claims: study.claims,
    crossings: study.crossings,
    equilibrium: study.equilibrium.map((e) => ({
      budget: e.budget,
      sellers: e.sellerCount,
      active: e.sellers,
      excluded: e.excluded,
      rates: e.rates,
      utilities: e.utilities,
      multipliers: e.multipliers,
      iterations: e.iterations,
      certificate: e.certificate,
    })),
    uniformPricing: study.uniformPricing.map((u) => ({
      budget: u.budget,
      sellers: u.sellers,
      priceRatio: u.priceRatio,
      price: u.price,
      rates: u.rates,
      profits: u.profits,
      spend: u.spend,
      overspend: u.overspend,
    })),
  };
}

/** Renders and writes the study's files into `outDir`; none is half-written if one fails. */
export async function writeSamplingOutputs(outDir: string, study: SamplingStudy): Promise<SamplingOutputs> {
  const figures = Object.fromEntries(SAMPLING_FIGURES.map((f) => [f, `${f}.svg`])) as Record<SamplingFigure, string>;
  const svgs = await Promise.all(SAMPLING_FIGURES.map((f) => renderSvg(samplingFigureSpec(study, f))));
  return writeFileSet(outDir, {
    json: { file: SAMPLING_FILES.json, data: formatJsonFile(samplingDocument(study)) },
    report: { file: SAMPLING_FILES.report, data: renderSamplingReport(study, figures) },
    ...(Object.fromEntries(SAMPLING_FIGURES.map((f, i) => [f, { file: figures[f], data: svgs[i] }])) as Record<
      SamplingFigure,
      SetFile
    >),
  });
}
