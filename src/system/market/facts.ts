/**
 * What the main job's market step found, per community, and the run's checks of it: the
 * registrations and their batches (block rules R1–R3), storage paid before upload, the assets by
 * openness, the three planned trades and their delivery by proxy re-encryption.
 */
import type { RunCheck } from "../run-check";

/** One registration batch the orderer sent (the registry's `BatchRegistered`). */
export interface MarketBatch {
  readonly batchId: number;
  readonly high: number;
  readonly low: number;
  /** Fees paid to the orderer, smallest unit, decimal string. */
  readonly fees: string;
}

/** The three trades each community runs: paid and delivered, never delivered, disputed. */
export const TRADE_PLANS = ["completed", "refunded", "resolved"] as const;
export type TradePlan = (typeof TRADE_PLANS)[number];

/** One trade of the run and how it ended. */
export interface MarketTrade {
  readonly plan: TradePlan;
  readonly tradeId?: number;
  readonly openness: "Complete" | "Partial";
  /** The buyer's identity (`<chain>-lab`, `<chain>-provider`). */
  readonly buyer: string;
  readonly price: string;
  /** The trade's state on chain at the end (`Completed`, `Refunded`, `Resolved`, …). */
  readonly state: string;
  /** What the trade moved, smallest unit, decimal strings. */
  readonly paidToOwner: string;
  readonly refundedToBuyer: string;
  /** The buyer opened the delivery (PRE) and its fragments' root is the asset's hash. */
  readonly delivered: boolean;
  /** The arbiter's reading of the dispute evidence (resolved trade only). */
  readonly verdict?: string;
  /** What went wrong, when the trade did not follow its plan. */
  readonly detail?: string;
}

/** A refusal the step provoked on purpose: the HTTP status and code it got (none: not refused). */
export interface Refused {
  readonly status?: number;
  readonly code?: string;
}

/** The market of one community chain. */
export interface MarketCommunity {
  readonly chain: string;
  readonly batchSize: number;
  readonly registrations: {
    /** Status snapshots registered High, owned by their device, and all snapshots. */
    readonly high: number;
    readonly snapshots: number;
    /** Datasets (documents) registered Low through the on-chain queue, and all datasets. */
    readonly low: number;
    readonly datasets: number;
    readonly feesPaid: string;
  };
  readonly batches: readonly MarketBatch[];
  /** Low entries still queued after the last batch. */
  readonly lowLeft: number;
  readonly storage: {
    readonly leases: number;
    readonly bytesPaid: number;
    readonly fragments: number;
    /** An owner's put before it paid. */
    readonly unpaidPut: Refused;
  };
  readonly assets: {
    readonly complete: number;
    readonly partial: number;
    readonly none: number;
    readonly listed: number;
  };
  /** Whether anyone may buy the asset of openness None (it must not). */
  readonly noneBuyable: boolean;
  readonly trades: readonly MarketTrade[];
  readonly pre: {
    /** Deliveries opened by their buyers. */
    readonly reads: number;
    readonly refusedBeforeGrant: Refused;
    readonly refusedAfterRefund: Refused;
    /** Files in the proxy's and the put ledger's directories, and whether any holds a dataset's plaintext marker. */
    readonly filesScanned: number;
    readonly plaintextFound: boolean;
  };
  /** DataToken the trade contract still holds at the end (open escrows: none should be). */
  readonly escrowLeft: string;
}

export interface MarketFacts {
  readonly communities: readonly MarketCommunity[];
}

/** Whether the batches show R3: every batch sent while Low entries waited took at least one. */
export function lowQuotaHeld(batches: readonly MarketBatch[], lowTotal: number): boolean {
  let taken = 0;
  for (const batch of batches) {
    if (taken >= lowTotal) break;
    if (batch.low === 0) return false;
    taken += batch.low;
  }
  return taken >= lowTotal;
}

function tradeAsPlanned(t: MarketTrade): boolean {
  if (t.plan === "completed") return t.state === "Completed" && t.delivered && t.paidToOwner === t.price;
  if (t.plan === "refunded") return t.state === "Refunded" && t.refundedToBuyer === t.price;
  return t.state === "Resolved" && t.delivered && BigInt(t.paidToOwner) + BigInt(t.refundedToBuyer) === BigInt(t.price);
}

const refusedAs = (r: Refused, status: number) => r.status === status;
const shown = (r: Refused) => (r.status === undefined ? "not refused" : `${r.status} ${r.code ?? ""}`.trim());

/** The run's checks of the market. */
export function marketChecks(market: MarketFacts): RunCheck[] {
  const all = market.communities;
  const trades = all.flatMap((c) => c.trades.map((t) => ({ chain: c.chain, ...t })));
  const off = trades.filter((t) => !tradeAsPlanned(t));
  return [
    {
      name: "every status snapshot's ownership is registered by its device, in batches that keep block rules 1–3",
      required: true,
      passed:
        all.length > 0 &&
        all.every(
          (c) =>
            c.registrations.high === c.registrations.snapshots &&
            c.registrations.low === c.registrations.datasets &&
            c.lowLeft === 0 &&
            c.batches.every((b) => b.high + b.low <= c.batchSize) &&
            lowQuotaHeld(c.batches, c.registrations.low),
        ),
      detail: all
        .map(
          (c) =>
            `${c.chain}: ${c.registrations.high}/${c.registrations.snapshots} High, ${c.registrations.low}/${c.registrations.datasets} Low in ${c.batches.length} batches (≤ ${c.batchSize}; Low in every batch while Low waited: ${lowQuotaHeld(c.batches, c.registrations.low) ? "yes" : "NO"})`,
        )
        .join("; "),
    },
    {
      name: "storage is paid before it is used: an unpaid upload is refused with 402",
      required: true,
      passed: all.length > 0 && all.every((c) => refusedAs(c.storage.unpaidPut, 402) && c.storage.fragments > 0),
      detail: all
        .map(
          (c) =>
            `${c.chain}: unpaid put ${shown(c.storage.unpaidPut)}; ${c.storage.fragments} fragments stored in ${c.storage.leases} paid leases`,
        )
        .join("; "),
    },
    {
      name: "trades end as planned (paid, refunded after the delivery window, dispute resolved) and no escrow is left",
      required: true,
      passed:
        all.length > 0 &&
        all.every((c) => c.trades.length === TRADE_PLANS.length && BigInt(c.escrowLeft) === 0n && !c.noneBuyable) &&
        off.length === 0,
      detail:
        `${trades.length - off.length}/${trades.length} trades as planned; escrow left ${all.map((c) => `${c.chain} ${c.escrowLeft}`).join(", ")}; ` +
        `openness None buyable: ${all.some((c) => c.noneBuyable) ? "YES" : "no"}` +
        (off.length > 0
          ? `; OFF PLAN: ${off.map((t) => `${t.chain} ${t.plan} → ${t.state} (${t.detail ?? ""})`).join(", ")}`
          : ""),
    },
    {
      name: "proxy re-encryption delivers to the buyer only: refused before grant and after refund, no plaintext at a proxy",
      required: true,
      passed:
        all.length > 0 &&
        all.every(
          (c) =>
            c.pre.reads >= 2 &&
            refusedAs(c.pre.refusedBeforeGrant, 403) &&
            refusedAs(c.pre.refusedAfterRefund, 403) &&
            c.pre.filesScanned > 0 &&
            !c.pre.plaintextFound,
        ),
      detail: all
        .map(
          (c) =>
            `${c.chain}: ${c.pre.reads} deliveries opened; before grant ${shown(c.pre.refusedBeforeGrant)}, after refund ${shown(c.pre.refusedAfterRefund)}; plaintext in ${c.pre.filesScanned} proxy files: ${c.pre.plaintextFound ? "FOUND" : "none"}`,
        )
        .join("; "),
    },
  ];
}
