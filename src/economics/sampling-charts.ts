/** Figs. 9–12 of the paper as vega-lite specs: rates and profit per seller against the seller count. */
import type { TopLevelSpec } from "vega-lite";
import { VEGA_LITE_SCHEMA } from "../report/kit/vega";
import {
  meanProfit,
  meanRate,
  priceLabel,
  type SamplingStudy,
  type StudyEquilibrium,
  type StudyPricing,
} from "./sampling-study";

/** The four figures, by file stem. */
export type SamplingFigure = "fig9" | "fig10" | "fig11" | "fig12";
export const SAMPLING_FIGURES: readonly SamplingFigure[] = ["fig9", "fig10", "fig11", "fig12"];

interface Datum {
  sellers: number;
  value: number;
  series: string;
  strategy: "NE" | "UPS";
}

function lineChart(title: string, subtitle: string, yTitle: string, values: Datum[]): TopLevelSpec {
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: { text: title, subtitle },
    width: 520,
    height: 300,
    data: { values },
    mark: { type: "line", point: true },
    encoding: {
      x: { field: "sellers", type: "quantitative", title: "sellers n", axis: { tickMinStep: 1 } },
      y: { field: "value", type: "quantitative", title: yTitle },
      color: { field: "series", type: "nominal", title: null },
      strokeDash: { field: "strategy", type: "nominal", title: "strategy", sort: ["NE", "UPS"] },
      tooltip: [{ field: "series" }, { field: "sellers" }, { field: "value", format: ".2f" }],
    },
  } as TopLevelSpec;
}

/** The spec of one figure: 9/11 compare prices at the first budget, 10/12 budgets at the main price. */
export function samplingFigureSpec(study: SamplingStudy, figure: SamplingFigure): TopLevelSpec {
  const o = study.options;
  const byPrice = figure === "fig9" || figure === "fig11";
  const rate = figure === "fig9" || figure === "fig10";
  const measure = (point: StudyEquilibrium | StudyPricing) => (rate ? meanRate(point) : meanProfit(point));
  const budget0 = o.budgets[0];
  const values: Datum[] = [];
  const neBudgets = byPrice ? [budget0] : o.budgets;
  for (const b of neBudgets) {
    for (const e of study.equilibrium.filter((x) => x.budget === b)) {
      values.push({
        sellers: e.sellerCount,
        value: measure(e),
        series: byPrice ? "NE" : `NE, B = ${b}`,
        strategy: "NE",
      });
    }
  }
  const ratios = byPrice ? [...new Set(o.figurePriceRatios)] : [o.priceRatio];
  for (const b of neBudgets) {
    for (const ratio of ratios) {
      for (const u of study.uniformPricing.filter((x) => x.budget === b && x.priceRatio === ratio)) {
        values.push({
          sellers: u.sellers,
          value: measure(u),
          series: byPrice ? `UPS, ${priceLabel(ratio)}` : `UPS, B = ${b}`,
          strategy: "UPS",
        });
      }
    }
  }
  const what = rate ? "Sampling rate" : "Profit per seller";
  const number = figure.slice(3);
  return lineChart(
    `Fig. ${number}: ${what} by ${byPrice ? "price" : "budget"}`,
    byPrice ? `budget B = ${budget0}` : `UPS at ${priceLabel(o.priceRatio)}`,
    rate ? "sampling rate r" : "profit U",
    values,
  );
}
