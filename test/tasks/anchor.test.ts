/**
 * The anchor tasks end to end on real chains: `chains:up` starts a main chain and two community
 * chains (hardhat node processes on free ports), `deploy:all` sets the contracts up, records
 * are written with a RecordWriter, `anchor` relays checkpoints (one round, a chain down and back,
 * --watch) and `verify:record` checks records from the main chain's anchors only.
 */
import { BatchStore, RecordWriter, batchStoreDir } from "../../src/records";
import { chainProvider } from "../../src/chains";
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { expect } from "chai";
import hre from "hardhat";
import { systemWallet } from "../../src/chains/accounts";
import { stopChainProcess } from "../../src/chains/chain-process";
import { chainsDown } from "../../src/chains/down";
import { chainsUp } from "../../src/chains/up";
import { chainDataDir, readTopology, topologyPath, type Topology } from "../../src/chains/topology";
import { writePartition, type PartitionDocument } from "../../src/partition/document";
import { verifyRecordInTopology, type ChainRound, type RecordVerdict } from "../../src/anchor";
import type { DeployAllResult } from "../../src/deploy";
import { AnchorHub__factory } from "../../typechain-types";
import { communications, tempDir } from "../src/anchor/fixtures";
import { runTask } from "../helpers/run-task";

const MAIN_CHAIN_ID = 41_000;

function partition(): PartitionDocument {
  const nodes = ["1", "2", "3", "4", "5"];
  return {
    version: 1,
    log: { file: "traffic.csv", records: 12, devices: 5, spanHours: 2 },
    threshold: { value: 1, unit: "records/hour", auto: true },
    graph: {
      nodes,
      edges: [
        ["1", "2", 2, 4],
        ["2", "3", 2, 4],
        ["1", "3", 2, 4],
        ["3", "4", 2, 4],
        ["4", "5", 2, 4],
        ["3", "5", 2, 4],
      ],
    },
    byK: [
      {
        k: 3,
        communities: [
          ["1", "2", "3"],
          ["3", "4", "5"],
        ],
        uncovered: [],
        overlapping: ["3"],
      },
    ],
    chosen: {
      k: 3,
      communities: [
        ["1", "2", "3"],
        ["3", "4", "5"],
      ],
      interChainNodes: ["3"],
      uncovered: [],
    },
    strategies: [],
  };
}

/** Starts `hardhat <args>` as a child process of this project. */
function startTask(args: string[]): { child: ChildProcess; output: () => string; exit: Promise<number | null> } {
  const child = spawn(process.execPath, [require.resolve("hardhat/internal/cli/cli"), ...args], {
    cwd: hre.config.paths.root,
    env: { ...process.env, HARDHAT_NETWORK: undefined },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.on("data", (chunk) => (output += chunk));
  child.stderr!.on("data", (chunk) => (output += chunk));
  const exit = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
  return { child, output: () => output, exit };
}

async function waitFor(what: string, condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Writes `count` communications to `chain` as the project's writer; returns the batches' record ranges. */
async function writeRecords(
  dir: string,
  topology: Topology,
  chain: string,
  count: number,
  seed: number,
  batchSize = 200,
): Promise<number[][]> {
  const entry = topology.communities.find((c) => c.name === chain)!;
  const provider = chainProvider(entry);
  try {
    const writer = await RecordWriter.open(
      systemWallet("writer").connect(provider),
      entry.contracts.RecordLog,
      new BatchStore(batchStoreDir(dir, chain)),
      { batchSize },
    );
    const batches = await writer.write(communications(count, seed));
    for (const batch of batches) await batch.tx.wait();
    return batches.map((b) => [b.firstSequence, b.firstSequence + b.count - 1]);
  } finally {
    provider.destroy();
  }
}

describe("tasks/anchor: deploy:all, anchor, verify:record on chains:up chains", function () {
  this.timeout(600_000);
  let dir: string;
  let cleanup: () => void;
  let topology: Topology;
  const children: ChildProcess[] = [];

  before(async () => {
    ({ dir, cleanup } = tempDir("commchain-anchor-tasks-"));
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
  });

  after(async () => {
    for (const child of children)
      if (child.exitCode === null && child.pid !== undefined) process.kill(child.pid, "SIGKILL");
    if (dir !== undefined && fs.existsSync(topologyPath(dir))) await chainsDown(dir);
    cleanup?.();
  });

  it("deploy:all deploys the hub and the logs, registers every community and records them in topology.json", async () => {
    const { result, output } = await runTask<DeployAllResult>("deploy:all", { dir });
    topology = readTopology(topologyPath(dir));
    expect(topology.main.contracts.AnchorHub).to.equal(result.hub);
    expect(topology.communities.map((c) => c.contracts.RecordLog))
      .to.have.length(2)
      .and.to.satisfy((logs: string[]) => logs.every((l) => /^0x[0-9a-fA-F]{40}$/.test(l)));
    expect(result.registeredOnHub).to.deep.equal(["community-1", "community-2"]);
    expect(output).to.match(/community-1: registered on the AnchorHub, trust root block 0 0x[0-9a-f]{64}/);

    const again = await runTask<DeployAllResult>("deploy:all", { dir });
    const deployed = (chain: string) => again.result.chains.find((c) => c.chain === chain)!.deployed;
    expect([
      deployed("main").includes("AnchorHub"),
      ["community-1", "community-2"].filter((c) => deployed(c).includes("RecordLog")),
      again.result.registeredOnHub,
    ]).to.deep.equal([false, [], []]);
  });

  it("anchor anchors every community chain, and verify:record then prints VALID with the anchor used", async () => {
    expect(await writeRecords(dir, topology, "community-1", 450, 0)).to.deep.equal([
      [0, 199],
      [200, 399],
      [400, 449],
    ]);
    const { result: rounds, output } = await runTask<ChainRound[]>("anchor", { dir });
    expect(rounds.map((r) => [r.chain, r.status])).to.deep.equal([
      ["community-1", "anchored"],
      ["community-2", "anchored"],
    ]);
    expect(output).to.match(/community-1 \(41001\)\s+anchored blocks 1\.\.\d+ in 1 tx, height \d+/);

    const { result: verdict, output: printed } = await runTask<RecordVerdict>("verify:record", {
      dir,
      chain: "community-1",
      record: 321,
    });
    expect(verdict.valid).to.equal(true);
    const height = rounds[0].height;
    expect(printed).to.match(new RegExp(`^VALID record 321 of community-1: \\d+ -> \\d+, \\d+ bytes at `));
    expect(printed).to.match(new RegExp(`anchor: chain 41001 height ${height} block 0x[0-9a-f]{64}`));
    expect(printed).to.contain("batch 1 leaf 121");
  });

  it("verify:record prints INVALID with the reason and exits 1", async () => {
    const run = startTask(["verify:record", "--dir", dir, "--chain", "community-1", "--record", "450"]);
    children.push(run.child);
    expect(await run.exit).to.equal(1);
    expect(run.output()).to.match(
      /INVALID record 450 of community-1: record-never-written: record 450 was never written: chain 41001 held 450 records at its anchored block \d+/,
    );

    // a record written after the last anchor
    await writeRecords(dir, topology, "community-1", 10, 450);
    const late = await verifyRecordInTopology(dir, "community-1", 455);
    expect(late).to.deep.include({ valid: false, reason: "record-not-anchored" });

    // the untrusted full node's batch file altered: the record cannot be proven
    const file = new BatchStore(batchStoreDir(dir, "community-1")).pathOf(0);
    const original = fs.readFileSync(file, "utf8");
    const altered = JSON.parse(original);
    altered.records[5][3] += 1;
    fs.writeFileSync(file, JSON.stringify(altered));
    try {
      const verdict = await verifyRecordInTopology(dir, "community-1", 5);
      expect(verdict).to.deep.include({ valid: false, reason: "prover" });
      expect((verdict as { message: string }).message).to.match(
        /batch-00000000\.json: field "root" is 0x[0-9a-f]{64} but the records hash to/,
      );
    } finally {
      fs.writeFileSync(file, original);
    }
  });

  it("anchor reports a chain that is down and goes on with the other; after a restart it resumes from the hub", async () => {
    const down = topology.communities[1];
    expect(
      await stopChainProcess(readTopology(topologyPath(dir)).communities[1].pid, chainDataDir(dir, down)),
    ).to.be.oneOf(["stopped", "killed"]);
    await writeRecords(dir, topology, "community-1", 5, 460);
    const { result: rounds, output } = await runTask<ChainRound[]>("anchor", { dir, interval: "200ms" });
    process.exitCode = undefined; // the task flags the failed chain for the CLI; this test process must not inherit it
    expect(rounds.map((r) => [r.chain, r.status])).to.deep.equal([
      ["community-1", "anchored"],
      ["community-2", "failed"],
    ]);
    expect(output).to.match(/community-2 \(41002\)\s+FAILED: community-2 \(chain 41002\): connect ECONNREFUSED/);
    expect(await verifyRecordInTopology(dir, "community-1", 462)).to.deep.include({ valid: true });

    const main = chainProvider(topology.main);
    const before = Number(
      await AnchorHub__factory.connect(topology.main.contracts.AnchorHub, main).lastAnchoredHeight(down.chainId),
    );
    main.destroy();
    expect(before).to.be.greaterThan(0);
    await chainsUp({
      dir,
      basePort: 0,
      mainChainId: MAIN_CHAIN_ID,
      timeoutMs: 240_000,
      projectRoot: hre.config.paths.root,
      configFile: hre.config.paths.configFile,
    });
    topology = readTopology(topologyPath(dir));
    await writeRecords(dir, topology, "community-2", 3, 0);
    const { result: resumed } = await runTask<ChainRound[]>("anchor", { dir });
    expect(resumed[1].status).to.equal("anchored");
    expect(resumed[1].from).to.equal(before + 1);
    expect(await verifyRecordInTopology(dir, "community-2", 2)).to.deep.include({ valid: true });
  });

  it("anchor --watch keeps anchoring new blocks until interrupted", async () => {
    const run = startTask(["anchor", "--dir", dir, "--watch", "--interval", "300ms"]);
    children.push(run.child);
    await waitFor("the first round", () => /up to date at height/.test(run.output()), 240_000);
    const [[, last]] = await writeRecords(dir, topology, "community-1", 4, 470, 10);
    await waitFor("the new blocks to be anchored", () => /community-1: anchored blocks/.test(run.output()), 60_000);
    run.child.kill("SIGINT");
    expect(await run.exit).to.equal(0);
    expect(run.output()).to.contain("stopping after this round");
    expect(await verifyRecordInTopology(dir, "community-1", last)).to.deep.include({ valid: true });
  });
});
