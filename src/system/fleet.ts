/**
 * The IoT units of a run (BPIIoT IV.D, VI.A–B): one in-process `IoTUnit` per device on its
 * community chain, all running at once. Each streams a seeded synthetic machine's temperature
 * and vibration to MaintenanceService (service requests and part orders fire at the machine's
 * count thresholds, parts paid in DataToken under permits) and shares status snapshots through
 * its EPR, sealed for its provider and its readers:
 *
 * - from the start, the third party of its own community;
 * - after its first snapshot, also the third party of the next community (cross-community);
 * - one device of the run revokes its own community's third party after its second snapshot:
 *   the revocation is sent for every record it was authorized on and the keyring rotates, so
 *   later snapshots are not wrapped for it.
 *
 * The readings are split evenly between the snapshots: a device takes its share of readings,
 * uploads a snapshot, changes its readers as above, and goes on.
 */
import path from "node:path";
import { performance } from "node:perf_hooks";
import { getAddress } from "ethers";
import type { DeviceId, Topology } from "../chains/topology";
import { IoTUnit, SyntheticSensor, unitChainFromTopology, type IoTUnitEvents } from "../iot";
import { WRITE_STEPS, type SharingStep } from "../offchain";
import { RunInterruptedError } from "./errors";
import { DEFAULT_PART_PRICE } from "../../ignition/modules/defaults";
import { maxFires } from "../iot/gas";
import { maxPartOrders, type CommunityPlan } from "./participants";
import type { RunStores } from "./stores";
import { assertDeviceId } from "../traffic/device-id";

/** How often a unit's sender polls for the receipt of what it sent: the local chains mine at once. */
const RECEIPT_POLL_MS = 20;
/** A batch is sent when full; the delay only bounds a slow sensor, which the synthetic one is not. */
const BATCH_MAX_DELAY_MS = 60_000;
/**
 * Readings between checks of the abort signal and yields to the event loop. A reading the batcher
 * only buffers resolves at once, so without a yield a unit would feed hundreds of readings as one
 * run of microtasks and starve the I/O of everything else in the process (receipts, the store
 * nodes' DHT traffic, the gateways) while 40-odd units take turns.
 */
const YIELD_EVERY = 50;

/**
 * The state directory of `device`'s unit under `stateDir`. The id is checked again although the
 * log reader and partition.json reader already did: a topology or plan built some other way must
 * not make `path.join` write a queue or keyring outside the run directory (`../../x`).
 */
export function unitStateDir(stateDir: string, device: DeviceId): string {
  return path.join(stateDir, assertDeviceId(device, `unit state directory under ${stateDir}`));
}

/** Options of {@link runFleet}. */
export interface FleetOptions {
  /** The chains directory (topology.json). */
  readonly chainsDir: string;
  readonly topology: Topology;
  readonly plan: readonly CommunityPlan[];
  /** Each device's EPR with its community's provider. */
  readonly eprs: Readonly<Record<DeviceId, string>>;
  readonly stores: RunStores;
  /** One state directory per unit is made under it (queue, state, keyrings). */
  readonly stateDir: string;
  readonly readingsPerDevice: number;
  readonly uploadsPerDevice: number;
  readonly readingBatch: number;
  /** The machines' count thresholds (how many parts a batch can order). */
  readonly countThreshold: number;
  readonly seed: number;
  readonly mnemonic?: string;
  readonly signal?: AbortSignal;
  readonly onProgress?: (counts: FleetCounts) => void;
}

/** Running totals of the fleet. */
export interface FleetCounts {
  readingsTaken: number;
  readingsApplied: number;
  batches: number;
  serviceRequests: number;
  partOrders: number;
  statusRecords: number;
  authorizations: number;
  revocations: number;
  reverted: number;
}

/** What one unit did. */
export interface UnitFigures {
  readonly device: DeviceId;
  readonly chain: string;
  readonly address: string;
  readonly epr: string;
  readonly readings: number;
  readonly batches: number;
  readonly serviceRequests: number;
  readonly partOrders: number;
  /**
   * DataToken received in the unit's own transactions and paid (parts), smallest unit, decimal
   * strings. Upload rewards come in the verifier's transaction: the report adds them.
   */
  readonly earned: string;
  readonly spent: string;
  /** DataToken balance at the end, decimal string. */
  readonly balance: string;
  readonly statusRecords: number;
  readonly authorizations: number;
  readonly revocations: number;
  readonly reverted: number;
  /** Background failures the unit reported (none in a healthy run). */
  readonly failures: readonly string[];
}

/** A status record a unit put in its EPR, with who may read it. */
export interface SharedStatusRecord {
  readonly device: DeviceId;
  readonly chain: string;
  readonly epr: string;
  readonly recordId: number;
  readonly cid: string;
  readonly contentHash: string;
  /** 1-based number of the device's snapshot. */
  readonly sequence: number;
  /** Addresses the data key was wrapped for (device, provider, third parties). */
  readonly sealedFor: readonly string[];
  /** Third parties authorized on chain and not revoked. */
  readonly readers: readonly string[];
  /** Third parties authorized, then revoked. */
  readonly revoked: readonly string[];
}

/** The fleet's outcome. */
export interface FleetResult {
  readonly units: readonly UnitFigures[];
  readonly records: readonly SharedStatusRecord[];
  readonly counts: FleetCounts;
  /**
   * Steps 1–2 of the digital-twin paper's sharing, ms per record: sealing and storing the
   * snapshot (hash, encrypt, wrap, encode, put) plus its EPR record from sent to mined.
   */
  readonly shareLatencyMs: readonly number[];
  /** Upload start → the EPR record mined, ms per record: steps 1–2 plus the wait behind the unit's queued reading batches. */
  readonly queuedShareLatencyMs: readonly number[];
  /** Duration of each write step of the uploads (hash, encrypt, wrap, encode, put), ms. */
  readonly writeStepsMs: Readonly<Record<SharingStep, readonly number[]>>;
  /** The device that revoked its community's third party, and that third party. */
  readonly rotation?: { readonly device: DeviceId; readonly reader: string };
}

/** Seeds of the devices' sensors: distinct per device and per run seed. */
export function sensorSeed(runSeed: number, deviceIndex: number): number {
  return runSeed * 100_003 + deviceIndex;
}

/** Readings before snapshot `k` (1-based) of `uploads`: the readings split evenly, the rest in the last. */
export function readingsBefore(k: number, readings: number, uploads: number): number {
  const share = Math.floor(readings / uploads);
  return k === uploads ? readings - share * (uploads - 1) : share;
}

function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined, step: string): Promise<T> {
  if (signal === undefined) return promise;
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new RunInterruptedError(step));
    if (signal.aborted) return onAbort();
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
}

/** A running unit with what it saw. */
interface UnitRun {
  readonly device: DeviceId;
  readonly chain: string;
  readonly epr: string;
  readonly unit: IoTUnit;
  readonly figures: Omit<UnitFigures, "earned" | "spent" | "balance" | "device" | "chain" | "address" | "epr" | "failures">;
  readonly failures: string[];
  /** Time spent sealing and storing the snapshot being uploaded, ms (the write steps). */
  writeMs: number;
}

/**
 * Opens every unit, runs them all to the end (every reading applied, every record and
 * authorization mined) and closes them; on failure or abort, the units are closed too (their
 * queues keep whatever was not sent).
 */
export async function runFleet(options: FleetOptions): Promise<FleetResult> {
  const counts: FleetCounts = { readingsTaken: 0, readingsApplied: 0, batches: 0, serviceRequests: 0, partOrders: 0, statusRecords: 0, authorizations: 0, revocations: 0, reverted: 0 };
  const report = () => options.onProgress?.({ ...counts });
  const writeStepsMs = Object.fromEntries(WRITE_STEPS.map((s) => [s, [] as number[]])) as unknown as Record<SharingStep, number[]>;
  const shareLatencyMs: number[] = [];
  const uploadStarted = new Map<string, number>();
  const recordSent = new Map<string, number>();
  const queuedShareMs: number[] = [];
  const records = new Map<string, { device: DeviceId; chain: string; epr: string; recordId: number; cid: string; contentHash: string; sequence: number; sealedFor: string[]; readers: Set<string>; revoked: Set<string> }>();
  const pendingUploads = new Map<string, { cid: string; contentHash: string; sequence: number; sealedFor: string[]; writeMs: number }>();
  const key = (epr: string, id: bigint | number) => `${getAddress(epr)}#${id}`;

  const deviceIndex = new Map(options.topology.devices.map((d, i) => [d, i]));
  // The public keys of every provider and third party: a reader that moves its identity to one of
  // these accounts gets later snapshots sealed for it.
  const participantKeys = new Map(options.plan.flatMap((p) => [p.provider, p.thirdParty]).map((p) => [p.address, p.publicKey]));
  const rotating = options.plan.find((p) => p.devices.length > 0);
  const rotation = rotating === undefined || options.uploadsPerDevice < 2 ? undefined : { device: rotating.devices[0], reader: rotating.thirdParty.address };

  // Batches are signed (and their permits decided) well before earlier ones are mined, against
  // the allowance last seen: a permit covers every part the run may order, and a new one is
  // signed while the allowance still covers the parts one batch can order.
  const funding = {
    lowWater: DEFAULT_PART_PRICE * BigInt(maxFires(Math.min(options.readingBatch, options.readingsPerDevice), options.countThreshold)),
    target: DEFAULT_PART_PRICE * BigInt(maxPartOrders(options.readingsPerDevice, options.countThreshold)),
  };

  /** Counts what the unit reports, and keeps its records and their readers. */
  function watch(run: UnitRun): void {
    const f = run.figures as { -readonly [K in keyof UnitRun["figures"]]: number };
    const on = <K extends keyof IoTUnitEvents>(event: K, listener: (...args: IoTUnitEvents[K]) => void) => run.unit.on(event, listener as never);
    on("readingsApplied", (e) => {
      f.readings += e.readings;
      f.batches += 1;
      counts.readingsApplied += e.readings;
      counts.batches += 1;
      report();
    });
    on("serviceRequested", () => {
      f.serviceRequests += 1;
      counts.serviceRequests += 1;
    });
    on("partOrdered", () => {
      f.partOrders += 1;
      counts.partOrders += 1;
    });
    on("statusUploaded", (upload) => {
      pendingUploads.set(`${run.device}#${upload.nonce}`, { cid: upload.cid, contentHash: upload.contentHash, sequence: upload.sequence, sealedFor: upload.readers, writeMs: run.writeMs });
    });
    run.unit.queue.on("sent", (entry) => {
      if (entry.kind === "record" && !recordSent.has(`${run.device}#${entry.nonce}`)) recordSent.set(`${run.device}#${entry.nonce}`, performance.now());
    });
    on("recordAdded", (e) => {
      const now = performance.now();
      const upload = pendingUploads.get(`${run.device}#${e.nonce}`);
      const started = uploadStarted.get(`${run.device}#${upload?.sequence}`);
      const sent = recordSent.get(`${run.device}#${e.nonce}`);
      // Steps 1–2 as the paper times them: sealing and storing the data, then its record from
      // sent to mined. The unit's own backlog (reading batches queued before the record) is
      // what the queued figure adds.
      if (upload !== undefined && sent !== undefined) shareLatencyMs.push(upload.writeMs + (now - sent));
      if (started !== undefined) queuedShareMs.push(now - started);
      records.set(key(e.epr, e.recordId), {
        device: run.device,
        chain: run.chain,
        epr: getAddress(e.epr),
        recordId: Number(e.recordId),
        cid: upload?.cid ?? e.uri.replace(/^ipfs:\/\//, ""),
        contentHash: e.contentHash,
        sequence: upload?.sequence ?? 0,
        sealedFor: upload?.sealedFor ?? [],
        readers: new Set(),
        revoked: new Set(),
      });
      f.statusRecords += 1;
      counts.statusRecords += 1;
    });
    on("readerAuthorized", (e) => {
      records.get(key(e.epr, e.recordId))?.readers.add(getAddress(e.reader));
      f.authorizations += 1;
      counts.authorizations += 1;
    });
    on("readerRevoked", (e) => {
      const record = records.get(key(e.epr, e.recordId));
      record?.readers.delete(getAddress(e.reader));
      record?.revoked.add(getAddress(e.reader));
      f.revocations += 1;
      counts.revocations += 1;
    });
    on("reverted", (info) => {
      f.reverted += 1;
      counts.reverted += 1;
      run.failures.push(`transaction ${info.nonce} (${info.kind}) reverted: ${info.reason}`);
    });
    on("failure", ({ operation, error }) => run.failures.push(`${operation}: ${error.message}`));
  }

  const runs: UnitRun[] = [];
  try {
    // Units open in parallel (each reads its chain a few times); those that opened are closed in
    // `finally` even if another failed to.
    const opened = await Promise.allSettled(
      options.plan.flatMap((plan) =>
        plan.devices.map(async (device) => {
          const resolved = unitChainFromTopology(options.chainsDir, device, { chain: plan.chain, mnemonic: options.mnemonic });
          const epr = getAddress(options.eprs[device]);
          const unit = await IoTUnit.open({
            wallet: resolved.wallet,
            chain: resolved.rpc,
            chainId: resolved.chainId,
            contracts: resolved.contracts,
            machine: resolved.wallet.address,
            stateDir: unitStateDir(options.stateDir, device),
            batch: { size: options.readingBatch, maxDelayMs: BATCH_MAX_DELAY_MS },
            sharing: { store: options.stores.of(plan.chain).node.store, relationships: [{ epr, provider: plan.provider.publicKey }], readerKeyOf: (account) => participantKeys.get(account) },
            funding,
            queue: { pollIntervalMs: RECEIPT_POLL_MS },
          });
          const run: UnitRun = {
            device,
            chain: plan.chain,
            epr,
            unit,
            figures: { readings: 0, batches: 0, serviceRequests: 0, partOrders: 0, statusRecords: 0, authorizations: 0, revocations: 0, reverted: 0 },
            failures: [],
            writeMs: 0,
          };
          runs.push(run);
          watch(run);
        }),
      ),
    );
    const failedOpen = opened.find((o): o is PromiseRejectedResult => o.status === "rejected");
    if (failedOpen !== undefined) throw failedOpen.reason;
    // Runs in plan order, whatever order the units opened in.
    const order = new Map(options.plan.flatMap((p) => p.devices).map((d, i) => [d, i]));
    runs.sort((a, b) => order.get(a.device)! - order.get(b.device)!);

    const drive = async (run: UnitRun): Promise<void> => {
      const plan = options.plan.find((p) => p.chain === run.chain)!;
      const sensor = new SyntheticSensor({ seed: sensorSeed(options.seed, deviceIndex.get(run.device) ?? 0), count: options.readingsPerDevice });
      const step = "units";
      await run.unit.shareWith(plan.thirdParty.publicKey);
      for (let k = 1; k <= options.uploadsPerDevice; k++) {
        const readings = readingsBefore(k, options.readingsPerDevice, options.uploadsPerDevice);
        for (let i = 0; i < readings; i++) {
          if (i % YIELD_EVERY === 0) {
            await new Promise((resolve) => setImmediate(resolve));
            if (options.signal?.aborted) throw new RunInterruptedError(step);
          }
          await run.unit.record(sensor.next());
          counts.readingsTaken += 1;
        }
        uploadStarted.set(`${run.device}#${k}`, performance.now());
        run.writeMs = 0;
        await run.unit.uploadStatus({
          onStep: (s, ms) => {
            writeStepsMs[s]?.push(ms);
            run.writeMs += ms;
          },
        });
        if (k === 1 && plan.crossThirdParty !== undefined) await run.unit.shareWith(plan.crossThirdParty.publicKey);
        if (k === 2 && rotation?.device === run.device) {
          // The authorizations of the records so far must be mined before they can be revoked.
          await abortable(run.unit.idle(), options.signal, step);
          await run.unit.stopSharingWith(rotation.reader);
        }
      }
      await abortable(run.unit.idle(), options.signal, step);
    };
    await Promise.all(runs.map(drive));
    report();

    const units: UnitFigures[] = [];
    for (const run of runs) {
      const balance = await run.unit.balance();
      units.push({
        device: run.device,
        chain: run.chain,
        address: run.unit.address,
        epr: run.epr,
        ...run.figures,
        earned: run.unit.ledger.earned.toString(),
        spent: run.unit.ledger.spent.toString(),
        balance: balance.toString(),
        failures: run.failures,
      });
    }
    return {
      units,
      records: [...records.values()]
        .map((r) => ({ ...r, readers: [...r.readers], revoked: [...r.revoked] }))
        .sort((a, b) => a.chain.localeCompare(b.chain) || a.device.localeCompare(b.device) || a.recordId - b.recordId),
      counts: { ...counts },
      shareLatencyMs,
      queuedShareLatencyMs: queuedShareMs,
      writeStepsMs,
      rotation,
    };
  } finally {
    // Drained already when the run got this far; after a failure what was not sent stays queued on disk.
    await Promise.all(runs.map((run) => run.unit.close().catch(() => undefined)));
  }
}
