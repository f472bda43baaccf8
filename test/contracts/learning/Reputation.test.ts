import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import type { Reputation } from "../../../typechain-types";
import { WAD, nextScore, trust } from "./fixture";

/** A reputation whose `updater` holds UPDATER_ROLE directly, so rounds can be recorded one by one. */
async function deployReputation() {
  const [admin, updater, stranger, owner, other] = await ethers.getSigners();
  const reputation: Reputation = await ethers.deployContract("Reputation", [admin.address]);
  await reputation.grantRole(await reputation.UPDATER_ROLE(), updater.address);
  return { reputation, admin, updater, stranger, owner, other };
}

describe("Reputation", function () {
  describe("deployment", function () {
    it("rejects a zero admin", async () => {
      const factory = await ethers.getContractFactory("Reputation");
      await expect(factory.deploy(ethers.ZeroAddress))
        .to.be.revertedWithCustomError(factory, "InvalidAddress")
        .withArgs(ethers.ZeroAddress);
    });

    it("exposes the paper's constants", async () => {
      const { reputation } = await loadFixture(deployReputation);
      expect([
        await reputation.WAD(),
        await reputation.DECAY(),
        await reputation.ACK_WEIGHT(),
        await reputation.DROP_WEIGHT(),
        await reputation.MIN_TRUST(),
      ]).to.deep.equal([WAD, (9n * WAD) / 10n, (4n * WAD) / 10n, (6n * WAD) / 10n, WAD / 2n]);
    });
  });

  describe("a new owner", function () {
    it("has α = β = 0 and trust 0.5, exactly MIN_TRUST", async () => {
      const { reputation, owner } = await loadFixture(deployReputation);
      expect(await reputation.scoreOf(owner.address)).to.deep.equal([0n, 0n]);
      expect(await reputation.trustOf(owner.address)).to.equal(WAD / 2n);
      expect(await reputation.trustOf(owner.address)).to.equal(await reputation.MIN_TRUST());
    });
  });

  describe("record", function () {
    it("an ack: α = 0.4, β = 0, trust 1.4 / 2.4", async () => {
      const { reputation, updater, owner } = await loadFixture(deployReputation);
      const alpha = (4n * WAD) / 10n;
      const t = ((alpha + WAD) * WAD) / (alpha + 2n * WAD);
      await expect(reputation.connect(updater).record(owner.address, true))
        .to.emit(reputation, "ReputationUpdated")
        .withArgs(owner.address, true, alpha, 0n, t);
      expect(await reputation.scoreOf(owner.address)).to.deep.equal([alpha, 0n]);
      expect(await reputation.trustOf(owner.address)).to.equal(t);
      expect(t).to.equal(583_333_333_333_333_333n);
    });

    it("a dropout: β = 0.6, trust 1 / 2.6, below MIN_TRUST", async () => {
      const { reputation, updater, owner } = await loadFixture(deployReputation);
      const beta = (6n * WAD) / 10n;
      const t = (WAD * WAD) / (beta + 2n * WAD);
      await expect(reputation.connect(updater).record(owner.address, false))
        .to.emit(reputation, "ReputationUpdated")
        .withArgs(owner.address, false, 0n, beta, t);
      expect(t).to.equal(384_615_384_615_384_615n);
      expect(await reputation.trustOf(owner.address)).to.be.lessThan(await reputation.MIN_TRUST());
    });

    it("follows a TypeScript re-computation over a long mixed history, rounding each step", async () => {
      const { reputation, updater, owner, other } = await loadFixture(deployReputation);
      // 40 rounds: enough for the 0.9 decay to produce non-terminating WAD products.
      const history = Array.from({ length: 40 }, (_, i) => i % 3 !== 1 || i > 30);
      let score = { alpha: 0n, beta: 0n };
      for (const acked of history) {
        score = nextScore(score, acked);
        await expect(reputation.connect(updater).record(owner.address, acked))
          .to.emit(reputation, "ReputationUpdated")
          .withArgs(owner.address, acked, score.alpha, score.beta, trust(score));
      }
      expect(await reputation.scoreOf(owner.address)).to.deep.equal([score.alpha, score.beta]);
      expect(await reputation.trustOf(owner.address)).to.equal(trust(score));
      // Other owners are untouched.
      expect(await reputation.trustOf(other.address)).to.equal(WAD / 2n);
    });

    it("stays below α = 4 and β = 6, the fixed points, after many rounds of one kind", async () => {
      const { reputation, updater, owner, other } = await loadFixture(deployReputation);
      for (let i = 0; i < 60; i++) {
        await reputation.connect(updater).record(owner.address, true);
        await reputation.connect(updater).record(other.address, false);
      }
      const [alpha, beta0] = await reputation.scoreOf(owner.address);
      const [alpha0, beta] = await reputation.scoreOf(other.address);
      expect([beta0, alpha0]).to.deep.equal([0n, 0n]);
      expect(alpha)
        .to.be.lessThanOrEqual(4n * WAD)
        .and.greaterThan((398n * WAD) / 100n);
      expect(beta)
        .to.be.lessThanOrEqual(6n * WAD)
        .and.greaterThan((598n * WAD) / 100n);
      // T → 5/6 for a perfect owner and 1/8 for one that always drops out.
      expect(await reputation.trustOf(owner.address)).to.be.closeTo((5n * WAD) / 6n, WAD / 100n);
      expect(await reputation.trustOf(other.address)).to.be.closeTo(WAD / 8n, WAD / 100n);
    });

    it("a dropout is forgiven after enough acks: trust climbs back over MIN_TRUST", async () => {
      const { reputation, updater, owner } = await loadFixture(deployReputation);
      await reputation.connect(updater).record(owner.address, false);
      const min = await reputation.MIN_TRUST();
      let acks = 0;
      while ((await reputation.trustOf(owner.address)) < min) {
        await reputation.connect(updater).record(owner.address, true);
        acks++;
      }
      // β = 0.6·0.9^k, α = 0.4·(1 − 0.9^k)/0.1: α ≥ β from k = 2 on.
      expect(acks).to.equal(2);
    });

    it("only UPDATER_ROLE records", async () => {
      const { reputation, stranger, owner } = await loadFixture(deployReputation);
      await expect(reputation.connect(stranger).record(owner.address, true))
        .to.be.revertedWithCustomError(reputation, "AccessControlUnauthorizedAccount")
        .withArgs(stranger.address, await reputation.UPDATER_ROLE());
    });
  });
});
