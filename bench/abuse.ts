/**
 * Abuse of one community's gateway (security review M6): 1,000 concurrent read requests, each
 * signed with a fresh throwaway key, against the gateway of one community while its IoT device
 * keeps writing records. Measures the device's transaction latency (send to receipt) p50/p95
 * without and with the flood, and counts what the gateway's limiter refused. Goal: p95 with the
 * flood at most 2x the p95 without.
 *
 * This bench runs on Hardhat's in-process network (one event loop for the chain, the gateway and
 * the flood), with the contracts deployed as the tests deploy them and the gateway's real gate
 * (`communityReadPredicate`). It does not go through the persistent chains' journaled provider
 * (`bench/sharing-latency.ts` sets those up); the flood's cost on the chain here is the
 * `eth_call`s and log scans the gate makes.
 *
 * Run: npx hardhat run bench/abuse.ts (npm run bench:abuse)
 * Env: BENCH_FLOOD (requests, default 1000), BENCH_TXS (device transactions per phase, default 40).
 * Progress goes to stderr; the last stdout line is one JSON object.
 */
import os from "node:os";
import path from "node:path";
import { mkdtemp, rm } from "node:fs/promises";
import { performance } from "node:perf_hooks";
import { Worker } from "node:worker_threads";
import hre from "hardhat";
import { Wallet } from "ethers";
import { communityReadPredicate, createdByFactory, newChallengeNonce, readChallenge, startGateway } from "../src/offchain/gateway";
import { openHeliaStore } from "../src/offchain/helia-store";
import { SharingKeyring } from "../src/offchain/keyring";

const FLOOD = Number(process.env.BENCH_FLOOD ?? 1000);
const TXS = Number(process.env.BENCH_TXS ?? 40);
const GOAL_RATIO = 2;
const Kind = { Device: 0, ServiceProvider: 1, ThirdParty: 2 } as const;

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

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}
const round = (ms: number): number => Math.round(ms * 10) / 10;

async function main(): Promise<void> {
  const { ethers } = hre;
  const [admin, registrar, device, provider] = await ethers.getSigners();
  // Contracts as test/security/sharing-compat.ts deploys them.
  const token = await ethers.deployContract("DataToken", [admin.address]);
  const register = await ethers.deployContract("Register", [admin.address, await ethers.deployContract("Summary")]);
  const implementation = await ethers.deployContract("EquipmentProviderRelationship", [register, token]);
  const Factory = await ethers.getContractFactory("RelationshipFactory");
  const e18 = 10n ** 18n;
  const rewards: unknown[] =
    Factory.interface.deploy.inputs.length === 5
      ? [{ uploadReward: 10n * e18, verificationReward: 2n * e18, capPerPeriod: 100n * e18, period: 86_400n, bonusRefundDelay: 7n * 86_400n }]
      : [10n * e18, 2n * e18];
  const factory = await (Factory.deploy as (...args: unknown[]) => ReturnType<typeof Factory.deploy>)(admin.address, register, token, implementation, ...rewards);
  await register.setRelationshipFactory(factory);
  await token.grantRole(await token.MINTER_ROLE(), factory);
  await register.grantRole(await register.REGISTRAR_ROLE(), registrar.address);
  await register.connect(registrar).register("robot-1", device.address, Kind.Device);
  await register.connect(registrar).register("acme", provider.address, Kind.ServiceProvider);
  await factory.connect(admin).createRelationship(device.address, provider.address);
  const eprAddress = await factory.relationshipOf(device.address, provider.address);
  for (const party of [device, provider]) {
    await (await ethers.getContractAt("Summary", await register.summaryOf(party.address), party)).acceptRelationship(eprAddress);
  }
  const epr = await ethers.getContractAt("EquipmentProviderRelationship", eprAddress, device);

  const dir = await mkdtemp(path.join(os.tmpdir(), "commchain-abuse-"));
  const store = await openHeliaStore({ dir });
  const keyring = new SharingKeyring(Wallet.createRandom().signingKey.publicKey);
  const record = await keyring.write(store, new TextEncoder().encode("status snapshot"));
  let sequence = 0;
  /** One record transaction of the device: the unit's write. Returns its latency in ms. */
  const write = async (): Promise<number> => {
    sequence += 1;
    const digest = ethers.id(`object ${sequence}`);
    const start = performance.now();
    const tx = await epr.addRecord(`status?sequence=${sequence}`, ethers.id(`snapshot ${sequence}`), `ipfs://${record.cid}`, ethers.keccak256(ethers.AbiCoder.defaultAbiCoder().encode(["bytes32"], [digest])), 0n);
    await tx.wait();
    return performance.now() - start;
  };
  await write(); // record 0 names the CID

  const chainId = (await ethers.provider.getNetwork()).chainId;
  const predicate = communityReadPredicate({ runner: ethers.provider, provider: ethers.provider, trusted: createdByFactory(ethers.provider, await factory.getAddress()) });
  const gateway = await startGateway({ store, predicate, chainId, log: () => undefined });
  const origin = new URL(gateway.url).origin;
  try {
    process.stderr.write(`baseline: ${TXS} device transactions …\n`);
    const baseline: number[] = [];
    for (let i = 0; i < TXS; i += 1) baseline.push(await write());

    process.stderr.write(`signing ${FLOOD} requests with throwaway keys …\n`);
    const expiry = Math.floor(Date.now() / 1000) + 120;
    const bodies = await Promise.all(
      Array.from({ length: FLOOD }, async () => {
        const wallet = Wallet.createRandom();
        const nonce = newChallengeNonce();
        const signature = await wallet.signMessage(readChallenge({ chainId, eprAddress, recordId: 0n, cid: record.cid, origin, expiry, nonce }));
        return JSON.stringify({ cid: record.cid, recordId: "0", eprAddress, reader: wallet.address, chainId: chainId.toString(), origin, expiry, nonce, signature });
      }),
    );
    process.stderr.write(`flood: ${FLOOD} concurrent requests while the device writes …\n`);
    // The flood is sent from a worker thread, so its own HTTP client does not run on the event
    // loop of the chain and gateway it attacks (an attacker is another process).
    const floodStart = performance.now();
    const worker = new Worker(FLOOD_WORKER, { eval: true, workerData: { url: `${gateway.url}/v1/read`, bodies } });
    const flood = new Promise<{ statuses: Record<string, number>; ms: number }>((resolve, reject) => {
      worker.once("message", (statuses: Record<string, number>) => resolve({ statuses, ms: performance.now() - floodStart }));
      worker.once("error", reject);
    });
    // The device writes for as long as the flood lasts (and at least TXS times).
    let flooding = true;
    void flood.finally(() => (flooding = false));
    const underFlood: number[] = [];
    while (flooding || underFlood.length < TXS) underFlood.push(await write());
    const { statuses, ms: floodMs } = await flood;
    await worker.terminate();

    const p95Baseline = percentile(baseline, 95);
    const p95Flood = percentile(underFlood, 95);
    const result = {
      bench: "abuse",
      flood: FLOOD,
      transactions: { baseline: baseline.length, underFlood: underFlood.length },
      txLatencyMs: {
        baseline: { p50: round(percentile(baseline, 50)), p95: round(p95Baseline) },
        underFlood: { p50: round(percentile(underFlood, 50)), p95: round(p95Flood) },
      },
      p95Ratio: round(p95Flood / p95Baseline),
      goal: { p95RatioAtMost: GOAL_RATIO, met: p95Flood <= GOAL_RATIO * p95Baseline },
      floodMs: Math.round(floodMs),
      responses: statuses,
      refusedByLimiter: gateway.stats.limited,
      predicateCalls: gateway.stats.predicateCalls,
      cacheHits: gateway.stats.cacheHits,
      cpus: os.cpus().length,
      loadavg: os.loadavg().map((l) => round(l)),
    };
    console.log(JSON.stringify(result));
  } finally {
    await gateway.close();
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
