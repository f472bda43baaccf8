import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import {
  BONUS_REFUND_DELAY,
  DEVICE_ID,
  Kind,
  REWARD_CAP,
  REWARD_PARAMETERS,
  REWARD_PERIOD,
  RewardKind,
  Status,
  UPLOAD_REWARD,
  VERIFICATION_REWARD,
  actAs,
  attestAs,
  deploySharing,
  deployWithParticipants,
  deployWithRecord,
  deployWithRelationship,
  minimalProxyCode,
} from "./fixtures";

/** The fixtures' reward parameters with `changes`. */
const rewards = (changes: Partial<typeof REWARD_PARAMETERS> = {}) => ({ ...REWARD_PARAMETERS, ...changes });

describe("RelationshipFactory", () => {
  describe("deployment", () => {
    it("keeps its Register, token, implementation, roles and reward amounts", async () => {
      const { factory, register, token, relationshipImplementation, admin, verifier, outsider } =
        await loadFixture(deploySharing);
      expect(await factory.register()).to.equal(await register.getAddress());
      expect(await factory.token()).to.equal(await token.getAddress());
      expect(await factory.relationshipImplementation()).to.equal(await relationshipImplementation.getAddress());
      expect(await factory.hasRole(await factory.DEFAULT_ADMIN_ROLE(), admin.address)).to.equal(true);
      expect(await factory.VERIFIER_ROLE()).to.equal(ethers.id("VERIFIER_ROLE"));
      expect(await factory.isVerifier(verifier.address)).to.equal(true);
      expect(await factory.isVerifier(outsider.address)).to.equal(false);
      expect(await factory.rewardAmount(RewardKind.Upload)).to.equal(UPLOAD_REWARD);
      expect(await factory.rewardAmount(RewardKind.Verification)).to.equal(VERIFICATION_REWARD);
      expect(await factory.rewardCap()).to.deep.equal([REWARD_CAP, REWARD_PERIOD]);
      expect(await factory.bonusRefundDelay()).to.equal(BONUS_REFUND_DELAY);
      expect(await token.hasRole(await token.MINTER_ROLE(), factory)).to.equal(true);
    });

    it("emits RewardAmountSet, RewardCapSet and BonusRefundDelaySet for its initial parameters", async () => {
      const { register, token, relationshipImplementation, admin } = await loadFixture(deploySharing);
      const factory = await ethers.deployContract("RelationshipFactory", [
        admin.address,
        register,
        token,
        relationshipImplementation,
        { uploadReward: 7n, verificationReward: 3n, capPerPeriod: 100n, period: 3600n, bonusRefundDelay: 60n },
      ]);
      await expect(factory.deploymentTransaction())
        .to.emit(factory, "RewardAmountSet")
        .withArgs(RewardKind.Upload, 0n, 7n)
        .and.to.emit(factory, "RewardAmountSet")
        .withArgs(RewardKind.Verification, 0n, 3n)
        .and.to.emit(factory, "RewardCapSet")
        .withArgs(0n, 100n, 0n, 3600n)
        .and.to.emit(factory, "BonusRefundDelaySet")
        .withArgs(0n, 60n);
    });

    it("rejects a reward period of zero", async () => {
      const { factory, register, token, relationshipImplementation, admin } = await loadFixture(deploySharing);
      await expect(
        ethers.deployContract("RelationshipFactory", [
          admin.address,
          register,
          token,
          relationshipImplementation,
          rewards({ period: 0n }),
        ]),
      ).to.be.revertedWithCustomError(factory, "FactoryZeroRewardPeriod");
    });

    it("rejects a Register, token or implementation without code", async () => {
      const { factory, register, token, relationshipImplementation, admin, outsider } =
        await loadFixture(deploySharing);
      const deploy = (r: unknown, t: unknown, i: unknown) =>
        ethers.deployContract("RelationshipFactory", [admin.address, r, t, i, rewards()]);
      await expect(deploy(outsider.address, token, relationshipImplementation))
        .to.be.revertedWithCustomError(factory, "FactoryNotAContract")
        .withArgs("register", outsider.address);
      await expect(deploy(register, outsider.address, relationshipImplementation))
        .to.be.revertedWithCustomError(factory, "FactoryNotAContract")
        .withArgs("token", outsider.address);
      await expect(deploy(register, token, outsider.address))
        .to.be.revertedWithCustomError(factory, "FactoryNotAContract")
        .withArgs("implementation", outsider.address);
    });

    it("rejects an implementation built for another Register or token", async () => {
      const { factory, register, token, summaryImplementation, admin } = await loadFixture(deploySharing);
      const otherToken = await ethers.deployContract("DataToken", [admin.address]);
      const otherRegister = await ethers.deployContract("Register", [admin.address, summaryImplementation]);
      const forOtherRegister = await ethers.deployContract("EquipmentProviderRelationship", [otherRegister, token]);
      const forOtherToken = await ethers.deployContract("EquipmentProviderRelationship", [register, otherToken]);
      await expect(
        ethers.deployContract("RelationshipFactory", [admin.address, register, token, forOtherRegister, rewards()]),
      )
        .to.be.revertedWithCustomError(factory, "FactoryImplementationMismatch")
        .withArgs("register", await register.getAddress(), await otherRegister.getAddress());
      await expect(
        ethers.deployContract("RelationshipFactory", [admin.address, register, token, forOtherToken, rewards()]),
      )
        .to.be.revertedWithCustomError(factory, "FactoryImplementationMismatch")
        .withArgs("token", await token.getAddress(), await otherToken.getAddress());
    });
  });

  describe("createRelationship", () => {
    it("creates a minimal proxy of the implementation, records it and emits RelationshipCreated", async () => {
      const { factory, relationshipImplementation, device, provider, deviceSummary, providerSummary } =
        await loadFixture(deployWithParticipants);
      const rel = await factory.connect(provider).createRelationship.staticCall(device.address, provider.address);
      await expect(factory.connect(provider).createRelationship(device.address, provider.address))
        .to.emit(factory, "RelationshipCreated")
        .withArgs(
          device.address,
          provider.address,
          rel,
          await deviceSummary.getAddress(),
          await providerSummary.getAddress(),
        );
      expect(await ethers.provider.getCode(rel)).to.equal(
        minimalProxyCode(await relationshipImplementation.getAddress()),
      );
      expect(await factory.relationshipOf(device.address, provider.address)).to.equal(rel);
      expect(await factory.relationshipOf(provider.address, device.address)).to.equal(ethers.ZeroAddress);
      expect(await factory.isRelationship(rel)).to.equal(true);
      expect(await factory.isRelationship(await relationshipImplementation.getAddress())).to.equal(false);
      const epr = await ethers.getContractAt("EquipmentProviderRelationship", rel);
      expect(await epr.device()).to.equal(device.address);
      expect(await epr.serviceProvider()).to.equal(provider.address);
      expect(await epr.factory()).to.equal(await factory.getAddress());
      expect(await deviceSummary.statusOf(rel)).to.equal(Status.New);
      expect(await providerSummary.statusOf(rel)).to.equal(Status.New);
    });

    it("may be called by an admin too", async () => {
      const { factory, register, registrar, admin, device, provider, device2 } =
        await loadFixture(deployWithParticipants);
      await register.connect(registrar).register("robot-arm-02", device2.address, Kind.Device);
      await factory.connect(provider).createRelationship(device.address, provider.address);
      await factory.connect(admin).createRelationship(device2.address, provider.address);
      expect(await factory.relationshipOf(device.address, provider.address)).to.not.equal(ethers.ZeroAddress);
      expect(await factory.relationshipOf(device2.address, provider.address)).to.not.equal(ethers.ZeroAddress);
      expect(await factory.relationshipOf(device.address, provider.address)).to.not.equal(
        await factory.relationshipOf(device2.address, provider.address),
      );
    });

    it("reverts for a caller that is neither the provider nor an admin (the device, a verifier or registrar included)", async () => {
      const { factory, outsider, verifier, registrar, device, provider, providerSummary } =
        await loadFixture(deployWithParticipants);
      // The device may not fill the provider's Summary with relationships of its choosing.
      for (const caller of [device, outsider, verifier, registrar]) {
        await expect(factory.connect(caller).createRelationship(device.address, provider.address))
          .to.be.revertedWithCustomError(factory, "FactoryUnauthorized")
          .withArgs(caller.address, device.address, provider.address);
      }
      expect(await factory.relationshipOf(device.address, provider.address)).to.equal(ethers.ZeroAddress);
      expect(await providerSummary.relationshipCount()).to.equal(0n);
    });

    it("reverts for an unregistered device or provider", async () => {
      const { factory, admin, device, provider, outsider } = await loadFixture(deployWithParticipants);
      await expect(factory.connect(admin).createRelationship(outsider.address, provider.address))
        .to.be.revertedWithCustomError(factory, "FactoryNotRegistered")
        .withArgs(outsider.address);
      await expect(factory.connect(admin).createRelationship(device.address, outsider.address))
        .to.be.revertedWithCustomError(factory, "FactoryNotRegistered")
        .withArgs(outsider.address);
    });

    it("reverts for participants of the wrong kinds", async () => {
      const { factory, admin, device, provider, thirdParty, deviceSummary } = await loadFixture(deployWithParticipants);
      await expect(factory.connect(admin).createRelationship(provider.address, device.address))
        .to.be.revertedWithCustomError(factory, "FactoryWrongKind")
        .withArgs(provider.address, Kind.ServiceProvider, Kind.Device);
      await expect(factory.connect(admin).createRelationship(thirdParty.address, provider.address))
        .to.be.revertedWithCustomError(factory, "FactoryWrongKind")
        .withArgs(thirdParty.address, Kind.ThirdParty, Kind.Device);
      await expect(factory.connect(admin).createRelationship(device.address, thirdParty.address))
        .to.be.revertedWithCustomError(factory, "FactoryWrongKind")
        .withArgs(thirdParty.address, Kind.ThirdParty, Kind.ServiceProvider);
      expect(await deviceSummary.relationshipCount()).to.equal(0n);
    });

    it("reverts for a second relationship of the same pair, also after an identity moved", async () => {
      const { factory, register, epr, device, provider, device2 } = await loadFixture(deployWithRelationship);
      const rel = await epr.getAddress();
      await expect(factory.connect(provider).createRelationship(device.address, provider.address))
        .to.be.revertedWithCustomError(factory, "FactoryRelationshipExists")
        .withArgs(device.address, provider.address, rel);
      await register.connect(device).changeAccount(DEVICE_ID, device2.address);
      expect(await factory.relationshipOf(device2.address, provider.address)).to.equal(rel);
      await expect(factory.connect(provider).createRelationship(device2.address, provider.address))
        .to.be.revertedWithCustomError(factory, "FactoryRelationshipExists")
        .withArgs(device2.address, provider.address, rel);
    });

    it("is refused by the Summaries when the Register trusts another factory", async () => {
      const { register, token, relationshipImplementation, admin, device, provider, deviceSummary } =
        await loadFixture(deployWithParticipants);
      const rogue = await ethers.deployContract("RelationshipFactory", [
        admin.address,
        register,
        token,
        relationshipImplementation,
        rewards(),
      ]);
      await expect(rogue.connect(provider).createRelationship(device.address, provider.address))
        .to.be.revertedWithCustomError(deviceSummary, "SummaryNotFactory")
        .withArgs(await rogue.getAddress());
      expect(await deviceSummary.relationshipCount()).to.equal(0n);
    });
  });

  describe("linkSummary", () => {
    it("reverts for a caller that is not one of its relationships", async () => {
      const { factory, outsider, thirdParty } = await loadFixture(deployWithRelationship);
      await expect(factory.connect(outsider).linkSummary(thirdParty.address))
        .to.be.revertedWithCustomError(factory, "FactoryNotRelationship")
        .withArgs(outsider.address);
    });

    it("reverts for a participant without an identity", async () => {
      const { factory, epr, outsider } = await loadFixture(deployWithRelationship);
      const asEpr = await actAs(await epr.getAddress());
      await expect(factory.connect(asEpr).linkSummary(outsider.address))
        .to.be.revertedWithCustomError(factory, "FactoryNotRegistered")
        .withArgs(outsider.address);
    });

    it("adds the calling relationship to the participant's Summary once", async () => {
      const { factory, epr, thirdParty, thirdPartySummary } = await loadFixture(deployWithRelationship);
      const asEpr = await actAs(await epr.getAddress());
      const summary = await thirdPartySummary.getAddress();
      expect(await factory.connect(asEpr).linkSummary.staticCall(thirdParty.address)).to.equal(summary);
      await expect(factory.connect(asEpr).linkSummary(thirdParty.address))
        .to.emit(factory, "SummaryLinked")
        .withArgs(asEpr.address, thirdParty.address, summary);
      await expect(factory.connect(asEpr).linkSummary(thirdParty.address)).not.to.emit(factory, "SummaryLinked");
      expect(await thirdPartySummary.relationships(0, 10)).to.deep.equal([asEpr.address]);
    });
  });

  describe("reward", () => {
    it("reverts for a caller that is not one of its relationships, minting nothing", async () => {
      const { factory, token, outsider } = await loadFixture(deployWithRelationship);
      await expect(factory.connect(outsider).reward(RewardKind.Upload, outsider.address, 0))
        .to.be.revertedWithCustomError(factory, "FactoryNotRelationship")
        .withArgs(outsider.address);
      expect(await token.totalSupply()).to.equal(0n);
    });

    it("mints the amount the admin set, by kind, for a relationship of its own", async () => {
      const { factory, token, epr, outsider } = await loadFixture(deployWithRelationship);
      const asEpr = await actAs(await epr.getAddress());
      expect(await factory.connect(asEpr).reward.staticCall(RewardKind.Verification, outsider.address, 4)).to.equal(
        VERIFICATION_REWARD,
      );
      await expect(factory.connect(asEpr).reward(RewardKind.Verification, outsider.address, 4))
        .to.emit(factory, "RewardPaid")
        .withArgs(asEpr.address, RewardKind.Verification, 4n, outsider.address, VERIFICATION_REWARD);
      expect(await token.balanceOf(outsider.address)).to.equal(VERIFICATION_REWARD);
      expect((await factory.rewardUsage(asEpr.address))[1]).to.equal(VERIFICATION_REWARD);
    });

    it("answers 0 and mints nothing for a reward switched off", async () => {
      const { factory, token, epr, admin, outsider } = await loadFixture(deployWithRelationship);
      await factory.connect(admin).setRewardAmount(RewardKind.Upload, 0n);
      const asEpr = await actAs(await epr.getAddress());
      expect(await factory.connect(asEpr).reward.staticCall(RewardKind.Upload, outsider.address, 0)).to.equal(0n);
      await expect(factory.connect(asEpr).reward(RewardKind.Upload, outsider.address, 0)).not.to.emit(
        factory,
        "RewardPaid",
      );
      expect(await token.totalSupply()).to.equal(0n);
    });

    it("mints nothing at all under a cap of zero", async () => {
      const { factory, token, epr, admin, outsider } = await loadFixture(deployWithRelationship);
      await factory.connect(admin).setRewardCap(0n, Number(REWARD_PERIOD));
      const asEpr = await actAs(await epr.getAddress());
      await expect(factory.connect(asEpr).reward(RewardKind.Upload, outsider.address, 0))
        .to.emit(factory, "RewardCapped")
        .withArgs(asEpr.address, RewardKind.Upload, 0n, outsider.address, UPLOAD_REWARD, 0n)
        .and.not.to.emit(factory, "RewardPaid");
      expect(await token.totalSupply()).to.equal(0n);
    });
  });

  describe("setRewardCap and setBonusRefundDelay", () => {
    it("change the cap, its period and the delay, with events", async () => {
      const { factory, admin } = await loadFixture(deploySharing);
      await expect(factory.connect(admin).setRewardCap(5n, 60))
        .to.emit(factory, "RewardCapSet")
        .withArgs(REWARD_CAP, 5n, REWARD_PERIOD, 60n);
      expect(await factory.rewardCap()).to.deep.equal([5n, 60n]);
      await expect(factory.connect(admin).setBonusRefundDelay(10))
        .to.emit(factory, "BonusRefundDelaySet")
        .withArgs(BONUS_REFUND_DELAY, 10n);
      expect(await factory.bonusRefundDelay()).to.equal(10n);
    });

    it("revert for a period of zero and for a caller without the admin role", async () => {
      const { factory, verifier, admin } = await loadFixture(deploySharing);
      await expect(factory.connect(admin).setRewardCap(5n, 0)).to.be.revertedWithCustomError(
        factory,
        "FactoryZeroRewardPeriod",
      );
      const role = await factory.DEFAULT_ADMIN_ROLE();
      await expect(factory.connect(verifier).setRewardCap(5n, 60))
        .to.be.revertedWithCustomError(factory, "AccessControlUnauthorizedAccount")
        .withArgs(verifier.address, role);
      await expect(factory.connect(verifier).setBonusRefundDelay(0))
        .to.be.revertedWithCustomError(factory, "AccessControlUnauthorizedAccount")
        .withArgs(verifier.address, role);
      expect(await factory.rewardCap()).to.deep.equal([REWARD_CAP, REWARD_PERIOD]);
      expect(await factory.bonusRefundDelay()).to.equal(BONUS_REFUND_DELAY);
    });
  });

  describe("setRewardAmount", () => {
    it("changes the amount paid from then on and emits RewardAmountSet", async () => {
      const { factory, token, epr, admin, verifier, first } = await loadFixture(deployWithRecord);
      const amount = ethers.parseEther("5");
      await expect(factory.connect(admin).setRewardAmount(RewardKind.Verification, amount))
        .to.emit(factory, "RewardAmountSet")
        .withArgs(RewardKind.Verification, VERIFICATION_REWARD, amount);
      expect(await factory.rewardAmount(RewardKind.Verification)).to.equal(amount);
      await attestAs(epr, verifier, 0, first.objectDigest);
      expect(await token.balanceOf(verifier.address)).to.equal(amount);
    });

    it("reverts for a caller without the admin role and keeps the amount", async () => {
      const { factory, verifier } = await loadFixture(deploySharing);
      await expect(factory.connect(verifier).setRewardAmount(RewardKind.Verification, 1n))
        .to.be.revertedWithCustomError(factory, "AccessControlUnauthorizedAccount")
        .withArgs(verifier.address, await factory.DEFAULT_ADMIN_ROLE());
      expect(await factory.rewardAmount(RewardKind.Verification)).to.equal(VERIFICATION_REWARD);
    });
  });

  describe("verifier role", () => {
    it("is granted and revoked by the admin, and decides who may attest", async () => {
      const { factory, epr, admin, verifier, first } = await loadFixture(deployWithRecord);
      await factory.connect(admin).revokeRole(await factory.VERIFIER_ROLE(), verifier.address);
      expect(await factory.isVerifier(verifier.address)).to.equal(false);
      await expect(attestAs(epr, verifier, 0, first.objectDigest))
        .to.be.revertedWithCustomError(epr, "RelationshipNotVerifier")
        .withArgs(verifier.address);
      expect((await epr.record(0)).attestedBy).to.equal(ethers.ZeroAddress);
    });
  });
});
