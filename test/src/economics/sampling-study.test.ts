import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import {
  meanRate,
  PAPER_BUDGETS,
  parseSamplingArgs,
  runSamplingStudy,
  SAMPLING_ARG_DEFAULTS,
  SAMPLING_DEFAULTS,
  SAMPLING_FIGURES,
  SamplingParameterError,
  samplingFigureSpec,
  writeSamplingOutputs,
} from "../../../src/economics";

describe("src/economics/sampling-study", () => {
  const study = runSamplingStudy();

  describe("the paper's experiment", () => {
    it("solves every budget and every seller count 1 … 15, all certified", () => {
      expect(study.equilibrium).to.have.length(45);
      expect(study.equilibrium.map((e) => `${e.budget}/${e.sellerCount}`)).to.include.members([
        "200/1",
        "300/8",
        "400/15",
      ]);
      expect(study.certified).to.equal(true);
    });
    it("UPS crosses the equilibrium at 6 → 7 for p = B/6, 5 → 6 for B/5 and 7 → 8 for B/7, at every budget", () => {
      for (const budget of PAPER_BUDGETS) {
        const at = (ratio: number) =>
          study.crossings.find((c) => c.budget === budget && Math.abs(c.priceRatio - ratio) < 1e-12)?.sellers;
        expect(at(1 / 6)).to.equal(7);
        expect(at(1 / 5)).to.equal(6);
        expect(at(1 / 7)).to.equal(8);
      }
    });
    it("marks all four claims of the paper as holding, with our numbers", () => {
      expect(study.claims.map((c) => [c.id, c.holds])).to.deep.equal([
        ["ups-higher-few", true],
        ["ne-higher-many", true],
        ["ups-profit-steady", true],
        ["ne-profit-falling", true],
      ]);
      expect(study.claims[2].evidence).to.contain("B=200: 13.33–18.21");
    });
  });

  describe("other parameters", () => {
    it("at p = B/4 the equilibrium only overtakes later, and the claim 'NE higher above six' fails", () => {
      const other = runSamplingStudy({ priceRatio: 1 / 4 });
      expect(other.crossings.find((c) => c.budget === 200 && c.priceRatio === 1 / 4)?.sellers).to.equal(5);
      expect(other.claims.find((c) => c.id === "ups-higher-few")?.holds).to.equal(false);
      expect(other.claims.find((c) => c.id === "ups-higher-few")?.evidence).to.match(/^fails at B=200 n=5/);
    });
    it("with five sellers the 'above six' claim cannot be tested and says so", () => {
      const small = runSamplingStudy({ maxSellers: 5 });
      const claim = small.claims.find((c) => c.id === "ne-higher-many");
      expect(claim?.holds).to.equal(null);
      expect(claim?.evidence).to.equal("needs at least 7 sellers");
    });
    it("refuses fewer raw rates than sellers, naming both counts", () => {
      expect(() => runSamplingStudy({ rawRates: [1, 2, 3] })).to.throw(
        SamplingParameterError,
        /^rawRates: gives 3 raw rates but the study has up to 15 sellers/,
      );
    });
    it("refuses zero sellers and a non-positive budget", () => {
      expect(() => runSamplingStudy({ maxSellers: 0 })).to.throw(
        SamplingParameterError,
        /^maxSellers: must be a whole number ≥ 1, got 0$/,
      );
      expect(() => runSamplingStudy({ budgets: [200, -5] })).to.throw(
        SamplingParameterError,
        /^budgets\[1\]: must be a positive number, got -5$/,
      );
    });
  });

  describe("options as text", () => {
    it("the defaults parse to the paper's setting", () => {
      const o = parseSamplingArgs(SAMPLING_ARG_DEFAULTS);
      expect(o.parameters).to.deep.equal(SAMPLING_DEFAULTS);
      expect(o.budgets).to.deep.equal([200, 300, 400]);
      expect(o.priceRatio).to.equal(1 / 6);
      expect(o.figurePriceRatios).to.deep.equal([1 / 5, 1 / 6, 1 / 7]);
      expect(o.rawRates).to.have.length(15);
    });
    it("names the option and the item that does not parse", () => {
      expect(() => parseSamplingArgs({ ...SAMPLING_ARG_DEFAULTS, budgets: "200,x" })).to.throw(
        SamplingParameterError,
        /^--budgets: item 2 must be a number, got "x"$/,
      );
      expect(() => parseSamplingArgs({ ...SAMPLING_ARG_DEFAULTS, ceMin: "low" })).to.throw(
        SamplingParameterError,
        /^--ce-min: must be a number, got "low"$/,
      );
      expect(() => parseSamplingArgs({ ...SAMPLING_ARG_DEFAULTS, maxSellers: "2.5" })).to.throw(
        SamplingParameterError,
        /^--max-sellers: must be a whole number/,
      );
      expect(() => parseSamplingArgs({ ...SAMPLING_ARG_DEFAULTS, rawRates: "" })).to.throw(
        SamplingParameterError,
        /^--raw-rates: is empty/,
      );
    });
  });

  describe("files", () => {
    it("writes sampling.json, report.md and fig9–12.svg; the JSON holds every point and the report every claim", async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "commchain-sampling-"));
      try {
        const small = runSamplingStudy({ budgets: [200, 300], maxSellers: 8 });
        const out = await writeSamplingOutputs(path.join(dir, "out"), small);
        const doc = JSON.parse(fs.readFileSync(out.json, "utf8"));
        expect(doc.parameters.beta1).to.equal(0.7);
        expect(doc.equilibrium).to.have.length(16);
        expect(doc.equilibrium[9]).to.include({ budget: 300, sellers: 2 });
        expect(doc.equilibrium[9].rates[0]).to.be.closeTo(340.66, 0.01);
        expect(doc.equilibrium[9].certificate.maxDeviationGain).to.be.at.most(1e-9);
        expect(doc.uniformPricing.filter((u: { priceRatio: number }) => u.priceRatio === 1 / 6)).to.have.length(16);
        const report = fs.readFileSync(out.report, "utf8");
        for (const claim of small.claims) expect(report).to.contain(claim.claim);
        expect(report).to.contain("| 200 | p = B/6 | 6 → 7 |");
        for (const f of SAMPLING_FIGURES) {
          expect(report).to.contain(`](${f}.svg)`);
          expect(fs.readFileSync(out[f], "utf8")).to.match(/^<svg[\s\S]*<\/svg>$/);
        }
        expect(fs.readdirSync(path.join(dir, "out")).sort()).to.deep.equal([
          "fig10.svg",
          "fig11.svg",
          "fig12.svg",
          "fig9.svg",
          "report.md",
          "sampling.json",
        ]);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
    it("Fig. 9 draws the equilibrium and UPS at the three prices, Fig. 10 each budget", () => {
      const series = (f: "fig9" | "fig10") =>
        new Set(
          (samplingFigureSpec(study, f) as { data: { values: { series: string }[] } }).data.values.map((v) => v.series),
        );
      expect([...series("fig9")]).to.deep.equal(["NE", "UPS, p = B/5", "UPS, p = B/6", "UPS, p = B/7"]);
      expect([...series("fig10")]).to.deep.equal([
        "NE, B = 200",
        "NE, B = 300",
        "NE, B = 400",
        "UPS, B = 200",
        "UPS, B = 300",
        "UPS, B = 400",
      ]);
      const fig10 = (
        samplingFigureSpec(study, "fig10") as { data: { values: { series: string; sellers: number; value: number }[] } }
      ).data.values;
      expect(fig10.find((v) => v.series === "NE, B = 300" && v.sellers === 7)?.value).to.be.closeTo(
        meanRate(study.equilibrium.find((e) => e.budget === 300 && e.sellerCount === 7)!),
        1e-12,
      );
    });
  });
});
