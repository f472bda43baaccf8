// Property-based test of the trade escrow: over random sequences of open, buy, grant, confirm,
// refund, claim, dispute, resolve, NFT transfers and time jumps, an independent model predicts
// whether each call succeeds and what it pays. After every action the chain must agree:
// - DataTrade holds exactly Σ price over the trades still open (Paid, Granted, Disputed);
// - the total supply equals what was minted, and every party's balance is the model's;
// - every trade's state is the model's.
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import fc from "fast-check";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import {
  FUNDS,
  Openness,
  POLICY,
  PRE_KEY,
  PRICE,
  TradeState,
  deployMarket,
  listAsset,
  signOffer,
} from "./trade-fixture";

const NUM_RUNS = 40;
const MAX_ACTIONS = 30;
const WINDOW = 100n;
const PARTIAL_HASH = ethers.keccak256(ethers.toUtf8Bytes("partial asset"));
const COMPLETE_HASH = ethers.keccak256(ethers.toUtf8Bytes("complete asset"));
const ASSETS = [PARTIAL_HASH, COMPLETE_HASH] as const;
const BUYERS = ["buyer", "buyer2", "stranger"] as const; // stranger is off the Partial allowlist
type Buyer = (typeof BUYERS)[number];
type Party = Buyer | "owner" | "newOwner";
type Holder = "owner" | "newOwner";

type Action =
  | { kind: "open"; asset: 0 | 1; buyer: Buyer; price: bigint; nonce: number }
  | { kind: "buy"; asset: 0 | 1; buyer: Buyer }
  | { kind: "grant"; trade: number; at: At; byHolder: boolean }
  | { kind: "confirm"; trade: number; at: At; rightHash: boolean }
  | { kind: "refund"; trade: number; at: At }
  | { kind: "claim"; trade: number; at: At }
  | { kind: "dispute"; trade: number; at: At }
  | { kind: "resolve"; trade: number; at: At; bps: bigint }
  | { kind: "transfer"; asset: 0 | 1 }
  | { kind: "jump"; seconds: number };
/**
 * When a call on a trade lands: at once, or (when that is still ahead) one second before or
 * exactly at the deadline the call depends on, the edges of every window.
 */
type At = "now" | "before" | "on";

const assetArb = fc.constantFrom(0 as const, 1 as const);
const atArb = fc.constantFrom("now" as const, "before" as const, "on" as const);
/** A trade by recency: 0 is the latest, 1 the one before, …; past the first trade it names an id never issued. */
const tradeArb = fc.oneof(
  { weight: 8, arbitrary: fc.constant(0) },
  { weight: 3, arbitrary: fc.nat(2) },
  { weight: 1, arbitrary: fc.nat(8) },
);
/** Mostly true: the call is made as it should be. */
const mostly = fc.oneof({ weight: 5, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) });
const actionArb: fc.Arbitrary<Action> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant("open" as const),
      asset: assetArb,
      buyer: fc.constantFrom(...BUYERS),
      price: fc.bigInt({ min: 0n, max: 5n }).map((p) => p * 10n ** 18n + 7n),
      // -1: the seller's next fresh nonce; 0..3 may repeat one already used.
      nonce: fc.oneof({ weight: 4, arbitrary: fc.constant(-1) }, { weight: 1, arbitrary: fc.nat(3) }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant("buy" as const), asset: assetArb, buyer: fc.constantFrom(...BUYERS) }),
  },
  {
    weight: 4,
    arbitrary: fc.record({ kind: fc.constant("grant" as const), trade: tradeArb, at: atArb, byHolder: mostly }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant("confirm" as const), trade: tradeArb, at: atArb, rightHash: mostly }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("refund" as const), trade: tradeArb, at: atArb }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("claim" as const), trade: tradeArb, at: atArb }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("dispute" as const), trade: tradeArb, at: atArb }) },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant("resolve" as const),
      trade: tradeArb,
      at: atArb,
      bps: fc.oneof(fc.constantFrom(0n, 10_000n), fc.bigInt({ min: 0n, max: 10_000n })),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("transfer" as const), asset: assetArb }) },
  {
    weight: 3,
    arbitrary: fc.record({ kind: fc.constant("jump" as const), seconds: fc.integer({ min: 1, max: 160 }) }),
  },
);

type ModelTrade = {
  asset: 0 | 1;
  buyer: Buyer;
  price: bigint;
  state: bigint;
  deliverBy: bigint;
  confirmBy: bigint;
  arbitrateBy: bigint;
};

const OPEN_STATES: readonly bigint[] = [TradeState.Paid, TradeState.Granted, TradeState.Disputed];

async function deployForProperty() {
  const f = await deployMarket();
  await listAsset(f, {
    hash: PARTIAL_HASH,
    openness: Openness.Partial,
    allowlist: [f.buyer.address, f.buyer2.address],
  });
  await listAsset(f, { hash: COMPLETE_HASH, openness: Openness.Complete });
  await f.trade.setWindows(WINDOW, WINDOW, WINDOW);
  await f.token.connect(f.minter).mint(f.stranger.address, FUNDS);
  await f.token.connect(f.stranger).approve(await f.trade.getAddress(), ethers.MaxUint256);
  // The new owner approves too, so a (wrong) attempt by it could move its tokens if the contract let it.
  await f.token.connect(f.newOwner).approve(await f.trade.getAddress(), ethers.MaxUint256);
  return f;
}

describe("DataTrade: escrow (property)", function () {
  this.timeout(600_000);

  it("holds exactly the open escrows and conserves tokens, whatever the sequence", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(actionArb, { minLength: 10, maxLength: MAX_ACTIONS, size: "max" }), async (actions) => {
        const f = await loadFixture(deployForProperty);
        const signers: Record<Party, HardhatEthersSigner> = {
          buyer: f.buyer,
          buyer2: f.buyer2,
          stranger: f.stranger,
          owner: f.owner,
          newOwner: f.newOwner,
        };
        const balance: Record<Party, bigint> = {
          buyer: FUNDS,
          buyer2: FUNDS,
          stranger: FUNDS,
          owner: FUNDS,
          newOwner: 0n,
        };
        const minted = await f.token.totalSupply();
        const holder: [Holder, Holder] = ["owner", "owner"];
        const usedNonces = new Set<string>();
        const trades: ModelTrade[] = [];
        const other = (h: Holder): Holder => (h === "owner" ? "newOwner" : "owner");

        for (const action of actions) {
          // Every transaction lands one second after the last block, so the model knows its time.
          let t = BigInt(await time.latest()) + 1n;
          if (action.kind === "jump") {
            await time.increase(action.seconds);
          } else if (action.kind === "transfer") {
            const from = holder[action.asset];
            await time.setNextBlockTimestamp(t);
            await f.asset
              .connect(signers[from])
              .transferFrom(signers[from].address, signers[other(from)].address, BigInt(ASSETS[action.asset]));
            holder[action.asset] = other(from);
          } else if (action.kind === "open" || action.kind === "buy") {
            const tokenId = BigInt(ASSETS[action.asset]);
            const allowed = action.asset === 1 || action.buyer !== "stranger";
            let call;
            let price: bigint;
            let ok: boolean;
            if (action.kind === "open") {
              const seller = holder[action.asset];
              const nonce = action.nonce >= 0 ? BigInt(action.nonce) : 100n + BigInt(usedNonces.size);
              const key = `${seller}:${nonce}`;
              price = action.price;
              const o = {
                tokenId,
                buyer: signers[action.buyer].address,
                price,
                buyerPreKey: PRE_KEY,
                deliveryWindow: WINDOW,
                confirmWindow: WINDOW,
                nonce,
                deadline: t + 1_000n,
              };
              const sig = await signOffer(f.trade, signers[seller], o);
              ok = allowed && !usedNonces.has(key);
              if (ok) usedNonces.add(key);
              await time.setNextBlockTimestamp(t);
              call = f.trade.connect(signers[action.buyer]).open(o, sig);
            } else {
              price = PRICE;
              ok = action.asset === 1;
              await time.setNextBlockTimestamp(t);
              call = f.trade.connect(signers[action.buyer]).buy(tokenId, PRICE, PRE_KEY);
            }
            if (ok) {
              await expect(call).to.emit(f.trade, "TradeOpened");
              balance[action.buyer] -= price;
              trades.push({
                asset: action.asset,
                buyer: action.buyer,
                price,
                state: TradeState.Paid,
                deliverBy: t + WINDOW,
                confirmBy: 0n,
                arbitrateBy: 0n,
              });
            } else {
              await expect(call).to.be.reverted;
            }
          } else {
            const index = trades.length - 1 - action.trade;
            const m = trades[index] as ModelTrade | undefined;
            // Before the first trade: an id past the last, never issued.
            const id = index >= 0 ? BigInt(index + 1) : BigInt(trades.length - index);
            const seller = m === undefined ? "owner" : holder[m.asset];
            const buyer = m === undefined ? f.buyer : signers[m.buyer];
            if (m !== undefined && action.at !== "now") {
              const deadline =
                action.kind === "grant" || (action.kind === "refund" && m.state !== TradeState.Disputed)
                  ? m.deliverBy
                  : action.kind === "resolve" || action.kind === "refund"
                    ? m.arbitrateBy
                    : m.confirmBy;
              const edge = deadline - (action.at === "before" ? 1n : 0n);
              if (deadline > 0n && edge > t) t = edge;
            }
            await time.setNextBlockTimestamp(t);
            if (action.kind === "grant") {
              const by = action.byHolder ? seller : other(seller);
              const ok = m !== undefined && action.byHolder && m.state === TradeState.Paid && t < m.deliverBy;
              const call = f.trade.connect(signers[by]).grant(id, POLICY);
              if (ok) {
                await expect(call)
                  .to.emit(f.trade, "TradeGranted")
                  .withArgs(id, signers[by].address, POLICY, t + WINDOW);
                m.state = TradeState.Granted;
                m.confirmBy = t + WINDOW;
              } else await expect(call).to.be.reverted;
            } else if (action.kind === "confirm") {
              const hash = m !== undefined && action.rightHash ? ASSETS[m.asset] : ethers.ZeroHash;
              const ok = m !== undefined && action.rightHash && m.state === TradeState.Granted;
              const call = f.trade.connect(buyer).confirmReceipt(id, hash);
              if (ok) {
                await expect(call)
                  .to.emit(f.trade, "TradeCompleted")
                  .withArgs(id, signers[seller].address, m.price, true);
                balance[seller] += m.price;
                m.state = TradeState.Completed;
              } else await expect(call).to.be.reverted;
            } else if (action.kind === "refund") {
              const ok =
                m !== undefined &&
                ((m.state === TradeState.Paid && t >= m.deliverBy) ||
                  (m.state === TradeState.Disputed && t >= m.arbitrateBy));
              const call = f.trade.connect(buyer).refund(id);
              if (ok) {
                await expect(call).to.emit(f.trade, "TradeRefunded").withArgs(id, buyer.address, m.price);
                balance[m.buyer] += m.price;
                m.state = TradeState.Refunded;
              } else await expect(call).to.be.reverted;
            } else if (action.kind === "claim") {
              const ok = m !== undefined && m.state === TradeState.Granted && t >= m.confirmBy;
              const call = f.trade.connect(signers[seller]).claim(id);
              if (ok) {
                await expect(call)
                  .to.emit(f.trade, "TradeCompleted")
                  .withArgs(id, signers[seller].address, m.price, false);
                balance[seller] += m.price;
                m.state = TradeState.Completed;
              } else await expect(call).to.be.reverted;
            } else if (action.kind === "dispute") {
              const ok = m !== undefined && m.state === TradeState.Granted && t < m.confirmBy;
              const call = f.trade.connect(buyer).dispute(id, POLICY);
              if (ok) {
                await expect(call).to.emit(f.trade, "TradeDisputed");
                m.state = TradeState.Disputed;
                m.arbitrateBy = t + WINDOW;
              } else await expect(call).to.be.reverted;
            } else {
              const ok = m !== undefined && m.state === TradeState.Disputed && t < m.arbitrateBy;
              const call = f.trade.connect(f.arbiter).resolve(id, action.bps);
              if (ok) {
                const toBuyer = (m.price * action.bps) / 10_000n;
                await expect(call).to.emit(f.trade, "TradeResolved");
                balance[m.buyer] += toBuyer;
                balance[seller] += m.price - toBuyer;
                m.state = TradeState.Resolved;
              } else await expect(call).to.be.reverted;
            }
          }

          const tradeAddress = await f.trade.getAddress();
          const held = await f.token.balanceOf(tradeAddress);
          const openEscrow = trades.filter((m) => OPEN_STATES.includes(m.state)).reduce((s, m) => s + m.price, 0n);
          expect(held).to.equal(openEscrow);
          expect(await f.token.totalSupply()).to.equal(minted);
          const chain = Object.fromEntries(
            await Promise.all(
              (Object.keys(signers) as Party[]).map(async (p) => [p, await f.token.balanceOf(signers[p].address)]),
            ),
          ) as Record<Party, bigint>;
          expect(chain).to.deep.equal(balance);
          const sum = Object.values(chain).reduce((s, b) => s + b, 0n);
          expect(sum + held).to.equal(minted);
          expect(await f.trade.tradeCount()).to.equal(BigInt(trades.length));
          const states = await Promise.all(trades.map(async (_, i) => (await f.trade.trade(BigInt(i + 1))).state));
          expect(states).to.deep.equal(trades.map((m) => m.state));
        }
      }),
      { numRuns: NUM_RUNS },
    );
  });
});
