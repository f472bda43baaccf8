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
import { getAddress, toBeHex } from "ethers";
import type { ReaderKey, StepListener } from "../offchain";
import { readerKey } from "../offchain";
import { dataTokenInterface, eprInterface, maintenanceServiceInterface, registerInterface } from "./abi";
import { objectCommitment, objectDigest } from "./attestation";
import { readContract } from "./chain-read";
import { IoTConfigError, UnregisteredReaderError } from "./errors";
import { batchGasLimit, type GasSchedule } from "./gas";
import type { JsonValue, QueueEntry } from "./queue-file";
import { DEFAULT_BATCH, ReadingBatcher, toContractReading } from "./readings";
import type { PartOrderUnpaidEvent, ReaderChangedEvent, ReceiptEvents } from "./receipt-events";
import { RelationshipKeyrings } from "./relationships";
import { checkReading, type SensorReading } from "./sensors";
import { decodeStatus, encodeStatus, StatusAccumulator, statusQuery } from "./status";
import { statusRecordCall } from "./status-record";
import { isOutage, toTransport, type ChainTransport } from "./transport";
import { TransactionQueue, type SettledEntry } from "./tx-queue";
import { UnitState, type MachineSettings, type RevocationIntent, type UploadIntent } from "./unit-state";
import { UnitContext } from "./unit/context";
import { ChainView } from "./unit/chain-view";
import { PartFunding } from "./unit/part-funding";
import { ReadingPipeline } from "./unit/reading-pipeline";
import type { IoTUnitEvents, IoTUnitOptions, PendingMachineSettings, StatusUpload, TokenLedger } from "./unit/types";

export type {
  IoTUnitEvents,
  IoTUnitOptions,
  PendingMachineSettings,
  RevertedTransaction,
  SharingOptions,
  StatusUpload,
  TokenLedger,
  UnitContracts,
  UnitWallet,
} from "./unit/types";

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

  private readonly gas: GasSchedule;
  private readonly ctx: UnitContext;
  private readonly funding: PartFunding;
  private readonly view: ChainView;
  private readonly readings: ReadingPipeline;
  private readonly sharingLock = serialLock();

  private constructor(
    private readonly options: IoTUnitOptions,
    private readonly transport: ChainTransport,
    /** The durable transaction queue (exposed for inspection: pending entries, nonces). */
    readonly queue: TransactionQueue,
    private readonly state: UnitState,
    private readonly keyrings: RelationshipKeyrings | undefined,
  ) {
    super();
    this.ctx = new UnitContext(options, transport, queue, state, keyrings, this);
    this.address = this.ctx.address;
    this.machine = this.ctx.machine;
    this.gas = this.ctx.gas;
    this.funding = new PartFunding(this.ctx, (operation) => this.view.refreshQuietly(operation));
    this.readings = new ReadingPipeline(this.ctx, this.funding, () => this.uploadStatus());
    this.view = new ChainView(this.ctx, this.funding, this.readings.followSettings);
    // The order in which a mined transaction is reported (listeners observe it).
    this.ctx.onSettled((settled) => this.reportRevert(settled));
    this.ctx.onSettled(this.readings.settle);
    this.ctx.onSettled(this.funding.settle);
    this.ctx.onSettled((settled, events) => this.settleRest(settled, events));
    this.ctx.onSettled(this.view.settle);
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
    queue.onSettled = (settled) => unit.ctx.settle(settled);
    queue.on("outage", (info) => unit.ctx.emit("outage", info));
    queue.on("recovered", (info) => {
      unit.ctx.emit("recovered", info);
      // A unit opened while the chain was down has not read its machine's settings yet.
      void unit.view.refreshQuietly("reading the chain after an outage");
    });
    queue.on("stalled", (error) => unit.ctx.emit("stalled", error));
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

  /** Readings, part payments and tokens as seen in the unit's own receipts. */
  get ledger(): TokenLedger {
    return this.view.ledger;
  }

  /** The owner's proposal waiting for this unit's consent or its delay, as last read; none when nothing is pending. */
  get pendingSettings(): PendingMachineSettings | undefined {
    return this.view.pendingSettings;
  }

  /**
   * Queues the unit's consent to the owner's pending settings (`acceptSettings`), which then take
   * effect at once; the unit re-reads its machine when it is mined. Resolves with the nonce.
   */
  acceptPendingSettings(): Promise<number> {
    return this.view.acceptPendingSettings();
  }

  /** Part orders the unit saw left unpaid and has not seen paid, oldest first. */
  get unpaidOrders(): PartOrderUnpaidEvent[] {
    return this.funding.unpaidOrders;
  }

  /**
   * Looks up on chain the part orders of this unit's machine that it was charged for and that are
   * still unpaid, so a unit that restarted knows them again (`PartFunding.findUnpaidOrders`).
   */
  findUnpaidOrders(): Promise<PartOrderUnpaidEvent[]> {
    return this.funding.findUnpaidOrders();
  }

  /**
   * Queues one `payPartOrder` per unpaid order of the unit not already queued; call it once the
   * unit is funded (`PartFunding.payUnpaidOrders`). Resolves with the nonces queued.
   */
  payUnpaidOrders(): Promise<number[]> {
    return this.funding.payUnpaidOrders();
  }

  /** The EPRs the unit shares status data through. */
  get relationships(): string[] {
    return this.keyrings?.eprs ?? [];
  }

  /** The machine's settings as last read from the chain (cached across restarts). */
  get settings(): MachineSettings | undefined {
    return this.view.settings;
  }

  /** Readings summarized since the last status upload. */
  get pendingStatusReadings(): number {
    return this.readings.accumulator.count;
  }

  /**
   * Takes one reading: summarizes it for the next status snapshot and adds it to the current
   * batch (a full batch is signed and queued before this resolves). May upload a snapshot when
   * `sharing.statusEvery` readings have accumulated.
   */
  record(reading: SensorReading): Promise<void> {
    return this.readings.record(reading);
  }

  /** Signs and queues the readings waiting in the current batch. */
  flush(): Promise<void> {
    return this.readings.flush();
  }

  /**
   * Reads the sensor source until it ends or `stop()` is called, recording every reading; the
   * last partial batch is queued before it resolves.
   */
  run(): Promise<void> {
    return this.readings.run();
  }

  /** Stops reading the sensor (`run()` resolves after queueing the last batch). */
  stop(): void {
    this.readings.stop();
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
      await this.readings.flush();
      if (this.readings.accumulator.count === 0 && this.state.pendingUpload() === undefined) return [];
      // A reader that moved its identity since the last upload gets nothing under its old key.
      await this.followIdentitiesQuietly("following readers' identities before an upload");
      // A snapshot a crash or a failed store left unfinished goes first, under its own sequence.
      const resumed = await this.finishPendingUpload(options.onStep);
      if (this.readings.accumulator.count === 0) return resumed;
      const eprs = (options.eprs ?? keyrings.eprs).map((e) => keyrings.relationship(e).epr);
      // Review L3: the snapshot exists only in memory until here, and `store.put` and the
      // record's enqueue are two steps, so a crash between them lost it. It is now saved as an
      // intent (with the upload count, one write) before anything reaches the store, and the
      // accumulator starts afresh only then; the intent is finished on the next open or upload.
      // Finishing re-seals and re-puts the snapshot (a fresh object key, so a new CID) rather
      // than remembering the first CID: the envelope a crash left in the store is merely an
      // orphan, and no half-done state (put but not pinned, pinned but not queued) needs a case.
      const intent = await this.state.startUpload(
        (sequence) => new TextDecoder().decode(encodeStatus(this.readings.accumulator.snapshot({ device: this.address, machine: this.machine, sequence })!)),
        eprs,
      );
      this.readings.accumulator.reset();
      return [...resumed, ...(await this.carryOutUpload(intent, options.onStep))];
    });
  }

  private async resumeUploadQuietly(): Promise<void> {
    if (this.keyrings === undefined || this.state.pendingUpload() === undefined) return;
    try {
      await this.sharingLock(() => this.finishPendingUpload());
    } catch (error) {
      this.ctx.emit("failure", { operation: "finishing an interrupted status upload", error: error as Error });
    }
  }

  /** Finishes the upload intent left by a crash or a failed store, if any; resolves with its uploads. */
  private async finishPendingUpload(onStep?: StepListener): Promise<StatusUpload[]> {
    const intent = this.state.pendingUpload();
    if (intent === undefined) return [];
    const uploads = await this.carryOutUpload(intent, onStep);
    this.ctx.emit("uploadResumed", { sequence: intent.sequence, eprs: intent.eprs, queued: uploads.map((u) => u.nonce) });
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
      this.ctx.emit("statusUploaded", upload);
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
        this.ctx.emit("revocationResumed", { ...intent, queued });
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
    this.ctx.emit("readerMoved", { previous, next, eprs, rewrapped: newKey !== undefined && eprs.length > 0 });
  }

  /** `followIdentities` for callers that go on while the chain is down (an upload, say). */
  private async followIdentitiesQuietly(operation: string): Promise<void> {
    try {
      await this.followIdentities();
    } catch (error) {
      if (!isOutage(error)) this.ctx.emit("failure", { operation, error: error as Error });
    }
  }

  /** The current readers of an EPR's status data (device, provider, third parties). */
  readers(epr?: string): ReaderKey[] {
    const keyrings = this.requireKeyrings();
    return keyrings.keyring(epr ?? keyrings.eprs[0]).readers();
  }

  /** The unit's DataToken balance on chain (throws `ChainUnreachableError` while it is down). */
  balance(): Promise<bigint> {
    return this.view.balance();
  }

  /**
   * Reads the machine's settings (thresholds, part price) and the unit's allowance from the
   * chain; they decide gas limits, threshold counts in snapshots and when to sign a permit.
   * Throws `ChainUnreachableError` while the chain is down (cached settings stay in use).
   */
  refreshChainView(): Promise<void> {
    return this.view.refresh();
  }

  /** Resolves when every reading taken so far is queued and every queued transaction is mined. */
  async idle(): Promise<void> {
    await this.readings.flush();
    await this.queue.idle();
  }

  /**
   * Stops the sensor, queues the readings of the partial batch (so they are not lost), and
   * closes the queue. With `drain`, first waits until everything queued is mined.
   */
  async close(options: { drain?: boolean } = {}): Promise<void> {
    if (this.ctx.isClosed) return;
    this.readings.stop();
    await this.readings.ended();
    try {
      await this.readings.flush();
      if (options.drain === true) await this.queue.idle();
    } finally {
      this.ctx.markClosed();
      this.readings.shutdown();
      await this.queue.close();
    }
  }

  // -------------------------------------------------------------------------------------------

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

  /** Settle handler, the first: a revert is reported before anything else the receipt says. */
  private reportRevert(settled: SettledEntry): void {
    const { entry, receipt, status } = settled;
    if (status === "reverted") {
      this.ctx.emit("reverted", { nonce: entry.nonce, hash: receipt.transactionHash, kind: entry.kind, reason: settled.reason ?? "reverted", meta: entry.meta });
    }
  }

  /** Settle handler (until status sharing takes it): records and readers. */
  private async settleRest(settled: SettledEntry, events: ReceiptEvents): Promise<void> {
    const { entry, status } = settled;
    for (const e of events.records) this.ctx.emit("recordAdded", e);
    for (const e of events.authorized) this.ctx.emit("readerAuthorized", e);
    for (const e of events.revoked) this.ctx.emit("readerRevoked", e);
    for (const e of events.skipped) this.ctx.emit("readerSkipped", e);
    if (entry.kind === "record" && status === "applied") await this.settleReaders(entry, events.records[0]?.recordId, events.authorized);
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
}
