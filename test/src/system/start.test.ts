/**
 * The main job end to end with small settings: 12 devices in 3 work cells, 3,000 log records,
 * 400 readings per unit with the machines' count thresholds lowered to 10 so service requests and
 * part orders still happen. Real chain processes, store nodes and gateways, as `npm start` runs
 * them; the report's figures are checked against each other and against the log, and nothing may
 * be left running afterwards. A second run is interrupted (as Ctrl-C does) while its units run:
 * it fails naming the step and still shuts everything down.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import hre from "hardhat";
import { ProjectArtifactResolver } from "../../../src/deploy/artifact-resolver";
import {
  DEFAULT_PART_PRICE,
  DEFAULT_UPLOAD_REWARD,
  DEFAULT_VERIFICATION_REWARD,
} from "../../../ignition/modules/defaults";
import { readPartition } from "../../../src/partition/document";
import {
  RUN_MARKER_FILE,
  RunInterruptedError,
  STEPS,
  resolveStartOptions,
  runPaths,
  runSystem,
  type RunOutcome,
  type RunReport,
  type StartOptions,
} from "../../../src/system";
import { chainsDown } from "../../../src/chains/down";
import { chainProvider } from "../../../src/chains/providers";
import { readTopology, topologyPath } from "../../../src/chains/topology";
import { LearningConfigError } from "../../../src/learning/errors";
import { modelHashOf, type ServiceFacts } from "../../../src/learning/service";
import { AnalysisMarket__factory, DataToken__factory } from "../../../typechain-types";
import { rejection } from "../../helpers/rejection";
import { runTask } from "../../helpers/run-task";
import { chainProcessesUnder, killChainProcessesUnder } from "../chains/helpers";

const SMALL: Partial<StartOptions> = {
  devices: 12,
  groups: 3,
  records: 3_000,
  readingsPerDevice: 400,
  countThreshold: 10,
  readingBatch: 100,
  verifySample: 3,
  seed: 1,
  learningOwners: 6,
  learningRounds: 4,
  learningDropouts: 1,
};

/** Collects the run's progress lines. */
function sink(onLine: (line: string) => void = () => undefined) {
  const lines: string[] = [];
  let partial = "";
  return {
    lines,
    tty: false,
    write(text: string) {
      partial += text;
      const parts = partial.split("\n");
      partial = parts.pop()!;
      for (const line of parts) {
        lines.push(line);
        onLine(line);
      }
    },
  };
}

/** The smallest community holding both devices, else the smallest holding each (formula 1, from its definition). */
function placement(communities: readonly (readonly string[])[], from: string, to: string): number[] {
  const order = (list: number[]) => list.sort((a, b) => communities[a].length - communities[b].length || a - b);
  const holding = (device: string) => communities.map((_, c) => c).filter((c) => communities[c].includes(device));
  const both = holding(from).filter((c) => communities[c].includes(to));
  if (both.length > 0) return [order(both)[0]];
  return [order(holding(from))[0], order(holding(to))[0]].filter((c) => c !== undefined);
}

/** Whether anything still answers on `url`. */
async function answers(url: string): Promise<boolean> {
  try {
    await fetch(new URL("/health", url), { signal: AbortSignal.timeout(2_000) });
    return true;
  } catch {
    return false;
  }
}

describe("system: npm start end to end (small settings)", function () {
  this.timeout(600_000);
  let work: string;

  before(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), "commchain-start-"));
    await hre.run("compile", { quiet: true });
  });

  after(async () => {
    // A run that failed half-way must not leave chains behind, whatever the assertions said.
    await killChainProcessesUnder(work);
    fs.rmSync(work, { recursive: true, force: true });
  });

  const context = (output: ReturnType<typeof sink>, signal?: AbortSignal) => ({
    projectRoot: hre.config.paths.root,
    configFile: hre.config.paths.configFile,
    artifactResolver: new ProjectArtifactResolver(hre.artifacts),
    sink: output,
    signal,
  });

  describe("a complete run", () => {
    let outcome: RunOutcome;
    let report: RunReport;
    let output: ReturnType<typeof sink>;
    let runDir: string;

    before(async () => {
      runDir = path.join(work, "run");
      output = sink();
      // Chains kept, as `npm start -- --keep-chains` leaves them, for learning:run below.
      outcome = await runSystem(resolveStartOptions({ ...SMALL, runDir, keepChains: true }), context(output));
      report = JSON.parse(fs.readFileSync(path.join(runDir, "report.json"), "utf8")) as RunReport;
    });

    after(async () => {
      if (fs.existsSync(path.join(runDir, "chains", "topology.json"))) await chainsDown(path.join(runDir, "chains"));
      expect(chainProcessesUnder(runDir)).to.deep.equal([]);
    });

    it("runs every step in order, each with a start and a done line, and leaves only the kept chains running", async () => {
      for (const [i, step] of STEPS.entries()) {
        const prefix = `[${String(i + 1).padStart(2)}/${STEPS.length}] ${step}`;
        expect(
          output.lines.filter((l) => l.startsWith(prefix) && / done in \d+\.\d s: /.test(l)),
          step,
        ).to.have.length(1);
      }
      expect(report.steps.map((s) => [s.step, s.status])).to.deep.equal(STEPS.map((s) => [s, "done"]));
      expect(chainProcessesUnder(runDir)).to.have.length.of.at.least(4);
      for (const store of report.store) expect(await answers(store.gateway), store.gateway).to.equal(false);
      expect(outcome.keptChains).to.equal(true);
    });

    it("writes the report files: Markdown, JSON, the run's charts and the partition's", () => {
      const paths = runPaths(runDir);
      for (const file of [paths.marker, paths.reportMarkdown, paths.reportJson, paths.traffic, paths.partition])
        expect(fs.existsSync(file), file).to.equal(true);
      for (const chart of [
        "charts/throughput.svg",
        "charts/latency.svg",
        "partition/trust-graph.svg",
        "partition/storage.svg",
      ]) {
        expect(fs.readFileSync(path.join(runDir, chart), "utf8"), chart).to.match(/^<svg[\s\S]*<\/svg>\s*$/);
      }
      const markdown = fs.readFileSync(paths.reportMarkdown, "utf8");
      expect(markdown).to.match(
        /^# commchain run\n\nAll checks passed — 12 devices in 3 communities, 3,000 records on 4 chains/,
      );
      for (const link of [
        "charts/throughput.svg",
        "charts/latency.svg",
        "partition/trust-graph.svg",
        "partition/storage.svg",
      ])
        expect(markdown).to.contain(`](${link})`);
      expect(outcome.files.markdown).to.equal(paths.reportMarkdown);
      expect(report.checks.filter((c) => !c.passed)).to.deep.equal([]);
    });

    it("solves the sampling-rate game: files in economics/, certified, the paper's crossing, its section in the report", () => {
      const paths = runPaths(runDir);
      expect(fs.readdirSync(paths.economics).sort()).to.deep.equal([
        "fig10.svg",
        "fig11.svg",
        "fig12.svg",
        "fig9.svg",
        "report.md",
        "sampling.json",
      ]);
      const doc = JSON.parse(fs.readFileSync(path.join(paths.economics, "sampling.json"), "utf8")) as {
        equilibrium: { budget: number; sellers: number; rates: number[] }[];
      };
      expect(doc.equilibrium.find((e) => e.budget === 200 && e.sellers === 7)!.rates[0]).to.be.closeTo(116.27, 0.01);
      expect(report.economics).to.deep.include({ equilibria: 45, certified: true });
      expect(report.economics.crossings.map((c) => c.sellers)).to.deep.equal([7, 7, 7]);
      expect(report.checks.find((c) => c.name === "every sampling-rate equilibrium is certified")).to.deep.include({
        passed: true,
        required: true,
      });
      const markdown = fs.readFileSync(paths.reportMarkdown, "utf8");
      expect(markdown).to.contain("## Sampling-rate game (digital-twin market)");
      for (const f of ["fig9", "fig10", "fig11", "fig12"]) expect(markdown).to.contain(`![${f}](economics/${f}.svg)`);
    });

    it("runs a federated-learning service across the communities: every round committed on chain, dropouts survived, the escrow paid out exactly", () => {
      const paths = runPaths(runDir);
      expect(fs.readdirSync(paths.learning).sort()).to.deep.equal(["accuracy.svg", "learning.json", "report.md"]);
      const s = report.learning.service;
      expect(s.secure).to.equal(true);
      expect(s.owners).to.have.length(6);
      expect(new Set(s.owners.map((o) => o.chain)).size, "owners from more than one community").to.be.at.least(2);
      expect(s.rounds.map((r) => [r.round, r.survivors.length, r.dropped.length])).to.deep.equal(
        [1, 2, 3, 4].map((r) => [r, 5, 1]),
      );
      expect(s.dropoutsSurvived).to.equal(4);
      // Paid by samples × rounds survived, all of the pool but the dust.
      const weights = s.owners.map((o) => BigInt(o.samples * o.roundsSurvived));
      const pool = BigInt(s.payments.price) - (BigInt(s.payments.price) * 1000n) / 10_000n;
      const total = weights.reduce((t, w) => t + w, 0n);
      expect(s.owners.map((o) => o.paid)).to.deep.equal(weights.map((w) => ((pool * w) / total).toString()));
      expect(BigInt(s.payments.analystFee) + BigInt(s.payments.ownersPaid)).to.equal(BigInt(s.payments.price));
      expect(s.payments.conserved).to.equal(true);
      const foreign = s.owners.filter((o) => o.chain !== s.chain).length;
      expect(foreign).to.be.at.least(1);
      expect(s.payments.provenFromMain).to.deep.include({ owners: foreign, proven: foreign });
      // Every DO that survived every round gained trust, and each that dropped out ends below them.
      const full = s.owners.filter((o) => o.roundsSurvived === s.rounds.length);
      const dropped = s.owners.filter((o) => o.roundsSurvived < s.rounds.length);
      expect(full.length).to.be.at.least(1);
      expect(dropped.length).to.be.at.least(1);
      for (const o of full) expect(o.trustAfter, o.device).to.be.greaterThan(o.trustBefore);
      for (const o of dropped)
        expect(o.trustAfter, o.device).to.be.lessThan(Math.min(...full.map((f) => f.trustAfter)));
      expect(
        report.checks
          .filter((c) => /federated|analysis escrow|another community proved/.test(c.name))
          .map((c) => [c.required, c.passed]),
      ).to.deep.equal(Array(4).fill([true, true]));
      expect(fs.readFileSync(paths.reportMarkdown, "utf8")).to.contain("## Federated learning across community chains");
    });

    it("forms the miners' coalitions, certified, and plays a CoalitionRewards round on the main chain that pays the whole reward", () => {
      const c = report.coalition;
      expect(fs.readdirSync(runPaths(runDir).coalition).sort()).to.deep.equal([
        "coalition.json",
        "coalition.svg",
        "report.md",
      ]);
      expect(c).to.deep.include({ miners: 20, status: "stable", certified: true });
      expect(c.partition.flat().sort((a, b) => a - b)).to.deep.equal(Array.from({ length: 20 }, (_, i) => i + 1));
      expect(c.round.coalitions.map((x) => x.miners)).to.deep.equal(c.partition);
      expect(c.round.coalitions.reduce((t, x) => t + x.probability, 0)).to.be.closeTo(1, 1e-9);
      const winner = c.round.coalitions.find((x) => x.coalitionId === c.round.winner)!;
      expect(
        Object.keys(c.round.credited)
          .map(Number)
          .sort((a, b) => a - b),
      ).to.deep.equal(winner.miners);
      expect(Object.values(c.round.credited).reduce((t, v) => t + BigInt(v), 0n)).to.equal(BigInt(c.round.reward));
      expect(c.round.conserved).to.equal(true);
      expect(fs.readFileSync(runPaths(runDir).reportMarkdown, "utf8")).to.contain(
        "## Miners' coalition-formation game",
      );
    });

    it("gives every community of the partition a chain of its members", () => {
      const doc = readPartition(path.join(runDir, "partition", "partition.json"));
      expect(doc.chosen.communities).to.have.length(3);
      expect(report.chains.communities.map((c) => c.name)).to.deep.equal(["community-1", "community-2", "community-3"]);
      expect(report.chains.communities.map((c) => c.members)).to.deep.equal(
        doc.chosen.communities.map((c) => c.length),
      );
      expect(report.partition.communities).to.deep.equal(doc.chosen.communities);
      // AnchorHub and CoalitionRewards on main; on each community the BPIIoT suite (7 contracts),
      // the market (4), Reputation and AnalysisMarket.
      expect(report.contracts.total).to.equal(2 + 3 * (7 + 4 + 2));
    });

    it("puts on each chain the records the storage model places there, and they sum to the copies", () => {
      const communities = report.partition.communities;
      const expected = communities.map(() => 0);
      const rows = fs.readFileSync(path.join(runDir, "traffic.csv"), "utf8").trim().split("\n").slice(1);
      for (const row of rows) {
        const [, from, to] = row.split(",");
        for (const c of placement(communities, from, to)) expected[c] += 1;
      }
      expect(report.records.perChain.map((c) => c.records)).to.deep.equal(expected);
      expect(report.records.perChain.reduce((sum, c) => sum + c.records, 0)).to.equal(report.records.copies);
      expect(report.records.records).to.equal(3_000);
      expect(report.records.copies).to.equal(report.records.intra + 2 * report.records.cross);
      const doc = readPartition(path.join(runDir, "partition", "partition.json"));
      expect(report.records.storageCount).to.equal(doc.strategies.find((s) => s.name === "community")!.count);
    });

    it("runs every device's unit until service requests and part orders happen, its tokens adding up", () => {
      const units = report.units;
      expect(units.devices).to.equal(12);
      expect(units.readings).to.equal(12 * 400);
      expect(units.serviceRequests).to.be.greaterThan(0);
      expect(units.partOrders).to.be.greaterThan(0);
      expect(units.reverted).to.equal(0);
      expect(units.failures).to.equal(0);
      const sum = (pick: (u: RunReport["units"]["perUnit"][number]) => number) =>
        units.perUnit.reduce((total, u) => total + pick(u), 0);
      expect(sum((u) => u.serviceRequests)).to.equal(units.serviceRequests);
      expect(sum((u) => u.partOrders)).to.equal(units.partOrders);
      for (const unit of units.perUnit) {
        expect(unit.readings, unit.device).to.equal(400);
        expect(BigInt(unit.spent), unit.device).to.equal(DEFAULT_PART_PRICE * BigInt(unit.partOrders));
        // Upload rewards only for the device's records a verifier attested.
        const attested = report.attestations.records.filter(
          (a) => a.device === unit.device && a.outcome === "attested",
        ).length;
        expect(BigInt(unit.earned), unit.device).to.equal(DEFAULT_UPLOAD_REWARD * BigInt(attested));
      }
      expect(BigInt(units.tokens.spent)).to.equal(DEFAULT_PART_PRICE * BigInt(units.partOrders));
      expect(units.tokens.seeded).to.equal((12n * DEFAULT_PART_PRICE * BigInt(Math.ceil(400 / 11))).toString());
      expect(units.statusRecords).to.equal(12 * 3);
    });

    it("shares status data with the own and another community's third party, and revokes one reader once", () => {
      const units = report.units;
      // Per device: its own third party on its 3 records, the next community's on the last 2; the
      // one device that revoked its own third party after 2 records never authorized it on its 3rd.
      expect(units.shares).to.equal(12 * (3 + 2) - 1);
      expect(units.revocations).to.equal(2);
      expect(
        report.participants.map((p) => [p.chain, p.provider.id, p.thirdParty.id, p.crossThirdParty?.id]),
      ).to.deep.equal([
        ["community-1", "community-1-provider", "community-1-lab", "community-2-lab"],
        ["community-2", "community-2-provider", "community-2-lab", "community-3-lab"],
        ["community-3", "community-3-provider", "community-3-lab", "community-1-lab"],
      ]);
      expect(report.participants.reduce((sum, p) => sum + p.eprs, 0)).to.equal(12);
    });

    it("anchors every chain to its head and verifies sampled and cross-chain records as a light client; the tampered proof is INVALID", () => {
      const v = report.verification;
      expect(v.records.length).to.be.at.least(3 * 2);
      expect(
        v.records.every((r) => r.valid),
        JSON.stringify(v.records.filter((r) => !r.valid)),
      ).to.equal(true);
      expect(v.crossRecords).to.have.length(2);
      for (const cross of v.crossRecords) {
        expect(cross.copies.map((c) => c.valid)).to.deep.equal([true, true]);
        expect(cross.copies[0].chain).to.not.equal(cross.copies[1].chain);
      }
      expect(v.tampered).to.deep.include({ valid: false, reason: "merkle-proof" });
      expect(v.tampered!.message).to.match(/Merkle proof leads to 0x[0-9a-f]{64}, not to batch \d+'s root/);
      expect(v.invalid).to.equal(0);
      expect(v.anchorsHeld).to.equal(report.anchors.transactions);
      const learning = report.learning.service;
      for (const chain of report.anchors.perChain) {
        const figures = report.chains.communities.find((c) => c.name === chain.chain)!;
        if (chain.chain === learning.chain) {
          // The learning service ran on this chain after verification, and anchored it again to
          // prove its payments: past the verification's anchor, within the final height.
          expect(chain.height, chain.chain).to.be.below(learning.payments.provenFromMain.anchorHeight);
          expect(learning.payments.provenFromMain.anchorHeight, chain.chain).to.be.at.most(figures.blocks);
        } else {
          // The final round anchored every block the chain had when the records were done.
          expect(chain.height, chain.chain).to.equal(figures.blocks);
        }
      }
      expect(report.anchors.latencyMs.samples).to.equal(report.records.perChain.reduce((sum, c) => sum + c.batches, 0));
    });

    it("lets third parties read shared data through the gateways, cross-community too, and refuses the revoked reader with 403", () => {
      const reads = report.verification.reads;
      const allowed = reads.filter((r) => r.expected === "read");
      expect(allowed).to.have.length(6);
      expect(allowed.filter((r) => r.cross)).to.have.length(3);
      for (const read of allowed) expect(read, JSON.stringify(read)).to.deep.include({ outcome: "read" });
      const refused = reads.filter((r) => r.expected === "refused");
      expect(refused).to.have.length(1);
      expect(refused[0]).to.deep.include({
        outcome: "refused",
        status: 403,
        code: "Forbidden",
        reader: "community-1-lab",
        chain: "community-1",
      });
      expect(report.sharing.readMs.samples).to.equal(6);
      expect(report.sharing.shareMs.samples).to.equal(12 * 3);
    });

    it("pays rewards only for records a verifier attested from the object it fetched through the gateway", () => {
      const a = report.attestations;
      expect(a.failed).to.equal(0);
      expect(a.records.map((r) => r.chain)).to.include.members(["community-1", "community-2", "community-3"]);
      for (const chain of ["community-1", "community-2", "community-3"]) {
        const own = a.records.filter((r) => r.chain === chain);
        expect(own.length, chain).to.be.within(1, 3);
        // Each community's own lab verifies, one record per device, a record it still reads.
        expect(new Set(own.map((r) => r.device)).size, chain).to.equal(own.length);
        for (const r of own)
          expect(r, JSON.stringify(r)).to.deep.include({
            verifier: `${chain}-lab`,
            outcome: "attested",
            checkedPlaintext: true,
            capped: false,
          });
      }
      expect(a.attested).to.equal(a.records.length);
      expect(a.checkedPlaintext).to.equal(a.attested);
      expect(BigInt(a.uploadRewards)).to.equal(DEFAULT_UPLOAD_REWARD * BigInt(a.attested));
      expect(BigInt(a.verificationRewards)).to.equal(DEFAULT_VERIFICATION_REWARD * BigInt(a.attested));
      expect(BigInt(report.units.tokens.earned)).to.equal(BigInt(a.uploadRewards));
      const check = report.checks.find((c) => c.name.startsWith("verifiers attested"))!;
      expect(check).to.deep.include({ required: true, passed: true });
    });

    it("probes itself as a local attacker would: no chain signs or answers a page, clocks on time, journals held, no free roles, gateways limit", () => {
      const security = report.security;
      expect(security.chains.map((c) => c.chain).sort()).to.deep.equal([
        "community-1",
        "community-2",
        "community-3",
        "main",
      ]);
      for (const chain of security.chains) {
        expect(
          chain.signing.filter((s) => !s.refused),
          chain.chain,
        ).to.deep.equal([]);
        expect(chain, chain.chain).to.deep.include({ originStatus: 403, cors: false, journalLocked: true });
        expect(chain.clockOffsetS, chain.chain).to.be.at.most(2);
      }
      expect(security.unprivileged).to.have.length(3);
      for (const u of security.unprivileged) {
        expect(u.registerRevert, u.chain).to.match(/^RegisterKindNeedsRegistrar\(0x[0-9a-fA-F]{40}, 1\)$/);
        expect(u.mintRevert, u.chain).to.match(/^AccessControlUnauthorizedAccount\(/);
        expect(u.supplyAfter, u.chain).to.equal(u.supplyBefore);
      }
      for (const g of security.gateways) expect(g.limited * 2, g.chain).to.be.at.least(g.sent);
      const checks = report.checks.slice(-5);
      expect(checks.map((c) => [c.required, c.passed])).to.deep.equal(Array(5).fill([true, true]));
      expect(fs.readFileSync(runPaths(runDir).reportMarkdown, "utf8")).to.contain("## Security probes");
    });

    it("refuses a run directory that holds something else, leaving it as it was", async () => {
      const stranger = path.join(work, "not-a-run");
      fs.mkdirSync(stranger);
      fs.writeFileSync(path.join(stranger, "notes.txt"), "mine");
      const error = await runSystem(resolveStartOptions({ ...SMALL, runDir: stranger }), context(sink())).catch(
        (e: Error) => e,
      );
      expect(error).to.be.instanceOf(Error);
      expect((error as Error).message).to.equal(
        `step "traffic" failed: run directory ${stranger}: is not empty and holds no ${RUN_MARKER_FILE}: not a commchain run, refusing to delete it (choose another --run-dir)`,
      );
      expect(fs.readFileSync(path.join(stranger, "notes.txt"), "utf8")).to.equal("mine");
    });

    // After the run's own checks: a second analysis task over the kept chains, as a user runs it.
    describe("learning:run over the kept run", () => {
      let task: { facts: ServiceFacts; outputs: Record<string, string> };
      let printed: string;

      before(async () => {
        const run = await runTask<typeof task>("learning:run", { runDir, owners: 5, rounds: 3, dropouts: 1, seed: 3 });
        task = run.result;
        printed = run.output;
      });

      it("runs task 2 on the first community's market, prints each round and writes its files into <run>/learning", () => {
        const s = task.facts;
        expect(s.taskId).to.equal(2);
        for (const r of [1, 2, 3]) expect(printed).to.match(new RegExp(`^round ${r}/3: 4 survivors`, "m"));
        expect(printed).to.match(
          /^task 2 on community-1: 5 DOs from \d community chains, 3 rounds, secure aggregation, 3 dropouts survived/m,
        );
        expect(
          Object.values(task.outputs)
            .map((f) => path.relative(runDir, f))
            .sort(),
        ).to.deep.equal(["learning/accuracy.svg", "learning/learning.json", "learning/report.md"]);
        const doc = JSON.parse(fs.readFileSync(path.join(runDir, "learning", "learning.json"), "utf8")) as ServiceFacts;
        expect(doc.taskId).to.equal(2);
        expect(fs.readFileSync(path.join(runDir, "learning", "report.md"), "utf8")).to.contain(
          "# Federated learning: task 2 on community-1",
        );
      });

      it("selects by the trust task 1 left: a DO that task 1's dropouts pushed below 0.5 is not asked again", () => {
        const first = report.learning.service;
        const low = first.owners.filter((o) => o.trustAfter < 0.5).map((o) => o.device);
        for (const o of task.facts.owners) expect(low, o.device).to.not.include(o.device);
        expect(task.facts.distrusted.every((d) => low.includes(d))).to.equal(true);
        const again = task.facts.owners.filter((o) => first.owners.some((f) => f.device === o.device));
        for (const o of again)
          expect(o.trustBefore, o.device).to.be.closeTo(
            first.owners.find((f) => f.device === o.device)!.trustAfter,
            1e-6,
          );
      });

      it("leaves the chain as the facts say: task settled, DOs paid by acknowledged rounds, nothing held, payments proven from main", async () => {
        const topology = readTopology(topologyPath(path.join(runDir, "chains")));
        const entry = topology.communities[0];
        const provider = chainProvider(entry);
        try {
          const market = AnalysisMarket__factory.connect(entry.contracts.AnalysisMarket!, provider);
          const token = DataToken__factory.connect(entry.contracts.DataToken!, provider);
          const onChain = await market.task(2);
          expect(onChain.state).to.equal(5n);
          expect(onChain.rounds).to.equal(3n);
          expect(onChain.modelHash).to.equal(task.facts.modelHash);
          expect(modelHashOf(Float64Array.from(task.facts.model))).to.equal(task.facts.modelHash);
          expect(await token.balanceOf(await market.getAddress())).to.equal(0n);
          for (const o of task.facts.owners)
            expect(await market.roundsSurvived(2, o.address), o.device).to.equal(BigInt(o.roundsSurvived));
          expect(BigInt(task.facts.payments.analystFee) + BigInt(task.facts.payments.ownersPaid)).to.equal(
            BigInt(task.facts.payments.price),
          );
          const foreign = task.facts.owners.filter((o) => o.chain !== "community-1").length;
          expect(task.facts.payments.provenFromMain).to.deep.include({ owners: foreign, proven: foreign });
        } finally {
          provider.destroy();
        }
      });

      it("refuses more dropouts than the threshold allows and an unknown chain, naming the option", async () => {
        const dropouts = await rejection(runTask("learning:run", { runDir, owners: 4, dropouts: 2 }));
        expect(dropouts).to.be.instanceOf(LearningConfigError);
        expect((dropouts as Error).message).to.match(
          /^learning option dropouts: 2 of 4 owners dropping out leaves 2, below the threshold of 3/,
        );
        const chain = await rejection(runTask("learning:run", { runDir, chain: "community-9" }));
        expect((chain as Error).message).to.match(/^learning option chain: no community chain "community-9"/);
      });
    });
  });

  it("interrupted while its units run: fails naming the step, and still stops every chain, store node and gateway", async () => {
    const runDir = path.join(work, "interrupted");
    const abort = new AbortController();
    const gateways: string[] = [];
    // The progress prefix of a step, "[ 7/12] units", from the table of steps.
    const prefix = (step: (typeof STEPS)[number]) =>
      `[${String(STEPS.indexOf(step) + 1).padStart(2)}/${STEPS.length}] ${step} `;
    const output = sink((line) => {
      if (line.startsWith(prefix("store")) && / done in/.test(line))
        gateways.push(...(line.match(/http:\/\/127\.0\.0\.1:\d+/g) ?? []));
      if (line.startsWith(prefix("units"))) abort.abort();
    });
    const error = await runSystem(
      resolveStartOptions({ ...SMALL, runDir, readingsPerDevice: 100_000 }),
      context(output, abort.signal),
    ).catch((e: Error) => e);
    expect(error, (error as Error).message).to.be.instanceOf(RunInterruptedError);
    expect((error as RunInterruptedError).step).to.equal("units");
    expect(output.lines.some((l) => l.startsWith(prefix("units")) && / FAILED after/.test(l))).to.equal(true);
    expect(output.lines.some((l) => l.startsWith(prefix("shutdown")) && / done in/.test(l))).to.equal(true);
    expect(chainProcessesUnder(runDir)).to.deep.equal([]);
    expect(gateways).to.have.length(3);
    for (const url of gateways) expect(await answers(url), url).to.equal(false);
    expect(fs.existsSync(path.join(runDir, "report.json"))).to.equal(false);
  });

  it("needs a log that exists, and names the step", async () => {
    const error = await runSystem(
      resolveStartOptions({ ...SMALL, runDir: path.join(work, "nolog"), log: path.join(work, "missing.csv") }),
      context(sink()),
    ).catch((e: Error) => e);
    expect((error as Error).message).to.equal(
      `step "traffic" failed: --log: ${path.join(work, "missing.csv")} does not exist`,
    );
  });
});
