/** What `economics:sampling` prints: whether every equilibrium is certified, where NE overtakes UPS, the paper's claims, the files. */
import type { SamplingStudy } from "./sampling-study";

/** The summary of `study`; `files` are the outputs written, as the user should see their paths. */
export function formatSamplingSummary(study: SamplingStudy, files: readonly string[]): string {
  const o = study.options;
  return [
    `Sampling-rate game: ${o.budgets.length} budgets × ${o.maxSellers} seller counts, ${study.certified ? "every equilibrium certified" : "NOT every equilibrium certified"}`,
    ...study.crossings
      .filter((c) => c.priceRatio === o.priceRatio)
      .map((c) => `  B = ${c.budget}: equilibrium rate above UPS from ${c.sellers ?? "never"} sellers`),
    ...study.claims.map((c) => `  ${c.holds === null ? "–" : c.holds ? "✓" : "✗"} ${c.claim}`),
    ...files.map((file) => `  wrote ${file}`),
  ].join("\n");
}
