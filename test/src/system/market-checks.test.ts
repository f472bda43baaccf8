import { expect } from "chai";
import { lowQuotaHeld, marketChecks, type MarketCommunity, type MarketTrade } from "../../../src/system/market/facts";

const PRICE = "5000000000000000000";

function trade(plan: MarketTrade["plan"], changes: Partial<MarketTrade> = {}): MarketTrade {
  const base: Record<MarketTrade["plan"], MarketTrade> = {
    completed: {
      plan,
      openness: "Complete",
      buyer: "lab",
      price: PRICE,
      state: "Completed",
      paidToOwner: PRICE,
      refundedToBuyer: "0",
      delivered: true,
    },
    refunded: {
      plan,
      openness: "Partial",
      buyer: "lab",
      price: PRICE,
      state: "Refunded",
      paidToOwner: "0",
      refundedToBuyer: PRICE,
      delivered: false,
    },
    resolved: {
      plan,
      openness: "Complete",
      buyer: "provider",
      price: PRICE,
      state: "Resolved",
      paidToOwner: PRICE,
      refundedToBuyer: "0",
      delivered: true,
    },
  };
  return { ...base[plan], ...changes };
}

function community(changes: Partial<MarketCommunity> = {}): MarketCommunity {
  return {
    chain: "community-1",
    batchSize: 5,
    registrations: { high: 8, snapshots: 8, low: 3, datasets: 3, feesPaid: "0" },
    batches: [
      { batchId: 1, high: 4, low: 1, fees: "0" },
      { batchId: 2, high: 4, low: 1, fees: "0" },
      { batchId: 3, high: 0, low: 1, fees: "0" },
    ],
    lowLeft: 0,
    storage: { leases: 2, bytesPaid: 1, fragments: 9, unpaidPut: { status: 402, code: "PaymentRequired" } },
    assets: { complete: 1, partial: 1, none: 1, listed: 3 },
    noneBuyable: false,
    trades: [trade("completed"), trade("refunded"), trade("resolved")],
    pre: {
      reads: 2,
      refusedBeforeGrant: { status: 403, code: "NotGranted" },
      refusedAfterRefund: { status: 403, code: "TradeRefunded" },
      filesScanned: 4,
      plaintextFound: false,
    },
    escrowLeft: "0",
    ...changes,
  };
}

const passed = (c: MarketCommunity) => marketChecks({ communities: [c] }).map((check) => check.passed);

describe("system: market checks", () => {
  describe("lowQuotaHeld", () => {
    it("holds when every batch until the last Low entry took one", () => {
      expect(lowQuotaHeld(community().batches, 3)).to.equal(true);
    });
    it("fails when a batch skipped Low while Low waited, or Low entries were never taken", () => {
      const skipped = [
        { batchId: 1, high: 5, low: 0, fees: "0" },
        { batchId: 2, high: 0, low: 3, fees: "0" },
      ];
      expect(lowQuotaHeld(skipped, 3)).to.equal(false);
      expect(lowQuotaHeld([{ batchId: 1, high: 4, low: 1, fees: "0" }], 3)).to.equal(false);
    });
  });

  describe("marketChecks", () => {
    it("passes a market that went as planned, every check required", () => {
      const checks = marketChecks({ communities: [community()] });
      expect(checks.map((c) => [c.required, c.passed])).to.deep.equal(Array(4).fill([true, true]));
    });
    it("fails no community at all", () => {
      expect(marketChecks({ communities: [] }).map((c) => c.passed)).to.deep.equal([false, false, false, false]);
    });
    it("fails registrations that are missing, left queued or in an oversized batch", () => {
      expect(
        passed(community({ registrations: { high: 7, snapshots: 8, low: 3, datasets: 3, feesPaid: "0" } }))[0],
      ).to.equal(false);
      expect(passed(community({ lowLeft: 1 }))[0]).to.equal(false);
      expect(passed(community({ batches: [{ batchId: 1, high: 5, low: 3, fees: "0" }] }))[0]).to.equal(false);
    });
    it("fails an upload accepted before payment", () => {
      const c = community({ storage: { leases: 1, bytesPaid: 1, fragments: 3, unpaidPut: {} } });
      expect(passed(c)[1]).to.equal(false);
    });
    it("fails a trade off plan, an escrow left over and a None asset anyone may buy", () => {
      expect(
        passed(
          community({ trades: [trade("completed", { state: "Granted" }), trade("refunded"), trade("resolved")] }),
        )[2],
      ).to.equal(false);
      expect(
        passed(
          community({ trades: [trade("completed"), trade("refunded", { refundedToBuyer: "0" }), trade("resolved")] }),
        )[2],
      ).to.equal(false);
      expect(passed(community({ escrowLeft: PRICE }))[2]).to.equal(false);
      expect(passed(community({ noneBuyable: true }))[2]).to.equal(false);
      expect(passed(community({ trades: [trade("completed"), trade("refunded")] }))[2]).to.equal(false);
    });
    it("fails a proxy that served before grant or after refund, or held plaintext", () => {
      const pre = community().pre;
      expect(passed(community({ pre: { ...pre, refusedBeforeGrant: {} } }))[3]).to.equal(false);
      expect(
        passed(community({ pre: { ...pre, refusedAfterRefund: { status: 503, code: "ChainUnavailable" } } }))[3],
      ).to.equal(false);
      expect(passed(community({ pre: { ...pre, plaintextFound: true } }))[3]).to.equal(false);
      expect(passed(community({ pre: { ...pre, reads: 1 } }))[3]).to.equal(false);
    });
  });
});
