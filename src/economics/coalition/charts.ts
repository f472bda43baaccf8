/** coalition.svg as a vega-lite spec: every miner's utility when alone, all together, and at the end of the run. */
import type { TopLevelSpec } from "vega-lite";
import { VEGA_LITE_SCHEMA } from "../../report/kit/vega";
import type { CoalitionStudy } from "./study";

/** The three series of the chart, in legend order. */
export const UTILITY_SERIES = ["singletons", "grand coalition", "merge-and-split"] as const;

/** Grouped bars: one group per miner, one bar per series. */
export function coalitionChartSpec(study: CoalitionStudy): TopLevelSpec {
  const [alone, grand, final] = UTILITY_SERIES;
  const values = study.miners.flatMap((m) => [
    { miner: m.id, series: alone, utility: study.singletonUtilities[m.id - 1] },
    { miner: m.id, series: grand, utility: study.grandUtilities[m.id - 1] },
    { miner: m.id, series: final, utility: study.run.utilities[m.id - 1] },
  ]);
  const o = study.options;
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: {
      text: "Utility per miner: alone, all together, after merge-and-split",
      subtitle: `M = ${study.miners.length}, seed ${o.seed}, R = ${o.parameters.reward}, W = ${o.parameters.work}, c = ${o.parameters.commCost}, γ = ${o.parameters.gamma}; start ${study.run.init}, ${o.splitRule} splits`,
    },
    width: Math.max(360, 28 * study.miners.length),
    height: 300,
    data: { values },
    mark: { type: "bar" },
    encoding: {
      x: { field: "miner", type: "ordinal", title: "miner" },
      xOffset: { field: "series", type: "nominal", sort: [...UTILITY_SERIES] },
      y: { field: "utility", type: "quantitative", title: "utility u_m" },
      color: { field: "series", type: "nominal", title: null, sort: [...UTILITY_SERIES] },
      tooltip: [{ field: "miner" }, { field: "series" }, { field: "utility", format: ".3f" }],
    },
  } as TopLevelSpec;
}
