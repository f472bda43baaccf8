/**
 * The whole toolkit on real chains, as a user runs it: a traffic log of three work cells with one
 * bridge device → partition (3 communities) → chains:up (main + 3 community chains, hardhat node
 * processes on free ports) → deploy:all → records:send (in two runs: a prefix of the log, then the
 * whole log, which resumes) → anchor → light verification of records on every chain, both copies
 * of a cross-chain record included → tampered proofs rejected with their reasons → kill -9 of one
 * community chain, chains:up again: the same block hashes and the records still verify →
 * chains:down. Every chain process is stopped in `after`, also when a step fails.
 */
import { BatchStore, batchStoreDir, type ChainRecord } from "../../src/records";
import { chainProvider } from "../../src/chains";
import fs from "node:fs";
import path from "node:path";
import { expect } from "chai";
import { getBytes, hexlify } from "ethers";
import hre from "hardhat";
import {
  FullNodeProver,
  LightClient,
  VerificationError,
  verifyRecordInTopology,
  verifyRecordProof,
  type Anchor,
  type ChainRound,
  type RecordProof,
  type RecordVerdict,
  type VerificationFailure,
} from "../../src/anchor";
import { isProcessGone } from "../../src/chains/chain-process";
import { chainsDown } from "../../src/chains/down";
import { rpcCall } from "../../src/chains/rpc";
import { readTopology, topologyPath, type ChainEntry, type Topology } from "../../src/chains/topology";
import { chainsUp } from "../../src/chains/up";
import { writePartition, type PartitionDocument } from "../../src/partition/document";
import { runPartition } from "../../src/partition/pipeline";
import { readPlacements, type Placement, type SendSummary } from "../../src/records";
import { writeTrafficLog } from "../../src/traffic/generate";
import { AnchorHub__factory, RecordLog__factory } from "../../typechain-types";
import { killChainProcessesUnder } from "../src/chains/helpers";
import { tempDir } from "../src/anchor/fixtures";
import { runTask } from "../helpers/run-task";

const MAIN_CHAIN_ID = 43_000;
const RECORDS = 3_000;
/** The first run sends this many log records; the second run sends the whole log and resumes. */
const PREFIX = 2_000;

/** The smallest community holding both devices, else the smallest of each (formula 1 from its definition). */
function expectedChains(
  communities: readonly (readonly string[])[],
  from: string,
  to: string,
): { chains: number[]; cross: boolean } {
  const order = (list: number[]) => list.sort((a, b) => communities[a].length - communities[b].length || a - b);
  const holding = (device: string) => communities.map((_, c) => c).filter((c) => communities[c].includes(device));
  const shared = holding(from).filter((c) => communities[c].includes(to));
  if (shared.length > 0) return { chains: [order(shared)[0]], cross: false };
  return { chains: [order(holding(from))[0], order(holding(to))[0]], cross: true };
}

/** A copy of `proof` changed by `change` (proofs are plain JSON). */
function tampered(proof: RecordProof, change: (p: { -readonly [K in keyof RecordProof]: any }) => void): RecordProof {
  const copy = JSON.parse(JSON.stringify(proof));
  change(copy);
  return copy;
}

/** `hex` with one bit of its last byte flipped. */
function flipLast(hex: string): string {
  const bytes = getBytes(hex);
  bytes[bytes.length - 1] ^= 0x01;
  return hexlify(bytes);
}

async function rejection(promise: Promise<unknown>): Promise<VerificationError> {
  try {
    await promise;
  } catch (error) {
    expect(error).to.be.instanceOf(VerificationError);
    return error as VerificationError;
  }
  return expect.fail("expected the light client to reject the proof");
}

async function blockHashes(rpc: string, from: number, to: number): Promise<string[]> {
  return Promise.all(
    Array.from({ length: to - from + 1 }, (_, i) =>
      rpcCall<{ hash: string }>(rpc, "eth_getBlockByNumber", [`0x${(from + i).toString(16)}`, false]).then(
        (b) => b.hash,
      ),
    ),
  );
}

describe("e2e: 3 communities, from traffic log to verified records, through kill -9", function () {
  this.timeout(600_000);
  let work: string;
  let cleanup: () => void;
  let dir: string;
  let logFile: string;
  let document: PartitionDocument;
  let communities: string[][];
  let topology: Topology;
  let summary: SendSummary;
  let placements: Placement[];

  const upOptions = () => ({
    dir,
    basePort: 0,
    mainChainId: MAIN_CHAIN_ID,
    timeoutMs: 240_000,
    projectRoot: hre.config.paths.root,
    configFile: hre.config.paths.configFile,
  });

  before(async () => {
    ({ dir: work, cleanup } = tempDir("commchain-e2e-"));
    dir = path.join(work, "chains");
    logFile = path.join(work, "traffic.csv");
    await writeTrafficLog(logFile, { devices: 15, groups: 3, overlap: 1, records: RECORDS, seed: 1 });
    document = (await runPartition(logFile)).document;
    communities = document.chosen.communities;
    const partitionFile = path.join(work, "partition.json");
    await writePartition(partitionFile, document);
    await chainsUp({ ...upOptions(), partition: partitionFile });
  });

  after(async () => {
    try {
      if (dir !== undefined && fs.existsSync(topologyPath(dir))) await chainsDown(dir);
    } finally {
      // a chain a failed step left behind (say, one chains:up started but could not record)
      if (dir !== undefined) await killChainProcessesUnder(dir);
      cleanup?.();
    }
  });

  it("partitions the log into 3 communities joined by one bridge device", () => {
    expect(communities).to.have.length(3);
    expect(document.chosen.interChainNodes).to.have.length(1);
    expect(document.chosen.uncovered).to.deep.equal([]);
  });

  it("deploy:all puts a RecordLog on every community chain and the AnchorHub on main", async () => {
    await runTask("deploy:all", { dir });
    topology = readTopology(topologyPath(dir));
    expect(topology.communities.map((c) => c.members)).to.deep.equal(communities);
    for (const chain of topology.communities) expect(chain.contracts.RecordLog).to.match(/^0x[0-9a-fA-F]{40}$/);
    expect(topology.main.contracts.AnchorHub).to.match(/^0x[0-9a-fA-F]{40}$/);
  });

  it("records:send puts every record where the storage model places it, and a second run resumes", async () => {
    const lines = fs.readFileSync(logFile, "utf8").split("\n");
    const prefixFile = path.join(work, "prefix.csv");
    fs.writeFileSync(prefixFile, `${lines.slice(0, PREFIX + 1).join("\n")}\n`);
    const { result: first } = await runTask<SendSummary>("records:send", { log: prefixFile, dir, batchSize: 256 });
    expect(first).to.deep.include({ records: PREFIX, alreadyOnChain: 0 });

    // anchored now: the records of the second run are newer than this anchor until the next one
    const { result: rounds } = await runTask<ChainRound[]>("anchor", { dir });
    expect(rounds.map((r) => r.status)).to.deep.equal(["anchored", "anchored", "anchored"]);

    const { result, output } = await runTask<SendSummary>("records:send", { log: logFile, dir, batchSize: 256 });
    summary = result;
    expect(summary).to.deep.include({
      records: RECORDS,
      alreadyOnChain: first.copies,
      written: summary.copies - first.copies,
      unplaced: 0,
      hostless: 0,
    });
    expect(summary.storageCount).to.equal(document.strategies.find((s) => s.name === "community")!.count);
    expect(output).to.match(
      new RegExp(
        `^${RECORDS.toLocaleString("en-US")} records of .*traffic\\.csv: [\\d,]+ intra-chain, [\\d,]+ cross-chain`,
      ),
    );

    placements = [];
    for await (const p of readPlacements(summary.placements)) placements.push(p);
    const rows = lines.slice(1, RECORDS + 1).map((text) => text.split(","));
    const onChain = communities.map((): string[][] => []);
    placements.forEach((placement, i) => {
      const [, from, to] = rows[i];
      const { chains, cross } = expectedChains(communities, from, to);
      expect(placement).to.deep.equal({
        line: i + 2,
        from,
        to,
        cross,
        records: chains.map((c) => [`community-${c + 1}`, onChain[c].length]),
      });
      for (const c of chains) onChain[c].push(rows[i]);
    });
    expect(summary.cross)
      .to.equal(placements.filter((p) => p.cross).length)
      .and.to.be.greaterThan(0);
    expect(summary.intra).to.equal(RECORDS - summary.cross);

    for (const [c, chain] of topology.communities.entries()) {
      const provider = chainProvider(chain);
      try {
        const log = RecordLog__factory.connect(chain.contracts.RecordLog, provider);
        expect(Number(await log.nextSequence())).to.equal(onChain[c].length);
        expect(summary.chains[c]).to.deep.include({
          name: chain.name,
          total: onChain[c].length,
          resumedFrom: first.chains[c].total,
        });
        // the last record of the chain is the log's last record placed there
        const store = new BatchStore(batchStoreDir(dir, chain.name));
        const batch = await store.read(Number(await log.batchCount()) - 1);
        const last = batch.records[batch.records.length - 1];
        const [timestamp, from, to, bytes] = onChain[c][onChain[c].length - 1];
        expect(last).to.deep.equal({
          sequence: onChain[c].length - 1,
          timestamp: Number(timestamp),
          from,
          to,
          bytes: Number(bytes),
        });
      } finally {
        provider.destroy();
      }
    }
  });

  it("a record written after the last anchor is not verified until the chain is anchored again", async () => {
    const late = summary.chains[0].total - 1;
    expect(late).to.be.at.least(summary.chains[0].resumedFrom);
    const verdict = await verifyRecordInTopology(dir, "community-1", late);
    expect(verdict).to.deep.include({ valid: false, reason: "record-not-anchored" });

    const { result: rounds } = await runTask<ChainRound[]>("anchor", { dir });
    expect(rounds.map((r) => r.status)).to.deep.equal(["anchored", "anchored", "anchored"]);
    expect(await verifyRecordInTopology(dir, "community-1", late)).to.deep.include({ valid: true });
  });

  it("verifies records of every chain as a light client, and both copies of a cross-chain record", async () => {
    for (const chain of summary.chains) {
      for (const id of [0, Math.floor(chain.total / 2), chain.total - 1]) {
        const verdict = await verifyRecordInTopology(dir, chain.name, id);
        expect(verdict.valid, `${chain.name} record ${id}`).to.equal(true);
      }
    }
    const cross = placements.find((p) => p.cross)!;
    const { result, output } = await runTask<{ verdicts: RecordVerdict[] }>("records:verify", {
      dir,
      line: cross.line,
    });
    expect(result.verdicts.map((v) => [v.chain, v.valid])).to.deep.equal(cross.records.map(([chain]) => [chain, true]));
    const records = result.verdicts.map((v) => (v as { verified: { record: ChainRecord } }).verified.record);
    expect(records.map((r) => [r.sequence, r.from, r.to])).to.deep.equal(
      cross.records.map(([, id]) => [id, cross.from, cross.to]),
    );
    expect(records[0].timestamp).to.equal(records[1].timestamp);
    expect(output).to.match(
      new RegExp(
        `^line ${cross.line}: ${cross.from} -> ${cross.to}, cross-chain, 2 copies\\n  VALID   ${cross.records[0][0]} record ${cross.records[0][1]} `,
      ),
    );
  });

  describe("tampering, rejected with its reason", () => {
    let chain: ChainEntry;
    let anchor: Anchor;
    let proof: RecordProof;
    let other: RecordProof;
    let id: number;
    const check = (p: RecordProof) => verifyRecordProof(anchor, chain.contracts.RecordLog, id, p);
    const expectReason = async (p: RecordProof, reason: VerificationFailure, message: RegExp) => {
      const error = await rejection(check(p));
      expect(error.reason).to.equal(reason);
      expect(error.message).to.match(message);
    };

    before(async () => {
      chain = topology.communities[1];
      const main = chainProvider(topology.main);
      const community = chainProvider(chain);
      try {
        const client = await LightClient.load(AnchorHub__factory.connect(topology.main.contracts.AnchorHub, main));
        anchor = client.latestAnchor(chain.chainId)!;
        const prover = new FullNodeProver(
          community,
          chain.contracts.RecordLog,
          new BatchStore(batchStoreDir(dir, chain.name)),
        );
        id = summary.chains[1].total - 1;
        proof = await prover.proveRecord(id, anchor.height);
        other = await prover.proveRecord(0, anchor.height);
      } finally {
        main.destroy();
        community.destroy();
      }
      expect((await check(proof)).record.sequence).to.equal(id);
      expect(other.inclusion!.batchId).to.not.equal(proof.inclusion!.batchId);
    });

    it("a tampered Merkle proof: merkle-proof", async () => {
      await expectReason(
        tampered(proof, (p) => (p.inclusion.leafProof[0] = flipLast(p.inclusion.leafProof[0]))),
        "merkle-proof",
        new RegExp(`^record ${id}'s Merkle proof leads to 0x[0-9a-f]{64}, not to batch \\d+'s root 0x[0-9a-f]{64}$`),
      );
      await expectReason(
        tampered(proof, (p) => (p.inclusion.record.to = p.inclusion.record.from)),
        "merkle-proof",
        /Merkle proof leads to/,
      );
    });

    it("a tampered storage proof: storage-proof", async () => {
      await expectReason(
        tampered(proof, (p) => {
          const nodes = p.account.storageProof[0].proof;
          nodes[nodes.length - 1] = flipLast(nodes[nodes.length - 1]);
        }),
        "storage-proof",
        /^the storage proof of batch \d+'s root \(slot 0x[0-9a-f]{64}\) does not lead to the RecordLog's storage root/,
      );
    });

    it("a wrong batch root: wrong-root", async () => {
      await expectReason(
        tampered(proof, (p) => (p.inclusion.root = other.inclusion!.root)),
        "wrong-root",
        new RegExp(
          `^batch ${proof.inclusion!.batchId}'s root is ${proof.inclusion!.root} at the anchored block, the full node claims ${other.inclusion!.root}$`,
        ),
      );
    });

    it("a record never written: record-never-written", async () => {
      const verdict = await verifyRecordInTopology(dir, chain.name, summary.chains[1].total + 10);
      expect(verdict).to.deep.include({ valid: false, reason: "record-never-written" });
      expect((verdict as { message: string }).message).to.match(
        new RegExp(
          `was never written: chain ${chain.chainId} held ${summary.chains[1].total} records at its anchored block`,
        ),
      );
    });
  });

  // a nested suite runs after the tests of its parent and after the suites before it
  describe("kill -9", () => {
    it("of a community chain: chains:up brings it back with the same blocks, and its records still verify", async () => {
      const victim = readTopology(topologyPath(dir)).communities[2];
      const head = Number(await rpcCall<string>(victim.rpc, "eth_blockNumber"));
      const before = await blockHashes(victim.rpc, 0, head);
      const pid = victim.pid!;
      process.kill(pid, "SIGKILL");
      for (let i = 0; i < 100 && !isProcessGone(pid); i++) await new Promise((resolve) => setTimeout(resolve, 50));
      expect(isProcessGone(pid)).to.equal(true);

      const { chains } = await chainsUp(upOptions());
      expect(chains.map((c) => [c.name, c.action])).to.deep.equal([
        ["main", "running"],
        ["community-1", "running"],
        ["community-2", "running"],
        ["community-3", "restarted"],
      ]);
      expect(await blockHashes(victim.rpc, 0, head)).to.deep.equal(before);
      const total = summary.chains[2].total;
      for (const id of [0, total - 1])
        expect(await verifyRecordInTopology(dir, victim.name, id)).to.deep.include({ valid: true });

      const down = await chainsDown(dir);
      expect(down.map((c) => c.name)).to.deep.equal(["main", "community-1", "community-2", "community-3"]);
      for (const chain of down) expect(chain.outcome).to.be.oneOf(["stopped", "killed"]);
    });
  });
});
