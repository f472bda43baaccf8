/**
 * The wiring an IoT unit's parts share: the unit's key and options, its chain transport, its
 * durable queue, its state file and keyrings, and its events. `IoTUnit` builds one and hands it
 * to each part (`PartFunding`, `ChainView`, `ReadingPipeline`, `StatusSharing`), so a part sees
 * the same queue and state as the others without knowing them.
 *
 * The queue calls one settle hook per mined entry; the context parses the receipt once and runs
 * the parts' handlers one after the other, in the order they were added: the order in which the
 * unit reports what a transaction did (listeners, and the tests, observe it).
 */
import type { EventEmitter } from "node:events";
import { getAddress } from "ethers";
import { IoTConfigError, UnitClosedError } from "../errors";
import { DEFAULT_GAS, type GasSchedule } from "../gas";
import { parseReceiptEvents, type ReceiptEvents } from "../receipt-events";
import type { RelationshipKeyrings } from "../relationships";
import type { ChainTransport } from "../transport";
import type { SettledEntry, TransactionQueue } from "../tx-queue";
import type { UnitState } from "../unit-state";
import type { IoTUnitEvents, IoTUnitOptions, UnitContracts } from "./types";

/** What a part does when one of the unit's transactions is mined: `events` are its receipt's, parsed once for all parts. */
export type SettlementHandler = (settled: SettledEntry, events: ReceiptEvents) => Promise<void> | void;

export class UnitContext {
  /** The unit's account (MaintenanceService unit, EPR device). */
  readonly address: string;
  readonly machine: string;
  readonly gas: GasSchedule;
  private closed = false;
  private readonly handlers: SettlementHandler[] = [];

  constructor(
    readonly options: IoTUnitOptions,
    readonly transport: ChainTransport,
    readonly queue: TransactionQueue,
    readonly state: UnitState,
    /** Present when the unit shares status data (`options.sharing`). */
    readonly keyrings: RelationshipKeyrings | undefined,
    private readonly emitter: EventEmitter<IoTUnitEvents>,
  ) {
    this.address = getAddress(options.wallet.address);
    this.machine = getAddress(options.machine);
    this.gas = { ...DEFAULT_GAS, ...options.gas };
  }

  get contracts(): UnitContracts {
    return this.options.contracts;
  }

  /** The EPRs the unit shares status data through. */
  get relationships(): string[] {
    return this.keyrings?.eprs ?? [];
  }

  get isClosed(): boolean {
    return this.closed;
  }

  markClosed(): void {
    this.closed = true;
  }

  /** Throws `UnitClosedError` once the unit is closed: nothing new is queued then. */
  assertOpen(): void {
    if (this.closed) throw new UnitClosedError(this.address);
  }

  requireKeyrings(): RelationshipKeyrings {
    if (this.keyrings === undefined)
      throw new IoTConfigError("sharing", "the unit was opened without a store and relationships");
    return this.keyrings;
  }

  /** Adds a handler of mined transactions; handlers run in the order they were added. */
  onSettled(handler: SettlementHandler): void {
    this.handlers.push(handler);
  }

  /** The queue's settle hook: reports what the transaction did and queues its follow-ups, part by part. */
  async settle(settled: SettledEntry): Promise<void> {
    const events = parseReceiptEvents(settled.receipt, settled.entry.nonce, {
      account: this.address,
      maintenanceService: this.contracts.maintenanceService,
      dataToken: this.contracts.dataToken,
      eprs: this.relationships,
    });
    for (const handler of this.handlers) await handler(settled, events);
  }

  /**
   * Emits without letting a listener's exception escape into the queue's settle hook (which
   * would stall the queue) or the sensor loop: it is reported as a `failure` instead.
   */
  emit<K extends keyof IoTUnitEvents>(event: K, ...args: IoTUnitEvents[K]): void {
    const emitter = this.emitter;
    try {
      (emitter.emit as (event: K, ...args: IoTUnitEvents[K]) => boolean).call(emitter, event, ...args);
    } catch (error) {
      if (event === "failure") return;
      try {
        emitter.emit("failure", { operation: `listener of ${String(event)}`, error: error as Error });
      } catch {
        // A failing failure listener has nowhere left to report to.
      }
    }
  }
}
