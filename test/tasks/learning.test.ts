/**
 * `learning:run` on real chains, as a user runs it over a kept run's chains: `chains:up` (a main
 * chain and two community chains of four devices each), `deploy:all`, then one analysis service
 * with owners of both communities, a dropout in every round, the files it writes and the chain's
 * state after it; and the errors a user meets.
 */
import fs from "node:fs";
import path from "node:path";
import { expect } from "chai";
import hre from "hardhat";
import { chainProvider } from "../../src/chains/providers";
import { chainsDown } from "../../src/chains/down";
import { chainsUp } from "../../src/chains/up";
import { readTopology, topologyPath, type Topology } from "../../src/chains/topology";
import { LearningConfigError } from "../../src/learning/errors";
import type { ServiceFacts } from "../../src/learning/service";
import { writePartition, type PartitionDocument } from "../../src/partition/document";
import { AnalysisMarket__factory, DataToken__factory } from "../../typechain-types";
import { tempDir } from "../src/anchor/fixtures";
import { rejection } from "../helpers/rejection";
import { runTask } from "../helpers/run-task";

const MAIN_CHAIN_ID = 44_000;

function partition(): PartitionDocument {
  const a = ["1", "2", "3", "4"];
  const b = ["5", "6", "7", "8"];
  const clique = (members: string[]) =>
    members.flatMap((x, i) => members.slice(i + 1).map((y) => [x, y, 2, 4] as [string, string, number, number]));
  return {
    version: 1,
    log: { file: "traffic.csv", records: 24, devices: 8, spanHours: 1 },
    threshold: { value: 1, unit: "records/hour", auto: true },
    graph: { nodes: [...a, ...b], edges: [...clique(a), ...clique(b)] },
    byK: [{ k: 4, communities: [a, b], uncovered: [], overlapping: [] }],
    chosen: { k: 4, communities: [a, b], interChainNodes: [], uncovered: [] },
    strategies: [],
  };
}

describe("tasks/learning: learning:run on chains:up chains", function () {
  this.timeout(600_000);
  let dir: string;
  let cleanup: () => void;
  let topology: Topology;

  before(async () => {
    ({ dir, cleanup } = tempDir("commchain-learning-task-"));
    const partitionFile = path.join(dir, "partition.json");
    await writePartition(partitionFile, partition());
    await chainsUp({
      dir,
      partition: partitionFile,
      basePort: 0,
      mainChainId: MAIN_CHAIN_ID,
      timeoutMs: 240_000,
      projectRoot: hre.config.paths.root,
      configFile: hre.config.paths.configFile,
    });
    await runTask("deploy:all", { dir });
    topology = readTopology(topologyPath(dir));
  });

  after(async () => {
    if (dir !== undefined && fs.existsSync(topologyPath(dir))) await chainsDown(dir);
    cleanup?.();
  });

  describe("a service with owners of both communities and a dropout in every round", () => {
    let facts: ServiceFacts;
    let output: string;
    let out: string;

    before(async () => {
      out = path.join(dir, "learning-out");
      const run = await runTask<{ facts: ServiceFacts; outputs: Record<string, string> }>("learning:run", {
        dir,
        out,
        owners: 5,
        rounds: 3,
        dropouts: 1,
        seed: 3,
      });
      ({ facts } = run.result);
      output = run.output;
    });

    it("prints each round and a summary naming the files", () => {
      for (const r of [1, 2, 3]) expect(output).to.match(new RegExp(`^round ${r}/3: 4 survivors`, "m"));
      expect(output).to.match(/task 1 on community-1: 5 DOs from 2 community chains, 3 rounds, secure aggregation, 3 dropouts survived/);
      expect(output).to.contain("(conserved)");
      for (const f of ["learning.json", "report.md", "accuracy.svg"]) expect(output).to.contain(f);
    });

    it("writes learning.json, report.md and accuracy.svg", () => {
      expect(fs.readdirSync(out).sort()).to.deep.equal(["accuracy.svg", "learning.json", "report.md"]);
      const doc = JSON.parse(fs.readFileSync(path.join(out, "learning.json"), "utf8")) as ServiceFacts;
      expect(doc.taskId).to.equal(1);
      expect(doc.rounds).to.have.length(3);
      expect(fs.readFileSync(path.join(out, "accuracy.svg"), "utf8")).to.match(/^<svg[\s\S]*<\/svg>\s*$/);
      const report = fs.readFileSync(path.join(out, "report.md"), "utf8");
      expect(report).to.contain("# Federated learning: task 1 on community-1");
      expect(report).to.contain("## Accuracy on held-out devices");
    });

    it("leaves the chain as the facts say: the task settled, the DOs paid by samples × rounds survived, nothing held", async () => {
      const provider = chainProvider(topology.communities[0]);
      try {
        const market = AnalysisMarket__factory.connect(topology.communities[0].contracts.AnalysisMarket!, provider);
        const token = DataToken__factory.connect(topology.communities[0].contracts.DataToken!, provider);
        const task = await market.task(1);
        expect(task.state).to.equal(5n); // Settled
        expect(task.rounds).to.equal(3n);
        expect(await token.balanceOf(await market.getAddress())).to.equal(0n);
        for (const o of facts.owners) {
          expect(await market.roundsSurvived(1, o.address), o.device).to.equal(BigInt(o.roundsSurvived));
          expect((await token.balanceOf(o.address)).toString(), o.device).to.equal(o.paid);
        }
        expect(BigInt(facts.payments.analystFee) + BigInt(facts.payments.ownersPaid)).to.equal(
          BigInt(facts.payments.price),
        );
        expect(new Set(facts.owners.map((o) => o.chain))).to.deep.equal(new Set(["community-1", "community-2"]));
        expect(facts.rounds.map((r) => r.dropped.length)).to.deep.equal([1, 1, 1]);
      } finally {
        provider.destroy();
      }
    });
  });

  describe("bad input", () => {
    it("needs exactly one of --run-dir and --dir, with a topology", async () => {
      const both = await rejection(runTask("learning:run", { dir, runDir: dir }));
      expect(both).to.be.instanceOf(LearningConfigError);
      expect((both as Error).message).to.match(/^learning option --run-dir: give either --run-dir/);
      const empty = tempDir("commchain-learning-empty-");
      try {
        const missing = await rejection(runTask("learning:run", { runDir: empty.dir }));
        expect((missing as Error).message).to.match(/^learning option --run-dir: .*topology\.json does not exist/);
      } finally {
        empty.cleanup();
      }
    });

    it("refuses more dropouts than the threshold allows, and an unknown chain, before any transaction", async () => {
      const dropouts = await rejection(runTask("learning:run", { dir, owners: 4, dropouts: 2 }));
      expect(dropouts).to.be.instanceOf(LearningConfigError);
      expect((dropouts as Error).message).to.match(/^learning option dropouts: 2 of 4 owners dropping out leaves 2, below the threshold of 3/);
      const chain = await rejection(runTask("learning:run", { dir, chain: "community-9" }));
      expect((chain as Error).message).to.match(/^learning option chain: no community chain "community-9"/);
    });
  });
});
