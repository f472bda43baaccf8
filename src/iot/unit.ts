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
 *
 * `IoTUnit` is the façade: it opens the unit's files and queue, builds the shared wiring
 * (`unit/context.ts`) and hands it to its parts, each its own class:
 *
 *   `ReadingPipeline`  readings → batches → MaintenanceService, the sensor loop
 *   `PartFunding`      permits for the allowance, unpaid part orders and their payment
 *   `StatusSharing`    status snapshots sealed, stored and recorded in the EPRs
 *   `ReaderAccess`     the readers of the status data: added, revoked, followed, authorized
 *   `ChainView`        the machine's settings and the owner's proposals, balance and ledger
 *
 * Each part handles the queue's settlement of a mined transaction for what concerns it; the
 * façade adds their handlers in the order the unit reports a receipt (revert, readings and
 * requests, part orders, records, readers, then the chain read again and the ledger).
 */
import { EventEmitter } from "node:events";
import path from "node:path";
import { getAddress } from "ethers";
import type { ReaderKey, StepListener } from "../offchain";
import { IoTConfigError } from "./errors";
import type { PartOrderUnpaidEvent } from "./receipt-events";
import { RelationshipKeyrings } from "./relationships";
import type { SensorReading } from "./sensors";
import { isOutage, toTransport, type ChainTransport } from "./transport";
import { TransactionQueue, type SettledEntry } from "./tx-queue";
import { UnitState, type MachineSettings, type RevocationIntent } from "./unit-state";
import { ChainView } from "./unit/chain-view";
import { UnitContext } from "./unit/context";
import { PartFunding } from "./unit/part-funding";
import { ReaderAccess } from "./unit/reader-access";
import { ReadingPipeline } from "./unit/reading-pipeline";
import { serialLock } from "./unit/serial-lock";
import { StatusSharing } from "./unit/status-sharing";
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

/**
 * The IoT unit: a façade over its parts (`unit/`: readings, part funding, status sharing, reader
 * access, chain view), each settled by the queue through `UnitContext`. About 310 lines with its
 * open sequence, which must run the parts' recovery in one order (revocations, chain state,
 * relationships, identities, an interrupted upload, then the queue), and its close and idle;
 * the other methods forward to a part.
 */
export class IoTUnit extends EventEmitter<IoTUnitEvents> {
  /** The unit's account (MaintenanceService unit, EPR device). */
  readonly address: string;
  readonly machine: string;

  private readonly ctx: UnitContext;
  private readonly funding: PartFunding;
  private readonly readings: ReadingPipeline;
  private readonly view: ChainView;
  private readonly access: ReaderAccess;
  private readonly sharing: StatusSharing;

  private constructor(
    options: IoTUnitOptions,
    transport: ChainTransport,
    /** The durable transaction queue (exposed for inspection: pending entries, nonces). */
    readonly queue: TransactionQueue,
    state: UnitState,
    keyrings: RelationshipKeyrings | undefined,
  ) {
    super();
    const ctx = new UnitContext(options, transport, queue, state, keyrings, this);
    this.ctx = ctx;
    this.address = ctx.address;
    this.machine = ctx.machine;
    // The parts call each other only through what they are given here (the chain view, built
    // last, is reached lazily: it reads the machine for the funding and the thresholds).
    const lock = serialLock();
    this.funding = new PartFunding(ctx, (operation) => this.view.refreshQuietly(operation));
    this.readings = new ReadingPipeline(ctx, this.funding, () => this.uploadStatus());
    this.access = new ReaderAccess(ctx, lock);
    this.sharing = new StatusSharing(ctx, lock, this.readings, this.access);
    this.view = new ChainView(ctx, this.funding, this.readings.followSettings);
    // The order in which a mined transaction is reported: listeners (and tests) observe it.
    ctx.onSettled((settled) => this.reportRevert(settled));
    ctx.onSettled(this.readings.settle);
    ctx.onSettled(this.funding.settle);
    ctx.onSettled(this.sharing.settle);
    ctx.onSettled(this.access.settle);
    ctx.onSettled(this.view.settle);
  }

  /**
   * Opens the unit: its queue (created on first use, which needs the chain for the chain id and
   * nonce unless `chainId` and `queue.startNonce` are given), its state and keyrings; reads the
   * machine's settings and allowance if the chain is up; starts sending whatever is queued.
   */
  static async open(options: IoTUnitOptions): Promise<IoTUnit> {
    const sharing = options.sharing;
    if (sharing !== undefined) {
      if (sharing.relationships.length === 0)
        throw new IoTConfigError("sharing.relationships", "name at least one EPR");
      if (
        sharing.statusEvery !== undefined &&
        !(Number.isSafeInteger(sharing.statusEvery) && sharing.statusEvery >= 0)
      ) {
        throw new IoTConfigError("sharing.statusEvery", `must be a non-negative integer, got ${sharing.statusEvery}`);
      }
    }
    for (const [name, address] of Object.entries({ machine: options.machine, ...options.contracts })) {
      if (address === undefined) continue;
      try {
        getAddress(address);
      } catch {
        throw new IoTConfigError(
          name === "machine" ? "machine" : `contracts.${name}`,
          `"${address}" is not an address`,
        );
      }
    }
    const transport = toTransport(options.chain, { timeoutMs: options.requestTimeoutMs });
    const state = await UnitState.open(path.join(options.stateDir, "unit.json"), {
      account: options.wallet.address,
      machine: options.machine,
    });
    const keyrings =
      sharing === undefined
        ? undefined
        : await RelationshipKeyrings.open(options.stateDir, options.wallet.signingKey.publicKey, sharing.relationships);
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
      await unit.access.resumeRevocations();
      await unit.view.refresh();
      await unit.access.checkRelationships();
      await unit.access.followIdentities();
    } catch (error) {
      if (!isOutage(error)) {
        await queue.close();
        throw error;
      }
      // The chain is down: cached settings (if any) serve until it is back.
    }
    // A status upload a crash cut short is finished now (it needs the store, not the chain); if
    // the store is down too, the intent stays on disk and the next `uploadStatus` finishes it.
    await unit.sharing.resumeQuietly();
    queue.start();
    return unit;
  }

  // Readings (ReadingPipeline) ------------------------------------------------------------------

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

  // Part funding (PartFunding) ------------------------------------------------------------------

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

  // Status sharing (StatusSharing, ReaderAccess) ------------------------------------------------

  /** The EPRs the unit shares status data through. */
  get relationships(): string[] {
    return this.ctx.relationships;
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
    return this.sharing.uploadStatus(options);
  }

  /** The current readers of an EPR's status data (device, provider, third parties). */
  readers(epr?: string): ReaderKey[] {
    return this.access.readers(epr);
  }

  /**
   * Adds a third party as a reader of the status data shared through each relationship (or those
   * in `eprs`) from now on: later snapshots are wrapped for it and it is authorized on their
   * records. With a Register configured and the chain up, an unregistered reader is refused.
   */
  shareWith(publicKey: string, options: { eprs?: readonly string[] } = {}): Promise<ReaderKey> {
    return this.access.shareWith(publicKey, options);
  }

  /**
   * Removes a reader: its keyring entry goes (the key rotates) and a revoke is queued for every
   * record the unit authorized it on, behind a durable intent (`ReaderAccess.stopSharingWith`).
   * Resolves with the record ids whose revocation was queued, per EPR.
   */
  stopSharingWith(address: string, options: { eprs?: readonly string[] } = {}): Promise<Record<string, number[]>> {
    return this.access.stopSharingWith(address, options);
  }

  /**
   * Finishes every revocation intent left by a unit that stopped before it was done (run on open,
   * before the queue sends anything). Resolves with the intents finished.
   */
  resumeRevocations(): Promise<RevocationIntent[]> {
    return this.access.resumeRevocations();
  }

  /**
   * Follows the Register's `AccountChanged` events since the last call (`ReaderAccess.followIdentities`):
   * a reader that moved its identity is sealed for under its new key, if known, and never its old
   * one. Needs `contracts.register`; throws `ChainUnreachableError` while the chain is down.
   */
  followIdentities(): Promise<{ previous: string; next: string }[]> {
    return this.access.followIdentities();
  }

  // The chain (ChainView) -----------------------------------------------------------------------

  /** The machine's settings as last read from the chain (cached across restarts). */
  get settings(): MachineSettings | undefined {
    return this.view.settings;
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

  /** Readings, part payments and tokens as seen in the unit's own receipts. */
  get ledger(): TokenLedger {
    return this.view.ledger;
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

  // The unit ------------------------------------------------------------------------------------

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

  /** Settle handler, the first: a revert is reported before anything else the receipt says. */
  private reportRevert(settled: SettledEntry): void {
    const { entry, receipt, status } = settled;
    if (status === "reverted") {
      this.ctx.emit("reverted", {
        nonce: entry.nonce,
        hash: receipt.transactionHash,
        kind: entry.kind,
        reason: settled.reason ?? "reverted",
        meta: entry.meta,
      });
    }
  }
}
