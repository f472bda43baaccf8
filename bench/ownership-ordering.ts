// R3 under overload (paper §4.2, Table 2 row 3, never measured there): an orderer that gives
// High data priority by fee with the on-chain Low quota, against a FIFO orderer (Fabric's), on
// the same Poisson arrival trace. The priority orderer runs for real on the in-process Hardhat
// network: Low entries are enqueued by their owners, High entries are signed by theirs, every
// batch is cut by src/market/orderer.ts's cutBatch and sent to OwnershipRegistry.registerBatch,
// which checks the quota and the fee order. The FIFO baseline takes the first batchSize arrivals
// whatever their level; the registry refuses such batches (they break R3's quota), so it is
// replayed off chain on the same trace: inclusion latency in batches depends on the cut rule only.
// Time is counted in batches: the overloaded orderer always has a full batch, so the batch
// timeout never fires and batches follow each other back to back.
// Reports inclusion latency (batches from arrival to the batch that holds it, 1 = the next one)
// p50/p95 per level and per High fee quartile, and gas per registration at batch 1 and 5.
// Run: npx hardhat run bench/ownership-ordering.ts   (last line: one JSON object)
// Env: BENCH_BATCHES (arrival batches, default 150), BENCH_SEED (default 1),
//      BENCH_HIGH_RATE / BENCH_LOW_RATE (mean arrivals per batch, default 3.5 / 2.5: 6 > 5, overload 1.2).
import { ethers } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { Wallet, type ContractTransactionResponse } from "ethers";
import type { DataToken, OwnershipRegistry } from "../typechain-types";
import { cutBatch, DEFAULT_BATCH_SIZE, DEFAULT_QUOTA, type CutParams } from "../src/market/orderer";
import { highEntry, signRegistration, type SignedEntry } from "../src/market/registration";

const BATCHES = Number(process.env.BENCH_BATCHES ?? 150);
const SEED = Number(process.env.BENCH_SEED ?? 1);
const HIGH_RATE = Number(process.env.BENCH_HIGH_RATE ?? 3.5);
const LOW_RATE = Number(process.env.BENCH_LOW_RATE ?? 2.5);
const OWNERS = 8;
const GAS_GOAL_AT_5 = 100_000;
const PARAMS: CutParams = { batchSize: DEFAULT_BATCH_SIZE, quota: DEFAULT_QUOTA };

/** mulberry32: a small seeded generator, so a run can be repeated. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A Poisson draw (Knuth; λ is small). */
function poisson(rand: () => number, lambda: number): number {
  const limit = Math.exp(-lambda);
  let k = 0;
  let p = rand();
  while (p > limit) {
    k++;
    p *= rand();
  }
  return k;
}

interface Arrival {
  readonly id: number;
  readonly batch: number;
  readonly level: "High" | "Low";
  /** CDT, two decimals (High only). */
  readonly fee: number;
}

/** The arrival trace: per batch interval, Poisson High and Low arrivals in random order. */
function trace(rand: () => number): Arrival[] {
  const arrivals: Arrival[] = [];
  for (let batch = 0; batch < BATCHES; batch++) {
    const levels: ("High" | "Low")[] = [
      ...Array<"High">(poisson(rand, HIGH_RATE)).fill("High"),
      ...Array<"Low">(poisson(rand, LOW_RATE)).fill("Low"),
    ];
    for (let i = levels.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [levels[i], levels[j]] = [levels[j], levels[i]];
    }
    for (const level of levels) {
      const fee = level === "High" ? Math.round((1 + 9 * rand()) * 100) / 100 : 0;
      arrivals.push({ id: arrivals.length, batch, level, fee });
    }
  }
  return arrivals;
}

function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

function summary(latencies: readonly number[]) {
  return { count: latencies.length, p50: percentile(latencies, 50), p95: percentile(latencies, 95) };
}

/** Latency by level and by fee quartile of the High entries (quartiles of U(1, 10): 1–3.25, …, 7.75–10). */
function report(arrivals: readonly Arrival[], included: ReadonlyMap<number, number>) {
  const latency = (a: Arrival) => (included.get(a.id) as number) - a.batch + 1;
  const high = arrivals.filter((a) => a.level === "High");
  const quartiles = [0, 1, 2, 3].map((q) => {
    const [lo, hi] = [1 + 2.25 * q, 1 + 2.25 * (q + 1)];
    const inQuartile = high.filter((a) => a.fee >= lo && (q === 3 ? a.fee <= hi : a.fee < hi));
    return { fees: `[${lo}, ${hi}${q === 3 ? "]" : ")"}`, ...summary(inQuartile.map(latency)) };
  });
  return {
    High: summary(high.map(latency)),
    Low: summary(arrivals.filter((a) => a.level === "Low").map(latency)),
    all: summary(arrivals.map(latency)),
    highFeeQuartiles: quartiles,
  };
}

/** FIFO (Fabric): each batch takes the first batchSize arrivals waiting, whatever their level. */
function fifo(arrivals: readonly Arrival[]): { included: Map<number, number>; batches: number } {
  const included = new Map<number, number>();
  const waiting: Arrival[] = [];
  let next = 0;
  let batch = 0;
  for (; next < arrivals.length || waiting.length > 0; batch++) {
    while (next < arrivals.length && arrivals[next].batch <= batch) waiting.push(arrivals[next++]);
    for (const a of waiting.splice(0, PARAMS.batchSize)) included.set(a.id, batch);
  }
  return { included, batches: batch };
}

async function gasOf(tx: Promise<ContractTransactionResponse>): Promise<bigint> {
  const receipt = await (await tx).wait();
  if (receipt === null) throw new Error("transaction was not mined");
  return receipt.gasUsed;
}

async function deploy() {
  const [admin, orderer, lowOwner] = await ethers.getSigners();
  const token: DataToken = await ethers.deployContract("DataToken", [admin.address]);
  await token.grantRole(await token.MINTER_ROLE(), admin.address);
  const registry: OwnershipRegistry = await ethers.deployContract("OwnershipRegistry", [token, admin.address]);
  await registry.grantRole(await registry.ORDERER_ROLE(), orderer.address);
  const address = await registry.getAddress();
  const chainId = (await ethers.provider.getNetwork()).chainId;
  const owners: Wallet[] = [];
  for (let i = 0; i < OWNERS; i++) {
    const owner = new Wallet(ethers.keccak256(ethers.toUtf8Bytes(`bench owner ${i}`)), ethers.provider);
    await (await admin.sendTransaction({ to: owner.address, value: ethers.parseEther("1") })).wait();
    await token.mint(owner.address, ethers.parseEther("1000000"));
    await (await token.connect(owner).approve(address, ethers.MaxUint256)).wait();
    owners.push(owner);
  }
  return { token, registry, address, chainId, orderer, lowOwner, owners };
}

type Deployed = Awaited<ReturnType<typeof deploy>>;

let nonce = 0n;
let hashes = 0;

async function sign(d: Deployed, owner: Wallet, fee: bigint): Promise<SignedEntry> {
  const now = BigInt(await time.latest());
  const registration = {
    dataHash: ethers.keccak256(ethers.toUtf8Bytes(`bench data ${hashes++}`)),
    timestamp: now,
    fee,
    owner: owner.address,
    nonce: nonce++,
    deadline: now + 86_400n,
  };
  const entry = highEntry(registration);
  return { entry, signature: await signRegistration(owner, d.address, d.chainId, entry) };
}

function send(d: Deployed, signed: readonly SignedEntry[]) {
  return d.registry.connect(d.orderer).registerBatch(
    signed.map((s) => s.entry),
    signed.map((s) => s.signature),
  );
}

async function enqueueLow(d: Deployed) {
  const hash = ethers.keccak256(ethers.toUtf8Bytes(`bench data ${hashes++}`));
  return d.registry.connect(d.lowOwner).enqueueLow(hash, await time.latest(), 0, 0);
}

/** Gas per registration in steady state (owners' nonce words and the orderer's balance already written). */
async function gasFigures() {
  const d = await deploy();
  for (const owner of d.owners) await (await send(d, [await sign(d, owner, ethers.parseEther("1"))])).wait();
  const fee = (i: number) => ethers.parseEther(String(10 - i));
  const one = await gasOf(send(d, [await sign(d, d.owners[0], fee(0))]));
  const five: SignedEntry[] = [];
  for (let i = 0; i < 5; i++) five.push(await sign(d, d.owners[i], fee(i)));
  const atFive = await gasOf(send(d, five));
  const enqueue = await gasOf(enqueueLow(d));
  const four: SignedEntry[] = [];
  for (let i = 0; i < 4; i++) four.push(await sign(d, d.owners[i], fee(i)));
  const mixed = await gasOf(send(d, four));
  return {
    highAtBatch1: Number(one),
    highAtBatch5: Number(atFive / 5n),
    lowEnqueue: Number(enqueue),
    // 4 High + 1 Low: the batch's gas per entry, and a Low entry's full cost (enqueue + its share).
    mixed4High1LowPerEntry: Number(mixed / 5n),
  };
}

async function main() {
  const rand = random(SEED);
  const arrivals = trace(rand);
  const d = await deploy();

  // The priority orderer, on chain.
  const included = new Map<number, number>();
  const lowIds: number[] = []; // the on-chain Low queue, by arrival id
  let pool: { signed: SignedEntry; fee: bigint; seq: number; id: number }[] = [];
  let next = 0;
  let batch = 0;
  let batchGas = 0n;
  let registered = 0;
  const started = Date.now();
  for (; next < arrivals.length || pool.length > 0 || lowIds.length > 0; batch++) {
    for (; next < arrivals.length && arrivals[next].batch <= batch; next++) {
      const a = arrivals[next];
      if (a.level === "Low") {
        await (await enqueueLow(d)).wait();
        lowIds.push(a.id);
      } else {
        const signed = await sign(d, d.owners[a.id % OWNERS], ethers.parseUnits(a.fee.toFixed(2), 18));
        pool.push({ signed, fee: signed.entry.fee, seq: a.id, id: a.id });
      }
    }
    const cut = cutBatch(pool, Number(await d.registry.lowPending()), PARAMS);
    if (cut.high.length + cut.lowTaken === 0) continue;
    batchGas += await gasOf(
      send(
        d,
        cut.high.map((p) => p.signed),
      ),
    );
    for (const p of cut.high) included.set(p.id, batch);
    for (const id of lowIds.splice(0, cut.lowTaken)) included.set(id, batch);
    registered += cut.high.length + cut.lowTaken;
    pool = [...cut.rest];
  }
  const seconds = (Date.now() - started) / 1000;
  const priority = report(arrivals, included);
  const baseline = fifo(arrivals);
  const fifoReport = report(arrivals, baseline.included);
  const gas = await gasFigures();

  const highP95 = priority.High.p95 ?? Infinity;
  const goals = {
    highP95BelowLowP95: {
      goal: "priority High p95 < priority Low p95",
      met: highP95 < (priority.Low.p95 ?? -Infinity),
    },
    highP95BelowFifo: { goal: "priority High p95 < FIFO High p95", met: highP95 < (fifoReport.High.p95 ?? -Infinity) },
    gasAtBatch5: {
      goal: `gas per registration at batch 5 <= ${GAS_GOAL_AT_5}`,
      met: gas.highAtBatch5 <= GAS_GOAL_AT_5,
    },
  };
  console.log(
    `priority: High p50/p95 ${priority.High.p50}/${priority.High.p95}, Low ${priority.Low.p50}/${priority.Low.p95}; ` +
      `FIFO: High ${fifoReport.High.p50}/${fifoReport.High.p95}, Low ${fifoReport.Low.p50}/${fifoReport.Low.p95} (batches)`,
  );
  console.log(
    JSON.stringify({
      bench: "ownership-ordering",
      setup: {
        network: "hardhat (in-process)",
        batchSize: PARAMS.batchSize,
        quota: PARAMS.quota,
        arrivalBatches: BATCHES,
        seed: SEED,
        highRatePerBatch: HIGH_RATE,
        lowRatePerBatch: LOW_RATE,
        load: (HIGH_RATE + LOW_RATE) / PARAMS.batchSize,
        highFeesCdt: "U(1, 10)",
        arrivals: { High: priority.High.count, Low: priority.Low.count },
        latencyUnit: "batches from arrival to the batch holding it (1 = the next batch)",
        fifo: "replayed off chain on the same trace (the registry refuses FIFO batches that break R3's quota)",
      },
      priority: { ...priority, batches: batch, onChain: true, seconds, gasPerEntry: Number(batchGas) / registered },
      fifo: { ...fifoReport, batches: baseline.batches },
      gasPerRegistration: gas,
      goals,
      met: Object.values(goals).every((g) => g.met),
    }),
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
