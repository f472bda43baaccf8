import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import {
  COALITION_ARG_DEFAULTS,
  CoalitionParameterError,
  InfeasibleParticipationError,
  SamplingParameterError,
  SAMPLING_ARG_DEFAULTS,
} from "../../src/economics";
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

describe("task economics:coalition", () => {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "commchain-coalition-task-"));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("runs merge-and-split at the defaults, prints the partition and the certificate, writes the three files", async () => {
    const out = path.join(dir, "default");
    const { output } = await runTask("economics:coalition", { ...COALITION_ARG_DEFAULTS, out });
    expect(output).to.contain(
      "Coalition game: 20 miners, seed 1, from singletons: stable after 16 merges and 0 splits",
    );
    expect(output).to.contain("certificate: Dhp-stable (every merge of any set of coalitions and every split checked)");
    expect(output).to.contain("below singleton utility: 3 (7, 11, 19)");
    expect(output).to.contain("singletons start vs grand start: differ");
    expect(fs.readdirSync(out).sort()).to.deep.equal(["coalition.json", "coalition.svg", "report.md"]);
    const doc = JSON.parse(fs.readFileSync(path.join(out, "coalition.json"), "utf8"));
    expect(doc).to.include.all.keys(
      "parameters",
      "miners",
      "partition",
      "utilities",
      "merges",
      "splits",
      "certificate",
    );
    expect(doc).to.include({ merges: 16, splits: 0, status: "stable", seed: 1 });
  });
  it("takes the game's options: a paper-rule run from the grand coalition with other parameters", async () => {
    const out = path.join(dir, "own");
    await runTask("economics:coalition", {
      ...COALITION_ARG_DEFAULTS,
      out,
      miners: "9",
      seed: "3",
      reward: "80",
      work: "40",
      commCost: "0.25",
      gamma: "2",
      splitRule: "paper",
      init: "grand",
    });
    const doc = JSON.parse(fs.readFileSync(path.join(out, "coalition.json"), "utf8"));
    expect(doc.parameters).to.deep.equal({ reward: 80, work: 40, commCost: 0.25, gamma: 2 });
    expect(doc).to.include({ splitRule: "paper", init: "grand", seed: 3 });
    expect(doc.miners).to.have.length(9);
  });
  it("refuses a bad option by name and writes nothing", async () => {
    const out = path.join(dir, "bad");
    const error = await rejection(runTask("economics:coalition", { ...COALITION_ARG_DEFAULTS, out, miners: "0" }));
    expect(error).to.be.instanceOf(CoalitionParameterError);
    expect(error.message).to.equal('--miners: must be an integer from 1 to 200, got "0"');
    expect(fs.existsSync(out)).to.equal(false);
  });
});
