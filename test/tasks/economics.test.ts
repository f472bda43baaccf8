import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import { InfeasibleParticipationError, SamplingParameterError, SAMPLING_ARG_DEFAULTS } from "../../src/economics";
import { rejection } from "../helpers/rejection";
import { runTask } from "../helpers/run-task";

describe("task economics:sampling", () => {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "commchain-sampling-task-"));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("runs the paper's experiment by default and prints the crossings, the claims and the files", async () => {
    const out = path.join(dir, "default");
    const { output } = await runTask("economics:sampling", { ...SAMPLING_ARG_DEFAULTS, out });
    expect(output).to.contain("3 budgets × 15 seller counts, every equilibrium certified");
    expect(output).to.contain("B = 300: equilibrium rate above UPS from 7 sellers");
    expect(output).to.contain("✓ the equilibrium has the higher sampling rate above six sellers");
    expect(fs.readdirSync(out)).to.have.length(6);
  });
  it("takes any parameters: a user's own game is solved and certified", async () => {
    const out = path.join(dir, "own");
    await runTask("economics:sampling", {
      ...SAMPLING_ARG_DEFAULTS,
      out,
      budgets: "500,1000",
      maxSellers: "9",
      beta2: "0.3",
      alpha1: "0.02",
      uMin: "0",
      rawRates: "1,2,3,4,5,6,7,8,9",
      priceRatio: "0.25",
    });
    const doc = JSON.parse(fs.readFileSync(path.join(out, "sampling.json"), "utf8"));
    expect(doc.parameters).to.include({ beta2: 0.3, alpha1: 0.02, priceRatio: 0.25, maxSellers: 9 });
    expect(doc.equilibrium).to.have.length(18);
    expect(doc.certified).to.equal(true);
  });
  it("stops on an infeasible U_min, naming the seller, and writes nothing", async () => {
    const out = path.join(dir, "infeasible");
    const error = await rejection(runTask("economics:sampling", { ...SAMPLING_ARG_DEFAULTS, out, uMin: "100" }));
    expect(error).to.be.instanceOf(InfeasibleParticipationError);
    expect(error.message).to.match(/^seller 1 of 2 \(budget 200\) cannot reach U_min = 100/);
    expect(fs.existsSync(out)).to.equal(false);
  });
  it("refuses a bad option by name", async () => {
    const error = await rejection(
      runTask("economics:sampling", { ...SAMPLING_ARG_DEFAULTS, out: path.join(dir, "bad"), beta2: "0" }),
    );
    expect(error).to.be.instanceOf(SamplingParameterError);
    expect(error.message).to.equal("beta2: must be > 0, got 0");
  });
});
