import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { DataToken } from "../../../typechain-types";
import {
  DEVICE_ID, Kind, PROVIDER_ID, RewardKind, Status, THIRD_PARTY_ID, Topic, UPLOAD_REWARD, VERIFICATION_REWARD,
  deployWithRecord, deployWithRelationship, expectPointerFieldReverts, pointer,
} from "./fixtures";

/** The same wiring on a hostile token that calls back into the EPR on its next balance change. */
async function deployWithHostileToken() {
  const [admin, device, provider, lab, verifier] = await ethers.getSigners();
  const token = await ethers.deployContract("ReentrantToken");
  const register = await ethers.deployContract("Register", [admin.address, await ethers.deployContract("Summary")]);
  const implementation = await ethers.deployContract("EquipmentProviderRelationship", [register, token]);
  const factory = await ethers.deployContract("RelationshipFactory", [
    admin.address, register, token, implementation, UPLOAD_REWARD, VERIFICATION_REWARD,
  ]);
  await register.setRelationshipFactory(factory);
  await factory.grantRole(await factory.VERIFIER_ROLE(), verifier.address);
  await register.connect(device).register(DEVICE_ID, device.address, Kind.Device);
  await register.connect(provider).register(PROVIDER_ID, provider.address, Kind.ServiceProvider);
  await register.connect(lab).register(THIRD_PARTY_ID, lab.address, Kind.ThirdParty);
  await factory.createRelationship(device.address, provider.address);
  const epr = await ethers.getContractAt(
    "EquipmentProviderRelationship", await factory.relationshipOf(device.address, provider.address));
  const first = pointer(0);
  await epr.connect(provider).addRecord(first.query, first.contentHash, first.uri, 0n);
  await epr.connect(device).authorize(0, lab.address);
  return { token, epr, device, provider, lab, first };
}

/** An EIP-2612 permit signed by `owner` for `spender`. */
async function signPermit(token: DataToken, owner: HardhatEthersSigner, spender: string, value: bigint) {
  const deadline = BigInt(await time.latest()) + 3600n;
  const { chainId } = await ethers.provider.getNetwork();
  const signature = await owner.signTypedData(
    { name: await token.name(), version: "1", chainId, verifyingContract: await token.getAddress() },
    { Permit: [
      { name: "owner", type: "address" }, { name: "spender", type: "address" },
      { name: "value", type: "uint256" }, { name: "nonce", type: "uint256" },
      { name: "deadline", type: "uint256" },
    ] },
    { owner: owner.address, spender, value, nonce: await token.nonces(owner.address), deadline },
  );
  const { v, r, s } = ethers.Signature.from(signature);
  return { deadline, v, r, s };
}

describe("EquipmentProviderRelationship", () => {
  describe("initial state", () => {
    it("knows its parties through their Summaries, its factory, Register and token", async () => {
      const { epr, factory, register, token, device, provider, deviceSummary, providerSummary } =
        await loadFixture(deployWithRelationship);
      expect(await epr.device()).to.equal(device.address);
      expect(await epr.serviceProvider()).to.equal(provider.address);
      expect(await epr.deviceSummary()).to.equal(await deviceSummary.getAddress());
      expect(await epr.providerSummary()).to.equal(await providerSummary.getAddress());
      expect(await epr.factory()).to.equal(await factory.getAddress());
      expect(await epr.register()).to.equal(await register.getAddress());
      expect(await epr.token()).to.equal(await token.getAddress());
      expect(await epr.recordCount()).to.equal(0n);
      expect(await epr.MAX_QUERY_LENGTH()).to.equal(1024n);
      expect(await epr.MAX_URI_LENGTH()).to.equal(256n);
    });

    it("cannot be initialized again, nor can its implementation", async () => {
      const { epr, relationshipImplementation, outsider } = await loadFixture(deployWithRelationship);
      await expect(epr.initialize(outsider.address, outsider.address))
        .to.be.revertedWithCustomError(epr, "InvalidInitialization");
      await expect(relationshipImplementation.initialize(outsider.address, outsider.address))
        .to.be.revertedWithCustomError(epr, "InvalidInitialization");
      expect(await epr.factory()).to.not.equal(outsider.address);
    });
  });

  describe("addRecord", () => {
    it("stores the pointer, returns its 0-based id, emits RecordAdded and rewards the device", async () => {
      const { epr, factory, token, provider, device } = await loadFixture(deployWithRelationship);
      const p = pointer(1);
      expect(await epr.connect(provider).addRecord.staticCall(p.query, p.contentHash, p.uri, 0n)).to.equal(0n);
      const tx = epr.connect(provider).addRecord(p.query, p.contentHash, p.uri, 0n);
      await expect(tx).to.emit(epr, "RecordAdded").withArgs(0n, provider.address, p.contentHash, p.query, p.uri, 0n)
        .and.to.emit(factory, "RewardPaid")
        .withArgs(await epr.getAddress(), RewardKind.Upload, 0n, device.address, UPLOAD_REWARD)
        .and.to.emit(token, "RewardMinted").withArgs(await factory.getAddress(), device.address, UPLOAD_REWARD);
      const stored = await epr.record(0);
      expect(stored.query).to.equal(p.query);
      expect(stored.contentHash).to.equal(p.contentHash);
      expect(stored.uri).to.equal(p.uri);
      expect(stored.addedBy).to.equal(provider.address);
      expect(stored.addedAt).to.equal(BigInt(await time.latest()));
      expect(stored.attestedBy).to.equal(ethers.ZeroAddress);
      expect(stored.attestedAt).to.equal(0n);
      expect(stored.bonus).to.equal(0n);
      expect(await epr.recordCount()).to.equal(1n);
      expect(await token.balanceOf(device.address)).to.equal(UPLOAD_REWARD);
      expect(await token.totalSupply()).to.equal(UPLOAD_REWARD);
    });

    it("numbers records in the order added", async () => {
      const { epr, provider } = await loadFixture(deployWithRecord);
      const p = pointer(2);
      await expect(epr.connect(provider).addRecord(p.query, p.contentHash, p.uri, 0n))
        .to.emit(epr, "RecordAdded").withArgs(1n, provider.address, p.contentHash, p.query, p.uri, 0n);
      expect(await epr.recordCount()).to.equal(2n);
      expect((await epr.record(1)).contentHash).to.equal(p.contentHash);
    });

    it("escrows a bonus from the provider with transferFrom", async () => {
      const { epr, token, provider } = await loadFixture(deployWithRecord);
      const p = pointer(2);
      const bonus = ethers.parseEther("3");
      await expect(epr.connect(provider).addRecord(p.query, p.contentHash, p.uri, bonus))
        .to.emit(epr, "RecordAdded").withArgs(1n, provider.address, p.contentHash, p.query, p.uri, bonus)
        .and.to.emit(token, "Transfer").withArgs(provider.address, await epr.getAddress(), bonus);
      expect(await token.balanceOf(epr)).to.equal(bonus);
      expect(await token.balanceOf(provider.address)).to.equal(UPLOAD_REWARD - bonus);
      expect((await epr.record(1)).bonus).to.equal(bonus);
    });

    it("reverts when the bonus exceeds the provider's allowance, and adds nothing", async () => {
      const { epr, token, provider, device } = await loadFixture(deployWithRelationship);
      const p = pointer(1);
      await expect(epr.connect(provider).addRecord(p.query, p.contentHash, p.uri, 1n))
        .to.be.revertedWithCustomError(token, "ERC20InsufficientAllowance").withArgs(await epr.getAddress(), 0n, 1n);
      expect(await epr.recordCount()).to.equal(0n);
      expect(await token.balanceOf(device.address)).to.equal(0n);
    });

    it("reverts when the bonus exceeds the provider's balance, and adds nothing", async () => {
      const { epr, token, provider, device } = await loadFixture(deployWithRecord);
      const p = pointer(2);
      const supply = await token.totalSupply();
      await expect(epr.connect(provider).addRecord(p.query, p.contentHash, p.uri, UPLOAD_REWARD + 1n))
        .to.be.revertedWithCustomError(token, "ERC20InsufficientBalance")
        .withArgs(provider.address, UPLOAD_REWARD, UPLOAD_REWARD + 1n);
      expect(await epr.recordCount()).to.equal(1n);
      expect(await token.totalSupply()).to.equal(supply);
      expect(await token.balanceOf(device.address)).to.equal(0n);
    });

    it("reverts for a caller that is neither the device nor the provider, naming the caller", async () => {
      const { epr, device, outsider, provider, thirdParty, verifier } = await loadFixture(deployWithRelationship);
      const p = pointer(1);
      // A registered third party and a verifier are no more parties than an unregistered outsider.
      for (const caller of [outsider, thirdParty, verifier]) {
        await expect(epr.connect(caller).addRecord(p.query, p.contentHash, p.uri, 0n))
          .to.be.revertedWithCustomError(epr, "RelationshipNotParty")
          .withArgs(caller.address, device.address, provider.address);
      }
      expect(await epr.recordCount()).to.equal(0n);
    });

    it("reverts for an empty or too long query, a zero hash, an empty or too long URI", async () => {
      const { epr, provider } = await loadFixture(deployWithRelationship);
      const p = pointer(1);
      const add = (query: string, hash: string, uri: string) => epr.connect(provider).addRecord(query, hash, uri, 0n);
      await expectPointerFieldReverts(epr, add);
      expect(await epr.recordCount()).to.equal(0n);
      await add("q".repeat(1024), p.contentHash, "u".repeat(256));
      expect(await epr.recordCount()).to.equal(1n);
    });

    it("mints no upload reward while the admin has set it to zero", async () => {
      const { epr, factory, token, admin, provider, device } = await loadFixture(deployWithRelationship);
      await factory.connect(admin).setRewardAmount(RewardKind.Upload, 0n);
      const p = pointer(1);
      await expect(epr.connect(provider).addRecord(p.query, p.contentHash, p.uri, 0n))
        .to.emit(epr, "RecordAdded").and.not.to.emit(factory, "RewardPaid");
      expect(await token.balanceOf(device.address)).to.equal(0n);
      expect(await token.totalSupply()).to.equal(0n);
    });

    it("reverts as a whole when the factory may not mint", async () => {
      const { epr, factory, token, admin, provider } = await loadFixture(deployWithRelationship);
      await token.connect(admin).revokeRole(await token.MINTER_ROLE(), factory);
      const p = pointer(1);
      await expect(epr.connect(provider).addRecord(p.query, p.contentHash, p.uri, 0n))
        .to.be.revertedWithCustomError(token, "AccessControlUnauthorizedAccount")
        .withArgs(await factory.getAddress(), await token.MINTER_ROLE());
      expect(await epr.recordCount()).to.equal(0n);
    });

    it("follows the provider's identity when it moves to a new account", async () => {
      const { epr, register, device, provider, provider2 } = await loadFixture(deployWithRelationship);
      await register.connect(provider).changeAccount(PROVIDER_ID, provider2.address);
      expect(await epr.serviceProvider()).to.equal(provider2.address);
      const p = pointer(1);
      await expect(epr.connect(provider).addRecord(p.query, p.contentHash, p.uri, 0n))
        .to.be.revertedWithCustomError(epr, "RelationshipNotParty")
        .withArgs(provider.address, device.address, provider2.address);
      await epr.connect(provider2).addRecord(p.query, p.contentHash, p.uri, 0n);
      expect((await epr.record(0)).addedBy).to.equal(provider2.address);
    });

    it("follows the device's identity when it moves to a new account", async () => {
      const { epr, register, token, device, device2, provider } = await loadFixture(deployWithRelationship);
      await register.connect(device).changeAccount(DEVICE_ID, device2.address);
      const p = pointer(1);
      await expect(epr.connect(device).addRecord(p.query, p.contentHash, p.uri, 0n))
        .to.be.revertedWithCustomError(epr, "RelationshipNotParty")
        .withArgs(device.address, device2.address, provider.address);
      await epr.connect(device2).addRecord(p.query, p.contentHash, p.uri, 0n);
      expect((await epr.record(0)).addedBy).to.equal(device2.address);
      expect(await token.balanceOf(device2.address)).to.equal(UPLOAD_REWARD);
      expect(await token.balanceOf(device.address)).to.equal(0n);
    });
  });

  describe("addRecord by the device (its own status data)", () => {
    it("stores the pointer with the device as adder, rewards the device and notifies both Summaries", async () => {
      const { epr, factory, token, device, deviceSummary, providerSummary } = await loadFixture(deployWithRelationship);
      const p = pointer(1);
      const rel = await epr.getAddress();
      expect(await epr.connect(device).addRecord.staticCall(p.query, p.contentHash, p.uri, 0n)).to.equal(0n);
      await expect(epr.connect(device).addRecord(p.query, p.contentHash, p.uri, 0n))
        .to.emit(epr, "RecordAdded").withArgs(0n, device.address, p.contentHash, p.query, p.uri, 0n)
        .and.to.emit(factory, "RewardPaid").withArgs(rel, RewardKind.Upload, 0n, device.address, UPLOAD_REWARD)
        .and.to.emit(token, "RewardMinted").withArgs(await factory.getAddress(), device.address, UPLOAD_REWARD)
        .and.to.emit(deviceSummary, "Notification").withArgs(rel, Topic.RecordAdded, 0n, device.address)
        .and.to.emit(providerSummary, "Notification").withArgs(rel, Topic.RecordAdded, 0n, device.address);
      const stored = await epr.record(0);
      expect(stored.addedBy).to.equal(device.address);
      expect(stored.contentHash).to.equal(p.contentHash);
      expect(stored.uri).to.equal(p.uri);
      expect(stored.addedAt).to.equal(BigInt(await time.latest()));
      expect(await token.balanceOf(device.address)).to.equal(UPLOAD_REWARD);
      expect(await token.totalSupply()).to.equal(UPLOAD_REWARD);
    });

    it("numbers the device's and the provider's records in one sequence", async () => {
      const { epr, device, provider } = await loadFixture(deployWithRecord);
      const p = pointer(2);
      await expect(epr.connect(device).addRecord(p.query, p.contentHash, p.uri, 0n))
        .to.emit(epr, "RecordAdded").withArgs(1n, device.address, p.contentHash, p.query, p.uri, 0n);
      const q = pointer(3);
      await expect(epr.connect(provider).addRecord(q.query, q.contentHash, q.uri, 0n))
        .to.emit(epr, "RecordAdded").withArgs(2n, provider.address, q.contentHash, q.query, q.uri, 0n);
      expect((await epr.record(0)).addedBy).to.equal(provider.address);
      expect((await epr.record(1)).addedBy).to.equal(device.address);
      expect(await epr.recordCount()).to.equal(3n);
    });

    it("escrows the device's bonus from the device's own balance, and a verifier collects it", async () => {
      const { epr, factory, token, device, provider, verifier } = await loadFixture(deployWithRelationship);
      const p0 = pointer(0);
      await epr.connect(device).addRecord(p0.query, p0.contentHash, p0.uri, 0n);
      await token.connect(device).approve(epr, ethers.MaxUint256);
      const bonus = ethers.parseEther("4");
      const p = pointer(1);
      const rel = await epr.getAddress();
      await expect(epr.connect(device).addRecord(p.query, p.contentHash, p.uri, bonus))
        .to.emit(epr, "RecordAdded").withArgs(1n, device.address, p.contentHash, p.query, p.uri, bonus)
        .and.to.emit(token, "Transfer").withArgs(device.address, rel, bonus);
      // Two upload rewards earned, one bonus escrowed; the provider paid nothing.
      expect(await token.balanceOf(device.address)).to.equal(2n * UPLOAD_REWARD - bonus);
      expect(await token.balanceOf(provider.address)).to.equal(0n);
      expect(await token.balanceOf(rel)).to.equal(bonus);
      await expect(epr.connect(verifier).attest(1, p.contentHash))
        .to.emit(epr, "RecordAttested").withArgs(1n, verifier.address, p.contentHash, bonus)
        .and.to.emit(factory, "RewardPaid").withArgs(rel, RewardKind.Verification, 1n, verifier.address, VERIFICATION_REWARD);
      expect(await token.balanceOf(verifier.address)).to.equal(VERIFICATION_REWARD + bonus);
      expect(await token.balanceOf(rel)).to.equal(0n);
    });

    it("pulls a bonus from the caller only: the provider's allowance does not pay for the device", async () => {
      const { epr, token, device, provider } = await loadFixture(deployWithRecord);
      // deployWithRecord funds the provider and approves the EPR for the provider's bonuses only.
      const p = pointer(2);
      await expect(epr.connect(device).addRecord(p.query, p.contentHash, p.uri, 1n))
        .to.be.revertedWithCustomError(token, "ERC20InsufficientAllowance").withArgs(await epr.getAddress(), 0n, 1n);
      expect(await epr.recordCount()).to.equal(1n);
      expect(await token.balanceOf(provider.address)).to.equal(UPLOAD_REWARD);
    });

    it("keeps the device out of attesting its own record, and the provider too", async () => {
      const { epr, factory, admin, device, provider } = await loadFixture(deployWithRelationship);
      const p = pointer(1);
      await epr.connect(device).addRecord(p.query, p.contentHash, p.uri, 0n);
      for (const party of [device, provider]) {
        await factory.connect(admin).grantRole(await factory.VERIFIER_ROLE(), party.address);
        await expect(epr.connect(party).attest(0, p.contentHash))
          .to.be.revertedWithCustomError(epr, "RelationshipPartyCannotAttest").withArgs(0n, party.address);
      }
    });

    it("lets the device authorize a reader on its own record, as on the provider's", async () => {
      const { epr, device, thirdParty, outsider } = await loadFixture(deployWithRelationship);
      const p = pointer(1);
      await epr.connect(device).addRecord(p.query, p.contentHash, p.uri, 0n);
      await expect(epr.connect(device).authorize(0, thirdParty.address))
        .to.emit(epr, "ReaderAuthorized").withArgs(0n, thirdParty.address);
      expect(await epr.canRead(0, thirdParty.address)).to.equal(true);
      expect(await epr.canRead(0, outsider.address)).to.equal(false);
    });
  });

  describe("addRecordWithPermit", () => {
    it("escrows the bonus on a permit signature, without a prior approve", async () => {
      const { epr, token, provider, device } = await loadFixture(deployWithRelationship);
      const p0 = pointer(0);
      await epr.connect(provider).addRecord(p0.query, p0.contentHash, p0.uri, 0n);
      await token.connect(device).transfer(provider.address, UPLOAD_REWARD);
      const bonus = ethers.parseEther("4");
      const { deadline, v, r, s } = await signPermit(token, provider, await epr.getAddress(), bonus);
      const p = pointer(1);
      await expect(epr.connect(provider).addRecordWithPermit(p.query, p.contentHash, p.uri, bonus, deadline, v, r, s))
        .to.emit(epr, "RecordAdded").withArgs(1n, provider.address, p.contentHash, p.query, p.uri, bonus)
        .and.to.emit(token, "Transfer").withArgs(provider.address, await epr.getAddress(), bonus);
      expect(await token.balanceOf(epr)).to.equal(bonus);
      expect(await token.allowance(provider.address, epr)).to.equal(0n);
      expect(await token.nonces(provider.address)).to.equal(1n);
    });

    it("still succeeds when the permit was front-run (the allowance it set is there)", async () => {
      const { epr, token, provider, device, outsider } = await loadFixture(deployWithRelationship);
      const p0 = pointer(0);
      await epr.connect(provider).addRecord(p0.query, p0.contentHash, p0.uri, 0n);
      await token.connect(device).transfer(provider.address, UPLOAD_REWARD);
      const bonus = ethers.parseEther("1");
      const { deadline, v, r, s } = await signPermit(token, provider, await epr.getAddress(), bonus);
      await token.connect(outsider).permit(provider.address, epr, bonus, deadline, v, r, s);
      const p = pointer(1);
      await expect(epr.connect(provider).addRecordWithPermit(p.query, p.contentHash, p.uri, bonus, deadline, v, r, s))
        .to.emit(epr, "RecordAdded").withArgs(1n, provider.address, p.contentHash, p.query, p.uri, bonus);
      expect(await token.balanceOf(epr)).to.equal(bonus);
    });

    it("reverts with the token's error for an invalid permit and no allowance, adding nothing", async () => {
      const { epr, token, provider, outsider } = await loadFixture(deployWithRelationship);
      const { deadline, v, r, s } = await signPermit(token, outsider, await epr.getAddress(), 5n);
      const p = pointer(1);
      await expect(epr.connect(provider).addRecordWithPermit(p.query, p.contentHash, p.uri, 5n, deadline, v, r, s))
        .to.be.revertedWithCustomError(token, "ERC20InsufficientAllowance").withArgs(await epr.getAddress(), 0n, 5n);
      expect(await epr.recordCount()).to.equal(0n);
    });

    it("adds a record without a bonus (the zero-value permit is harmless)", async () => {
      const { epr, token, provider } = await loadFixture(deployWithRelationship);
      const { deadline, v, r, s } = await signPermit(token, provider, await epr.getAddress(), 0n);
      const p = pointer(1);
      await expect(epr.connect(provider).addRecordWithPermit(p.query, p.contentHash, p.uri, 0n, deadline, v, r, s))
        .to.emit(epr, "RecordAdded").withArgs(0n, provider.address, p.contentHash, p.query, p.uri, 0n);
    });

    it("reverts for a caller that is neither the device nor the provider", async () => {
      const { epr, token, provider, device, outsider } = await loadFixture(deployWithRelationship);
      const { deadline, v, r, s } = await signPermit(token, provider, await epr.getAddress(), 1n);
      const p = pointer(1);
      await expect(epr.connect(outsider).addRecordWithPermit(p.query, p.contentHash, p.uri, 1n, deadline, v, r, s))
        .to.be.revertedWithCustomError(epr, "RelationshipNotParty")
        .withArgs(outsider.address, device.address, provider.address);
      expect(await token.allowance(provider.address, epr)).to.equal(0n);
    });

    it("escrows the device's bonus on the device's own permit", async () => {
      const { epr, token, device } = await loadFixture(deployWithRelationship);
      const p0 = pointer(0);
      await epr.connect(device).addRecord(p0.query, p0.contentHash, p0.uri, 0n);
      const bonus = ethers.parseEther("2");
      const { deadline, v, r, s } = await signPermit(token, device, await epr.getAddress(), bonus);
      const p = pointer(1);
      await expect(epr.connect(device).addRecordWithPermit(p.query, p.contentHash, p.uri, bonus, deadline, v, r, s))
        .to.emit(epr, "RecordAdded").withArgs(1n, device.address, p.contentHash, p.query, p.uri, bonus)
        .and.to.emit(token, "Transfer").withArgs(device.address, await epr.getAddress(), bonus);
      expect(await token.nonces(device.address)).to.equal(1n);
      expect(await token.allowance(device.address, epr)).to.equal(0n);
      expect(await token.balanceOf(device.address)).to.equal(2n * UPLOAD_REWARD - bonus);
    });

    it("does not accept the provider's permit for the device's bonus", async () => {
      const { epr, token, device, provider } = await loadFixture(deployWithRecord);
      // The provider holds tokens and signs a permit; the device submits it for its own record.
      const { deadline, v, r, s } = await signPermit(token, provider, await epr.getAddress(), 1n);
      const p = pointer(2);
      await expect(epr.connect(device).addRecordWithPermit(p.query, p.contentHash, p.uri, 1n, deadline, v, r, s))
        .to.be.revertedWithCustomError(token, "ERC20InsufficientAllowance").withArgs(await epr.getAddress(), 0n, 1n);
      expect(await token.nonces(provider.address)).to.equal(0n);
      expect(await epr.recordCount()).to.equal(1n);
    });
  });

  describe("attest", () => {
    it("records the verifier, pays the verification reward and the escrowed bonus, notifies both parties", async () => {
      const { epr, factory, token, provider, verifier, deviceSummary, providerSummary } =
        await loadFixture(deployWithRecord);
      const bonus = ethers.parseEther("3");
      const p = pointer(1);
      await epr.connect(provider).addRecord(p.query, p.contentHash, p.uri, bonus);
      const rel = await epr.getAddress();
      await expect(epr.connect(verifier).attest(1, p.contentHash))
        .to.emit(epr, "RecordAttested").withArgs(1n, verifier.address, p.contentHash, bonus)
        .and.to.emit(token, "Transfer").withArgs(rel, verifier.address, bonus)
        .and.to.emit(factory, "RewardPaid")
        .withArgs(rel, RewardKind.Verification, 1n, verifier.address, VERIFICATION_REWARD)
        .and.to.emit(deviceSummary, "Notification").withArgs(rel, Topic.RecordAttested, 1n, verifier.address)
        .and.to.emit(providerSummary, "Notification").withArgs(rel, Topic.RecordAttested, 1n, verifier.address);
      const stored = await epr.record(1);
      expect(stored.attestedBy).to.equal(verifier.address);
      expect(stored.attestedAt).to.equal(BigInt(await time.latest()));
      expect(await token.balanceOf(verifier.address)).to.equal(VERIFICATION_REWARD + bonus);
      expect(await token.balanceOf(rel)).to.equal(0n);
    });

    it("pays once: a second attestation reverts and changes no balance", async () => {
      const { epr, token, provider, device, verifier, verifier2, first } = await loadFixture(deployWithRecord);
      await epr.connect(verifier).attest(0, first.contentHash);
      const accounts = [provider, device, verifier, verifier2].map((a) => a.address);
      const before = await Promise.all(accounts.map((a) => token.balanceOf(a)));
      const supply = await token.totalSupply();
      for (const again of [verifier, verifier2]) {
        await expect(epr.connect(again).attest(0, first.contentHash))
          .to.be.revertedWithCustomError(epr, "RelationshipAlreadyAttested").withArgs(0n, verifier.address);
      }
      expect(await Promise.all(accounts.map((a) => token.balanceOf(a)))).to.deep.equal(before);
      expect(await token.totalSupply()).to.equal(supply);
      expect((await epr.record(0)).attestedBy).to.equal(verifier.address);
    });

    it("reverts for a caller without the verifier role", async () => {
      const { epr, outsider, first } = await loadFixture(deployWithRecord);
      await expect(epr.connect(outsider).attest(0, first.contentHash))
        .to.be.revertedWithCustomError(epr, "RelationshipNotVerifier").withArgs(outsider.address);
      expect((await epr.record(0)).attestedBy).to.equal(ethers.ZeroAddress);
    });

    it("reverts for a hash that is not the record's", async () => {
      const { epr, verifier, first } = await loadFixture(deployWithRecord);
      const wrong = ethers.keccak256(ethers.toUtf8Bytes("tampered"));
      await expect(epr.connect(verifier).attest(0, wrong))
        .to.be.revertedWithCustomError(epr, "RelationshipHashMismatch").withArgs(0n, first.contentHash, wrong);
      expect((await epr.record(0)).attestedBy).to.equal(ethers.ZeroAddress);
    });

    it("reverts for an unknown record", async () => {
      const { epr, verifier, first } = await loadFixture(deployWithRecord);
      await expect(epr.connect(verifier).attest(1, first.contentHash))
        .to.be.revertedWithCustomError(epr, "RelationshipUnknownRecord").withArgs(1n, 1n);
    });

    it("reverts when the device, the provider or the record's adder attests, even as verifiers", async () => {
      const { epr, factory, register, admin, device, provider, provider2, first } = await loadFixture(deployWithRecord);
      for (const party of [device, provider]) {
        await factory.connect(admin).grantRole(await factory.VERIFIER_ROLE(), party.address);
        await expect(epr.connect(party).attest(0, first.contentHash))
          .to.be.revertedWithCustomError(epr, "RelationshipPartyCannotAttest").withArgs(0n, party.address);
      }
      // The provider moves to a new account: its old one added record 0 and still may not attest it,
      // nor may the new one, which is the provider now.
      await register.connect(provider).changeAccount(PROVIDER_ID, provider2.address);
      await factory.connect(admin).grantRole(await factory.VERIFIER_ROLE(), provider2.address);
      for (const party of [provider, provider2]) {
        await expect(epr.connect(party).attest(0, first.contentHash))
          .to.be.revertedWithCustomError(epr, "RelationshipPartyCannotAttest").withArgs(0n, party.address);
      }
      expect((await epr.record(0)).attestedBy).to.equal(ethers.ZeroAddress);
    });
  });

  describe("authorize", () => {
    it("lets the device share a record with a registered third party, which learns of the relationship", async () => {
      const { epr, factory, device, thirdParty, deviceSummary, providerSummary, thirdPartySummary } =
        await loadFixture(deployWithRecord);
      const rel = await epr.getAddress();
      await expect(epr.connect(device).authorize(0, thirdParty.address))
        .to.emit(epr, "ReaderAuthorized").withArgs(0n, thirdParty.address)
        .and.to.emit(factory, "SummaryLinked").withArgs(rel, thirdParty.address, await thirdPartySummary.getAddress())
        .and.to.emit(thirdPartySummary, "RelationshipAdded").withArgs(rel)
        .and.to.emit(thirdPartySummary, "Notification").withArgs(rel, Topic.ReaderAuthorized, 0n, device.address)
        .and.to.emit(deviceSummary, "Notification").withArgs(rel, Topic.ReaderAuthorized, 0n, device.address)
        .and.to.emit(providerSummary, "Notification").withArgs(rel, Topic.ReaderAuthorized, 0n, device.address);
      expect(await epr.readersOf(0)).to.deep.equal([thirdParty.address]);
      expect(await epr.isAuthorized(0, thirdParty.address)).to.equal(true);
      expect(await epr.canRead(0, thirdParty.address)).to.equal(true);
      expect(await thirdPartySummary.relationships()).to.deep.equal([rel]);
      expect(await thirdPartySummary.statusOf(rel)).to.equal(Status.AwaitingUpdate);
    });

    it("links the reader's Summary only once, however many records are shared", async () => {
      const { epr, factory, provider, device, thirdParty, thirdPartySummary } = await loadFixture(deployWithRecord);
      const p = pointer(1);
      await epr.connect(provider).addRecord(p.query, p.contentHash, p.uri, 0n);
      await epr.connect(device).authorize(0, thirdParty.address);
      await expect(epr.connect(device).authorize(1, thirdParty.address))
        .to.emit(epr, "ReaderAuthorized").withArgs(1n, thirdParty.address)
        .and.not.to.emit(factory, "SummaryLinked");
      expect(await thirdPartySummary.relationshipCount()).to.equal(1n);
      expect(await epr.readersOf(1)).to.deep.equal([thirdParty.address]);
    });

    it("lets another service provider be a reader (sharing between providers)", async () => {
      const { epr, register, registrar, device, provider2 } = await loadFixture(deployWithRecord);
      await register.connect(registrar).register("maintainer-other", provider2.address, Kind.ServiceProvider);
      await epr.connect(device).authorize(0, provider2.address);
      expect(await epr.canRead(0, provider2.address)).to.equal(true);
    });

    it("reverts for a caller other than the device", async () => {
      const { epr, provider, device, thirdParty } = await loadFixture(deployWithRecord);
      await expect(epr.connect(provider).authorize(0, thirdParty.address))
        .to.be.revertedWithCustomError(epr, "RelationshipNotDevice").withArgs(provider.address, device.address);
      expect(await epr.readersOf(0)).to.deep.equal([]);
    });

    it("reverts for an unknown record", async () => {
      const { epr, device, thirdParty } = await loadFixture(deployWithRecord);
      await expect(epr.connect(device).authorize(5, thirdParty.address))
        .to.be.revertedWithCustomError(epr, "RelationshipUnknownRecord").withArgs(5n, 1n);
    });

    it("reverts for an unregistered reader or the zero address", async () => {
      const { epr, device, outsider } = await loadFixture(deployWithRecord);
      for (const reader of [outsider.address, ethers.ZeroAddress]) {
        await expect(epr.connect(device).authorize(0, reader))
          .to.be.revertedWithCustomError(epr, "RelationshipReaderNotRegistered").withArgs(reader);
      }
      expect(await epr.readersOf(0)).to.deep.equal([]);
    });

    it("reverts for the device or the provider, who always read", async () => {
      const { epr, device, provider } = await loadFixture(deployWithRecord);
      for (const reader of [device, provider]) {
        await expect(epr.connect(device).authorize(0, reader.address))
          .to.be.revertedWithCustomError(epr, "RelationshipReaderIsParty").withArgs(reader.address);
      }
      expect(await epr.readersOf(0)).to.deep.equal([]);
    });

    it("reverts for a reader authorized already", async () => {
      const { epr, device, thirdParty } = await loadFixture(deployWithRecord);
      await epr.connect(device).authorize(0, thirdParty.address);
      await expect(epr.connect(device).authorize(0, thirdParty.address))
        .to.be.revertedWithCustomError(epr, "RelationshipAlreadyAuthorized").withArgs(0n, thirdParty.address);
      expect(await epr.readersOf(0)).to.deep.equal([thirdParty.address]);
    });
  });

  describe("revoke", () => {
    it("withdraws the right to read and notifies the device, the provider and the reader", async () => {
      const { epr, device, thirdParty, deviceSummary, providerSummary, thirdPartySummary } =
        await loadFixture(deployWithRecord);
      await epr.connect(device).authorize(0, thirdParty.address);
      const rel = await epr.getAddress();
      await expect(epr.connect(device).revoke(0, thirdParty.address))
        .to.emit(epr, "ReaderRevoked").withArgs(0n, thirdParty.address)
        .and.to.emit(deviceSummary, "Notification").withArgs(rel, Topic.ReaderRevoked, 0n, device.address)
        .and.to.emit(providerSummary, "Notification").withArgs(rel, Topic.ReaderRevoked, 0n, device.address)
        .and.to.emit(thirdPartySummary, "Notification").withArgs(rel, Topic.ReaderRevoked, 0n, device.address);
      expect(await epr.readersOf(0)).to.deep.equal([]);
      expect(await epr.isAuthorized(0, thirdParty.address)).to.equal(false);
      expect(await epr.canRead(0, thirdParty.address)).to.equal(false);
      expect(await thirdPartySummary.statusOf(rel)).to.equal(Status.AwaitingUpdate);
    });

    it("skips the reader's Summary when the reader's account no longer holds that identity", async () => {
      const { epr, register, device, thirdParty, outsider, thirdPartySummary } = await loadFixture(deployWithRecord);
      await epr.connect(device).authorize(0, thirdParty.address);
      await register.connect(thirdParty).changeAccount(THIRD_PARTY_ID, outsider.address);
      await expect(epr.connect(device).revoke(0, thirdParty.address))
        .to.emit(epr, "ReaderRevoked").withArgs(0n, thirdParty.address)
        .and.not.to.emit(thirdPartySummary, "Notification");
    });

    it("skips the Summary of a new identity registered under the reader's old account", async () => {
      const { epr, register, device, thirdParty, outsider } = await loadFixture(deployWithRecord);
      await epr.connect(device).authorize(0, thirdParty.address);
      await register.connect(thirdParty).changeAccount(THIRD_PARTY_ID, outsider.address);
      await register.connect(thirdParty).register("another-lab", thirdParty.address, Kind.ThirdParty);
      const fresh = await ethers.getContractAt("Summary", await register.summaryOf(thirdParty.address));
      await expect(epr.connect(device).revoke(0, thirdParty.address))
        .to.emit(epr, "ReaderRevoked").and.not.to.emit(fresh, "Notification");
      expect(await fresh.relationshipCount()).to.equal(0n);
    });

    it("reverts for a caller other than the device", async () => {
      const { epr, device, thirdParty } = await loadFixture(deployWithRecord);
      await epr.connect(device).authorize(0, thirdParty.address);
      await expect(epr.connect(thirdParty).revoke(0, thirdParty.address))
        .to.be.revertedWithCustomError(epr, "RelationshipNotDevice").withArgs(thirdParty.address, device.address);
      expect(await epr.canRead(0, thirdParty.address)).to.equal(true);
    });

    it("reverts for an unknown record and for a reader not authorized", async () => {
      const { epr, device, thirdParty } = await loadFixture(deployWithRecord);
      await expect(epr.connect(device).revoke(3, thirdParty.address))
        .to.be.revertedWithCustomError(epr, "RelationshipUnknownRecord").withArgs(3n, 1n);
      await expect(epr.connect(device).revoke(0, thirdParty.address))
        .to.be.revertedWithCustomError(epr, "RelationshipNotAuthorized").withArgs(0n, thirdParty.address);
    });
  });

  describe("canRead", () => {
    it("answers true for the device and the provider, false for an outsider", async () => {
      const { epr, device, provider, outsider, thirdParty } = await loadFixture(deployWithRecord);
      expect(await epr.canRead(0, device.address)).to.equal(true);
      expect(await epr.canRead(0, provider.address)).to.equal(true);
      expect(await epr.canRead(0, outsider.address)).to.equal(false);
      expect(await epr.canRead(0, thirdParty.address)).to.equal(false);
      expect(await epr.canRead(0, ethers.ZeroAddress)).to.equal(false);
    });

    it("answers false (never reverts) for an unknown record, even for the device", async () => {
      const { epr, device, provider } = await loadFixture(deployWithRecord);
      expect(await epr.canRead(1, device.address)).to.equal(false);
      expect(await epr.canRead(ethers.MaxUint256, provider.address)).to.equal(false);
    });

    it("is per record: a reader of record 0 cannot read record 1", async () => {
      const { epr, device, provider, thirdParty } = await loadFixture(deployWithRecord);
      const p = pointer(1);
      await epr.connect(provider).addRecord(p.query, p.contentHash, p.uri, 0n);
      await epr.connect(device).authorize(0, thirdParty.address);
      expect(await epr.canRead(0, thirdParty.address)).to.equal(true);
      expect(await epr.canRead(1, thirdParty.address)).to.equal(false);
    });

    it("answers false for a reader that is no longer registered under that account", async () => {
      const { epr, register, device, thirdParty, outsider } = await loadFixture(deployWithRecord);
      await epr.connect(device).authorize(0, thirdParty.address);
      await register.connect(thirdParty).changeAccount(THIRD_PARTY_ID, outsider.address);
      expect(await epr.isAuthorized(0, thirdParty.address)).to.equal(true);
      expect(await epr.canRead(0, thirdParty.address)).to.equal(false);
      expect(await epr.canRead(0, outsider.address)).to.equal(false);
    });

    it("follows the device's identity to its new account", async () => {
      const { epr, register, device, device2, thirdParty } = await loadFixture(deployWithRecord);
      await register.connect(device).changeAccount(DEVICE_ID, device2.address);
      expect(await epr.canRead(0, device2.address)).to.equal(true);
      expect(await epr.canRead(0, device.address)).to.equal(false);
      await expect(epr.connect(device).authorize(0, thirdParty.address))
        .to.be.revertedWithCustomError(epr, "RelationshipNotDevice").withArgs(device.address, device2.address);
      await epr.connect(device2).authorize(0, thirdParty.address);
      expect(await epr.canRead(0, thirdParty.address)).to.equal(true);
    });
  });

  describe("reentrancy through the token", () => {
    it("refuses every state-changing function re-entered from a token callback, changing nothing", async () => {
      const { token, epr, provider, lab, first } = await loadFixture(deployWithHostileToken);
      const p = pointer(1);
      const reentries = [
        epr.interface.encodeFunctionData("addRecord", [p.query, p.contentHash, p.uri, 0n]),
        epr.interface.encodeFunctionData("addRecordWithPermit", [p.query, p.contentHash, p.uri, 0n, 0n, 0, ethers.ZeroHash, ethers.ZeroHash]),
        epr.interface.encodeFunctionData("addRecordWithReaders", [p.query, p.contentHash, p.uri, 0n, []]),
        epr.interface.encodeFunctionData("addRecordWithReadersAndPermit", [p.query, p.contentHash, p.uri, 0n, [], { deadline: 0n, v: 0, r: ethers.ZeroHash, s: ethers.ZeroHash }]),
        epr.interface.encodeFunctionData("attest", [0n, first.contentHash]),
        epr.interface.encodeFunctionData("authorize", [0n, lab.address]),
        epr.interface.encodeFunctionData("revoke", [0n, lab.address]),
      ];
      for (const data of reentries) {
        await token.armHook(epr, data);
        // Adding a record mints the upload reward, a balance change that fires the hook mid-call.
        await expect(epr.connect(provider).addRecord(p.query, p.contentHash, p.uri, 0n))
          .to.be.revertedWithCustomError(epr, "ReentrancyGuardReentrantCall");
      }
      expect(await epr.recordCount()).to.equal(1n);
      expect(await epr.readersOf(0)).to.deep.equal([lab.address]);
      expect((await epr.record(0)).attestedBy).to.equal(ethers.ZeroAddress);
    });

    it("refuses a re-entry from the token during addRecordWithReaders, rolling back record and readers", async () => {
      const { token, epr, device, lab } = await loadFixture(deployWithHostileToken);
      const p = pointer(1);
      await token.armHook(epr, epr.interface.encodeFunctionData("revoke", [0n, lab.address]));
      // The upload reward's mint fires the hook between the record's effects and the readers' notifications.
      await expect(epr.connect(device).addRecordWithReaders(p.query, p.contentHash, p.uri, 0n, [lab.address]))
        .to.be.revertedWithCustomError(epr, "ReentrancyGuardReentrantCall");
      expect(await epr.recordCount()).to.equal(1n);
      expect(await epr.readersOf(0)).to.deep.equal([lab.address]);
    });
  });

  describe("getters of unknown records", () => {
    it("revert with RelationshipUnknownRecord", async () => {
      const { epr, thirdParty } = await loadFixture(deployWithRelationship);
      await expect(epr.record(0)).to.be.revertedWithCustomError(epr, "RelationshipUnknownRecord").withArgs(0n, 0n);
      await expect(epr.readersOf(0)).to.be.revertedWithCustomError(epr, "RelationshipUnknownRecord").withArgs(0n, 0n);
      await expect(epr.isAuthorized(0, thirdParty.address))
        .to.be.revertedWithCustomError(epr, "RelationshipUnknownRecord").withArgs(0n, 0n);
    });
  });
});
