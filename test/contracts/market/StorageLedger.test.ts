import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { deployMarket } from "./trade-fixture";

const MIB = 1n << 20n;
const PRICE_PER_MIB_HOUR = ethers.parseEther("2");
const MAX_HOURS = 720n;

async function deployOffered() {
  const f = await deployMarket();
  await f.ledger.connect(f.provider).setOffer(PRICE_PER_MIB_HOUR, MAX_HOURS);
  return f;
}

async function now(): Promise<bigint> {
  return BigInt(await time.latest());
}

describe("StorageLedger", function () {
  describe("deployment", function () {
    it("rejects a zero token address", async () => {
      const factory = await ethers.getContractFactory("StorageLedger");
      await expect(factory.deploy(ethers.ZeroAddress))
        .to.be.revertedWithCustomError(factory, "StorageInvalidToken")
        .withArgs(ethers.ZeroAddress);
    });

    it("exposes its token", async () => {
      const { ledger, token } = await loadFixture(deployMarket);
      expect(await ledger.token()).to.equal(await token.getAddress());
    });
  });

  describe("offers", function () {
    it("a provider sets, replaces and withdraws its offer", async () => {
      const { ledger, provider } = await loadFixture(deployMarket);
      await expect(ledger.connect(provider).setOffer(5n, 10n))
        .to.emit(ledger, "StorageOfferSet")
        .withArgs(provider.address, 5n, 10n);
      await ledger.connect(provider).setOffer(7n, 20n);
      expect(await ledger.offerOf(provider.address)).to.deep.equal([7n, 20n]);
      await expect(ledger.connect(provider).withdrawOffer())
        .to.emit(ledger, "StorageOfferWithdrawn")
        .withArgs(provider.address);
      expect(await ledger.offerOf(provider.address)).to.deep.equal([0n, 0n]);
    });

    it("refuses an offer of zero hours", async () => {
      const { ledger, provider } = await loadFixture(deployMarket);
      await expect(ledger.connect(provider).setOffer(5n, 0n)).to.be.revertedWithCustomError(
        ledger,
        "StorageZeroDuration",
      );
    });

    it("refuses to withdraw an offer never made", async () => {
      const { ledger, stranger } = await loadFixture(deployMarket);
      await expect(ledger.connect(stranger).withdrawOffer())
        .to.be.revertedWithCustomError(ledger, "StorageUnknownProvider")
        .withArgs(stranger.address);
    });
  });

  describe("price", function () {
    it("charges ceil(bytes / MiB) · hours · price", async () => {
      const { ledger, provider } = await loadFixture(deployOffered);
      expect(await ledger.priceOf(provider.address, 1n, 1n)).to.equal(PRICE_PER_MIB_HOUR);
      expect(await ledger.priceOf(provider.address, MIB, 3n)).to.equal(3n * PRICE_PER_MIB_HOUR);
      expect(await ledger.priceOf(provider.address, MIB + 1n, 3n)).to.equal(6n * PRICE_PER_MIB_HOUR);
      expect(await ledger.priceOf(provider.address, 10n * MIB, 24n)).to.equal(240n * PRICE_PER_MIB_HOUR);
    });

    it("names an unknown provider", async () => {
      const { ledger, stranger } = await loadFixture(deployOffered);
      await expect(ledger.priceOf(stranger.address, 1n, 1n))
        .to.be.revertedWithCustomError(ledger, "StorageUnknownProvider")
        .withArgs(stranger.address);
    });
  });

  describe("payStorage", function () {
    it("pays exactly the price to the provider and records the lease", async () => {
      const { ledger, token, owner, provider } = await loadFixture(deployOffered);
      const price = 2n * 5n * PRICE_PER_MIB_HOUR; // 1.5 MiB → 2 MiB, for 5 hours
      const ts = await now();
      const tx = ledger.connect(owner).payStorage(provider.address, MIB + MIB / 2n, 5n, price, ts);
      await expect(tx).to.changeTokenBalances(token, [owner, provider], [-price, price]);
      const start = await now();
      await expect(tx)
        .to.emit(ledger, "StoragePaid")
        .withArgs(1n, owner.address, provider.address, MIB + MIB / 2n, 5n, price, start, start + 5n * 3600n, ts);
      expect(await ledger.leaseCount()).to.equal(1n);
      expect(await ledger.lease(1n)).to.deep.equal([
        owner.address,
        start,
        start + 5n * 3600n,
        provider.address,
        MIB + MIB / 2n,
      ]);
    });

    it("a 1 MiB lease makes paidBytes 1 MiB until it ends, then 0", async () => {
      const { ledger, owner, provider, buyer } = await loadFixture(deployOffered);
      expect(await ledger.paidBytes(owner.address, provider.address)).to.equal(0n);
      await ledger.connect(owner).payStorage(provider.address, MIB, 2n, PRICE_PER_MIB_HOUR * 2n, await now());
      const end = (await ledger.lease(1n)).end;
      expect(await ledger.paidBytes(owner.address, provider.address)).to.equal(MIB);
      // A 2 MiB upload does not fit the 1 MiB paid; other pairs paid nothing.
      expect(await ledger.paidBytes(owner.address, provider.address)).to.be.lessThan(2n * MIB);
      expect(await ledger.paidBytes(buyer.address, provider.address)).to.equal(0n);
      expect(await ledger.paidBytes(provider.address, owner.address)).to.equal(0n);
      await time.setNextBlockTimestamp(end - 1n);
      await ethers.provider.send("evm_mine", []);
      expect(await ledger.paidBytes(owner.address, provider.address)).to.equal(MIB);
      await time.setNextBlockTimestamp(end);
      await ethers.provider.send("evm_mine", []);
      expect(await ledger.paidBytes(owner.address, provider.address)).to.equal(0n);
    });

    it("adds up overlapping leases and drops each as it ends", async () => {
      const { ledger, owner, provider } = await loadFixture(deployOffered);
      await ledger.connect(owner).payStorage(provider.address, MIB, 1n, ethers.MaxUint256, await now());
      await ledger.connect(owner).payStorage(provider.address, 3n * MIB, 4n, ethers.MaxUint256, await now());
      expect(await ledger.paidBytes(owner.address, provider.address)).to.equal(4n * MIB);
      await time.increase(3600);
      expect(await ledger.paidBytes(owner.address, provider.address)).to.equal(3n * MIB);
    });

    it("leases already paid run on after the provider withdraws", async () => {
      const { ledger, owner, provider } = await loadFixture(deployOffered);
      await ledger.connect(owner).payStorage(provider.address, MIB, 1n, ethers.MaxUint256, await now());
      await ledger.connect(provider).withdrawOffer();
      expect(await ledger.paidBytes(owner.address, provider.address)).to.equal(MIB);
      await expect(ledger.connect(owner).payStorage(provider.address, MIB, 1n, ethers.MaxUint256, await now()))
        .to.be.revertedWithCustomError(ledger, "StorageUnknownProvider")
        .withArgs(provider.address);
    });

    it("free storage moves no tokens", async () => {
      const { ledger, token, owner, provider } = await loadFixture(deployMarket);
      await ledger.connect(provider).setOffer(0n, 10n);
      await expect(
        ledger.connect(owner).payStorage(provider.address, MIB, 10n, 0n, await now()),
      ).to.changeTokenBalances(token, [owner, provider], [0n, 0n]);
      expect(await ledger.paidBytes(owner.address, provider.address)).to.equal(MIB);
    });

    it("names an unknown provider", async () => {
      const { ledger, owner, stranger } = await loadFixture(deployOffered);
      await expect(ledger.connect(owner).payStorage(stranger.address, MIB, 1n, ethers.MaxUint256, await now()))
        .to.be.revertedWithCustomError(ledger, "StorageUnknownProvider")
        .withArgs(stranger.address);
    });

    it("refuses zero bytes", async () => {
      const { ledger, owner, provider } = await loadFixture(deployOffered);
      await expect(
        ledger.connect(owner).payStorage(provider.address, 0n, 1n, ethers.MaxUint256, await now()),
      ).to.be.revertedWithCustomError(ledger, "StorageZeroSize");
    });

    it("refuses zero hours", async () => {
      const { ledger, owner, provider } = await loadFixture(deployOffered);
      await expect(
        ledger.connect(owner).payStorage(provider.address, MIB, 0n, ethers.MaxUint256, await now()),
      ).to.be.revertedWithCustomError(ledger, "StorageZeroDuration");
    });

    it("refuses more hours than the offer's maximum", async () => {
      const { ledger, owner, provider } = await loadFixture(deployOffered);
      await expect(
        ledger.connect(owner).payStorage(provider.address, MIB, MAX_HOURS + 1n, ethers.MaxUint256, await now()),
      )
        .to.be.revertedWithCustomError(ledger, "StorageDurationAboveMax")
        .withArgs(MAX_HOURS + 1n, MAX_HOURS);
    });

    it("refuses a price above the payer's maximum (a provider raising its price meanwhile)", async () => {
      const { ledger, owner, provider } = await loadFixture(deployOffered);
      const agreed = 2n * PRICE_PER_MIB_HOUR;
      await ledger.connect(provider).setOffer(PRICE_PER_MIB_HOUR * 2n, MAX_HOURS);
      await expect(ledger.connect(owner).payStorage(provider.address, MIB, 2n, agreed, await now()))
        .to.be.revertedWithCustomError(ledger, "StoragePriceAboveMax")
        .withArgs(agreed * 2n, agreed);
    });

    it("refuses a timestamp more than 5 minutes ahead or a day behind", async () => {
      const { ledger, owner, provider } = await loadFixture(deployOffered);
      const t = (await now()) + 1n; // the next block's time
      await time.setNextBlockTimestamp(t);
      await expect(ledger.connect(owner).payStorage(provider.address, MIB, 1n, ethers.MaxUint256, t + 301n))
        .to.be.revertedWithCustomError(ledger, "StorageTimestampOutOfRange")
        .withArgs(t + 301n, t);
      await time.setNextBlockTimestamp(t + 1n);
      await expect(ledger.connect(owner).payStorage(provider.address, MIB, 1n, ethers.MaxUint256, t + 1n - 86_401n))
        .to.be.revertedWithCustomError(ledger, "StorageTimestampOutOfRange")
        .withArgs(t + 1n - 86_401n, t + 1n);
      await time.setNextBlockTimestamp(t + 2n);
      await expect(ledger.connect(owner).payStorage(provider.address, MIB, 1n, ethers.MaxUint256, t + 2n + 300n)).to.not
        .be.reverted;
      await time.setNextBlockTimestamp(t + 3n);
      await expect(ledger.connect(owner).payStorage(provider.address, MIB, 1n, ethers.MaxUint256, t + 3n - 86_400n)).to
        .not.be.reverted;
    });

    it("reverts with the token's error when the payer has too little", async () => {
      const { ledger, token, stranger, provider } = await loadFixture(deployOffered);
      await token.connect(stranger).approve(await ledger.getAddress(), ethers.MaxUint256);
      await expect(ledger.connect(stranger).payStorage(provider.address, MIB, 1n, ethers.MaxUint256, await now()))
        .to.be.revertedWithCustomError(token, "ERC20InsufficientBalance")
        .withArgs(stranger.address, 0n, PRICE_PER_MIB_HOUR);
      expect(await ledger.leaseCount()).to.equal(0n);
    });

    it("names a lease id never issued", async () => {
      const { ledger } = await loadFixture(deployOffered);
      await expect(ledger.lease(0n)).to.be.revertedWithCustomError(ledger, "StorageUnknownLease").withArgs(0n);
      await expect(ledger.lease(1n)).to.be.revertedWithCustomError(ledger, "StorageUnknownLease").withArgs(1n);
    });
  });
});
