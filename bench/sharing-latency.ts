/**
 * Latency of sharing sensor data, after the digital-twin paper (6.1, Fig. 8), on the project's
 * own chains and stores as users run them: chains from `chainsUp` (persistent, journaled chain
 * processes), contracts from `deployAll`, participants as `npm start` sets them up, one embedded
 * Helia store node per community in a private DHT with a gated gateway in front of each (with the
 * market's paid put and PRE proxy routes, as `startRunStores` mounts them).
 *
 * A sensor is a device of community 1 sharing a status snapshot of its machine with the third
 * party (a lab) of community 2, through the device's EPR. Each share is timed step by step:
 *
 *   1 write     gateway/dht: the owner hashes, encrypts (AES-256-GCM, key ECIES-wrapped for each
 *               reader), stores the envelope on its community's store node (announced on the DHT).
 *               pre: the snapshot sealed in fragments (one: it is small), the data key wrapped with
 *               Umbral for the sensor's stream asset, fragment and manifest put through the
 *               gateway's paid `POST /v1/put`
 *   2 anchor    epr: one transaction, as in the paper: `EPR.addRecordWithReaders` (pointer, hash and,
 *               for the gateway's gate, the reader) mined. orderer: the same record AND the hash's
 *               High registration (`highEntry` + `signRegistration`, fee 0) sent through the
 *               orderer service (`Orderer`, `systemWallet("orderer")`, batchSize 5 like the paper's
 *               Fabric MaxMessageCount, default 200 ms batchTimeout) into `OwnershipRegistry`
 *               batches, at once; the step ends when both are mined. The registry keeps hash,
 *               owner and timestamp but no location, so the pointer stays on the EPR
 *   3 query     the reader asks the chain for the sensor's latest record (`recordCount`)
 *   4 pointer   the reader gets the record's pointer and hash (`record(id)`); orderer: also
 *               `ownerOf(hash)` in the registry is the device
 *   5 download  gateway: the envelope through the gateway of the data's community (a signed,
 *               on-chain gated read). dht: through the reader's own community's store node (DHT
 *               lookup, bitswap). pre: the manifest and fragment from the data's store node (as
 *               the market's buyers fetch) and the cfrag from the proxy (`requestCFrag`)
 *   6 open      gateway/dht: decode, unwrap, decrypt, check the plaintext against the hash.
 *               pre: verify the cfrag, decrypt the data key (`openWithCFrags`), open the
 *               fragments against the root on chain (`openFragments`): `receiveTrade`'s steps,
 *               split to time 5 and 6 apart
 *
 * The PRE path's setup, once per sensor and untimed (`setUpPre`; its time is reported as
 * `preSetupMsPerSensor`): cloud's storage offer (price 0) and a 4 MiB lease; the sensor's stream
 * descriptor sealed, put, queued Low and registered in an orderer batch, tokenized Complete at
 * price 0, audited and listed by cloud, bought by the reader with a fresh receiving key and
 * granted (`grantTrade`: one kfrag at the community's proxy, 1-of-1 since each community has one
 * store node, as in the paper) and received once (`receiveTrade`). What this is, honestly: a
 * subscription to the sensor's stream. Every share's key is wrapped under the stream asset's
 * delegating key, so the one kfrag re-encrypts every share of that sensor (the paper's
 * Rk_{A→B} opens everything under PubK_A; the market's per-asset delegation narrows it to one
 * stream here, not to one snapshot). The snapshots are not tokenized, audited or bought one by
 * one, nor confirmed (the trade stays Granted while the stream flows), and no payment moves:
 * per-share tokenize + confirmStored + buy + grant would add four transactions and a kfrag deposit
 * to every share.
 *
 * Paths measured (BENCH_MATRIX, else the default filtered by BENCH_VIA / BENCH_STEP2):
 * gateway/epr, dht/epr, pre/epr, gateway/orderer, pre/orderer. The DHT path with the orderer is
 * left out by default: step 2 does not depend on the download path. With 1 to 10 sensors sharing
 * at the same time (each round, every sensor shares once and the round ends when all are read),
 * p50 and p95 of each step and end to end per path. Goals: p95 end to end < 1000 ms at 10
 * sensors on every path (the paper's sub-second claim) and < 250 ms through gateway/epr (the
 * project's). Spearman's ρ of p50 against the sensor count per path is reported, not asserted.
 * The chart (p50/p95 against sensors, one colour per path, a rule at 1000 ms) goes to
 * `$BENCH_OUT/sharing-latency.svg` (default `bench/out/`), its path to stderr.
 *
 * Everything but the chains runs on this one event loop, so the shares of a round queue behind
 * each other. On the PRE path the paid puts dominate: the put route handles one put at a time
 * (chain time, lease and paid bytes read, then stored and logged) to keep its byte accounting
 * exact, and each share makes two, so at ten sensors twenty puts queue per round. On the orderer
 * variant step 2 is the batch: a lone sensor waits for the 200 ms tick, ten fill two batches of 5
 * that are mined one after the other. Figures measured are in docs/benchmarks.md.
 *
 * Earlier history of the gateway path: the secp256k1 work (ECIES wrap and unwrap, signing, the
 * gateway's signer recovery) moved from pure-JavaScript noble to libsecp256k1
 * (`src/crypto/secp256k1.ts`: CPU per share 35 → 18 ms), and the record and its reader went into
 * one transaction (`addRecordWithReaders`): that brought its ten-sensor p95 from 415 ms to 217 ms.
 *
 * Run: npm run bench:sharing-latency (npx hardhat run bench/sharing-latency.ts)
 * Env: BENCH_ROUNDS (rounds per sensor count, default 10), BENCH_MAX_SENSORS (default 10),
 * BENCH_MIN_SENSORS (the first sensor count measured, default 1), BENCH_VIA ("gateway", "dht",
 * "pre", "both" = gateway and dht, or "all", default all), BENCH_STEP2 ("epr", "orderer" or
 * "all", default all), BENCH_MATRIX (e.g. "gateway/epr,pre/orderer": overrides both),
 * BENCH_OUT (the chart's directory). Progress goes to stderr; the last stdout line is one JSON
 * object.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import hre from "hardhat";
import { ProjectArtifactResolver } from "../src/deploy/artifact-resolver";
import { getAddress, parseEther, type JsonRpcProvider, type HDNodeWallet } from "ethers";
import {
  DataAsset__factory,
  DataTrade__factory,
  EquipmentProviderRelationship__factory,
  OwnershipRegistry__factory,
  StorageLedger__factory,
  type EquipmentProviderRelationship,
  type OwnershipRegistry,
} from "../typechain-types";
import { chainProvider } from "../src/chains/providers";
import { deviceWallet, systemWallet } from "../src/chains/accounts";
import { contractAddress } from "../src/deploy/contracts";
import { DataKind, highEntry, LifecycleStage, Orderer, signRegistration } from "../src/market";
import { grantTrade, receiveTrade, requestCFrag } from "../src/market/delivery";
import {
  checkFragment,
  checkManifest,
  openFragments,
  sealFragments,
  type FragmentManifest,
} from "../src/offchain/envelopes/fragments";
import { freshReceivingKey, openWithCFrags, wrapKeyForAsset, type PreKeyWrap } from "../src/offchain/envelopes/pre";
import { putPaid } from "../src/offchain/gateway/put";
import { renderSvg } from "../src/report/kit/vega";
import {
  goalsOf,
  latencyChartSpec,
  PAPER,
  pathName,
  pathsFromEnv,
  trendOf,
  type BenchPath,
  type Via,
} from "../src/system/sharing-latency";
import { LocalSender } from "../src/chains/local-sender";
import { chainsDown } from "../src/chains/down";
import { readTopology, topologyPath, type Topology } from "../src/chains/topology";
import { chainsUp } from "../src/chains/up";
import { deployAll } from "../src/deploy";
import {
  eprInterface,
  encodeStatus,
  objectCommitment,
  objectDigest,
  recordWithReadersGasLimit,
  statusQuery,
  StatusAccumulator,
  SyntheticSensor,
} from "../src/iot";
import { decodeEnvelope, fetchSharedEnvelope, openEnvelope, SharingKeyring, type SharingStep } from "../src/offchain";
import { writePartition } from "../src/partition/document";
import { runPartition } from "../src/partition/pipeline";
import {
  planParticipants,
  setUpParticipants,
  startRunStores,
  walletOf,
  distribution,
  type CommunityPlan,
  type Distribution,
  type RunStores,
} from "../src/system";
import { writeTrafficLog } from "../src/traffic/generate";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 10);
const MAX_SENSORS = Number(process.env.BENCH_MAX_SENSORS ?? 10);
/** The first sensor count measured (profiling one level: set both to 10). */
const MIN_SENSORS = Number(process.env.BENCH_MIN_SENSORS ?? 1);
/** The paths measured (download path × step 2): see `pathsFromEnv`. */
const PATHS = pathsFromEnv(process.env);
/** Where the chart goes (BENCH_OUT, default bench/out; ignored by git as every out/). */
const OUT_DIR = process.env.BENCH_OUT ?? path.join(__dirname, "out");
/** Readings summarized in each shared snapshot (one second of a 50 Hz sensor). */
const READINGS_PER_SNAPSHOT = 50;
/** The workload the chains are planned from: two communities of 12 devices. */
const WORKLOAD = { devices: 24, groups: 2, overlap: 0, records: 4_000, seed: 1 };
const MAIN_CHAIN_ID = 44_000;
/** Bytes each sensor leases from `cloud` for the PRE path's puts (its shares are < 2 KiB each). */
const LEASE_BYTES = 4n * 1024n * 1024n;
const LEASE_HOURS = 24n;

const STEPS = ["write", "anchor", "query", "pointer", "download", "open"] as const;
const RECORD_ADDED_TOPIC = eprInterface.getEvent("RecordAdded")!.topicHash;
const FEES = { maxFeePerGas: 10_000_000_000n, maxPriorityFeePerGas: 1_000_000_000n };
type Step = (typeof STEPS)[number];

const log = (line: string) => process.stderr.write(`${line}\n`);
/** Size of the last snapshot shared, bytes (they differ by a few bytes at most). */
let payloadBytes = 0;
const round = (value: number) => Math.round(value * 10) / 10;

/** What a sensor's PRE delivery was set up with, once (untimed): its stream asset, bought and granted. */
interface PreStream {
  /** The stream asset's hash (the descriptor's fragment root): the delegating key of every share's wrap. */
  readonly assetHash: string;
  readonly tradeId: bigint;
  readonly receivingSecretKey: string;
  readonly threshold: number;
}

/** One sensor: a device of community 1 with its EPR, keyring and own nonce. */
interface Sensor {
  readonly id: string;
  readonly wallet: HDNodeWallet;
  /** Sends the device's transactions, signed here. */
  readonly sender: LocalSender;
  /** The device's EPR (checksummed address). */
  readonly epr: string;
  /** The EPR as the reader queries it. */
  readonly view: EquipmentProviderRelationship;
  readonly keyring: SharingKeyring;
  readonly machine: SyntheticSensor;
  nonce: number;
  shared: number;
  pre?: PreStream;
}

/** One share, timed. */
interface Sample {
  readonly steps: Record<Step, number>;
  readonly writeSteps: Partial<Record<string, number>>;
  readonly endToEnd: number;
}

interface Setup {
  readonly topology: Topology;
  readonly plan: readonly CommunityPlan[];
  readonly stores: RunStores;
  readonly provider: JsonRpcProvider;
  readonly chainId: bigint;
  readonly sensors: readonly Sensor[];
  readonly reader: HDNodeWallet;
  /** The reader's key signing its read challenges here (libsecp256k1, as the devices sign). */
  readonly readerSigner: LocalSender;
  /** Community 1's OwnershipRegistry (address) and its orderer service (`systemWallet("orderer")`). */
  readonly registry: OwnershipRegistry;
  readonly registryAddress: string;
  readonly orderer: Orderer;
}

/** The next snapshot of `sensor`'s machine, encoded. */
function nextSnapshot(sensor: Sensor) {
  const accumulator = new StatusAccumulator({ temperature: 200, vibration: 100 });
  for (let i = 0; i < READINGS_PER_SNAPSHOT; i++) accumulator.add(sensor.machine.next());
  sensor.shared += 1;
  const snapshot = accumulator.snapshot({
    device: sensor.wallet.address,
    machine: sensor.wallet.address,
    sequence: sensor.shared,
  })!;
  const plaintext = encodeStatus(snapshot);
  payloadBytes = plaintext.length;
  return { plaintext, query: statusQuery(snapshot), sequence: sensor.shared };
}

/**
 * Step 2: the record (pointer, hash, commitment, readers) on the sensor's EPR, mined; with the
 * orderer variant also the hash's High registration, signed by the device and sent through the
 * orderer's batches, both at once (the step ends when both are in). Returns the record id.
 */
async function anchor(
  setup: Setup,
  sensor: Sensor,
  step2: BenchPath["step2"],
  record: { query: string; hash: string; uri: string; commitment: string; readers: string[]; sequence: number },
): Promise<bigint> {
  const gasLimit = recordWithReadersGasLimit(record.query.length, record.uri.length, record.readers.length);
  const data = eprInterface.encodeFunctionData("addRecordWithReaders", [
    record.query,
    record.hash,
    record.uri,
    record.commitment,
    0n,
    record.readers,
  ]);
  const mined = (async () => {
    const added = await sensor.sender.sendTransaction({
      to: sensor.epr,
      data,
      nonce: sensor.nonce++,
      gasLimit,
      ...FEES,
    });
    const receipt = await added.wait();
    // The record id is RecordAdded's first indexed argument: read from its topic, rather than every
    // log of the receipt decoded against every event (ethers hashes each event's signature anew
    // for every lookup).
    const log = receipt!.logs.find((l) => l.address === sensor.epr && l.topics[0] === RECORD_ADDED_TOPIC);
    return BigInt(log!.topics[1]);
  })();
  if (step2 === "epr") return mined;
  const timestamp = BigInt(Math.floor(Date.now() / 1000));
  const entry = highEntry(
    {
      dataHash: record.hash,
      timestamp,
      fee: 0n,
      owner: sensor.wallet.address,
      nonce: BigInt(record.sequence),
      deadline: timestamp + 3600n,
    },
    { kind: DataKind.Physical, stage: LifecycleStage.Using },
  );
  const signature = await signRegistration(sensor.sender, setup.registryAddress, setup.chainId, entry);
  const [recordId] = await Promise.all([mined, setup.orderer.submit({ entry, signature })]);
  return recordId;
}

/** Step 4's extra read with the orderer variant: the hash is registered to the sensor's device, in a batch. */
async function checkOwnership(setup: Setup, sensor: Sensor, hash: string): Promise<void> {
  const owner = await setup.registry.ownerOf(hash);
  if (owner !== sensor.wallet.address)
    throw new Error(`${sensor.id}: ${hash} is registered to ${owner}, not ${sensor.wallet.address}`);
}

async function share(setup: Setup, sensor: Sensor, path: BenchPath): Promise<Sample> {
  return path.via === "pre" ? sharePre(setup, sensor, path) : shareEnvelope(setup, sensor, path);
}

/** The gateway and DHT paths: one envelope, ECIES-wrapped for each reader. */
async function shareEnvelope(setup: Setup, sensor: Sensor, path: BenchPath): Promise<Sample> {
  const { stores, reader, readerSigner } = setup;
  const owner = setup.plan[0];
  const { plaintext, query, sequence } = nextSnapshot(sensor);
  const writeSteps: Partial<Record<string, number>> = {};
  const marks: number[] = [performance.now()];

  // 1: hash, encrypt, wrap, encode, put (the store node announces it on the DHT)
  const ownStore = stores.of(owner.chain).node.store;
  const record = await sensor.keyring.write(ownStore, plaintext, (step, ms) => (writeSteps[step] = ms));
  const uri = `ipfs://${record.cid}`;
  // As the IoT unit does: the stored bytes read back for the verifier's commitment.
  const commitment = objectCommitment(objectDigest(await ownStore.get(record.cid)));
  marks.push(performance.now());

  // 2: the pointer and hash on chain with the reader authorized on the record, mined (+ the registration)
  const recordId = await anchor(setup, sensor, path.step2, {
    query,
    hash: record.plaintextHash,
    uri,
    commitment,
    readers: [reader.address],
    sequence,
  });
  marks.push(performance.now());

  // 3–4: the reader finds the sensor's latest record, then its pointer and hash
  const view = sensor.view;
  const latest = (await view.recordCount()) - 1n;
  marks.push(performance.now());
  const pointer = await view.record(latest);
  if (path.step2 === "orderer") await checkOwnership(setup, sensor, pointer.contentHash);
  marks.push(performance.now());
  if (latest !== recordId || pointer.uri !== uri)
    throw new Error(`${sensor.id}: the chain's latest record is ${latest} (${pointer.uri}), not ${recordId} (${uri})`);
  const cid = pointer.uri.slice("ipfs://".length);

  // 5: the envelope, through the gateway of the data's community or the reader's own store node
  const bytes =
    path.via === "gateway"
      ? await fetchSharedEnvelope(stores.of(owner.chain).gateway.url, cid, latest, sensor.epr, readerSigner)
      : await stores.of(setup.plan[1].chain).node.store.get(cid);
  marks.push(performance.now());

  // 6: decode, unwrap, decrypt, verify against the hash on chain
  const opened = openEnvelope(decodeEnvelope(bytes), reader, pointer.contentHash);
  marks.push(performance.now());
  if (Buffer.compare(Buffer.from(opened), Buffer.from(plaintext)) !== 0)
    throw new Error(`${sensor.id}: the reader did not get the plaintext shared`);

  const steps = Object.fromEntries(STEPS.map((step, i) => [step, marks[i + 1] - marks[i]])) as Record<Step, number>;
  return { steps, writeSteps, endToEnd: marks.at(-1)! - marks[0] };
}

/**
 * The PRE path, as the market delivers: the snapshot sealed in fragments (one, it is small), its
 * data key wrapped with Umbral under the delegating key of the sensor's stream asset, the
 * fragment and the manifest put through the gateway's paid `POST /v1/put`; the record's pointer
 * is the manifest and its hash the fragments' root. The reader fetches the manifest and fragment
 * from the store node (as the market's buyers do), asks the proxy for the cfrag of the share's
 * capsule under its trade (`requestCFrag`), verifies it, decrypts the key and opens the fragments
 * against the root on chain (`receiveTrade`'s steps, split here to time download and open apart).
 */
async function sharePre(setup: Setup, sensor: Sensor, path: BenchPath): Promise<Sample> {
  const { stores, readerSigner, chainId } = setup;
  const stream = sensor.pre!;
  const community = stores.of(setup.plan[0].chain);
  const { plaintext, query, sequence } = nextSnapshot(sensor);
  const writeSteps: Partial<Record<string, number>> = {};
  const marks: number[] = [performance.now()];
  const timed = <T>(step: string, run: () => T): T => {
    const start = performance.now();
    try {
      return run();
    } finally {
      writeSteps[step] = performance.now() - start;
    }
  };

  // 1: seal, wrap the key for the stream (Umbral), put the fragment and the manifest (paid puts)
  const sealed = timed("seal", () => sealFragments(plaintext));
  const keyWrap = timed("wrap", () => wrapKeyForAsset(sensor.wallet, stream.assetHash, sealed.key));
  sealed.key.fill(0);
  const manifest: FragmentManifest & { keyWrap: PreKeyWrap } = { ...sealed.manifest, keyWrap };
  let start = performance.now();
  for (const [i, fragment] of sealed.fragments.entries())
    manifest.fragments[i].cid = (await putPaid(community.gateway.url, fragment, sensor.sender, { chainId })).cid;
  const manifestBytes = new TextEncoder().encode(JSON.stringify(manifest));
  const manifestCid = (await putPaid(community.gateway.url, manifestBytes, sensor.sender, { chainId })).cid;
  writeSteps.put = performance.now() - start;
  const uri = `ipfs://${manifestCid}`;
  const commitment = objectCommitment(objectDigest(await community.node.store.get(manifestCid)));
  marks.push(performance.now());

  // 2: the pointer (the manifest) and the root on chain; access is the trade's, so no reader on the record
  const recordId = await anchor(setup, sensor, path.step2, {
    query,
    hash: manifest.root,
    uri,
    commitment,
    readers: [],
    sequence,
  });
  marks.push(performance.now());

  // 3–4: as the other paths
  const latest = (await sensor.view.recordCount()) - 1n;
  marks.push(performance.now());
  const pointer = await sensor.view.record(latest);
  if (path.step2 === "orderer") await checkOwnership(setup, sensor, pointer.contentHash);
  marks.push(performance.now());
  if (latest !== recordId || pointer.uri !== uri)
    throw new Error(`${sensor.id}: the chain's latest record is ${latest} (${pointer.uri}), not ${recordId} (${uri})`);

  // 5: the manifest and its fragments from the store node, the cfrag from the proxy
  const got = JSON.parse(
    new TextDecoder().decode(await community.node.store.get(pointer.uri.slice("ipfs://".length))),
  ) as FragmentManifest & { keyWrap: PreKeyWrap };
  const [fragments, cfrag] = await Promise.all([
    Promise.all(got.fragments.map((f) => community.node.store.get(f.cid!))),
    requestCFrag(community.gateway.url, stream.tradeId, got.keyWrap.capsule, readerSigner),
  ]);
  marks.push(performance.now());

  // 6: verify the cfrag, decrypt the data key, open the fragments against the root on chain
  start = performance.now();
  const key = openWithCFrags(stream.receivingSecretKey, got.keyWrap, [cfrag], stream.threshold);
  const opened = openFragments(got, fragments, key, { expectedRoot: pointer.contentHash });
  key.fill(0);
  marks.push(performance.now());
  if (Buffer.compare(Buffer.from(opened), Buffer.from(plaintext)) !== 0)
    throw new Error(`${sensor.id}: the reader did not get the plaintext shared`);
  writeSteps.unwrapOpen = marks.at(-1)! - start;

  const steps = Object.fromEntries(STEPS.map((step, i) => [step, marks[i + 1] - marks[i]])) as Record<Step, number>;
  return { steps, writeSteps, endToEnd: marks.at(-1)! - marks[0] };
}

/** p50 / p95 / max of each step and end to end. */
function summarize(samples: readonly Sample[]) {
  const pick = (d: Distribution) => ({ p50: d.p50, p95: d.p95, max: d.max });
  const steps = Object.fromEntries(STEPS.map((step) => [step, pick(distribution(samples.map((s) => s.steps[step])))]));
  const keys = [...new Set(samples.flatMap((s) => Object.keys(s.writeSteps)))];
  const writeSteps = Object.fromEntries(
    keys.map((step) => [step, pick(distribution(samples.map((s) => s.writeSteps[step] ?? 0)))]),
  );
  return { samples: samples.length, endToEnd: pick(distribution(samples.map((s) => s.endToEnd))), steps, writeSteps };
}

/** Clock ticks per second of /proc/<pid>/stat (Linux); undefined where there is no /proc. */
const CLOCK_TICKS = (() => {
  if (!fs.existsSync("/proc/self/stat")) return undefined;
  try {
    return Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim());
  } catch {
    return 100;
  }
})();

/** CPU time (user + system, ms) process `pid` used so far, from /proc; undefined where unknown. */
function processCpuMs(pid: number | null | undefined): number | undefined {
  if (CLOCK_TICKS === undefined || pid === null || pid === undefined) return undefined;
  try {
    // Fields after the command name: state is 3rd, utime the 14th and stime the 15th of the line.
    const fields = fs.readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
  } catch {
    return undefined;
  }
}

/**
 * Where a level's CPU went: the bench process (sensors, store nodes, gateways and reader, one
 * event loop) and the sharing community's chain process, per share and in cores used.
 */
function cpuOf(setup: Setup, run: () => Promise<number>) {
  const chainPid = setup.topology.communities.find((c) => c.name === setup.plan[0].chain)?.pid;
  return async () => {
    const [wall, bench, chain] = [performance.now(), process.cpuUsage(), processCpuMs(chainPid)];
    const shares = await run();
    const wallMs = performance.now() - wall;
    const used = process.cpuUsage(bench);
    const benchMs = (used.user + used.system) / 1000;
    const chainAfter = processCpuMs(chainPid);
    const chainMs = chain === undefined || chainAfter === undefined ? undefined : chainAfter - chain;
    return {
      benchMsPerShare: round(benchMs / shares),
      benchCores: round(benchMs / wallMs),
      chainMsPerShare: chainMs === undefined ? null : round(chainMs / shares),
      chainCores: chainMs === undefined ? null : round(chainMs / wallMs),
    };
  };
}

async function sweep(setup: Setup, path: BenchPath) {
  const levels = [];
  const name = pathName(path);
  for (let sensors = MIN_SENSORS; sensors <= MAX_SENSORS; sensors++) {
    const samples: Sample[] = [];
    const cpu = await cpuOf(setup, async () => {
      for (let r = 0; r < ROUNDS; r++)
        samples.push(
          ...(await Promise.all(setup.sensors.slice(0, sensors).map((sensor) => share(setup, sensor, path)))),
        );
      return samples.length;
    })();
    const level = { sensors, ...summarize(samples), cpu };
    levels.push(level);
    log(
      `${name.padEnd(15)} ${String(sensors).padStart(2)} sensor${sensors === 1 ? " " : "s"}: end to end p50 ${level.endToEnd.p50} ms, p95 ${level.endToEnd.p95} ms` +
        ` (${STEPS.map((s) => `${s} ${level.steps[s].p95}`).join(", ")} — p95 ms); CPU per share: bench ${cpu.benchMsPerShare} ms` +
        ` (${cpu.benchCores} cores), chain ${cpu.chainMsPerShare ?? "?"} ms (${cpu.chainCores ?? "?"} cores)`,
    );
  }
  return levels;
}

async function setUp(work: string): Promise<{ setup: Setup; dir: string }> {
  const dir = path.join(work, "chains");
  const logFile = path.join(work, "traffic.csv");
  await writeTrafficLog(logFile, WORKLOAD);
  const { document } = await runPartition(logFile, { seed: WORKLOAD.seed });
  const partitionFile = path.join(work, "partition.json");
  await writePartition(partitionFile, document);
  log(
    `chains: main + ${document.chosen.communities.length} communities (${document.chosen.communities.map((c) => c.length).join(", ")} devices)`,
  );
  await chainsUp({
    dir,
    partition: partitionFile,
    basePort: 0,
    mainChainId: MAIN_CHAIN_ID,
    timeoutMs: 120_000,
    projectRoot: hre.config.paths.root,
    configFile: hre.config.paths.configFile,
  });
  log("deploying the contracts");
  await deployAll({ dir, artifactResolver: new ProjectArtifactResolver(hre.artifacts) });
  const topology = readTopology(topologyPath(dir));
  const plan = planParticipants(topology);
  if (plan.length < 2 || plan[0].devices.length < MAX_SENSORS) {
    throw new Error(
      `the workload gave ${plan.length} communities, the first with ${plan[0]?.devices.length ?? 0} devices: ${MAX_SENSORS} sensors and a second community are needed`,
    );
  }
  log("participants: providers, labs, machines, EPRs");
  const setups = await setUpParticipants({ topology, plan, countThreshold: 1000, readingsPerDevice: 1 });
  log("store nodes and gateways");
  // Every sensor and the reader connect from 127.0.0.1 here, where devices would each have their
  // own address: the gateways' per-client limits (8 requests at once) are raised for the bench.
  const stores = await startRunStores(topology, path.join(work, "store"), undefined, {
    limits: { concurrency: 256, ratePerSecond: 100_000, burst: 100_000 },
  });
  const owner = plan[0];
  const provider = chainProvider(topology.communities[0]);
  // The reader: community 2's third party, registered on community 1 for cross-community sharing.
  const reader = walletOf(owner.crossThirdParty!);
  const sensors: Sensor[] = [];
  for (const [i, id] of owner.devices.slice(0, MAX_SENSORS).entries()) {
    const wallet = deviceWallet(id, topology).connect(provider);
    // The owner's device signs here and knows its address: its transactions go out as raw bytes.
    const sender = new LocalSender(wallet, provider);
    const keyring = new SharingKeyring(wallet.signingKey.publicKey);
    keyring.addReader(owner.provider.publicKey);
    keyring.addReader(owner.crossThirdParty!.publicKey);
    sensors.push({
      id,
      wallet,
      sender,
      epr: getAddress(setups[0].eprs[id]),
      view: EquipmentProviderRelationship__factory.connect(setups[0].eprs[id], provider),
      keyring,
      machine: new SyntheticSensor({ seed: 1_000 + i }),
      nonce: await provider.getTransactionCount(wallet.address, "pending"),
      shared: 0,
    });
  }
  const registryAddress = contractAddress(topology.communities[0], "OwnershipRegistry");
  const registry = OwnershipRegistry__factory.connect(registryAddress, provider);
  const orderer = await Orderer.open(registry.connect(systemWallet("orderer").connect(provider)));
  const { chainId } = await provider.getNetwork();
  return {
    setup: {
      topology,
      plan,
      stores,
      provider,
      chainId,
      sensors,
      reader: reader.connect(provider),
      readerSigner: new LocalSender(reader, provider),
      registry,
      registryAddress,
      orderer,
    },
    dir,
  };
}

/**
 * The PRE path's setup, once per sensor and untimed: `cloud` offers storage (price 0: payment is
 * not what is measured) and the device leases 4 MiB; the sensor's stream descriptor (a document:
 * which device, which machine, which reader) is sealed, put through the paid put, queued Low and
 * registered in an orderer batch, tokenized Complete, audited by `cloud` (fragments stored, root =
 * hash) and listed; the reader buys it with a fresh receiving key and the device grants the trade
 * (`grantTrade`: kfrag at the community's proxy, 1-of-1 since there is one store node per
 * community, then `DataTrade.grant`); the reader receives the descriptor once (`receiveTrade`).
 * Returns each sensor's setup time.
 */
async function setUpPre(setup: Setup): Promise<number[]> {
  const { provider, chainId, reader } = setup;
  const chain = setup.topology.communities[0];
  const community = setup.stores.of(setup.plan[0].chain);
  const proxies = [community.gateway.url];
  const cloud = systemWallet("cloud").connect(provider);
  const ledger = StorageLedger__factory.connect(contractAddress(chain, "StorageLedger"), provider);
  const assets = DataAsset__factory.connect(contractAddress(chain, "DataAsset"), provider);
  const trade = DataTrade__factory.connect(contractAddress(chain, "DataTrade"), provider);
  await (await ledger.connect(cloud).setOffer(0n, 24n * 30n)).wait();
  // The reader (community 2's lab) holds no ether on community 1 for its buys: the deployer gives some.
  if ((await provider.getBalance(reader.address)) < parseEther("0.5"))
    await (
      await systemWallet("deployer")
        .connect(provider)
        .sendTransaction({ to: reader.address, value: parseEther("1") })
    ).wait();
  const now = async () => BigInt((await provider.getBlock("latest"))!.timestamp);
  const times: number[] = [];
  const streams = [];
  for (const sensor of setup.sensors) {
    const start = performance.now();
    const owner = sensor.wallet;
    const descriptor = new TextEncoder().encode(
      JSON.stringify({ stream: "commchain sensor status", device: owner.address, reader: reader.address }),
    );
    const sealed = sealFragments(descriptor);
    const manifest: FragmentManifest & { keyWrap: PreKeyWrap } = {
      ...sealed.manifest,
      keyWrap: wrapKeyForAsset(owner, sealed.manifest.root, sealed.key),
    };
    sealed.key.fill(0);
    await (await ledger.connect(owner).payStorage(cloud.address, LEASE_BYTES, LEASE_HOURS, 0n, await now())).wait();
    for (const [i, fragment] of sealed.fragments.entries())
      manifest.fragments[i].cid = (await putPaid(community.gateway.url, fragment, owner, { chainId })).cid;
    const manifestCid = (
      await putPaid(community.gateway.url, new TextEncoder().encode(JSON.stringify(manifest)), owner, { chainId })
    ).cid;
    await (
      await setup.registry.connect(owner).enqueueLow(manifest.root, await now(), DataKind.Virtual, LifecycleStage.Using)
    ).wait();
    streams.push({ sensor, manifest, fragments: sealed.fragments, manifestCid, start });
  }
  // The descriptors are Low (documents): registered by the orderer's next batches (5 Low each).
  while ((await setup.registry.lowPending()) > 0n) await setup.orderer.flush();
  for (const { sensor, manifest, fragments, manifestCid, start } of streams) {
    const owner = sensor.wallet;
    const hash = manifest.root;
    await (await assets.connect(owner).tokenize(hash, `ipfs://${manifestCid}`, 0n, 0, [])).wait();
    // The audit (§4.4 step 2): every fragment stored and the root the registered hash.
    checkManifest(manifest, hash);
    for (const [i, f] of manifest.fragments.entries())
      checkFragment(manifest, i, await community.node.store.get(f.cid!));
    await (await assets.connect(cloud).confirmStored(BigInt(hash))).wait();
    const receiving = freshReceivingKey();
    const receipt = await (await trade.connect(reader).buy(BigInt(hash), 0n, receiving.publicKey)).wait();
    const opened = receipt!.logs.map((l) => trade.interface.parseLog(l)).find((l) => l?.name === "TradeOpened");
    const tradeId = opened!.args.id as bigint;
    const { threshold } = await grantTrade({
      owner,
      trade: trade.connect(owner),
      tradeId,
      assetHash: hash,
      buyerPreKey: receiving.publicKey,
      proxies,
    });
    await receiveTrade({
      buyer: setup.readerSigner,
      tradeId,
      receivingSecretKey: receiving.secretKey,
      manifest,
      fragments,
      dataHash: hash,
      proxies,
      threshold,
    });
    sensor.pre = { assetHash: hash, tradeId, receivingSecretKey: receiving.secretKey, threshold };
    sensor.nonce = await provider.getTransactionCount(owner.address, "pending");
    times.push(performance.now() - start);
  }
  return times;
}

async function main(): Promise<void> {
  const started = performance.now();
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "commchain-bench-sharing-"));
  let dir: string | undefined;
  let setup: Setup | undefined;
  const stop = async () => {
    await setup?.orderer.close();
    await setup?.stores.close();
    setup?.provider.destroy();
    const chains = dir ?? path.join(work, "chains");
    if (fs.existsSync(topologyPath(chains))) {
      log("stopping the chains");
      await chainsDown(chains);
    }
    fs.rmSync(work, { recursive: true, force: true });
  };
  // The chain processes outlive this one: an interrupted bench must still stop them.
  process.once("SIGINT", () => {
    log("interrupted: stopping the chains and stores");
    void stop().finally(() => process.exit(130));
  });
  try {
    ({ setup, dir } = await setUp(work));
    log(`paths: ${PATHS.map(pathName).join(", ")}`);
    let preSetupMs: number[] = [];
    if (PATHS.some((p) => p.via === "pre")) {
      log("PRE: stream assets registered, stored, tokenized, audited, bought and granted (setup, untimed)");
      preSetupMs = await setUpPre(setup);
    }
    // Warm up every path once (first connections, first DHT lookups) before measuring.
    for (const p of PATHS) await Promise.all(setup.sensors.map((sensor) => share(setup!, sensor, p)));
    const measuring = performance.now();
    const modes: Record<string, Awaited<ReturnType<typeof sweep>>> = {};
    for (const p of PATHS) modes[pathName(p)] = await sweep(setup, p);
    const measuredS = round((performance.now() - measuring) / 1000);
    const goal = goalsOf(modes);
    const spec = latencyChartSpec(
      modes,
      `${ROUNDS} rounds per sensor count; ${os.availableParallelism()} cores; p50 solid, p95 dashed`,
    );
    fs.mkdirSync(OUT_DIR, { recursive: true });
    const chart = path.join(OUT_DIR, "sharing-latency.svg");
    fs.writeFileSync(chart, await renderSvg(spec));
    log(`chart: ${chart}`);
    const figures = {
      bench: "sharing-latency",
      unit: "ms",
      cpus: os.availableParallelism(),
      load: os.loadavg().map((l) => round(l)),
      rounds: ROUNDS,
      payloadBytes,
      readersPerEnvelope: 3,
      steps: STEPS,
      paths: PATHS.map(pathName),
      paper: PAPER,
      modes,
      preSetupMsPerSensor: preSetupMs.length === 0 ? null : distribution(preSetupMs),
      goal,
      spearman: trendOf(modes),
      met: goal.paper.met && goal.gateway.met !== false,
      chart,
      runtimeS: { measured: measuredS, total: round((performance.now() - started) / 1000) },
    };
    console.log(JSON.stringify(figures));
  } finally {
    await stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
