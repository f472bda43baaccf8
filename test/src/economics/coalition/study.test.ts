import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import {
  certificateHolds,
  certifyPartition,
  COALITION_ARG_DEFAULTS,
  COALITION_DEFAULTS,
  coalitionChartSpec,
  coalitionDocument,
  coalitionMarkdownSection,
  CoalitionParameterError,
  drawMiners,
  formCoalitions,
  parseCoalitionArgs,
  runCoalitionStudy,
  totalUtility,
  writeCoalitionOutputs,
} from "../../../../src/economics";
import { oracleUtilities } from "./oracle";

describe("src/economics/coalition/study", () => {
  const study = runCoalitionStudy();

  describe("at the defaults (M 20, seed 1, R 100, W 50, c 0.5, γ 1.5)", () => {
    it("certifies both starts: Dhp-stable with every move checked, and no miner gains by leaving", () => {
      expect(certificateHolds(study.fromSingletons)).to.equal(true);
      expect(certificateHolds(study.fromGrand)).to.equal(true);
      expect(study.run).to.equal(study.fromSingletons);
    });
    it("ends apart from the two starts, both above singletons and grand in total utility", () => {
      expect(study.startsDiffer).to.equal(true);
      const alone = totalUtility(study.singletonUtilities);
      const grand = totalUtility(study.grandUtilities);
      for (const run of [study.fromSingletons, study.fromGrand]) {
        expect(run.totalUtility).to.be.greaterThan(Math.max(alone, grand));
      }
    });
    it("reports the utilities of the model's formula and the singleton and grand utilities", () => {
      const p = COALITION_DEFAULTS;
      const alone = oracleUtilities(
        study.miners,
        p,
        study.miners.map((m) => [m.id]),
      );
      const grand = oracleUtilities(study.miners, p, [study.miners.map((m) => m.id)]);
      study.singletonUtilities.forEach((u, i) => expect(u).to.be.closeTo(alone[i], 1e-9));
      study.grandUtilities.forEach((u, i) => expect(u).to.be.closeTo(grand[i], 1e-9));
    });
    it("holds on 20 seeds from both starts", () => {
      for (let seed = 1; seed <= 20; seed++) {
        const miners = drawMiners(20, seed);
        for (const init of ["singletons", "grand"] as const) {
          const f = formCoalitions(miners, COALITION_DEFAULTS, { init });
          const c = certifyPartition(miners, COALITION_DEFAULTS, f.partition, "pareto");
          expect([seed, init, f.status, c.stable, c.exhaustive, c.individual.stable]).to.deep.equal([
            seed,
            init,
            "stable",
            true,
            true,
            true,
          ]);
        }
      }
    });
    it("is deterministic per seed: the same seed gives the same document, another seed other miners", () => {
      expect(JSON.stringify(coalitionDocument(runCoalitionStudy()))).to.equal(JSON.stringify(coalitionDocument(study)));
      const other = runCoalitionStudy({ seed: 2 });
      expect(other.miners[0]).to.not.deep.equal(study.miners[0]);
    });
  });

  describe("few miners (M 8)", () => {
    it("finds the social optimum by exhaustive search, at least merge-and-split's total", () => {
      const small = runCoalitionStudy({ miners: 8 });
      expect(small.optimum!.partitionsChecked).to.equal(4140);
      for (const run of [small.fromSingletons, small.fromGrand]) {
        expect(small.optimum!.totalUtility).to.be.at.least(run.totalUtility - 1e-9);
      }
      expect(runCoalitionStudy({ miners: 11 }).optimum).to.equal(null);
    });
    it("runs from a random start when asked, beside the two fixed ones", () => {
      const s = runCoalitionStudy({ miners: 8, init: "random:3", seed: 4 });
      expect(s.run.init).to.equal("random:3");
      expect(s.run).to.not.equal(s.fromSingletons);
      expect(s.run.certificate.stable).to.equal(true);
    });
  });

  describe("outputs", () => {
    let dir: string;
    before(() => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), "commchain-coalition-"));
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("writes coalition.json with the documented keys, report.md and coalition.svg", async () => {
      const small = runCoalitionStudy({ miners: 6 });
      const out = await writeCoalitionOutputs(dir, small);
      expect(Object.values(out).map((f) => path.basename(f))).to.deep.equal([
        "coalition.json",
        "report.md",
        "coalition.svg",
      ]);
      const doc = JSON.parse(fs.readFileSync(out.json, "utf8"));
      expect(doc).to.include.all.keys(
        "parameters",
        "miners",
        "partition",
        "utilities",
        "merges",
        "splits",
        "certificate",
      );
      expect(doc.parameters).to.deep.equal({ reward: 100, work: 50, commCost: 0.5, gamma: 1.5 });
      expect(doc.miners[0]).to.have.all.keys("id", "capacity", "powerCost");
      expect(Object.keys(doc.utilities)).to.deep.equal(["1", "2", "3", "4", "5", "6"]);
      expect(doc.partition.flat().sort()).to.deep.equal([1, 2, 3, 4, 5, 6]);
      expect(doc.fromGrand).to.include.keys("partition", "certificate", "status");
      const report = fs.readFileSync(out.report, "utf8");
      expect(report).to.contain("## Singletons start against grand start");
      expect(report).to.contain("| total |");
      expect(report).to.contain("![utility per miner](coalition.svg)");
      expect(fs.readFileSync(out.chart, "utf8")).to.match(/^<svg/);
    });
    it("charts every miner under the three partitions", () => {
      const spec = coalitionChartSpec(study) as { data: { values: { series: string }[] } };
      expect(spec.data.values).to.have.length(60);
    });
    it("gives the run report a short section: sizes, totals, moves, certificate, below-singleton count", () => {
      const text = coalitionMarkdownSection(study, { report: "coalition/report.md" });
      expect(text).to.contain("## Miners' coalition-formation game");
      expect(text).to.contain("stable after 16 merges and 0 splits, 4 coalitions of 6, 5, 5, 4 miners");
      expect(text).to.contain("| miners below their singleton utility | 3 |");
      expect(text).to.contain("Details: [report.md](coalition/report.md)");
      expect(text).to.match(/certificate .* \| ✓ \|/);
    });
  });

  describe("options", () => {
    it("parses the task's text options into the study's", () => {
      const o = parseCoalitionArgs({
        ...COALITION_ARG_DEFAULTS,
        miners: "12",
        gamma: "2",
        init: "grand",
        splitRule: "paper",
      });
      expect(o).to.include({ miners: 12, seed: 1, init: "grand", splitRule: "paper" });
      expect(o.parameters).to.deep.equal({ reward: 100, work: 50, commCost: 0.5, gamma: 2 });
    });
    it("refuses a bad option, naming it as typed", () => {
      const bad: [Partial<typeof COALITION_ARG_DEFAULTS>, string][] = [
        [{ miners: "0" }, '--miners: must be an integer from 1 to 200, got "0"'],
        [{ miners: "201" }, '--miners: must be an integer from 1 to 200, got "201"'],
        [{ miners: "2.5" }, '--miners: must be an integer from 1 to 200, got "2.5"'],
        [
          { seed: "x" },
          `--seed: must be an integer from ${Number.MIN_SAFE_INTEGER} to ${Number.MAX_SAFE_INTEGER}, got "x"`,
        ],
        [{ gamma: "0" }, "--gamma: must be > 0, got 0"],
        [{ work: "abc" }, '--work: must be a number, got "abc"'],
        [{ reward: "-1" }, "--reward: must be ≥ 0, got -1"],
        [{ commCost: "-0.1" }, "--comm-cost: must be ≥ 0, got -0.1"],
        [{ splitRule: "nash" }, '--split-rule: must be "pareto" or "paper", got "nash"'],
        [{ init: "random:0" }, '--init: random:k needs 1 ≤ k ≤ 20 (the miners), got "random:0"'],
      ];
      for (const [change, message] of bad) {
        expect(() => parseCoalitionArgs({ ...COALITION_ARG_DEFAULTS, ...change }))
          .to.throw(CoalitionParameterError)
          .with.property("message", message);
      }
    });
    it("the study refuses bad options given directly too", () => {
      expect(() => runCoalitionStudy({ miners: 0 }))
        .to.throw(CoalitionParameterError)
        .with.property("message", "miners: must be an integer from 1 to 200, got 0");
      expect(() => runCoalitionStudy({ parameters: { ...COALITION_DEFAULTS, gamma: -1 } }))
        .to.throw(CoalitionParameterError)
        .with.property("message", "gamma: must be > 0, got -1");
    });
  });
});
