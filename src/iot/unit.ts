/**
 * The IoT unit of BPIIoT (IV.D): the bridge between one machine and its community chain.
 *
 *   device layer       a `SensorSource` (synthetic machine, callback, iterator, CSV replay)
 *   service layer      readings batched to MaintenanceService; part payments kept funded by
 *                      EIP-2612 permits; status snapshots sealed for the EPR's readers, stored
 *                      off-chain, their pointer and hash added to the EPR by the device itself
 *                      with its third-party readers authorized in the same transaction and a
 *                      commitment to the stored object for its verifier; readers revoked on
 *                      request (a durable intent first, so a crash loses no revocation); readers
 *                      followed when they move their identity (the Register's `AccountChanged`)
 *   network layer      every transaction through the durable exactly-once queue (`tx-queue.ts`)
 *   application layer  typed events: readings applied, service requested, part ordered, record
 *                      added, readers changed, balance, reverts, outages
 *
 * Everything the unit sends goes through the queue, so it keeps working while the chain is down:
 * readings and records pile up on disk and are sent in order when the chain is back, none lost
 * and none applied twice, across restarts of the unit too. What needs the chain's answer right
 * now (a permit's nonce, the Register check of a reader) is skipped or deferred while it is down.
 *
 * Files in `stateDir`: `queue.ndjson` (the queue), `unit.json` (upload count, authorizations,
 * revocation intents, the upload intent, readers' moves, cached machine settings), `keyrings/<epr>.json` (readers per
 * relationship; public keys only).
 */
import { EventEmitter } from "node:events";
import path from "node:path";
import { getAddress, toBeHex, zeroPadValue } from "ethers";
import type { ContentStore } from "../offchain";
import type { ReaderKey, StepListener } from "../offchain";
import { readerKey } from "../offchain";
import { dataTokenInterface, eprInterface, maintenanceServiceInterface, registerInterface } from "./abi";
import { objectCommitment, objectDigest } from "./attestation";
import { readContract } from "./chain-read";
import { IoTConfigError, UnitClosedError, UnregisteredReaderError } from "./errors";
import { checkFundingPolicy, defaultFundingPolicy, needsPermit, signPermit, type FundingPolicy, type SignedPermit, type TypedDataSigner } from "./funding";
import { batchGasLimit, DEFAULT_GAS, type GasSchedule } from "./gas";
import type { JsonValue, QueueEntry } from "./queue-file";
import { DEFAULT_BATCH, ReadingBatcher, toContractReading, type BatchPolicy } from "./readings";
import {
  parseReceiptEvents,
  type PartOrderedEvent,
  type PartOrderPaidEvent,
  type PartOrderUnpaidEvent,
  type ReadingsAppliedEvent,
  type ReaderChangedEvent,
  type RecordAddedEvent,
  type ServiceRequestedEvent,
} from "./receipt-events";
import { RelationshipKeyrings, type RelationshipConfig } from "./relationships";
import { checkReading, type SensorReading, type SensorSource } from "./sensors";
import { decodeStatus, encodeStatus, StatusAccumulator, statusQuery, type StatusSnapshot } from "./status";
import { statusRecordCall } from "./status-record";
import { isOutage, toTransport, type ChainEndpoint, type ChainTransport } from "./transport";
import { TransactionQueue, type OfflineSigner, type SettledEntry, type TransactionQueueOptions } from "./tx-queue";
import { UnitState, type MachineSettings, type RevocationIntent, type UploadIntent } from "./unit-state";

/** The unit's key: an ethers `Wallet` (signs offline, exposes its public key for the keyrings). */
export type UnitWallet = OfflineSigner & TypedDataSigner & { readonly privateKey: string; readonly signingKey: { readonly publicKey: string } };

/** The contracts the unit talks to on its chain. */
export interface UnitContracts {
  maintenanceService: string;
  dataToken: string;
  /** Checked before a third party is added as a reader (it must be registered). Optional. */
  register?: string;
}

/** Off-chain status sharing. */
export interface SharingOptions {
  /** Where envelopes go (`openHeliaStore`, `openKuboStore`, a cluster node). */
  store: ContentStore;
  /** The device's EPRs with their providers' public keys. */
  relationships: readonly RelationshipConfig[];
  /** Upload a status snapshot every this many readings (0 or missing: only on `uploadStatus()`). */
  statusEvery?: number;
  /**
   * The public key of a reader's new account, when a reader moves its identity (`AccountChanged`
   * in the Register): later snapshots are wrapped for it. Missing, or answering undefined: the
   * old key is dropped and the unit reports `readerMoved` with `rewrapped: false`, for the
   * application to `shareWith` the new key once it knows it.
   */
  readerKeyOf?: (account: string) => Promise<string | undefined> | string | undefined;
}

export interface IoTUnitOptions {
  wallet: UnitWallet;
  /** The community chain: an RPC URL, an EIP-1193 provider, an ethers provider, or a transport. */
  chain: ChainEndpoint;
  /** The chain id (asked of the chain the first time when missing). */
  chainId?: number;
  contracts: UnitContracts;
  /** The machine's address in MaintenanceService (the unit must be its registered unit). */
  machine: string;
  /** Directory of the unit's queue, state and keyrings. */
  stateDir: string;
  sensor?: SensorSource;
  batch?: Partial<BatchPolicy>;
  /** Permit policy; `false` never signs permits (the unit is approved some other way). Defaults from the part price. */
  funding?: Partial<FundingPolicy> | false;
  sharing?: SharingOptions;
  queue?: Pick<TransactionQueueOptions, "retry" | "pollIntervalMs" | "resendAfterMs" | "compactEvery" | "fees" | "startNonce" | "nonceUsedGraceMs">;
  gas?: Partial<GasSchedule>;
  /** Timeout of one RPC request when `chain` is a URL. */
  requestTimeoutMs?: number;
}

/** A status snapshot uploaded and its pointer queued for the EPR. */
export interface StatusUpload {
  epr: string;
  cid: string;
  uri: string;
  /** keccak-256 of the snapshot's bytes: the EPR record's contentHash. */
  contentHash: string;
  /** keccak-256 of the stored envelope: what a verifier reveals to attest the record. */
  objectDigest: string;
  /** The commitment to `objectDigest` the record carries. */
  objectCommitment: string;
  query: string;
  sequence: number;
  /** Addresses the data key was wrapped for. */
  readers: string[];
  /**
   * Nonce of the queued record transaction: `addRecordWithReaders` authorizing the third-party
   * readers with the record (`addRecord` when there are none).
   */
  nonce: number;
  snapshot: StatusSnapshot;
}

/** The unit's token account as far as it has seen: from its own transactions' receipts. */
export interface TokenLedger {
  /** Tokens received (upload rewards). */
  earned: bigint;
  /** Tokens paid (parts). */
  spent: bigint;
  /** The balance on chain right after the last change, when the chain could be asked. */
  balance?: bigint;
}

/** A queued transaction that was mined and reverted. */
export interface RevertedTransaction {
  nonce: number;
  hash: string;
  kind: string;
  reason: string;
  meta: { [key: string]: JsonValue };
}

/** Settings the machine's owner proposed, waiting for the unit or for their delay. */
export interface PendingMachineSettings extends Omit<MachineSettings, "partPrice"> {
  unit: string;
  partPrice: bigint;
  /** When anyone may put them into effect (Unix s). */
  effectiveAt: number;
}

/** `MaintenanceService.PartOrderStatus.Unpaid`. */
const PART_ORDER_UNPAID = 2;

/** Events of the unit. */
export interface IoTUnitEvents {
  /** A reading batch was signed and queued durably. */
  batchQueued: [info: { nonce: number; readings: number; permit: boolean }];
  /** A permit was signed and rides on the batch with nonce `batchNonce`. */
  permitSigned: [info: { value: bigint; nonce: bigint; deadline: bigint; batchNonce: number }];
  readingsApplied: [event: ReadingsAppliedEvent];
  serviceRequested: [event: ServiceRequestedEvent];
  partOrdered: [event: PartOrderedEvent];
  /**
   * A part order could not be paid (no allowance or balance): its batch still applied, every
   * reading and request is on chain; `payUnpaidOrders` settles it once the unit is funded.
   */
  partOrderUnpaid: [event: PartOrderUnpaidEvent];
  /** An unpaid part order was paid. */
  partOrderPaid: [event: PartOrderPaidEvent];
  /**
   * The machine's owner proposed settings that take effect at `effectiveAt` (Unix s) unless the
   * unit accepts them earlier (`acceptPendingSettings`): seen when the unit reads the chain after
   * each batch or an outage (one found on open is in `unit.pendingSettings`). A device program
   * that does not agree stops reporting, or lowers its allowance, before then.
   */
  settingsPending: [info: PendingMachineSettings];
  statusUploaded: [upload: StatusUpload];
  recordAdded: [event: RecordAddedEvent];
  readerAuthorized: [event: ReaderChangedEvent];
  readerRevoked: [event: ReaderChangedEvent];
  /** A reader named for a record held no identity any more and was left out of it by the EPR. */
  readerSkipped: [event: ReaderChangedEvent];
  /**
   * A reader moved its identity from `previous` to `next`: the old key gets nothing sealed from
   * now on, the authorizations are the new account's; `rewrapped` when the new key was found
   * (`sharing.readerKeyOf`) and later snapshots are sealed for it.
   */
  readerMoved: [info: { previous: string; next: string; eprs: string[]; rewrapped: boolean }];
  /** A revocation a crash interrupted was finished on open: `queued` are the revokes queued now. */
  revocationResumed: [info: RevocationIntent & { queued: number[] }];
  /** A status upload a crash or a failed store interrupted was finished: `queued` are the nonces of the records queued now. */
  uploadResumed: [info: { sequence: number; eprs: string[]; queued: number[] }];
  /** The token ledger changed (a reward came in, a part was paid). */
  balance: [ledger: TokenLedger];
  reverted: [info: RevertedTransaction];
  outage: [info: { error: Error; attempt: number; retryInMs: number }];
  recovered: [info: { downForMs: number }];
  /** The queue stopped on an error retrying cannot fix; see `TransactionQueue.resume`. */
  stalled: [error: Error];
  /** Background work failed (a delayed flush, an automatic upload, a listener that threw). */
  failure: [info: { operation: string; error: Error }];
  /** The sensor source ended (`run()` resolves next). */
  sensorEnded: [];
}

/** A serial lock: sharing changes, uploads and follow-ups run one at a time. */
function serialLock(): <T>(run: () => Promise<T>) => Promise<T> {
  let tail: Promise<unknown> = Promise.resolve();
  return <T>(run: () => Promise<T>) => {
    const result = tail.then(run);
    tail = result.catch(() => undefined);
    return result;
  };
}

export class IoTUnit extends EventEmitter<IoTUnitEvents> {
  /** The unit's account (MaintenanceService unit, EPR device). */
  readonly address: string;
  readonly machine: string;
  /** Readings, part payments and tokens as seen in the unit's own receipts. */
  readonly ledger: TokenLedger = { earned: 0n, spent: 0n };
  /** The owner's pending proposal as last read, to report each one once. */
  private pending?: PendingMachineSettings;
  /** Part orders seen unpaid in the unit's receipts and not seen paid since, by order id. */
  private readonly unpaid = new Map<bigint, PartOrderUnpaidEvent>();

  private readonly batcher: ReadingBatcher;
  private readonly accumulator: StatusAccumulator;
  private readonly gas: GasSchedule;
  private readonly sharingLock = serialLock();
  private fundingPolicy: FundingPolicy | undefined;
  private allowance: bigint | undefined;
  private sensorAbort: AbortController | undefined;
  private running: Promise<void> | undefined;
  private closed = false;
  /** Readings at which the next automatic upload is due (pushed back after a failed one). */
  private autoUploadAt: number;

  private constructor(
    private readonly options: IoTUnitOptions,
    private readonly transport: ChainTransport,
    /** The durable transaction queue (exposed for inspection: pending entries, nonces). */
    readonly queue: TransactionQueue,
    private readonly state: UnitState,
    private readonly keyrings: RelationshipKeyrings | undefined,
  ) {
    super();
    this.address = getAddress(options.wallet.address);
    this.machine = getAddress(options.machine);
    this.gas = { ...DEFAULT_GAS, ...options.gas };
    this.batcher = new ReadingBatcher(
      { ...DEFAULT_BATCH, ...options.batch },
      (batch) => this.enqueueBatch(batch),
      (error) => this.safeEmit("failure", { operation: "flush of a batch on its max delay", error: error as Error }),
    );
    this.autoUploadAt = options.sharing?.statusEvery ?? 0;
    const settings = state.settings;
    this.accumulator = new StatusAccumulator({ temperature: settings?.tempThreshold ?? 200, vibration: settings?.vibraThreshold ?? 100 });
    if (options.funding !== false && settings !== undefined) this.fundingPolicy = this.policyFor(BigInt(settings.partPrice));
  }

  /**
   * Opens the unit: its queue (created on first use, which needs the chain for the chain id and
   * nonce unless `chainId` and `queue.startNonce` are given), its state and keyrings; reads the
   * machine's settings and allowance if the chain is up; starts sending whatever is queued.
   */
  static async open(options: IoTUnitOptions): Promise<IoTUnit> {
    const sharing = options.sharing;
    if (sharing !== undefined) {
      if (sharing.relationships.length === 0) throw new IoTConfigError("sharing.relationships", "name at least one EPR");
      if (sharing.statusEvery !== undefined && !(Number.isSafeInteger(sharing.statusEvery) && sharing.statusEvery >= 0)) {
        throw new IoTConfigError("sharing.statusEvery", `must be a non-negative integer, got ${sharing.statusEvery}`);
      }
    }
    for (const [name, address] of Object.entries({ machine: options.machine, ...options.contracts })) {
      if (address === undefined) continue;
      try {
        getAddress(address);
      } catch {
        throw new IoTConfigError(name === "machine" ? "machine" : `contracts.${name}`, `"${address}" is not an address`);
      }
    }
    const transport = toTransport(options.chain, { timeoutMs: options.requestTimeoutMs });
    const state = await UnitState.open(path.join(options.stateDir, "unit.json"), { account: options.wallet.address, machine: options.machine });
    const keyrings = sharing === undefined ? undefined : await RelationshipKeyrings.open(options.stateDir, options.wallet.signingKey.publicKey, sharing.relationships);
    const queue = await TransactionQueue.open({
      ...options.queue,
      file: path.join(options.stateDir, "queue.ndjson"),
      signer: options.wallet,
      transport,
      chainId: options.chainId,
    });
    const unit = new IoTUnit(options, transport, queue, state, keyrings);
    queue.onSettled = (settled) => unit.handleSettled(settled);
    queue.on("outage", (info) => unit.safeEmit("outage", info));
    queue.on("recovered", (info) => {
      unit.safeEmit("recovered", info);
      // A unit opened while the chain was down has not read its machine's settings yet.
      void unit.refreshQuietly("reading the chain after an outage");
    });
    queue.on("stalled", (error) => unit.safeEmit("stalled", error));
    try {
      // Before anything is sent: a revocation a crash cut short is finished first.
      await unit.resumeRevocations();
      await unit.refreshChainView();
      await unit.checkRelationships();
      await unit.followIdentities();
    } catch (error) {
      if (!isOutage(error)) {
        await queue.close();
        throw error;
      }
      // The chain is down: cached settings (if any) serve until it is back.
    }
    // A status upload a crash cut short is finished now (it needs the store, not the chain); if
    // the store is down too, the intent stays on disk and the next `uploadStatus` finishes it.
    await unit.resumeUploadQuietly();
    queue.start();
    return unit;
  }

  /** The owner's proposal waiting for this unit's consent or its delay, as last read; none when nothing is pending. */
  get pendingSettings(): PendingMachineSettings | undefined {
    return this.pending;
  }

  private async readPendingSettings(): Promise<void> {
    const [proposed, effectiveAt] = await readContract(this.transport, this.options.contracts.maintenanceService, maintenanceServiceInterface, "pendingSettings", [this.machine]);
    if ((effectiveAt as bigint) === 0n) {
      this.pending = undefined;
      return;
    }
    const t = proposed.thresholds;
    const next: PendingMachineSettings = {
      unit: proposed.unit as string,
      provider: proposed.provider as string,
      partPrice: proposed.partPrice as bigint,
      tempThreshold: Number(t.tempThreshold),
      tempCountThreshold: Number(t.tempCountThreshold),
      vibraThreshold: Number(t.vibraThreshold),
      vibraCountThreshold: Number(t.vibraCountThreshold),
      effectiveAt: Number(effectiveAt),
    };
    const key = (p: PendingMachineSettings) => [p.effectiveAt, p.unit, p.provider, p.partPrice, p.tempThreshold, p.tempCountThreshold, p.vibraThreshold, p.vibraCountThreshold].join(":");
    const seen = this.pending !== undefined && key(this.pending) === key(next);
    this.pending = next;
    if (!seen) this.safeEmit("settingsPending", next);
  }

  /**
   * Queues the unit's consent to the owner's pending settings (`acceptSettings`), which then take
   * effect at once; the unit re-reads its machine when it is mined. Resolves with the nonce.
   */
  async acceptPendingSettings(): Promise<number> {
    if (this.closed) throw new UnitClosedError(this.address);
    const entry = await this.queue.enqueue({
      kind: "settings",
      to: this.options.contracts.maintenanceService,
      data: maintenanceServiceInterface.encodeFunctionData("acceptSettings", [this.machine]),
      gasLimit: this.gas.batchBase,
      meta: {},
    });
    return entry.nonce;
  }

  /** Part orders the unit saw left unpaid and has not seen paid, oldest first. */
  get unpaidOrders(): PartOrderUnpaidEvent[] {
    return [...this.unpaid.values()].sort((a, b) => (a.orderId < b.orderId ? -1 : 1));
  }

  /**
   * Looks up on chain the part orders of this unit's machine that it was charged for and that are
   * still unpaid (`PartOrderUnpaid` logs, then each order's status), so a unit that restarted
   * knows them again. Resolves with what it now knows unpaid, oldest first.
   */
  async findUnpaidOrders(): Promise<PartOrderUnpaidEvent[]> {
    const service = getAddress(this.options.contracts.maintenanceService);
    const topic = (address: string) => zeroPadValue(address, 32);
    const logs = await this.transport.request<{ topics: string[]; data: string; transactionHash: string; blockNumber: string }[]>("eth_getLogs", [
      { address: service, topics: [maintenanceServiceInterface.getEvent("PartOrderUnpaid")!.topicHash, null, topic(this.machine), topic(this.address)], fromBlock: "0x0", toBlock: "latest" },
    ]);
    for (const log of logs) {
      const parsed = maintenanceServiceInterface.parseLog(log);
      if (parsed === null) continue;
      const orderId = parsed.args.orderId as bigint;
      const [order] = await readContract(this.transport, service, maintenanceServiceInterface, "partOrder", [orderId]);
      if (Number(order.status) !== PART_ORDER_UNPAID) {
        this.unpaid.delete(orderId);
        continue;
      }
      if (!this.unpaid.has(orderId)) {
        const tx = await this.transport.request<{ nonce: string } | null>("eth_getTransactionByHash", [log.transactionHash]);
        this.unpaid.set(orderId, { txHash: log.transactionHash, blockNumber: Number(log.blockNumber), nonce: tx === null ? -1 : Number(tx.nonce), orderId, machine: parsed.args.machine as string, payer: parsed.args.payer as string, price: parsed.args.price as bigint });
      }
    }
    return this.unpaidOrders;
  }

  /**
   * Queues one `payPartOrder` per unpaid order of the unit (not already queued), paid from the
   * unit's tokens under its allowance to MaintenanceService: the orders it saw in its receipts
   * and, when the chain answers, those `findUnpaidOrders` finds (after a restart). Call it once the
   * unit is funded; an order still unpayable reverts on its own and stays unpaid. Resolves with
   * the nonces queued.
   */
  async payUnpaidOrders(): Promise<number[]> {
    if (this.closed) throw new UnitClosedError(this.address);
    try {
      await this.findUnpaidOrders();
    } catch (error) {
      // The chain is down: the orders seen in receipts are paid; the rest on a later call.
      if (!isOutage(error)) throw error;
    }
    const queued = new Set(this.queue.pending().filter((e) => e.kind === "payment").map((e) => String(e.meta.orderId)));
    const nonces: number[] = [];
    for (const order of this.unpaidOrders) {
      if (queued.has(order.orderId.toString())) continue;
      const entry = await this.queue.enqueue({
        kind: "payment",
        to: this.options.contracts.maintenanceService,
        data: maintenanceServiceInterface.encodeFunctionData("payPartOrder", [order.orderId]),
        gasLimit: this.gas.batchBase + this.gas.payment,
        meta: { orderId: order.orderId.toString(), price: order.price.toString() },
      });
      nonces.push(entry.nonce);
    }
    return nonces;
  }

  /** The EPRs the unit shares status data through. */
  get relationships(): string[] {
    return this.keyrings?.eprs ?? [];
  }

  /** The machine's settings as last read from the chain (cached across restarts). */
  get settings(): MachineSettings | undefined {
    return this.state.settings;
  }

  /** Readings summarized since the last status upload. */
  get pendingStatusReadings(): number {
    return this.accumulator.count;
  }

  /**
   * Takes one reading: summarizes it for the next status snapshot and adds it to the current
   * batch (a full batch is signed and queued before this resolves). May upload a snapshot when
   * `sharing.statusEvery` readings have accumulated.
   */
  async record(reading: SensorReading): Promise<void> {
    if (this.closed) throw new UnitClosedError(this.address);
    checkReading(this.options.sensor?.name ?? "reading", "", reading);
    this.accumulator.add(reading);
    await this.batcher.add(reading);
    const every = this.options.sharing?.statusEvery ?? 0;
    if (every > 0 && this.accumulator.count >= this.autoUploadAt) {
      try {
        await this.uploadStatus();
        this.autoUploadAt = every;
      } catch (error) {
        // The readings themselves are queued, and the snapshot is kept as an upload intent: a
        // failed upload (store down) is finished first by the next one, after `statusEvery` readings.
        this.autoUploadAt = this.accumulator.count + every;
        this.safeEmit("failure", { operation: "automatic status upload", error: error as Error });
      }
    }
  }

  /** Signs and queues the readings waiting in the current batch. */
  flush(): Promise<void> {
    return this.batcher.flush();
  }

  /**
   * Reads the sensor source until it ends or `stop()` is called, recording every reading; the
   * last partial batch is queued before it resolves.
   */
  run(): Promise<void> {
    const sensor = this.options.sensor;
    if (sensor === undefined) return Promise.reject(new IoTConfigError("sensor", "no sensor source was given"));
    if (this.running !== undefined) return this.running;
    const abort = new AbortController();
    this.sensorAbort = abort;
    this.running = (async () => {
      try {
        for await (const reading of sensor.readings(abort.signal)) {
          if (abort.signal.aborted) break;
          await this.record(reading);
        }
      } finally {
        await this.batcher.flush();
        this.running = undefined;
        this.sensorAbort = undefined;
      }
      this.safeEmit("sensorEnded");
    })();
    return this.running;
  }

  /** Stops reading the sensor (`run()` resolves after queueing the last batch). */
  stop(): void {
    this.sensorAbort?.abort();
  }

  /**
   * Uploads a status snapshot of the readings since the last upload to each relationship (or
   * those in `eprs`): sealed for that EPR's current readers, stored and pinned, its pointer and
   * hash queued as one transaction by the device, `EPR.addRecordWithReaders`, which authorizes
   * the EPR's third-party readers on the record it adds (readers over the contract's per-record
   * bound get an `authorize` each once it is mined). Resolves with one upload per EPR (none when
   * no reading came in).
   */
  uploadStatus(options: { eprs?: readonly string[]; onStep?: StepListener } = {}): Promise<StatusUpload[]> {
    const sharing = this.options.sharing;
    const keyrings = this.keyrings;
    if (sharing === undefined || keyrings === undefined) return Promise.reject(new IoTConfigError("sharing", "the unit was opened without a store and relationships"));
    return this.sharingLock(async () => {
      // The readings a snapshot summarizes reach the chain before its record does.
      await this.batcher.flush();
      if (this.accumulator.count === 0 && this.state.pendingUpload() === undefined) return [];
      // A reader that moved its identity since the last upload gets nothing under its old key.
      await this.followIdentitiesQuietly("following readers' identities before an upload");
      // A snapshot a crash or a failed store left unfinished goes first, under its own sequence.
      const resumed = await this.finishPendingUpload(options.onStep);
      if (this.accumulator.count === 0) return resumed;
      const eprs = (options.eprs ?? keyrings.eprs).map((e) => keyrings.relationship(e).epr);
      // Review L3: the snapshot exists only in memory until here, and `store.put` and the
      // record's enqueue are two steps, so a crash between them lost it. It is now saved as an
      // intent (with the upload count, one write) before anything reaches the store, and the
      // accumulator starts afresh only then; the intent is finished on the next open or upload.
      // Finishing re-seals and re-puts the snapshot (a fresh object key, so a new CID) rather
      // than remembering the first CID: the envelope a crash left in the store is merely an
      // orphan, and no half-done state (put but not pinned, pinned but not queued) needs a case.
      const intent = await this.state.startUpload(
        (sequence) => new TextDecoder().decode(encodeStatus(this.accumulator.snapshot({ device: this.address, machine: this.machine, sequence })!)),
        eprs,
      );
      this.accumulator.reset();
      return [...resumed, ...(await this.carryOutUpload(intent, options.onStep))];
    });
  }

  private async resumeUploadQuietly(): Promise<void> {
    if (this.keyrings === undefined || this.state.pendingUpload() === undefined) return;
    try {
      await this.sharingLock(() => this.finishPendingUpload());
    } catch (error) {
      this.safeEmit("failure", { operation: "finishing an interrupted status upload", error: error as Error });
    }
  }

  /** Finishes the upload intent left by a crash or a failed store, if any; resolves with its uploads. */
  private async finishPendingUpload(onStep?: StepListener): Promise<StatusUpload[]> {
    const intent = this.state.pendingUpload();
    if (intent === undefined) return [];
    const uploads = await this.carryOutUpload(intent, onStep);
    this.safeEmit("uploadResumed", { sequence: intent.sequence, eprs: intent.eprs, queued: uploads.map((u) => u.nonce) });
    return uploads;
  }

  /**
   * Seals, stores and pins the intent's snapshot for each of its EPRs whose record is not queued
   * yet, queues the record, and removes the intent. Resolves with the uploads it queued now.
   */
  private async carryOutUpload(intent: UploadIntent, onStep?: StepListener): Promise<StatusUpload[]> {
    const sharing = this.options.sharing!;
    const keyrings = this.requireKeyrings();
    const plaintext = new TextEncoder().encode(intent.status);
    const snapshot = decodeStatus(plaintext);
    const query = statusQuery(snapshot);
    const sequence = intent.sequence;
    const queued = new Set(
      this.queue
        .entries()
        .filter((e) => e.kind === "record" && e.meta.sequence === sequence)
        .map((e) => getAddress(e.meta.epr as string)),
    );
    const uploads: StatusUpload[] = [];
    const current = new Set(keyrings.eprs.map((e) => getAddress(e)));
    for (const epr of intent.eprs) {
      // An EPR dropped from the unit's relationships since a crash gets nothing: the unit holds no keyring for it.
      if (queued.has(epr) || !current.has(epr)) continue;
      const { provider } = keyrings.relationship(epr);
      const shared = await keyrings.keyring(epr).write(sharing.store, plaintext, onStep);
      await sharing.store.pin(shared.cid);
      // The digest of the bytes as the store holds them, read back: what a verifier that fetches
      // the object will compute.
      const digest = objectDigest(await sharing.store.get(shared.cid));
      const commitment = objectCommitment(digest);
      const uri = `ipfs://${shared.cid}`;
      const thirdParties = shared.readers.filter((a) => a !== this.address && a !== provider.address);
      const call = statusRecordCall({ query, contentHash: shared.plaintextHash, uri, objectCommitment: commitment, thirdParties }, this.gas);
      const entry = await this.queue.enqueue({
        kind: "record",
        to: epr,
        data: call.data,
        gasLimit: call.gasLimit,
        // Every third party the snapshot was sealed for; the settle hook authorizes those the
        // transaction did not (see `settleReaders`).
        meta: { epr, cid: shared.cid, contentHash: shared.plaintextHash, objectCommitment: commitment, sequence, authorize: thirdParties },
      });
      const upload: StatusUpload = {
        epr, cid: shared.cid, uri, contentHash: shared.plaintextHash, objectDigest: digest, objectCommitment: commitment, query, sequence, readers: shared.readers, nonce: entry.nonce, snapshot,
      };
      uploads.push(upload);
      this.safeEmit("statusUploaded", upload);
    }
    await this.state.finishUpload();
    return uploads;
  }

  /**
   * Adds a third party as a reader of the status data shared through each relationship (or those
   * in `eprs`) from now on: later snapshots are wrapped for it and it is authorized on their
   * records. With a Register configured and the chain up, an unregistered reader is refused.
   */
  shareWith(publicKey: string, options: { eprs?: readonly string[] } = {}): Promise<ReaderKey> {
    const keyrings = this.requireKeyrings();
    const reader = readerKey(publicKey);
    return this.sharingLock(async () => {
      const register = this.options.contracts.register;
      if (register !== undefined) {
        try {
          const [registered] = await readContract(this.transport, register, registerInterface, "isRegistered", [reader.address]);
          if (!registered) throw new UnregisteredReaderError(reader.address, register);
        } catch (error) {
          // While the chain is down the check waits for the authorization itself, which reverts
          // (and is reported) if the reader is not registered.
          if (!isOutage(error)) throw error;
        }
      }
      for (const epr of options.eprs ?? keyrings.eprs) {
        keyrings.keyring(epr).addReader(reader.publicKey);
        await keyrings.save(epr);
      }
      return reader;
    });
  }

  /**
   * Removes a reader: its keyring entry goes (the key rotates: nothing uploaded afterwards is
   * wrapped for it) and a revoke is queued for every record the unit authorized it on. Resolves
   * with the record ids whose revocation was queued, per EPR.
   *
   * Crash-safe: the revocation is written to `unit.json` as an intent (with the records it
   * concerns, taken off the authorizations in the same write) before the keyring changes or any
   * revoke is queued; a unit killed anywhere after that finishes it on its next open
   * (`resumeRevocations`), queueing each revoke that is not in the queue yet, so every revoke is
   * queued once.
   */
  stopSharingWith(address: string, options: { eprs?: readonly string[] } = {}): Promise<Record<string, number[]>> {
    const keyrings = this.requireKeyrings();
    const reader = getAddress(address);
    return this.sharingLock(async () => {
      const revoked: Record<string, number[]> = {};
      for (const epr of (options.eprs ?? keyrings.eprs).map((e) => keyrings.relationship(e).epr)) {
        const keyring = keyrings.keyring(epr);
        if (!keyring.isReader(reader) && this.state.authorizationsOf(epr, reader).length === 0) {
          keyring.revokeReader(reader); // throws UnknownReaderError naming the reader
        }
        const intent = this.state.startRevocation(epr, reader);
        await this.state.save();
        revoked[epr] = await this.carryOut(intent);
      }
      return revoked;
    });
  }

  /**
   * Finishes every revocation intent left by a unit that stopped before it was done (run on open,
   * before the queue sends anything). Resolves with the intents finished.
   */
  async resumeRevocations(): Promise<RevocationIntent[]> {
    if (this.keyrings === undefined) return [];
    return this.sharingLock(async () => {
      const intents = this.state.revocations();
      for (const intent of intents) {
        const queued = await this.carryOut(intent);
        this.safeEmit("revocationResumed", { ...intent, queued });
      }
      return intents;
    });
  }

  /**
   * Carries out a saved revocation intent: the keyring rotates (if the reader is still in it),
   * a revoke is queued for each of its records not queued already, and the intent is removed.
   * Resolves with the record ids whose revoke it queued or found queued.
   */
  private async carryOut(intent: RevocationIntent): Promise<number[]> {
    const keyrings = this.requireKeyrings();
    const keyring = keyrings.keyring(intent.epr);
    if (keyring.isReader(intent.reader)) {
      keyring.revokeReader(intent.reader);
      await keyrings.save(intent.epr);
    }
    const inQueue = new Set(
      this.queue
        .entries()
        .filter((e) => e.kind === "revoke" && getAddress(e.meta.epr as string) === intent.epr && getAddress(e.meta.reader as string) === intent.reader)
        .map((e) => Number(e.meta.recordId)),
    );
    for (const recordId of intent.records) {
      if (inQueue.has(recordId)) continue;
      await this.queue.enqueue({
        kind: "revoke",
        to: intent.epr,
        data: eprInterface.encodeFunctionData("revoke", [recordId, intent.reader]),
        gasLimit: this.gas.revoke,
        meta: { epr: intent.epr, recordId, reader: intent.reader },
      });
    }
    this.state.finishRevocation(intent.epr, intent.reader);
    await this.state.save();
    return intent.records;
  }

  /**
   * Follows the Register's `AccountChanged` events since the last call: for each reader (a third
   * party of some EPR, or one the unit authorized) that moved its identity, the old key leaves the
   * keyrings (nothing sealed afterwards is wrapped for it), the new key joins them when
   * `sharing.readerKeyOf` knows it, and the authorizations are remembered under the new account
   * (the EPR authorizes identities, so on chain they followed already). Emits `readerMoved` for
   * each. Needs `contracts.register`; throws `ChainUnreachableError` while the chain is down.
   */
  async followIdentities(): Promise<{ previous: string; next: string }[]> {
    const register = this.options.contracts.register;
    const keyrings = this.keyrings;
    if (register === undefined || keyrings === undefined) return [];
    const latest = Number(await this.transport.request<string>("eth_blockNumber"));
    const from = this.state.identityCursor;
    if (latest < from) return [];
    const logs = await this.transport.request<{ topics: string[]; data: string }[]>("eth_getLogs", [
      { address: getAddress(register), topics: [registerInterface.getEvent("AccountChanged")!.topicHash], fromBlock: toBeHex(from), toBlock: toBeHex(latest) },
    ]);
    const moves: { previous: string; next: string }[] = [];
    for (const log of logs) {
      const parsed = registerInterface.parseLog(log);
      if (parsed === null) continue;
      const previous = getAddress(parsed.args.previousAccount as string);
      const next = getAddress(parsed.args.newAccount as string);
      if (!this.tracksReader(previous)) continue;
      await this.moveReader(previous, next);
      moves.push({ previous, next });
    }
    this.state.identityCursor = latest + 1;
    await this.state.save();
    return moves;
  }

  /** Whether `account` is a third-party reader of some EPR, or holds authorizations the unit made. */
  private tracksReader(account: string): boolean {
    const keyrings = this.requireKeyrings();
    return keyrings.eprs.some((epr) => keyrings.thirdParties(epr).some((r) => r.address === account) || this.state.authorizationsOf(epr, account).length > 0);
  }

  private async moveReader(previous: string, next: string): Promise<void> {
    const keyrings = this.requireKeyrings();
    const found = await this.options.sharing?.readerKeyOf?.(next);
    const newKey = found === undefined ? undefined : readerKey(found);
    if (newKey !== undefined && newKey.address !== next) {
      throw new IoTConfigError("sharing.readerKeyOf", `answered a public key of ${newKey.address} for account ${next}`);
    }
    const eprs: string[] = [];
    for (const epr of keyrings.eprs) {
      const keyring = keyrings.keyring(epr);
      if (!keyring.isReader(previous)) continue;
      keyring.revokeReader(previous);
      if (newKey !== undefined) keyring.addReader(newKey.publicKey);
      await keyrings.save(epr);
      eprs.push(epr);
    }
    this.state.moveReader(previous, next);
    await this.state.save();
    this.safeEmit("readerMoved", { previous, next, eprs, rewrapped: newKey !== undefined && eprs.length > 0 });
  }

  /** `followIdentities` for callers that go on while the chain is down (an upload, say). */
  private async followIdentitiesQuietly(operation: string): Promise<void> {
    try {
      await this.followIdentities();
    } catch (error) {
      if (!isOutage(error)) this.safeEmit("failure", { operation, error: error as Error });
    }
  }

  /** The current readers of an EPR's status data (device, provider, third parties). */
  readers(epr?: string): ReaderKey[] {
    const keyrings = this.requireKeyrings();
    return keyrings.keyring(epr ?? keyrings.eprs[0]).readers();
  }

  /** The unit's DataToken balance on chain (throws `ChainUnreachableError` while it is down). */
  async balance(): Promise<bigint> {
    const [balance] = await readContract(this.transport, this.options.contracts.dataToken, dataTokenInterface, "balanceOf", [this.address]);
    return balance as bigint;
  }

  /**
   * Reads the machine's settings (thresholds, part price) and the unit's allowance from the
   * chain; they decide gas limits, threshold counts in snapshots and when to sign a permit.
   * Throws `ChainUnreachableError` while the chain is down (cached settings stay in use).
   */
  async refreshChainView(): Promise<void> {
    const { maintenanceService, dataToken } = this.options.contracts;
    const [info] = await readContract(this.transport, maintenanceService, maintenanceServiceInterface, "machineInfo", [this.machine]);
    const t = info.thresholds;
    const settings: MachineSettings = {
      tempThreshold: Number(t.tempThreshold),
      tempCountThreshold: Number(t.tempCountThreshold),
      vibraThreshold: Number(t.vibraThreshold),
      vibraCountThreshold: Number(t.vibraCountThreshold),
      partPrice: (info.partPrice as bigint).toString(),
      provider: info.provider as string,
    };
    if (getAddress(info.unit as string) !== this.address) {
      throw new IoTConfigError("wallet", `${this.address} is not the unit of machine ${this.machine} (MaintenanceService names ${info.unit as string})`);
    }
    await this.state.setSettings(settings);
    this.accumulator.setThresholds({ temperature: settings.tempThreshold, vibration: settings.vibraThreshold });
    await this.readPendingSettings();
    if (this.options.funding !== false) {
      this.fundingPolicy = this.policyFor(BigInt(settings.partPrice));
      const [allowance] = await readContract(this.transport, dataToken, dataTokenInterface, "allowance", [this.address, maintenanceService]);
      this.allowance = allowance as bigint;
    }
  }

  /** Resolves when every reading taken so far is queued and every queued transaction is mined. */
  async idle(): Promise<void> {
    await this.batcher.flush();
    await this.queue.idle();
  }

  /**
   * Stops the sensor, queues the readings of the partial batch (so they are not lost), and
   * closes the queue. With `drain`, first waits until everything queued is mined.
   */
  async close(options: { drain?: boolean } = {}): Promise<void> {
    if (this.closed) return;
    this.stop();
    await this.running?.catch(() => undefined);
    try {
      await this.batcher.flush();
      if (options.drain === true) await this.queue.idle();
    } finally {
      this.closed = true;
      this.batcher.stop();
      await this.queue.close();
    }
  }

  // -------------------------------------------------------------------------------------------

  private policyFor(partPrice: bigint): FundingPolicy {
    const funding = this.options.funding;
    return checkFundingPolicy({ ...defaultFundingPolicy(partPrice), ...(funding === false ? {} : funding) });
  }

  private requireKeyrings(): RelationshipKeyrings {
    if (this.keyrings === undefined) throw new IoTConfigError("sharing", "the unit was opened without a store and relationships");
    return this.keyrings;
  }

  /** The configured providers must be the EPRs' providers, and the unit their device. */
  private async checkRelationships(): Promise<void> {
    if (this.keyrings === undefined) return;
    for (const epr of this.keyrings.eprs) {
      const [device] = await readContract(this.transport, epr, eprInterface, "device");
      const [provider] = await readContract(this.transport, epr, eprInterface, "serviceProvider");
      if (getAddress(device as string) !== this.address) throw new IoTConfigError("sharing.relationships", `EPR ${epr} belongs to device ${device as string}, not to this unit (${this.address})`);
      const configured = this.keyrings.relationship(epr).provider.address;
      if (getAddress(provider as string) !== configured) {
        throw new IoTConfigError("sharing.relationships", `EPR ${epr}'s provider is ${provider as string}, but the public key given derives ${configured}`);
      }
    }
  }

  /** A pending entry carrying a permit: its nonce is spent only once it is mined. */
  private permitInFlight(): boolean {
    return this.queue.pending().some((e) => e.kind === "readings" && e.meta.permit !== undefined);
  }

  /** Signs a permit if the allowance seen is low and none is in flight; undefined when not needed or not possible now. */
  private async maybePermit(): Promise<SignedPermit | undefined> {
    // While the sender sees an outage, asking the chain would only hold the readings up (up to a
    // request timeout each); the permit rides on a batch after the outage.
    if (this.options.funding === false || this.permitInFlight() || this.queue.down) return undefined;
    if (this.allowance === undefined) await this.refreshQuietly("reading the allowance for a permit");
    const policy = this.fundingPolicy;
    if (policy === undefined || this.allowance === undefined || !needsPermit(this.allowance, policy)) return undefined;
    const { dataToken, maintenanceService } = this.options.contracts;
    try {
      const [nonce] = await readContract(this.transport, dataToken, dataTokenInterface, "nonces", [this.address]);
      const domain = await readContract(this.transport, dataToken, dataTokenInterface, "eip712Domain");
      const deadline = BigInt(Math.floor(Date.now() / 1000) + policy.permitTtlSeconds);
      return await signPermit(
        this.options.wallet,
        { name: domain.name as string, version: domain.version as string, chainId: domain.chainId as bigint, verifyingContract: domain.verifyingContract as string },
        { spender: maintenanceService, value: policy.target, nonce: nonce as bigint, deadline },
      );
    } catch (error) {
      // The chain is down: the permit nonce cannot be read; a later batch carries the permit.
      if (isOutage(error)) return undefined;
      throw error;
    }
  }

  private async enqueueBatch(batch: SensorReading[]): Promise<void> {
    const readings = batch.map(toContractReading);
    const temps = readings.map((r) => r.temp);
    const vibras = readings.map((r) => r.vibra);
    const permit = await this.maybePermit();
    const { maintenanceService } = this.options.contracts;
    const data = permit !== undefined
      ? maintenanceServiceInterface.encodeFunctionData("reportReadingsWithPermit", [this.machine, temps, vibras, permit.value, permit.deadline, permit.v, permit.r, permit.s])
      : readings.length === 1
        ? maintenanceServiceInterface.encodeFunctionData("reportReading", [this.machine, temps[0], vibras[0]])
        : maintenanceServiceInterface.encodeFunctionData("reportReadings", [this.machine, temps, vibras]);
    const settings = this.state.settings;
    const meta: { [key: string]: JsonValue } = { readings: readings.length, from: batch[0].time, to: batch[batch.length - 1].time };
    if (permit !== undefined) meta.permit = { value: permit.value.toString(), nonce: permit.nonce.toString(), deadline: permit.deadline.toString() };
    const entry = await this.queue.enqueue({
      kind: "readings",
      to: maintenanceService,
      data,
      gasLimit: batchGasLimit(readings.length, settings, permit !== undefined, this.gas),
      meta,
    });
    if (permit !== undefined) this.safeEmit("permitSigned", { value: permit.value, nonce: permit.nonce, deadline: permit.deadline, batchNonce: entry.nonce });
    this.safeEmit("batchQueued", { nonce: entry.nonce, readings: readings.length, permit: permit !== undefined });
  }

  /** The queue's settle hook: report what the transaction did and queue its follow-ups. */
  private async handleSettled(settled: SettledEntry): Promise<void> {
    const { entry, receipt, status } = settled;
    const events = parseReceiptEvents(receipt, entry.nonce, {
      account: this.address,
      maintenanceService: this.options.contracts.maintenanceService,
      dataToken: this.options.contracts.dataToken,
      eprs: this.relationships,
    });
    if (status === "reverted") {
      this.safeEmit("reverted", { nonce: entry.nonce, hash: receipt.transactionHash, kind: entry.kind, reason: settled.reason ?? "reverted", meta: entry.meta });
    }
    for (const e of events.readings) this.safeEmit("readingsApplied", e);
    for (const e of events.requests) this.safeEmit("serviceRequested", e);
    for (const e of events.orders) this.safeEmit("partOrdered", e);
    for (const e of events.unpaid) {
      this.unpaid.set(e.orderId, e);
      this.safeEmit("partOrderUnpaid", e);
    }
    for (const e of events.paid) {
      this.unpaid.delete(e.orderId);
      this.safeEmit("partOrderPaid", e);
    }
    for (const e of events.records) this.safeEmit("recordAdded", e);
    for (const e of events.authorized) this.safeEmit("readerAuthorized", e);
    for (const e of events.revoked) this.safeEmit("readerRevoked", e);
    for (const e of events.skipped) this.safeEmit("readerSkipped", e);
    if (entry.kind === "record" && status === "applied") await this.settleReaders(entry, events.records[0]?.recordId, events.authorized);
    // Thresholds and part price may have changed, and the allowance moves with every part paid.
    if (entry.kind === "readings" || entry.kind === "payment" || entry.kind === "settings") await this.refreshQuietly("reading the machine and allowance after a batch");
    if (events.earned > 0n || events.spent > 0n) {
      this.ledger.earned += events.earned;
      this.ledger.spent += events.spent;
      try {
        this.ledger.balance = await this.balance();
      } catch (error) {
        if (!isOutage(error)) this.safeEmit("failure", { operation: "reading the token balance", error: error as Error });
      }
      this.safeEmit("balance", { ...this.ledger });
    }
  }

  /**
   * Brings a mined record's readers on chain in line with the keyring: every third party the
   * snapshot was sealed for (`meta.authorize`) ends authorized on the record if it is still a
   * reader, and not authorized if it was revoked since the upload.
   *
   * - authorized by the record's own transaction (`addRecordWithReaders`): remembered; if revoked
   *   in the meantime, a `revoke` is queued (it holds a wrapped key of this snapshot, but loses
   *   access on chain, as for its earlier records);
   * - not authorized by it (over the per-record bound, or a record queued as a plain `addRecord`
   *   by an earlier version of the unit): an `authorize` is queued if it is still a reader.
   *
   * A crash after queueing follow-ups and before the record is marked done makes this run again:
   * follow-ups already queued for this record (tagged with its nonce) are not queued twice.
   */
  private async settleReaders(entry: QueueEntry, recordId: bigint | undefined, authorizedEvents: readonly ReaderChangedEvent[]): Promise<void> {
    const keyrings = this.keyrings;
    const epr = entry.meta.epr as string;
    const readers = (entry.meta.authorize as string[] | undefined) ?? [];
    if (keyrings === undefined || recordId === undefined || readers.length === 0) return;
    const authorized = new Set(authorizedEvents.filter((e) => e.epr === getAddress(epr) && e.recordId === recordId).map((e) => getAddress(e.reader)));
    await this.sharingLock(async () => {
      const queued = new Set(
        this.queue
          .entries()
          .filter((e) => (e.kind === "authorize" || e.kind === "revoke") && e.meta.parent === entry.nonce)
          .map((e) => `${e.kind}:${e.meta.reader as string}`),
      );
      const keyring = keyrings.keyring(epr);
      const followUp = async (kind: "authorize" | "revoke", reader: string) => {
        if (queued.has(`${kind}:${reader}`)) return;
        await this.queue.enqueue({
          kind,
          to: epr,
          data: eprInterface.encodeFunctionData(kind, [recordId, reader]),
          gasLimit: kind === "authorize" ? this.gas.authorize : this.gas.revoke,
          meta: { epr, recordId: Number(recordId), reader, parent: entry.nonce },
        });
      };
      for (const reader of readers) {
        const stillReader = keyring.isReader(reader);
        if (authorized.has(getAddress(reader))) {
          if (stillReader) this.state.addAuthorization(epr, reader, Number(recordId));
          else await followUp("revoke", reader);
        } else if (stillReader) {
          await followUp("authorize", reader);
          this.state.addAuthorization(epr, reader, Number(recordId));
        }
      }
      await this.state.save();
    });
  }

  /**
   * `refreshChainView` for background callers (the settle hook, a recovery): an outage is
   * expected and ignored, anything else (the machine got another unit) is reported as a failure,
   * never thrown into the queue, which would stall it.
   */
  private async refreshQuietly(operation: string): Promise<void> {
    try {
      await this.refreshChainView();
    } catch (error) {
      if (!isOutage(error)) this.safeEmit("failure", { operation, error: error as Error });
    }
  }

  /**
   * Emits without letting a listener's exception escape into the queue's settle hook (which
   * would stall the queue) or the sensor loop: it is reported as a `failure` instead.
   */
  private safeEmit<K extends keyof IoTUnitEvents>(event: K, ...args: IoTUnitEvents[K]): void {
    try {
      (this.emit as (event: K, ...args: IoTUnitEvents[K]) => boolean)(event, ...args);
    } catch (error) {
      if (event === "failure") return;
      try {
        this.emit("failure", { operation: `listener of ${String(event)}`, error: error as Error });
      } catch {
        // A failing failure listener has nowhere left to report to.
      }
    }
  }
}
