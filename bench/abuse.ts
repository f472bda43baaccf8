/**
 * Abuse of one community's gateway (security review M6): 1,000 concurrent read requests, each
 * signed with a fresh throwaway key, against the gateway of one community while an IoT device of
 * that community keeps writing records. Measures the device's transaction latency (send to
 * receipt) p50/p95 without and with the flood, and counts what the gateway refused, by status.
 * Goal: p95 with the flood at most 2x the p95 without.
 *
 * The shape is the deployed one, in separate processes:
 *   - the chains: `chainsUp` (what `npx hardhat chains:up` runs): a main chain and two community
 *     chains, each its own persistent `hardhat chain-node` process behind the journaled provider,
 *     with the contracts from `deployAll` and the participants as `npm start` sets them up;
 *   - the gateway: its own process (`bench/abuse-gateway.ts`), the real HTTP server with the gate
 *     a run gives each community (`communityReadPredicate` over the chain's JSON-RPC, EPRs of the
 *     community's factory only), in front of the store holding the device's envelope;
 *   - the device: this process, signing its own `addRecord` transactions (libsecp256k1,
 *     `LocalSender`) and sending them as raw transactions through ethers JSON-RPC to its chain;
 *   - the attacker: a worker thread here, whose 1,000 requests (each a fresh key, a real
 *     signature over a valid challenge for the device's record) go at once over HTTP.
 *
 * Run: npx hardhat run bench/abuse.ts (npm run bench:abuse)
 * Env: BENCH_FLOOD (requests, default 1000), BENCH_TXS (device transactions of the baseline, default 100).
 * Progress goes to stderr; the last stdout line is one JSON object.
 */
import { fork, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { Worker } from "node:worker_threads";
import hre from "hardhat";
import { ProjectArtifactResolver } from "../src/deploy/artifact-resolver";
import { getAddress, id as keccakId, Wallet, type JsonRpcProvider } from "ethers";
import { chainProvider } from "../src/chains/providers";
import { deviceWallet } from "../src/chains/accounts";
import { chainsDown } from "../src/chains/down";
import { LocalSender } from "../src/chains/local-sender";
import { chainsUp } from "../src/chains/up";
import { readTopology, topologyPath, type ChainEntry } from "../src/chains/topology";
import { deployAll } from "../src/deploy";
import { contractAddress } from "../src/deploy/contracts";
import { eprInterface, objectCommitment, objectDigest, recordGasLimit } from "../src/iot";
import { newChallengeNonce, readChallenge } from "../src/offchain/gateway/gateway";
import { openHeliaStore } from "../src/offchain/stores/helia-store";
import { SharingKeyring } from "../src/offchain/envelopes/keyring";
import { writePartition } from "../src/partition/document";
import { runPartition } from "../src/partition/pipeline";
import { planParticipants, setUpParticipants } from "../src/system";
import { writeTrafficLog } from "../src/traffic/generate";

const FLOOD = Number(process.env.BENCH_FLOOD ?? 1000);
const TXS = Number(process.env.BENCH_TXS ?? 100);
const GOAL_RATIO = 2;
/** The workload the chains are planned from (as bench/sharing-latency.ts): two communities of 12 devices. */
const WORKLOAD = { devices: 24, groups: 2, overlap: 0, records: 4_000, seed: 1 };
const MAIN_CHAIN_ID = 45_000;
const RECORD_ADDED_TOPIC = eprInterface.getEvent("RecordAdded")!.topicHash;
const FEES = { maxFeePerGas: 10_000_000_000n, maxPriorityFeePerGas: 1_000_000_000n };

/** Sends every body at once and posts back the count of each status (0: no answer). */
const FLOOD_WORKER = `
const { parentPort, workerData } = require("node:worker_threads");
const statuses = {};
Promise.all(workerData.bodies.map(async (body) => {
  let status = 0;
  try {
    const response = await fetch(workerData.url, { method: "POST", headers: { "content-type": "application/json" }, body });
    await response.arrayBuffer();
    status = response.status;
  } catch {}
  statuses[status] = (statuses[status] ?? 0) + 1;
})).then(() => parentPort.postMessage(statuses));
`;

const log = (line: string): void => void process.stderr.write(`${line}\n`);
function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}
const round = (ms: number): number => Math.round(ms * 10) / 10;

/** CPU time (user + system, ms) process `pid` used so far, from /proc; undefined where unknown. */
function processCpuMs(pid: number | null | undefined): number | undefined {
  if (pid === null || pid === undefined) return undefined;
  try {
    // Fields after the command name: utime and stime are the 14th and 15th of the line (ticks of 10 ms).
    const fields = fs.readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return undefined;
  }
}

interface GatewayStatsMessage {
  stats: { served: number; limited: number; replayed: number; predicateCalls: number; cacheHits: number };
  rpc: Record<string, number>;
}

/** The gateway process: started, asked for its counters, stopped. */
class GatewayProcess {
  private constructor(
    private readonly child: ChildProcess,
    readonly url: string,
  ) {}

  get pid(): number | undefined {
    return this.child.pid;
  }

  static start(chain: ChainEntry, factory: string, storeDir: string): Promise<GatewayProcess> {
    const launch = { name: chain.name, rpc: chain.rpc, chainId: chain.chainId, factory, storeDir };
    // Hardhat loaded ts-node in this process (and set its env); the child registers it the same way.
    const child = fork(path.join(__dirname, "abuse-gateway.ts"), [JSON.stringify(launch)], {
      execArgv: ["-r", "ts-node/register"],
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    return new Promise((resolve, reject) => {
      child.once("error", reject);
      child.once("exit", (code) => reject(new Error(`the gateway process exited with ${code} before it was ready`)));
      child.once("message", (message: { type: string; url: string }) => {
        child.removeAllListeners("exit");
        resolve(new GatewayProcess(child, message.url));
      });
    });
  }

  stats(): Promise<GatewayStatsMessage> {
    return new Promise((resolve) => {
      this.child.once("message", (message: GatewayStatsMessage) => resolve(message));
      this.child.send({ type: "stats" });
    });
  }

  close(): Promise<void> {
    if (this.child.exitCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.child.kill("SIGKILL"), 10_000);
      this.child.once("exit", () => {
        clearTimeout(timer);
        resolve();
      });
      this.child.send({ type: "close" });
    });
  }
}

/** The difference of two RPC counters. */
function rpcDelta(after: Record<string, number>, before: Record<string, number>): Record<string, number> {
  return Object.fromEntries(
    Object.entries(after)
      .map(([method, n]) => [method, n - (before[method] ?? 0)])
      .filter(([, n]) => (n as number) > 0),
  );
}

async function main(): Promise<void> {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "commchain-abuse-"));
  const dir = path.join(work, "chains");
  let provider: JsonRpcProvider | undefined;
  let gateway: GatewayProcess | undefined;
  const stop = async (): Promise<void> => {
    await gateway?.close();
    provider?.destroy();
    if (fs.existsSync(topologyPath(dir))) {
      log("stopping the chains");
      await chainsDown(dir);
    }
    fs.rmSync(work, { recursive: true, force: true });
  };
  // The chain processes outlive this one: an interrupted bench must still stop them.
  process.once("SIGINT", () => {
    log("interrupted: stopping the chains and the gateway");
    void stop().finally(() => process.exit(130));
  });
  try {
    const logFile = path.join(work, "traffic.csv");
    await writeTrafficLog(logFile, WORKLOAD);
    const { document } = await runPartition(logFile, { seed: WORKLOAD.seed });
    const partitionFile = path.join(work, "partition.json");
    await writePartition(partitionFile, document);
    log(`chains: main + ${document.chosen.communities.length} communities (chains:up, one process each)`);
    await chainsUp({
      dir,
      partition: partitionFile,
      basePort: 0,
      mainChainId: MAIN_CHAIN_ID,
      timeoutMs: 120_000,
      projectRoot: hre.config.paths.root,
      configFile: hre.config.paths.configFile,
    });
    log("deploying the contracts, setting up the participants");
    await deployAll({ dir, artifactResolver: new ProjectArtifactResolver(hre.artifacts) });
    const topology = readTopology(topologyPath(dir));
    const plan = planParticipants(topology);
    const setups = await setUpParticipants({ topology, plan, countThreshold: 1000, readingsPerDevice: 1 });
    const chain = topology.communities.find((c) => c.name === plan[0].chain)!;
    provider = chainProvider(chain);
    const deviceId = plan[0].devices[0];
    const wallet = deviceWallet(deviceId, topology).connect(provider);
    const sender = new LocalSender(wallet, provider);
    const eprAddress = getAddress(setups[0].eprs[deviceId]);
    let nonce = await provider.getTransactionCount(wallet.address, "pending");

    // The device's envelope, in the store the gateway serves.
    const storeDir = path.join(work, "store");
    const store = await openHeliaStore({ dir: storeDir });
    const record = await new SharingKeyring(wallet.signingKey.publicKey).write(
      store,
      new TextEncoder().encode("status snapshot"),
    );
    const commitment = objectCommitment(objectDigest(await store.get(record.cid)));
    await store.close();
    const uri = `ipfs://${record.cid}`;

    let sequence = 0;
    /** One record transaction of the device, as the unit sends it: signed here, sent raw, receipt awaited. Returns ms and the record id. */
    const write = async (): Promise<{ ms: number; recordId: bigint }> => {
      sequence += 1;
      const query = `status?sequence=${sequence}`;
      const data = eprInterface.encodeFunctionData("addRecord", [
        query,
        keccakId(`snapshot ${sequence}`),
        uri,
        commitment,
        0n,
      ]);
      const start = performance.now();
      const sent = await sender.sendTransaction({
        to: eprAddress,
        data,
        nonce: nonce++,
        gasLimit: recordGasLimit(query.length, uri.length),
        ...FEES,
      });
      const receipt = await sent.wait();
      const ms = performance.now() - start;
      const added = receipt!.logs.find((l) => l.address === eprAddress && l.topics[0] === RECORD_ADDED_TOPIC);
      return { ms, recordId: BigInt(added!.topics[1]) };
    };
    // The first record naming the CID is the one the flood asks for.
    const { recordId } = await write();

    log("gateway: own process");
    gateway = await GatewayProcess.start(chain, contractAddress(chain, "RelationshipFactory"), storeDir);
    const origin = new URL(gateway.url).origin;
    // Warm the path once: the first connection and the gate's first log scan.
    await fetch(`${gateway.url}/health`).then((r) => r.arrayBuffer());

    log(`baseline: ${TXS} device transactions …`);
    const baseline: number[] = [];
    for (let i = 0; i < TXS; i += 1) baseline.push((await write()).ms);

    log(`signing ${FLOOD} requests with throwaway keys …`);
    const expiry = Math.floor(Date.now() / 1000) + 240;
    const bodies = await Promise.all(
      Array.from({ length: FLOOD }, async () => {
        const key = Wallet.createRandom();
        const challengeNonce = newChallengeNonce();
        const signature = await key.signMessage(
          readChallenge({
            chainId: chain.chainId,
            eprAddress,
            recordId,
            cid: record.cid,
            origin,
            expiry,
            nonce: challengeNonce,
          }),
        );
        return JSON.stringify({
          cid: record.cid,
          recordId: recordId.toString(),
          eprAddress,
          reader: key.address,
          chainId: String(chain.chainId),
          origin,
          expiry,
          nonce: challengeNonce,
          signature,
        });
      }),
    );

    log(`flood: ${FLOOD} concurrent requests while the device writes …`);
    const before = await gateway.stats();
    const cpuBefore = { chain: processCpuMs(chain.pid), gateway: processCpuMs(gateway.pid), bench: process.cpuUsage() };
    const floodStart = performance.now();
    const worker = new Worker(FLOOD_WORKER, { eval: true, workerData: { url: `${gateway.url}/v1/read`, bodies } });
    const flood = new Promise<{ statuses: Record<string, number>; ms: number }>((resolve, reject) => {
      worker.once("message", (statuses: Record<string, number>) =>
        resolve({ statuses, ms: performance.now() - floodStart }),
      );
      worker.once("error", reject);
    });
    // The device writes for as long as the flood lasts; only transactions sent while it was in
    // flight count (none after it, which would dilute the figure).
    let flooding = true;
    void flood.finally(() => (flooding = false));
    const underFlood: number[] = [];
    while (flooding) underFlood.push((await write()).ms);
    const { statuses, ms: floodMs } = await flood;
    await worker.terminate();
    const wallMs = performance.now() - floodStart;
    const cpuMs = (before_: number | undefined, pid: number | null | undefined) => {
      const after = processCpuMs(pid);
      return before_ === undefined || after === undefined ? null : after - before_;
    };
    const benchCpu = process.cpuUsage(cpuBefore.bench);
    const cpu = {
      wallMs: Math.round(wallMs),
      chainMs: cpuMs(cpuBefore.chain, chain.pid),
      gatewayMs: cpuMs(cpuBefore.gateway, gateway.pid),
      benchAndFloodMs: Math.round((benchCpu.user + benchCpu.system) / 1000),
    };
    const after = await gateway.stats();

    const p95Baseline = percentile(baseline, 95);
    const p95Flood = percentile(underFlood, 95);
    const refused = Object.fromEntries(Object.entries(statuses).filter(([status]) => status !== "200"));
    const result = {
      bench: "abuse",
      setup:
        "chains:up chain processes (journaled), gateway in its own process over HTTP, device via ethers JSON-RPC, flood from a worker thread",
      flood: FLOOD,
      transactions: { baseline: baseline.length, underFlood: underFlood.length },
      txLatencyMs: {
        baseline: { p50: round(percentile(baseline, 50)), p95: round(p95Baseline) },
        underFlood: { p50: round(percentile(underFlood, 50)), p95: round(p95Flood) },
      },
      p95Ratio: round(p95Flood / p95Baseline),
      goal: { p95RatioAtMost: GOAL_RATIO, met: p95Flood <= GOAL_RATIO * p95Baseline },
      goalMet: p95Flood <= GOAL_RATIO * p95Baseline,
      floodMs: Math.round(floodMs),
      responses: statuses,
      refusedByStatus: refused,
      refusedByLimiter: after.stats.limited - before.stats.limited,
      predicateCalls: after.stats.predicateCalls - before.stats.predicateCalls,
      cacheHits: after.stats.cacheHits - before.stats.cacheHits,
      gatewayRpcDuringFlood: rpcDelta(after.rpc, before.rpc),
      cpuDuringFlood: cpu,
      cpus: os.cpus().length,
      loadavg: os.loadavg().map((l) => round(l)),
    };
    console.log(JSON.stringify(result));
  } finally {
    await stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
