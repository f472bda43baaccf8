import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import {
  CONFIRM_WINDOW,
  DATA_HASH,
  DAY,
  DELIVERY_WINDOW,
  EVIDENCE,
  FUNDS,
  Openness,
  POLICY,
  PRE_KEY,
  PRICE,
  TOKEN_ID,
  TradeState,
  deployComplete,
  deployListed,
  deployMarket,
  listAsset,
  offer,
  openTrade,
  signOffer,
} from "./trade-fixture";
import type { MarketFixture } from "./trade-fixture";

async function now(): Promise<bigint> {
  return BigInt(await time.latest());
}

/** The next block's timestamp, fixed to `t`. */
async function at(t: bigint): Promise<bigint> {
  await time.setNextBlockTimestamp(t);
  return t;
}

async function deployOpen() {
  const f = await deployListed();
  const id = await openTrade(f);
  return { ...f, id, trade_: await f.trade.trade(id) };
}

async function deployGranted() {
  const f = await deployOpen();
  await f.trade.connect(f.owner).grant(f.id, POLICY);
  return { ...f, trade_: await f.trade.trade(f.id) };
}

async function deployDisputed() {
  const f = await deployGranted();
  await f.trade.connect(f.buyer).dispute(f.id, EVIDENCE);
  return { ...f, trade_: await f.trade.trade(f.id) };
}

async function escrowed(f: MarketFixture): Promise<bigint> {
  return f.token.balanceOf(await f.trade.getAddress());
}

describe("DataTrade", function () {
  describe("deployment", function () {
    it("rejects a zero token, asset contract or admin", async () => {
      const [a] = await ethers.getSigners();
      const factory = await ethers.getContractFactory("DataTrade");
      for (const args of [
        [ethers.ZeroAddress, a.address, a.address],
        [a.address, ethers.ZeroAddress, a.address],
        [a.address, a.address, ethers.ZeroAddress],
      ] as const) {
        await expect(factory.deploy(...args))
          .to.be.revertedWithCustomError(factory, "TradeInvalidAddress")
          .withArgs(ethers.ZeroAddress);
      }
    });

    it("exposes its token, assets and default windows", async () => {
      const { trade, token, asset } = await loadFixture(deployMarket);
      expect(await trade.token()).to.equal(await token.getAddress());
      expect(await trade.assets()).to.equal(await asset.getAddress());
      expect([
        await trade.buyDeliveryWindow(),
        await trade.buyConfirmWindow(),
        await trade.arbitrationWindow(),
      ]).to.deep.equal([DAY, 3n * DAY, 7n * DAY]);
    });
  });

  describe("open", function () {
    it("escrows exactly the offer's price and records the trade", async () => {
      const f = await loadFixture(deployListed);
      const o = offer(f.buyer.address, await now());
      const sig = await signOffer(f.trade, f.owner, o);
      const t = await at((await now()) + 10n);
      const tx = f.trade.connect(f.buyer).open(o, sig);
      await expect(tx).to.changeTokenBalances(f.token, [f.buyer, f.trade, f.owner], [-PRICE, PRICE, 0n]);
      await expect(tx)
        .to.emit(f.trade, "TradeOpened")
        .withArgs(1n, TOKEN_ID, f.buyer.address, f.owner.address, PRICE, PRE_KEY, t + DELIVERY_WINDOW, CONFIRM_WINDOW);
      const r = await f.trade.trade(1n);
      expect([
        r.tokenId,
        r.price,
        r.buyer,
        r.deliverBy,
        r.confirmWindow,
        r.confirmBy,
        r.state,
        r.buyerPreKey,
      ]).to.deep.equal([
        TOKEN_ID,
        PRICE,
        f.buyer.address,
        t + DELIVERY_WINDOW,
        CONFIRM_WINDOW,
        0n,
        TradeState.Paid,
        PRE_KEY,
      ]);
      expect(await f.trade.nonceUsed(f.owner.address, 1n)).to.equal(true);
      expect(await f.trade.tradeCount()).to.equal(1n);
    });

    it("the contract's digest is the signed EIP-712 digest", async () => {
      const f = await loadFixture(deployListed);
      const o = offer(f.buyer.address, await now());
      const sig = await signOffer(f.trade, f.owner, o);
      expect(ethers.recoverAddress(await f.trade.offerDigest(o), sig)).to.equal(f.owner.address);
    });

    it("only the offer's buyer opens it", async () => {
      const f = await loadFixture(deployListed);
      const o = offer(f.buyer.address, await now());
      const sig = await signOffer(f.trade, f.owner, o);
      await expect(f.trade.connect(f.buyer2).open(o, sig))
        .to.be.revertedWithCustomError(f.trade, "TradeNotBuyer")
        .withArgs(TOKEN_ID, f.buyer2.address);
    });

    it("an offer past its deadline is too late", async () => {
      const f = await loadFixture(deployListed);
      const o = offer(f.buyer.address, await now(), { deadline: (await now()) + 100n });
      const sig = await signOffer(f.trade, f.owner, o);
      const t = await at((await now()) + 101n);
      await expect(f.trade.connect(f.buyer).open(o, sig))
        .to.be.revertedWithCustomError(f.trade, "TradeTooLate")
        .withArgs(t, t - 1n);
    });

    it("a Partial asset off the allowlist: TradeNotAllowed", async () => {
      const f = await loadFixture(deployListed);
      const o = offer(f.buyer2.address, await now());
      const sig = await signOffer(f.trade, f.owner, o);
      await expect(f.trade.connect(f.buyer2).open(o, sig))
        .to.be.revertedWithCustomError(f.trade, "TradeNotAllowed")
        .withArgs(TOKEN_ID, f.buyer2.address);
    });

    it("an asset of openness None cannot be bought, even by an allowlisted buyer", async () => {
      const f = await loadFixture(deployMarket);
      await listAsset(f, { openness: Openness.None, allowlist: [f.buyer.address] });
      const o = offer(f.buyer.address, await now());
      const sig = await signOffer(f.trade, f.owner, o);
      await expect(f.trade.connect(f.buyer).open(o, sig))
        .to.be.revertedWithCustomError(f.trade, "TradeNotAllowed")
        .withArgs(TOKEN_ID, f.buyer.address);
    });

    it("an asset pending audit cannot be bought", async () => {
      const f = await loadFixture(deployMarket);
      await f.ownership.setOwner(DATA_HASH, f.owner.address);
      await f.asset.connect(f.owner).tokenize(DATA_HASH, "u", PRICE, Openness.Complete, []);
      const o = offer(f.buyer.address, await now());
      const sig = await signOffer(f.trade, f.owner, o);
      await expect(f.trade.connect(f.buyer).open(o, sig))
        .to.be.revertedWithCustomError(f.trade, "TradeNotAllowed")
        .withArgs(TOKEN_ID, f.buyer.address);
    });

    it("refuses a PRE key that is not 33 bytes", async () => {
      const f = await loadFixture(deployListed);
      const o = offer(f.buyer.address, await now(), { buyerPreKey: "0x02" + "ab".repeat(31) });
      const sig = await signOffer(f.trade, f.owner, o);
      await expect(f.trade.connect(f.buyer).open(o, sig))
        .to.be.revertedWithCustomError(f.trade, "TradeInvalidPreKey")
        .withArgs(32n);
    });

    it("refuses a zero or over-long window", async () => {
      const f = await loadFixture(deployListed);
      const max = await f.trade.MAX_WINDOW();
      for (const changes of [{ deliveryWindow: 0n }, { confirmWindow: 0n }, { confirmWindow: max + 1n }]) {
        const o = offer(f.buyer.address, await now(), changes);
        const sig = await signOffer(f.trade, f.owner, o);
        await expect(f.trade.connect(f.buyer).open(o, sig))
          .to.be.revertedWithCustomError(f.trade, "TradeInvalidWindow")
          .withArgs(Object.values(changes)[0]);
      }
    });

    it("an offer opens once: its nonce is then used", async () => {
      const f = await loadFixture(deployOpen);
      const o = offer(f.buyer.address, await now());
      const sig = await signOffer(f.trade, f.owner, o);
      await expect(f.trade.connect(f.buyer).open(o, sig))
        .to.be.revertedWithCustomError(f.trade, "TradeNonceUsed")
        .withArgs(f.owner.address, 1n);
    });

    it("the owner cancels an offer by its nonce, once", async () => {
      const f = await loadFixture(deployListed);
      await expect(f.trade.connect(f.owner).cancelNonce(1n))
        .to.emit(f.trade, "OfferNonceCancelled")
        .withArgs(f.owner.address, 1n);
      await expect(f.trade.connect(f.owner).cancelNonce(1n))
        .to.be.revertedWithCustomError(f.trade, "TradeNonceUsed")
        .withArgs(f.owner.address, 1n);
      const o = offer(f.buyer.address, await now());
      await expect(f.trade.connect(f.buyer).open(o, await signOffer(f.trade, f.owner, o)))
        .to.be.revertedWithCustomError(f.trade, "TradeNonceUsed")
        .withArgs(f.owner.address, 1n);
    });

    it("refuses a signature not of the holder, or of other terms", async () => {
      const f = await loadFixture(deployListed);
      const o = offer(f.buyer.address, await now());
      await expect(f.trade.connect(f.buyer).open(o, await signOffer(f.trade, f.buyer, o)))
        .to.be.revertedWithCustomError(f.trade, "TradeInvalidSignature")
        .withArgs(TOKEN_ID, f.owner.address);
      const cheaper = { ...o, price: PRICE - 1n };
      await expect(f.trade.connect(f.buyer).open(cheaper, await signOffer(f.trade, f.owner, o)))
        .to.be.revertedWithCustomError(f.trade, "TradeInvalidSignature")
        .withArgs(TOKEN_ID, f.owner.address);
    });

    it("after an NFT transfer the former owner's offers are void", async () => {
      const f = await loadFixture(deployListed);
      await f.asset.connect(f.owner).transferFrom(f.owner.address, f.newOwner.address, TOKEN_ID);
      const o = offer(f.buyer.address, await now());
      await expect(f.trade.connect(f.buyer).open(o, await signOffer(f.trade, f.owner, o)))
        .to.be.revertedWithCustomError(f.trade, "TradeInvalidSignature")
        .withArgs(TOKEN_ID, f.newOwner.address);
    });
  });

  describe("buy", function () {
    it("a Complete asset at its list price, with the buy windows", async () => {
      const f = await loadFixture(deployComplete);
      const t = await at((await now()) + 5n);
      const tx = f.trade.connect(f.stranger).buy(TOKEN_ID, PRICE, PRE_KEY);
      await expect(tx).to.be.revertedWithCustomError(f.token, "ERC20InsufficientAllowance");
      await f.token.connect(f.minter).mint(f.stranger.address, PRICE);
      await f.token.connect(f.stranger).approve(await f.trade.getAddress(), PRICE);
      const t2 = await at(t + 10n);
      const tx2 = f.trade.connect(f.stranger).buy(TOKEN_ID, PRICE, PRE_KEY);
      await expect(tx2).to.changeTokenBalances(f.token, [f.stranger, f.trade], [-PRICE, PRICE]);
      await expect(tx2)
        .to.emit(f.trade, "TradeOpened")
        .withArgs(1n, TOKEN_ID, f.stranger.address, f.owner.address, PRICE, PRE_KEY, t2 + DAY, 3n * DAY);
    });

    it("refuses a list price above the buyer's maximum", async () => {
      const f = await loadFixture(deployComplete);
      await expect(f.trade.connect(f.buyer).buy(TOKEN_ID, PRICE - 1n, PRE_KEY))
        .to.be.revertedWithCustomError(f.trade, "TradePriceAboveMax")
        .withArgs(PRICE, PRICE - 1n);
    });

    it("refuses a Partial asset, even to an allowlisted buyer (it needs a signed offer)", async () => {
      const f = await loadFixture(deployListed);
      await expect(f.trade.connect(f.buyer).buy(TOKEN_ID, PRICE, PRE_KEY))
        .to.be.revertedWithCustomError(f.trade, "TradeNotAllowed")
        .withArgs(TOKEN_ID, f.buyer.address);
    });

    it("refuses an asset of openness None", async () => {
      const f = await loadFixture(deployMarket);
      await listAsset(f, { openness: Openness.None });
      await expect(f.trade.connect(f.buyer).buy(TOKEN_ID, PRICE, PRE_KEY))
        .to.be.revertedWithCustomError(f.trade, "TradeNotAllowed")
        .withArgs(TOKEN_ID, f.buyer.address);
    });

    it("refuses a bad PRE key", async () => {
      const f = await loadFixture(deployComplete);
      await expect(f.trade.connect(f.buyer).buy(TOKEN_ID, PRICE, "0x02"))
        .to.be.revertedWithCustomError(f.trade, "TradeInvalidPreKey")
        .withArgs(1n);
    });

    it("Complete at price 0 is open to all: anyone reads it, and a buy escrows nothing", async () => {
      const f = await loadFixture(deployMarket);
      await listAsset(f, { openness: Openness.Complete, price: 0n });
      expect(await f.asset.canAccess(TOKEN_ID, f.stranger.address)).to.equal(true);
      await expect(f.trade.connect(f.stranger).buy(TOKEN_ID, 0n, PRE_KEY)).to.changeTokenBalances(
        f.token,
        [f.stranger, f.trade],
        [0n, 0n],
      );
      await f.trade.connect(f.owner).grant(1n, POLICY);
      await expect(f.trade.connect(f.stranger).confirmReceipt(1n, DATA_HASH)).to.changeTokenBalances(
        f.token,
        [f.stranger, f.owner, f.trade],
        [0n, 0n, 0n],
      );
    });
  });

  describe("grant", function () {
    it("the owner grants before deliverBy; the buyer gains access", async () => {
      const f = await loadFixture(deployOpen);
      expect(await f.asset.canAccess(TOKEN_ID, f.buyer.address)).to.equal(false);
      const t = await at(f.trade_.deliverBy - 1n);
      const tx = f.trade.connect(f.owner).grant(f.id, POLICY);
      await expect(tx)
        .to.emit(f.trade, "TradeGranted")
        .withArgs(f.id, f.owner.address, POLICY, t + CONFIRM_WINDOW);
      await expect(tx)
        .to.emit(f.asset, "AssetAccessRecorded")
        .withArgs(TOKEN_ID, f.buyer.address, await f.trade.getAddress());
      await expect(tx).to.changeTokenBalances(f.token, [f.owner, f.trade], [0n, 0n]);
      const r = await f.trade.trade(f.id);
      expect([r.state, r.policyHash, r.confirmBy]).to.deep.equal([TradeState.Granted, POLICY, t + CONFIRM_WINDOW]);
      expect(await f.asset.canAccess(TOKEN_ID, f.buyer.address)).to.equal(true);
    });

    it("at deliverBy the owner is late", async () => {
      const f = await loadFixture(deployOpen);
      const t = await at(f.trade_.deliverBy);
      await expect(f.trade.connect(f.owner).grant(f.id, POLICY))
        .to.be.revertedWithCustomError(f.trade, "TradeTooLate")
        .withArgs(t, f.trade_.deliverBy);
    });

    it("only the holder grants", async () => {
      const f = await loadFixture(deployOpen);
      await expect(f.trade.connect(f.buyer).grant(f.id, POLICY))
        .to.be.revertedWithCustomError(f.trade, "TradeNotOwner")
        .withArgs(f.id, f.buyer.address);
    });

    it("only a Paid trade is granted", async () => {
      const f = await loadFixture(deployGranted);
      await expect(f.trade.connect(f.owner).grant(f.id, POLICY))
        .to.be.revertedWithCustomError(f.trade, "TradeWrongState")
        .withArgs(f.id, TradeState.Granted);
      await expect(f.trade.connect(f.owner).grant(99n, POLICY))
        .to.be.revertedWithCustomError(f.trade, "TradeWrongState")
        .withArgs(99n, TradeState.None);
    });
  });

  describe("confirmReceipt", function () {
    it("the happy path pays the owner exactly the price", async () => {
      const f = await loadFixture(deployListed);
      const before = await f.token.balanceOf(f.buyer.address);
      const id = await openTrade(f);
      await f.trade.connect(f.owner).grant(id, POLICY);
      const tx = f.trade.connect(f.buyer).confirmReceipt(id, DATA_HASH);
      await expect(tx).to.changeTokenBalances(f.token, [f.owner, f.trade, f.buyer], [PRICE, -PRICE, 0n]);
      await expect(tx).to.emit(f.trade, "TradeCompleted").withArgs(id, f.owner.address, PRICE, true);
      expect(await f.token.balanceOf(f.buyer.address)).to.equal(before - PRICE);
      expect(await f.token.balanceOf(f.owner.address)).to.equal(FUNDS + PRICE);
      expect(await escrowed(f)).to.equal(0n);
      expect((await f.trade.trade(id)).state).to.equal(TradeState.Completed);
      expect(await f.asset.canAccess(TOKEN_ID, f.buyer.address)).to.equal(true);
    });

    it("after an NFT transfer the new owner is paid", async () => {
      const f = await loadFixture(deployGranted);
      await f.asset.connect(f.owner).transferFrom(f.owner.address, f.newOwner.address, TOKEN_ID);
      const tx = f.trade.connect(f.buyer).confirmReceipt(f.id, DATA_HASH);
      await expect(tx).to.changeTokenBalances(f.token, [f.newOwner, f.owner, f.trade], [PRICE, 0n, -PRICE]);
      await expect(tx).to.emit(f.trade, "TradeCompleted").withArgs(f.id, f.newOwner.address, PRICE, true);
    });

    it("reverts TradeHashMismatch for another hash", async () => {
      const f = await loadFixture(deployGranted);
      const wrong = ethers.keccak256("0x01");
      await expect(f.trade.connect(f.buyer).confirmReceipt(f.id, wrong))
        .to.be.revertedWithCustomError(f.trade, "TradeHashMismatch")
        .withArgs(f.id, DATA_HASH, wrong);
    });

    it("only the buyer confirms, only a Granted trade", async () => {
      const f = await loadFixture(deployOpen);
      await expect(f.trade.connect(f.buyer).confirmReceipt(f.id, DATA_HASH))
        .to.be.revertedWithCustomError(f.trade, "TradeWrongState")
        .withArgs(f.id, TradeState.Paid);
      await f.trade.connect(f.owner).grant(f.id, POLICY);
      await expect(f.trade.connect(f.owner).confirmReceipt(f.id, DATA_HASH))
        .to.be.revertedWithCustomError(f.trade, "TradeNotBuyer")
        .withArgs(f.id, f.owner.address);
      await f.trade.connect(f.buyer).confirmReceipt(f.id, DATA_HASH);
      await expect(f.trade.connect(f.buyer).confirmReceipt(f.id, DATA_HASH))
        .to.be.revertedWithCustomError(f.trade, "TradeWrongState")
        .withArgs(f.id, TradeState.Completed);
    });
  });

  describe("refund", function () {
    it("only from deliverBy on, exactly the price, and once", async () => {
      const f = await loadFixture(deployOpen);
      const early = await at(f.trade_.deliverBy - 1n);
      await expect(f.trade.connect(f.buyer).refund(f.id))
        .to.be.revertedWithCustomError(f.trade, "TradeTooEarly")
        .withArgs(early, f.trade_.deliverBy);
      await at(f.trade_.deliverBy);
      const tx = f.trade.connect(f.buyer).refund(f.id);
      await expect(tx).to.changeTokenBalances(f.token, [f.buyer, f.trade, f.owner], [PRICE, -PRICE, 0n]);
      await expect(tx).to.emit(f.trade, "TradeRefunded").withArgs(f.id, f.buyer.address, PRICE);
      expect(await f.token.balanceOf(f.buyer.address)).to.equal(FUNDS);
      await expect(f.trade.connect(f.buyer).refund(f.id))
        .to.be.revertedWithCustomError(f.trade, "TradeWrongState")
        .withArgs(f.id, TradeState.Refunded);
      await expect(f.trade.connect(f.owner).grant(f.id, POLICY))
        .to.be.revertedWithCustomError(f.trade, "TradeWrongState")
        .withArgs(f.id, TradeState.Refunded);
    });

    it("only the buyer refunds", async () => {
      const f = await loadFixture(deployOpen);
      await time.increaseTo(f.trade_.deliverBy);
      await expect(f.trade.connect(f.stranger).refund(f.id))
        .to.be.revertedWithCustomError(f.trade, "TradeNotBuyer")
        .withArgs(f.id, f.stranger.address);
    });

    it("not once granted", async () => {
      const f = await loadFixture(deployGranted);
      await time.increaseTo(f.trade_.confirmBy + DAY);
      await expect(f.trade.connect(f.buyer).refund(f.id))
        .to.be.revertedWithCustomError(f.trade, "TradeWrongState")
        .withArgs(f.id, TradeState.Granted);
    });
  });

  describe("claim", function () {
    it("the owner claims only from confirmBy on, exactly the price", async () => {
      const f = await loadFixture(deployGranted);
      const early = await at(f.trade_.confirmBy - 1n);
      await expect(f.trade.connect(f.owner).claim(f.id))
        .to.be.revertedWithCustomError(f.trade, "TradeTooEarly")
        .withArgs(early, f.trade_.confirmBy);
      await at(f.trade_.confirmBy);
      const tx = f.trade.connect(f.owner).claim(f.id);
      await expect(tx).to.changeTokenBalances(f.token, [f.owner, f.trade, f.buyer], [PRICE, -PRICE, 0n]);
      await expect(tx).to.emit(f.trade, "TradeCompleted").withArgs(f.id, f.owner.address, PRICE, false);
      await expect(f.trade.connect(f.owner).claim(f.id))
        .to.be.revertedWithCustomError(f.trade, "TradeWrongState")
        .withArgs(f.id, TradeState.Completed);
    });

    it("only the holder claims", async () => {
      const f = await loadFixture(deployGranted);
      await time.increaseTo(f.trade_.confirmBy);
      await expect(f.trade.connect(f.buyer).claim(f.id))
        .to.be.revertedWithCustomError(f.trade, "TradeNotOwner")
        .withArgs(f.id, f.buyer.address);
    });

    it("not a disputed trade", async () => {
      const f = await loadFixture(deployDisputed);
      await time.increaseTo(f.trade_.confirmBy);
      await expect(f.trade.connect(f.owner).claim(f.id))
        .to.be.revertedWithCustomError(f.trade, "TradeWrongState")
        .withArgs(f.id, TradeState.Disputed);
    });
  });

  describe("dispute", function () {
    it("the buyer disputes before confirmBy", async () => {
      const f = await loadFixture(deployGranted);
      const t = await at(f.trade_.confirmBy - 1n);
      await expect(f.trade.connect(f.buyer).dispute(f.id, EVIDENCE))
        .to.emit(f.trade, "TradeDisputed")
        .withArgs(f.id, f.buyer.address, EVIDENCE, t + 7n * DAY);
      const r = await f.trade.trade(f.id);
      expect([r.state, r.evidenceHash, r.arbitrateBy]).to.deep.equal([TradeState.Disputed, EVIDENCE, t + 7n * DAY]);
      expect(await escrowed(f)).to.equal(PRICE);
    });

    it("at confirmBy it is too late", async () => {
      const f = await loadFixture(deployGranted);
      const t = await at(f.trade_.confirmBy);
      await expect(f.trade.connect(f.buyer).dispute(f.id, EVIDENCE))
        .to.be.revertedWithCustomError(f.trade, "TradeTooLate")
        .withArgs(t, f.trade_.confirmBy);
    });

    it("only the buyer disputes, only a Granted trade", async () => {
      const f = await loadFixture(deployOpen);
      await expect(f.trade.connect(f.buyer).dispute(f.id, EVIDENCE))
        .to.be.revertedWithCustomError(f.trade, "TradeWrongState")
        .withArgs(f.id, TradeState.Paid);
      await f.trade.connect(f.owner).grant(f.id, POLICY);
      await expect(f.trade.connect(f.owner).dispute(f.id, EVIDENCE))
        .to.be.revertedWithCustomError(f.trade, "TradeNotBuyer")
        .withArgs(f.id, f.owner.address);
    });
  });

  describe("resolve", function () {
    for (const [bps, label] of [
      [2_500n, "a quarter"],
      [0n, "nothing"],
      [10_000n, "everything"],
    ] as const) {
      it(`splits the escrow exactly: ${label} to the buyer, the rest to the owner`, async () => {
        const f = await loadFixture(deployDisputed);
        const toBuyer = (PRICE * bps) / 10_000n;
        const tx = f.trade.connect(f.arbiter).resolve(f.id, bps);
        await expect(tx).to.changeTokenBalances(
          f.token,
          [f.buyer, f.owner, f.trade],
          [toBuyer, PRICE - toBuyer, -PRICE],
        );
        await expect(tx)
          .to.emit(f.trade, "TradeResolved")
          .withArgs(f.id, f.arbiter.address, bps, toBuyer, f.owner.address, PRICE - toBuyer);
        expect((await f.trade.trade(f.id)).state).to.equal(TradeState.Resolved);
      });
    }

    it("rounds the buyer's share down, so the escrow is paid out whole", async () => {
      const f = await loadFixture(deployListed);
      const id = await openTrade(f, f.buyer, { price: 7n });
      await f.trade.connect(f.owner).grant(id, POLICY);
      await f.trade.connect(f.buyer).dispute(id, EVIDENCE);
      await expect(f.trade.connect(f.arbiter).resolve(id, 3_333n)).to.changeTokenBalances(
        f.token,
        [f.buyer, f.owner, f.trade],
        [2n, 5n, -7n],
      );
    });

    it("pays the current holder's share after an NFT transfer", async () => {
      const f = await loadFixture(deployDisputed);
      await f.asset.connect(f.owner).transferFrom(f.owner.address, f.newOwner.address, TOKEN_ID);
      await expect(f.trade.connect(f.arbiter).resolve(f.id, 5_000n)).to.changeTokenBalances(
        f.token,
        [f.buyer, f.newOwner, f.owner],
        [PRICE / 2n, PRICE / 2n, 0n],
      );
    });

    it("refuses more than 10,000 bps, a non-arbiter, an undisputed trade and a late arbiter", async () => {
      const f = await loadFixture(deployDisputed);
      await expect(f.trade.connect(f.arbiter).resolve(f.id, 10_001n))
        .to.be.revertedWithCustomError(f.trade, "TradeInvalidBps")
        .withArgs(10_001n);
      await expect(f.trade.connect(f.owner).resolve(f.id, 0n))
        .to.be.revertedWithCustomError(f.trade, "AccessControlUnauthorizedAccount")
        .withArgs(f.owner.address, await f.trade.ARBITER_ROLE());
      const t = await at(f.trade_.arbitrateBy);
      await expect(f.trade.connect(f.arbiter).resolve(f.id, 0n))
        .to.be.revertedWithCustomError(f.trade, "TradeTooLate")
        .withArgs(t, f.trade_.arbitrateBy);
      const g = await loadFixture(deployGranted);
      await expect(g.trade.connect(g.arbiter).resolve(g.id, 0n))
        .to.be.revertedWithCustomError(g.trade, "TradeWrongState")
        .withArgs(g.id, TradeState.Granted);
    });

    it("a silent arbiter lets the buyer refund from arbitrateBy on, once", async () => {
      const f = await loadFixture(deployDisputed);
      const early = await at(f.trade_.arbitrateBy - 1n);
      await expect(f.trade.connect(f.buyer).refund(f.id))
        .to.be.revertedWithCustomError(f.trade, "TradeTooEarly")
        .withArgs(early, f.trade_.arbitrateBy);
      await at(f.trade_.arbitrateBy);
      const tx = f.trade.connect(f.buyer).refund(f.id);
      await expect(tx).to.changeTokenBalances(f.token, [f.buyer, f.trade], [PRICE, -PRICE]);
      await expect(tx).to.emit(f.trade, "TradeRefunded").withArgs(f.id, f.buyer.address, PRICE);
      await expect(f.trade.connect(f.buyer).refund(f.id))
        .to.be.revertedWithCustomError(f.trade, "TradeWrongState")
        .withArgs(f.id, TradeState.Refunded);
    });

    it("a resolved trade cannot be refunded", async () => {
      const f = await loadFixture(deployDisputed);
      await f.trade.connect(f.arbiter).resolve(f.id, 0n);
      await time.increaseTo(f.trade_.arbitrateBy);
      await expect(f.trade.connect(f.buyer).refund(f.id))
        .to.be.revertedWithCustomError(f.trade, "TradeWrongState")
        .withArgs(f.id, TradeState.Resolved);
    });
  });

  describe("windows", function () {
    it("the admin sets the buy and arbitration windows; new trades and disputes use them", async () => {
      const f = await loadFixture(deployComplete);
      await expect(f.trade.setWindows(100n, 200n, 300n))
        .to.emit(f.trade, "WindowsChanged")
        .withArgs(100n, 200n, 300n);
      const t = await at((await now()) + 1n);
      await f.trade.connect(f.buyer).buy(TOKEN_ID, PRICE, PRE_KEY);
      const r = await f.trade.trade(1n);
      expect([r.deliverBy, r.confirmWindow]).to.deep.equal([t + 100n, 200n]);
      await f.trade.connect(f.owner).grant(1n, POLICY);
      const d = await at(t + 10n);
      await f.trade.connect(f.buyer).dispute(1n, EVIDENCE);
      expect((await f.trade.trade(1n)).arbitrateBy).to.equal(d + 300n);
    });

    it("refuses a zero window and a non-admin", async () => {
      const f = await loadFixture(deployMarket);
      await expect(f.trade.setWindows(1n, 1n, 0n))
        .to.be.revertedWithCustomError(f.trade, "TradeInvalidWindow")
        .withArgs(0n);
      await expect(f.trade.connect(f.stranger).setWindows(1n, 1n, 1n))
        .to.be.revertedWithCustomError(f.trade, "AccessControlUnauthorizedAccount")
        .withArgs(f.stranger.address, ethers.ZeroHash);
    });
  });

  it("is O(1) per trade: settling the 1st or the 12th open trade costs the same gas", async () => {
    const f = await loadFixture(deployListed);
    const ids: bigint[] = [];
    for (let n = 1n; n <= 12n; n++) {
      ids.push(await openTrade(f, f.buyer, { nonce: n }));
      await f.trade.connect(f.owner).grant(ids[ids.length - 1], POLICY);
    }
    const gas = async (id: bigint) =>
      (await (await f.trade.connect(f.buyer).confirmReceipt(id, DATA_HASH)).wait())!.gasUsed;
    const first = await gas(ids[0]);
    const last = await gas(ids[11]);
    expect(last).to.equal(first);
    expect(await escrowed(f)).to.equal(10n * PRICE);
  });

  it("trade(id) of an id never issued reverts with state None", async () => {
    const { trade } = await loadFixture(deployMarket);
    await expect(trade.trade(1n)).to.be.revertedWithCustomError(trade, "TradeWrongState").withArgs(1n, TradeState.None);
  });
});
