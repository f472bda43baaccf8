/** report.md of `economics:sampling`: Figs. 9–12 as tables, the paper's claims ✓/✗, crossings, certificates. */
import {
  formatExponential,
  formatFixed,
  formatInteger,
  heading,
  markdownDocument,
  markdownTable,
  section,
} from "../report/kit/markdown";
import type { SamplingFigure } from "./sampling-charts";
import { meanProfit, meanRate, priceLabel, type SamplingStudy } from "./sampling-study";

const f2 = (x: number) => formatFixed(x, 2);
const verdict = (holds: boolean | null) => (holds === null ? "– (not testable here)" : holds ? "✓" : "✗");

function figureTable(
  study: SamplingStudy,
  budgets: readonly number[],
  ratios: readonly number[],
  rate: boolean,
): string {
  const headers = ["n"];
  for (const b of budgets) {
    headers.push(budgets.length > 1 ? `NE B=${b}` : "NE");
    for (const r of ratios) headers.push(budgets.length > 1 ? `UPS B=${b}` : `UPS ${priceLabel(r)}`);
  }
  const rows: string[][] = [];
  for (let n = 1; n <= study.options.maxSellers; n++) {
    const row = [String(n)];
    for (const b of budgets) {
      const e = study.equilibrium.find((x) => x.budget === b && x.sellerCount === n)!;
      row.push(f2(rate ? meanRate(e) : meanProfit(e)));
      for (const r of ratios) {
        const u = study.uniformPricing.find((x) => x.budget === b && x.sellers === n && x.priceRatio === r)!;
        row.push(f2(rate ? meanRate(u) : meanProfit(u)));
      }
    }
    rows.push(row);
  }
  return markdownTable(
    headers,
    rows,
    headers.map((_, i) => (i === 0 ? "left" : "right")),
  );
}

/** The Markdown report; `figures` maps each figure to the file it links. */
export function renderSamplingReport(study: SamplingStudy, figures: Record<SamplingFigure, string>): string {
  const o = study.options;
  const p = o.parameters;
  const b0 = o.budgets[0];
  const figRatios = [...new Set(o.figurePriceRatios)];
  const worstGain = Math.max(...study.equilibrium.map((e) => e.certificate.maxDeviationGain));
  const worstStart = Math.max(...study.equilibrium.map((e) => e.certificate.startDisagreement));
  const worstClosed = Math.max(...study.equilibrium.map((e) => e.certificate.closedFormGap ?? 0));
  const worstKkt = Math.max(...study.equilibrium.map((e) => e.certificate.kktResidual));
  const excluded = study.equilibrium.filter((e) => e.excluded.length > 0);
  return markdownDocument([
    heading("Optimal sampling rate: Nash equilibrium against uniform pricing"),
    "The game of §5 of *Secure sharing of big digital twin data* (equations 1–13), solved by best responses and certified.",
    `Parameters: β1 = ${p.beta1}, β2 = ${p.beta2}, α1 = ${p.alpha1}, α2 = ${p.alpha2}, ε = ${p.epsilon}, ` +
      `C_eMin = ${p.ceMin}, C_eMax = ${p.ceMax}, U_min = ${p.uMin}; budgets ${o.budgets.join(", ")}; 1–${o.maxSellers} sellers; ` +
      `raw rates R = (${o.rawRates.slice(0, o.maxSellers).join(", ")}) ${o.rawAsCap ? "as each seller's cap" : "as the starting point"}; ` +
      `UPS at ${priceLabel(o.priceRatio)}.`,
    section(
      "The paper's claims against ours",
      markdownTable(
        ["claim (§6.2)", "ours", "our numbers"],
        study.claims.map((c) => [c.claim, verdict(c.holds), c.evidence]),
      ),
    ),
    section(
      "Where the equilibrium overtakes uniform pricing",
      "The first seller count from which the equilibrium's rate is above UPS's (and stays above).",
      markdownTable(
        ["budget", "price", "crossing"],
        study.crossings.map((c) => [
          String(c.budget),
          priceLabel(c.priceRatio),
          c.sellers === null ? "never" : `${c.sellers - 1} → ${c.sellers}`,
        ]),
      ),
    ),
    section(
      "Certificate",
      `Every equilibrium ${study.certified ? "is certified" : "is **not** certified (see sampling.json)"}: ` +
        `largest utility gain from a unilateral deviation on a ${formatInteger(study.equilibrium[0].certificate.gridPoints)}-point grid ${worstGain <= 0 ? "≤ 0 (no seller gains)" : formatExponential(worstGain)}; ` +
        `starts (given, lowest, highest) agree within ${formatExponential(worstStart)}; closed form within ${formatExponential(worstClosed)}; ` +
        `KKT residual ${formatExponential(worstKkt)}.`,
      ...(excluded.length === 0
        ? []
        : [
            `Dropped as infeasible (U < U_min): ${excluded.map((e) => `B=${e.budget} n=${e.sellerCount}: sellers ${e.excluded.join(", ")}`).join("; ")}.`,
          ]),
    ),
    section(
      `Fig. 9: sampling rate by price (B = ${b0})`,
      `![Fig. 9](${figures.fig9})`,
      figureTable(study, [b0], figRatios, true),
    ),
    section(
      `Fig. 10: sampling rate by budget (UPS at ${priceLabel(o.priceRatio)})`,
      `![Fig. 10](${figures.fig10})`,
      figureTable(study, o.budgets, [o.priceRatio], true),
    ),
    section(
      `Fig. 11: profit per seller by price (B = ${b0})`,
      `![Fig. 11](${figures.fig11})`,
      figureTable(study, [b0], figRatios, false),
    ),
    section(
      `Fig. 12: profit per seller by budget (UPS at ${priceLabel(o.priceRatio)})`,
      `![Fig. 12](${figures.fig12})`,
      figureTable(study, o.budgets, [o.priceRatio], false),
    ),
  ]);
}
