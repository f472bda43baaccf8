/** economics/format: what economics:sampling prints about a study. */
import { expect } from "chai";
import { formatSamplingSummary, type SamplingStudy } from "../../../src/economics";

// Only the fields the summary reads.
const study = {
  options: { budgets: [100, 200], maxSellers: 10, priceRatio: 0.5 },
  certified: true,
  crossings: [
    { budget: 100, priceRatio: 0.5, sellers: 7 },
    { budget: 200, priceRatio: 0.5, sellers: null },
    { budget: 100, priceRatio: 0.25, sellers: 3 },
  ],
  claims: [
    { id: "ups-higher-few", claim: "UPS rate higher with few sellers", holds: true, evidence: "" },
    { id: "ne-higher-many", claim: "NE rate higher with many sellers", holds: false, evidence: "" },
    { id: "ups-profit-steady", claim: "UPS profit steady", holds: null, evidence: "" },
  ],
} as unknown as SamplingStudy;

describe("economics/format", () => {
  it("summarises certification, the crossings at the chosen price, the claims and the files", () => {
    expect(formatSamplingSummary(study, ["out/sampling/sampling.json"]).split("\n")).to.deep.equal([
      "Sampling-rate game: 2 budgets × 10 seller counts, every equilibrium certified",
      "  B = 100: equilibrium rate above UPS from 7 sellers",
      "  B = 200: equilibrium rate above UPS from never sellers",
      "  ✓ UPS rate higher with few sellers",
      "  ✗ NE rate higher with many sellers",
      "  – UPS profit steady",
      "  wrote out/sampling/sampling.json",
    ]);
    expect(formatSamplingSummary({ ...study, certified: false, crossings: [], claims: [] }, [])).to.equal(
      "Sampling-rate game: 2 budgets × 10 seller counts, NOT every equilibrium certified",
    );
  });
});
