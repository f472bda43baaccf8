/** Step 12, economics: the sampling-rate game of the digital-twin market, its certified equilibria against uniform pricing (Figs. 9–12). */
import { runEconomics, type EconomicsFacts } from "../economics";
import type { Step } from "./step";

export const economicsStep: Step<"economics", object, EconomicsFacts> = {
  name: "economics",
  title: () =>
    "the sampling-rate game of the digital-twin market: certified equilibria against uniform pricing, Figs. 9–12",
  run: ({ paths }) => runEconomics(paths.economics, paths.root),
  summary: (result) =>
    `${result.equilibria} equilibria ${result.certified ? "certified" : "NOT certified"}; equilibrium above uniform pricing from ${result.crossings.map((c) => `${c.sellers ?? "never"} (B = ${c.budget})`).join(", ")} sellers; ` +
    `${result.claims.filter((c) => c.holds === true).length}/${result.claims.length} of the paper's claims hold`,
};
