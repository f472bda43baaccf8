/**
 * What an IoT unit knows of its chain besides its own queue: its machine's settings (thresholds
 * and part price, cached in `unit.json` for the times the chain is down), the settings the owner
 * proposed (review M2: reported once each, accepted on request), and its token account as seen in
 * its own receipts. It reads the machine again after every transaction that may have changed it,
 * and after an outage.
 *
 * The other parts follow the settings it reads: the reading pipeline's thresholds (`onSettings`)
 * and the part funding's price and allowance (`PartFunding.refresh`).
 */
import { getAddress } from "ethers";
import { dataTokenInterface, maintenanceServiceInterface } from "../abi";
import { readContract } from "../chain-read";
import { IoTConfigError } from "../errors";
import type { ReceiptEvents } from "../receipt-events";
import { isOutage } from "../transport";
import type { SettledEntry } from "../tx-queue";
import type { MachineSettings } from "../unit-state";
import type { UnitContext } from "./context";
import type { PartFunding } from "./part-funding";
import type { PendingMachineSettings, TokenLedger } from "./types";

/** The fields that tell one proposal from another (a proposal seen again is not reported again). */
function proposalKey(p: PendingMachineSettings): string {
  return [
    p.effectiveAt,
    p.unit,
    p.provider,
    p.partPrice,
    p.tempThreshold,
    p.tempCountThreshold,
    p.vibraThreshold,
    p.vibraCountThreshold,
  ].join(":");
}

export class ChainView {
  /** Readings, part payments and tokens as seen in the unit's own receipts. */
  readonly ledger: TokenLedger = { earned: 0n, spent: 0n };
  /** The owner's pending proposal as last read, to report each one once. */
  private pending?: PendingMachineSettings;

  /**
   * @param onSettings told the machine's settings each time they are read (before the pending
   *   proposal and the allowance are).
   */
  constructor(
    private readonly ctx: UnitContext,
    private readonly funding: PartFunding,
    private readonly onSettings: (settings: MachineSettings) => void,
  ) {}

  /** The machine's settings as last read from the chain (cached across restarts). */
  get settings(): MachineSettings | undefined {
    return this.ctx.state.settings;
  }

  /** The owner's proposal waiting for this unit's consent or its delay, as last read; none when nothing is pending. */
  get pendingSettings(): PendingMachineSettings | undefined {
    return this.pending;
  }

  /** The unit's DataToken balance on chain (throws `ChainUnreachableError` while it is down). */
  async balance(): Promise<bigint> {
    const { ctx } = this;
    const [balance] = await readContract(ctx.transport, ctx.contracts.dataToken, dataTokenInterface, "balanceOf", [
      ctx.address,
    ]);
    return balance as bigint;
  }

  /**
   * Reads the machine's settings (thresholds, part price) and the unit's allowance from the
   * chain; they decide gas limits, threshold counts in snapshots and when to sign a permit.
   * Throws `ChainUnreachableError` while the chain is down (cached settings stay in use).
   */
  async refresh(): Promise<void> {
    const { ctx } = this;
    const [info] = await readContract(
      ctx.transport,
      ctx.contracts.maintenanceService,
      maintenanceServiceInterface,
      "machineInfo",
      [ctx.machine],
    );
    const t = info.thresholds;
    const settings: MachineSettings = {
      tempThreshold: Number(t.tempThreshold),
      tempCountThreshold: Number(t.tempCountThreshold),
      vibraThreshold: Number(t.vibraThreshold),
      vibraCountThreshold: Number(t.vibraCountThreshold),
      partPrice: (info.partPrice as bigint).toString(),
      provider: info.provider as string,
    };
    if (getAddress(info.unit as string) !== ctx.address) {
      throw new IoTConfigError(
        "wallet",
        `${ctx.address} is not the unit of machine ${ctx.machine} (MaintenanceService names ${info.unit as string})`,
      );
    }
    await ctx.state.setSettings(settings);
    this.onSettings(settings);
    await this.readPendingSettings();
    await this.funding.refresh(settings);
  }

  /**
   * `refresh` for background callers (the settle hook, a recovery): an outage is expected and
   * ignored, anything else (the machine got another unit) is reported as a failure, never thrown
   * into the queue, which would stall it.
   */
  async refreshQuietly(operation: string): Promise<void> {
    try {
      await this.refresh();
    } catch (error) {
      if (!isOutage(error)) this.ctx.emit("failure", { operation, error: error as Error });
    }
  }

  /**
   * Queues the unit's consent to the owner's pending settings (`acceptSettings`), which then take
   * effect at once; the unit re-reads its machine when it is mined. Resolves with the nonce.
   */
  async acceptPendingSettings(): Promise<number> {
    const { ctx } = this;
    ctx.assertOpen();
    const entry = await ctx.queue.enqueue({
      kind: "settings",
      to: ctx.contracts.maintenanceService,
      data: maintenanceServiceInterface.encodeFunctionData("acceptSettings", [ctx.machine]),
      gasLimit: ctx.gas.batchBase,
      meta: {},
    });
    return entry.nonce;
  }

  /** Settle handler: the machine read again after what may have changed it, then the ledger. */
  readonly settle = async ({ entry }: SettledEntry, events: ReceiptEvents): Promise<void> => {
    // Thresholds and part price may have changed, and the allowance moves with every part paid.
    if (entry.kind === "readings" || entry.kind === "payment" || entry.kind === "settings")
      await this.refreshQuietly("reading the machine and allowance after a batch");
    if (events.earned > 0n || events.spent > 0n) {
      const ledger = this.ledger;
      ledger.earned += events.earned;
      ledger.spent += events.spent;
      try {
        ledger.balance = await this.balance();
      } catch (error) {
        if (!isOutage(error))
          this.ctx.emit("failure", { operation: "reading the token balance", error: error as Error });
      }
      this.ctx.emit("balance", { ...ledger });
    }
  };

  private async readPendingSettings(): Promise<void> {
    const { ctx } = this;
    const [proposed, effectiveAt] = await readContract(
      ctx.transport,
      ctx.contracts.maintenanceService,
      maintenanceServiceInterface,
      "pendingSettings",
      [ctx.machine],
    );
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
    const seen = this.pending !== undefined && proposalKey(this.pending) === proposalKey(next);
    this.pending = next;
    if (!seen) this.ctx.emit("settingsPending", next);
  }
}
