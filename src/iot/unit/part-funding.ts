/**
 * How an IoT unit pays for its machine's parts in DataToken: it keeps MaintenanceService's
 * allowance funded with EIP-2612 permits that ride on reading batches (no approve transaction),
 * and it remembers the part orders a batch could not pay (review M7) so they can be paid once the
 * unit is funded, after a restart too (found again in the chain's logs).
 *
 * The allowance and the funding policy come from the chain (the part price): `ChainView` hands
 * them in through `refresh` whenever it reads the machine.
 */
import { getAddress, zeroPadValue } from "ethers";
import { dataTokenInterface, maintenanceServiceInterface } from "../abi";
import { readContract } from "../chain-read";
import {
  checkFundingPolicy,
  defaultFundingPolicy,
  needsPermit,
  signPermit,
  type FundingPolicy,
  type SignedPermit,
} from "../funding";
import type { PartOrderUnpaidEvent, ReceiptEvents } from "../receipt-events";
import { isOutage } from "../transport";
import type { MachineSettings } from "../unit-state";
import type { UnitContext } from "./context";

/** `MaintenanceService.PartOrderStatus.Unpaid`. */
const PART_ORDER_UNPAID = 2;

export class PartFunding {
  private policy: FundingPolicy | undefined;
  private allowance: bigint | undefined;
  /** Part orders seen unpaid in the unit's receipts and not seen paid since, by order id. */
  private readonly unpaid = new Map<bigint, PartOrderUnpaidEvent>();

  /**
   * @param refreshQuietly reads the machine and the allowance again, never throwing (an outage is
   *   expected): wanted when a permit is due and the allowance was never read.
   */
  constructor(
    private readonly ctx: UnitContext,
    private readonly refreshQuietly: (operation: string) => Promise<void>,
  ) {
    const settings = ctx.state.settings;
    if (ctx.options.funding !== false && settings !== undefined)
      this.policy = this.policyFor(BigInt(settings.partPrice));
  }

  /** Takes the part price of `settings` and reads the unit's allowance (nothing when funding is off). */
  async refresh(settings: MachineSettings): Promise<void> {
    if (this.ctx.options.funding === false) return;
    const { maintenanceService, dataToken } = this.ctx.contracts;
    this.policy = this.policyFor(BigInt(settings.partPrice));
    const [allowance] = await readContract(this.ctx.transport, dataToken, dataTokenInterface, "allowance", [
      this.ctx.address,
      maintenanceService,
    ]);
    this.allowance = allowance as bigint;
  }

  /** Signs a permit if the allowance seen is low and none is in flight; undefined when not needed or not possible now. */
  async maybePermit(): Promise<SignedPermit | undefined> {
    const { ctx } = this;
    // While the sender sees an outage, asking the chain would only hold the readings up (up to a
    // request timeout each); the permit rides on a batch after the outage.
    if (ctx.options.funding === false || this.permitInFlight() || ctx.queue.down) return undefined;
    if (this.allowance === undefined) await this.refreshQuietly("reading the allowance for a permit");
    const policy = this.policy;
    if (policy === undefined || this.allowance === undefined || !needsPermit(this.allowance, policy)) return undefined;
    const { dataToken, maintenanceService } = ctx.contracts;
    try {
      const [nonce] = await readContract(ctx.transport, dataToken, dataTokenInterface, "nonces", [ctx.address]);
      const domain = await readContract(ctx.transport, dataToken, dataTokenInterface, "eip712Domain");
      const deadline = BigInt(Math.floor(Date.now() / 1000) + policy.permitTtlSeconds);
      return await signPermit(
        ctx.options.wallet,
        {
          name: domain.name as string,
          version: domain.version as string,
          chainId: domain.chainId as bigint,
          verifyingContract: domain.verifyingContract as string,
        },
        { spender: maintenanceService, value: policy.target, nonce: nonce as bigint, deadline },
      );
    } catch (error) {
      // The chain is down: the permit nonce cannot be read; a later batch carries the permit.
      if (isOutage(error)) return undefined;
      throw error;
    }
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
    const { ctx } = this;
    const service = getAddress(ctx.contracts.maintenanceService);
    const topic = (address: string) => zeroPadValue(address, 32);
    const logs = await ctx.transport.request<
      { topics: string[]; data: string; transactionHash: string; blockNumber: string }[]
    >("eth_getLogs", [
      {
        address: service,
        topics: [
          maintenanceServiceInterface.getEvent("PartOrderUnpaid")!.topicHash,
          null,
          topic(ctx.machine),
          topic(ctx.address),
        ],
        fromBlock: "0x0",
        toBlock: "latest",
      },
    ]);
    for (const log of logs) {
      const parsed = maintenanceServiceInterface.parseLog(log);
      if (parsed === null) continue;
      const orderId = parsed.args.orderId as bigint;
      const [order] = await readContract(ctx.transport, service, maintenanceServiceInterface, "partOrder", [orderId]);
      if (Number(order.status) !== PART_ORDER_UNPAID) {
        this.unpaid.delete(orderId);
        continue;
      }
      if (!this.unpaid.has(orderId)) {
        const tx = await ctx.transport.request<{ nonce: string } | null>("eth_getTransactionByHash", [
          log.transactionHash,
        ]);
        this.unpaid.set(orderId, {
          txHash: log.transactionHash,
          blockNumber: Number(log.blockNumber),
          nonce: tx === null ? -1 : Number(tx.nonce),
          orderId,
          machine: parsed.args.machine as string,
          payer: parsed.args.payer as string,
          price: parsed.args.price as bigint,
        });
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
    const { ctx } = this;
    ctx.assertOpen();
    try {
      await this.findUnpaidOrders();
    } catch (error) {
      // The chain is down: the orders seen in receipts are paid; the rest on a later call.
      if (!isOutage(error)) throw error;
    }
    const queued = new Set(
      ctx.queue
        .pending()
        .filter((e) => e.kind === "payment")
        .map((e) => String(e.meta.orderId)),
    );
    const nonces: number[] = [];
    for (const order of this.unpaidOrders) {
      if (queued.has(order.orderId.toString())) continue;
      const entry = await ctx.queue.enqueue({
        kind: "payment",
        to: ctx.contracts.maintenanceService,
        data: maintenanceServiceInterface.encodeFunctionData("payPartOrder", [order.orderId]),
        gasLimit: ctx.gas.batchBase + ctx.gas.payment,
        meta: { orderId: order.orderId.toString(), price: order.price.toString() },
      });
      nonces.push(entry.nonce);
    }
    return nonces;
  }

  /** Settle handler: the part orders a transaction placed, left unpaid or paid. */
  readonly settle = (_settled: unknown, events: ReceiptEvents): void => {
    for (const e of events.orders) this.ctx.emit("partOrdered", e);
    for (const e of events.unpaid) {
      this.unpaid.set(e.orderId, e);
      this.ctx.emit("partOrderUnpaid", e);
    }
    for (const e of events.paid) {
      this.unpaid.delete(e.orderId);
      this.ctx.emit("partOrderPaid", e);
    }
  };

  private policyFor(partPrice: bigint): FundingPolicy {
    const funding = this.ctx.options.funding;
    return checkFundingPolicy({ ...defaultFundingPolicy(partPrice), ...(funding === false ? {} : funding) });
  }

  /** A pending entry carrying a permit: its nonce is spent only once it is mined. */
  private permitInFlight(): boolean {
    return this.ctx.queue.pending().some((e) => e.kind === "readings" && e.meta.permit !== undefined);
  }
}
