import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { DataToken } from "../../../typechain-types";
import {
  ATTESTATION_TYPES,
  BONUS_REFUND_DELAY,
  DEVICE_ID,
  Kind,
  PROVIDER_ID,
  REWARD_CAP,
  REWARD_PARAMETERS,
  REWARD_PERIOD,
  RewardKind,
  SEED_TOKENS,
  Status,
  THIRD_PARTY_ID,
  Topic,
  UPLOAD_REWARD,
  VERIFICATION_REWARD,
  addPointer,
  attestAs,
  commitmentOf,
  deployWithProposedRelationship,
  deployWithRecord,
  deployWithRelationship,
  expectPointerFieldReverts,
  pointer,
  signAttestation,
} from "./fixtures";

/** The same wiring on a hostile token that calls back into the EPR on its next balance change. */
async function deployWithHostileToken() {
  const [admin, device, provider, lab, verifier] = await ethers.getSigners();
  const token = await ethers.deployContract("ReentrantToken");
  const register = await ethers.deployContract("Register", [admin.address, await ethers.deployContract("Summary")]);
  const implementation = await ethers.deployContract("EquipmentProviderRelationship", [register, token]);
  const factory = await ethers.deployContract("RelationshipFactory", [
    admin.address,
    register,
    token,
    implementation,
    REWARD_PARAMETERS,
  ]);
  await register.setRelationshipFactory(factory);
  await factory.grantRole(await factory.VERIFIER_ROLE(), verifier.address);
  await register.grantRole(await register.REGISTRAR_ROLE(), admin.address);
  await register.connect(device).register(DEVICE_ID, device.address, Kind.Device);
  await register.register(PROVIDER_ID, provider.address, Kind.ServiceProvider);
  await register.register(THIRD_PARTY_ID, lab.address, Kind.ThirdParty);
  await factory.createRelationship(device.address, provider.address);
  const epr = await ethers.getContractAt(
    "EquipmentProviderRelationship",
    await factory.relationshipOf(device.address, provider.address),
  );
  for (const party of [device, provider]) {
    await (
      await ethers.getContractAt("Summary", await register.summaryOf(party.address))
    )
      .connect(party)
      .acceptRelationship(epr);
  }
  const first = pointer(0);
  await addPointer(epr, provider, first);
  await epr.connect(device).authorize(0, lab.address);
  await token.mint(provider.address, SEED_TOKENS);
  await token.connect(provider).approve(epr, ethers.MaxUint256);
  return { token, epr, device, provider, lab, verifier, first };
}

/** An EIP-2612 permit signed by `owner` for `spender`. */
async function signPermit(token: DataToken, owner: HardhatEthersSigner, spender: string, value: bigint) {
  const deadline = BigInt(await time.latest()) + 3600n;
  const { chainId } = await ethers.provider.getNetwork();
  const signature = await owner.signTypedData(
    { name: await token.name(), version: "1", chainId, verifyingContract: await token.getAddress() },
    {
      Permit: [
        { name: "owner", type: "address" },
        { name: "spender", type: "address" },
        { name: "value", type: "uint256" },
        { name: "nonce", type: "uint256" },
        { name: "deadline", type: "uint256" },
      ],
    },
    { owner: owner.address, spender, value, nonce: await token.nonces(owner.address), deadline },
  );
  const { v, r, s } = ethers.Signature.from(signature);
  return { deadline, v, r, s };
}

describe("EquipmentProviderRelationship", () => {
  describe("initial state", () => {
    it("knows its parties through their Summaries, its factory, Register, token and EIP-712 domain", async () => {
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
      expect(await epr.ATTESTATION_TYPEHASH()).to.equal(
        ethers.id("Attestation(uint256 recordId,string uri,bytes32 contentHash,bytes32 objectDigest)"),
      );
      const domain = await epr.eip712Domain();
      const { chainId } = await ethers.provider.getNetwork();
      // Each clone signs under its own address, with the implementation's name and version.
      expect([domain.name, domain.version, domain.chainId, domain.verifyingContract]).to.deep.equal([
        "commchain EPR",
        "1",
        chainId,
        await epr.getAddress(),
      ]);
    });

    it("cannot be initialized again, nor can its implementation", async () => {
      const { epr, relationshipImplementation, outsider } = await loadFixture(deployWithRelationship);
      await expect(epr.initialize(outsider.address, outsider.address)).to.be.revertedWithCustomError(
        epr,
        "InvalidInitialization",
      );
      await expect(
        relationshipImplementation.initialize(outsider.address, outsider.address),
      ).to.be.revertedWithCustomError(epr, "InvalidInitialization");
      expect(await epr.factory()).to.not.equal(outsider.address);
    });
  });

  describe("addRecord", () => {
    it("stores the pointer and its commitment, returns its 0-based id, emits RecordAdded and mints nothing", async () => {
      const { epr, factory, token, provider } = await loadFixture(deployWithRelationship);
      const p = pointer(1);
      expect(
        await epr.connect(provider).addRecord.staticCall(p.query, p.contentHash, p.uri, p.objectCommitment, 0n),
      ).to.equal(0n);
      const tx = addPointer(epr, provider, p);
      await expect(tx)
        .to.emit(epr, "RecordAdded")
        .withArgs(0n, provider.address, p.contentHash, p.objectCommitment, p.query, p.uri, 0n)
        .and.not.to.emit(factory, "RewardPaid");
      const stored = await epr.record(0);
      expect(stored.query).to.equal(p.query);
      expect(stored.contentHash).to.equal(p.contentHash);
      expect(stored.uri).to.equal(p.uri);
      expect(stored.addedBy).to.equal(provider.address);
      expect(stored.addedAt).to.equal(BigInt(await time.latest()));
      expect(stored.attestedBy).to.equal(ethers.ZeroAddress);
      expect(stored.attestedAt).to.equal(0n);
      expect(stored.bonus).to.equal(0n);
      expect(await epr.objectCommitmentOf(0)).to.equal(p.objectCommitment);
      expect(await epr.recordCount()).to.equal(1n);
      // Upload is not rewarded: a record earns nothing until a verifier attests it.
      expect(await token.totalSupply()).to.equal(0n);
    });

    it("numbers the device's and the provider's records in one sequence", async () => {
      const { epr, device, provider } = await loadFixture(deployWithRecord);
      const p = pointer(2);
      await expect(addPointer(epr, device, p))
        .to.emit(epr, "RecordAdded")
        .withArgs(1n, device.address, p.contentHash, p.objectCommitment, p.query, p.uri, 0n);
      const q = pointer(3);
      await expect(addPointer(epr, provider, q))
        .to.emit(epr, "RecordAdded")
        .withArgs(2n, provider.address, q.contentHash, q.objectCommitment, q.query, q.uri, 0n);
      expect((await epr.record(0)).addedBy).to.equal(provider.address);
      expect((await epr.record(1)).addedBy).to.equal(device.address);
      expect(await epr.recordCount()).to.equal(3n);
    });

    it("notifies both Summaries, which stay accepting", async () => {
      const { epr, device, deviceSummary, providerSummary } = await loadFixture(deployWithRelationship);
      const p = pointer(1);
      const rel = await epr.getAddress();
      await expect(addPointer(epr, device, p))
        .to.emit(deviceSummary, "Notification")
        .withArgs(rel, Topic.RecordAdded, 0n, device.address)
        .and.to.emit(providerSummary, "Notification")
        .withArgs(rel, Topic.RecordAdded, 0n, device.address);
      expect(await deviceSummary.statusOf(rel)).to.equal(Status.AwaitingUpdate);
      expect(await deviceSummary.isAccepted(rel)).to.equal(true);
      expect(await providerSummary.isAccepted(rel)).to.equal(true);
    });

    it("escrows a bonus from the caller with transferFrom", async () => {
      const { epr, token, provider } = await loadFixture(deployWithRecord);
      const p = pointer(2);
      const bonus = ethers.parseEther("3");
      await expect(addPointer(epr, provider, p, bonus))
        .to.emit(epr, "RecordAdded")
        .withArgs(1n, provider.address, p.contentHash, p.objectCommitment, p.query, p.uri, bonus)
        .and.to.emit(token, "Transfer")
        .withArgs(provider.address, await epr.getAddress(), bonus);
      expect(await token.balanceOf(epr)).to.equal(bonus);
      expect(await token.balanceOf(provider.address)).to.equal(SEED_TOKENS - bonus);
      expect((await epr.record(1)).bonus).to.equal(bonus);
    });

    it("reverts when the bonus exceeds the caller's allowance or balance, and adds nothing", async () => {
      const { epr, token, provider, device } = await loadFixture(deployWithRecord);
      const p = pointer(2);
      // deployWithRecord approves the EPR for the provider's bonuses only.
      await expect(addPointer(epr, device, p, 1n))
        .to.be.revertedWithCustomError(token, "ERC20InsufficientAllowance")
        .withArgs(await epr.getAddress(), 0n, 1n);
      await expect(addPointer(epr, provider, p, SEED_TOKENS + 1n))
        .to.be.revertedWithCustomError(token, "ERC20InsufficientBalance")
        .withArgs(provider.address, SEED_TOKENS, SEED_TOKENS + 1n);
      expect(await epr.recordCount()).to.equal(1n);
    });

    it("reverts for a caller that is neither the device nor the provider, naming the caller", async () => {
      const { epr, device, outsider, provider, thirdParty, verifier } = await loadFixture(deployWithRelationship);
      const p = pointer(1);
      // A registered third party and a verifier are no more parties than an unregistered outsider.
      for (const caller of [outsider, thirdParty, verifier]) {
        await expect(addPointer(epr, caller, p))
          .to.be.revertedWithCustomError(epr, "RelationshipNotParty")
          .withArgs(caller.address, device.address, provider.address);
      }
      expect(await epr.recordCount()).to.equal(0n);
    });

    it("reverts for an empty or too long query, a zero hash, an empty or too long URI, a zero commitment", async () => {
      const { epr, provider } = await loadFixture(deployWithRelationship);
      const p = pointer(1);
      const add = (query: string, hash: string, uri: string, commitment: string) =>
        epr.connect(provider).addRecord(query, hash, uri, commitment, 0n);
      await expectPointerFieldReverts(epr, add);
      expect(await epr.recordCount()).to.equal(0n);
      await add("q".repeat(1024), p.contentHash, "u".repeat(256), p.objectCommitment);
      expect(await epr.recordCount()).to.equal(1n);
    });

    it("takes records on a relationship not accepted yet (they earn nothing until it is)", async () => {
      const { epr, provider } = await loadFixture(deployWithProposedRelationship);
      await addPointer(epr, provider, pointer(1));
      expect(await epr.recordCount()).to.equal(1n);
    });

    it("reverts on a relationship the device or the provider rejected or deleted, until it is accepted again", async () => {
      const { epr, device, provider, deviceSummary, providerSummary } = await loadFixture(deployWithRelationship);
      const p = pointer(1);
      await deviceSummary.connect(device).rejectRelationship(epr);
      for (const adder of [device, provider]) {
        await expect(addPointer(epr, adder, p))
          .to.be.revertedWithCustomError(epr, "RelationshipClosed")
          .withArgs(await deviceSummary.getAddress(), Status.Rejected);
      }
      await deviceSummary.connect(device).acceptRelationship(epr);
      await addPointer(epr, provider, p);
      await providerSummary.connect(provider).deleteRelationship(epr);
      await expect(addPointer(epr, device, p))
        .to.be.revertedWithCustomError(epr, "RelationshipClosed")
        .withArgs(await providerSummary.getAddress(), Status.Deleted);
      expect(await epr.recordCount()).to.equal(1n);
    });

    it("follows the provider's identity when it moves to a new account", async () => {
      const { epr, register, device, provider, provider2 } = await loadFixture(deployWithRelationship);
      await register.connect(provider).changeAccount(PROVIDER_ID, provider2.address);
      expect(await epr.serviceProvider()).to.equal(provider2.address);
      const p = pointer(1);
      await expect(addPointer(epr, provider, p))
        .to.be.revertedWithCustomError(epr, "RelationshipNotParty")
        .withArgs(provider.address, device.address, provider2.address);
      await addPointer(epr, provider2, p);
      expect((await epr.record(0)).addedBy).to.equal(provider2.address);
    });

    it("follows the device's identity when it moves to a new account", async () => {
      const { epr, register, device, device2, provider } = await loadFixture(deployWithRelationship);
      await register.connect(device).changeAccount(DEVICE_ID, device2.address);
      const p = pointer(1);
      await expect(addPointer(epr, device, p))
        .to.be.revertedWithCustomError(epr, "RelationshipNotParty")
        .withArgs(device.address, device2.address, provider.address);
      await addPointer(epr, device2, p);
      expect((await epr.record(0)).addedBy).to.equal(device2.address);
    });
  });

  describe("addRecordWithPermit", () => {
    it("escrows the bonus on a permit signature, without a prior approve", async () => {
      const { epr, token, admin, provider } = await loadFixture(deployWithRelationship);
      await token.connect(admin).mint(provider.address, SEED_TOKENS);
      const bonus = ethers.parseEther("4");
      const permit = await signPermit(token, provider, await epr.getAddress(), bonus);
      const p = pointer(1);
      await expect(
        epr.connect(provider).addRecordWithPermit(p.query, p.contentHash, p.uri, p.objectCommitment, bonus, permit),
      )
        .to.emit(epr, "RecordAdded")
        .withArgs(0n, provider.address, p.contentHash, p.objectCommitment, p.query, p.uri, bonus)
        .and.to.emit(token, "Transfer")
        .withArgs(provider.address, await epr.getAddress(), bonus);
      expect(await token.balanceOf(epr)).to.equal(bonus);
      expect(await token.allowance(provider.address, epr)).to.equal(0n);
      expect(await token.nonces(provider.address)).to.equal(1n);
    });

    it("still succeeds when the permit was front-run (the allowance it set is there)", async () => {
      const { epr, token, admin, provider, outsider } = await loadFixture(deployWithRelationship);
      await token.connect(admin).mint(provider.address, SEED_TOKENS);
      const bonus = ethers.parseEther("1");
      const permit = await signPermit(token, provider, await epr.getAddress(), bonus);
      await token.connect(outsider).permit(provider.address, epr, bonus, permit.deadline, permit.v, permit.r, permit.s);
      const p = pointer(1);
      await expect(
        epr.connect(provider).addRecordWithPermit(p.query, p.contentHash, p.uri, p.objectCommitment, bonus, permit),
      )
        .to.emit(epr, "RecordAdded")
        .withArgs(0n, provider.address, p.contentHash, p.objectCommitment, p.query, p.uri, bonus);
      expect(await token.balanceOf(epr)).to.equal(bonus);
    });

    it("reverts with the token's error for another account's permit and no allowance, adding nothing", async () => {
      const { epr, token, device, provider } = await loadFixture(deployWithRecord);
      // The provider holds tokens and signs a permit; the device submits it for its own record.
      const permit = await signPermit(token, provider, await epr.getAddress(), 1n);
      const p = pointer(2);
      await expect(
        epr.connect(device).addRecordWithPermit(p.query, p.contentHash, p.uri, p.objectCommitment, 1n, permit),
      )
        .to.be.revertedWithCustomError(token, "ERC20InsufficientAllowance")
        .withArgs(await epr.getAddress(), 0n, 1n);
      expect(await token.nonces(provider.address)).to.equal(0n);
      expect(await epr.recordCount()).to.equal(1n);
    });

    it("reverts for a caller that is neither the device nor the provider", async () => {
      const { epr, token, provider, device, outsider } = await loadFixture(deployWithRelationship);
      const permit = await signPermit(token, provider, await epr.getAddress(), 1n);
      const p = pointer(1);
      await expect(
        epr.connect(outsider).addRecordWithPermit(p.query, p.contentHash, p.uri, p.objectCommitment, 1n, permit),
      )
        .to.be.revertedWithCustomError(epr, "RelationshipNotParty")
        .withArgs(outsider.address, device.address, provider.address);
      expect(await token.allowance(provider.address, epr)).to.equal(0n);
    });
  });

  describe("attest", () => {
    it("records the signer, pays the bonus, the device's upload reward and the verifier's reward, notifies both parties", async () => {
      const { epr, factory, token, device, provider, verifier, deviceSummary, providerSummary } =
        await loadFixture(deployWithRecord);
      const bonus = ethers.parseEther("3");
      const p = pointer(1);
      await addPointer(epr, provider, p, bonus);
      const rel = await epr.getAddress();
      const supply = await token.totalSupply();
      await expect(attestAs(epr, verifier, 1, p.objectDigest))
        .to.emit(epr, "RecordAttested")
        .withArgs(1n, verifier.address, p.objectDigest, bonus)
        .and.to.emit(token, "Transfer")
        .withArgs(rel, verifier.address, bonus)
        .and.to.emit(factory, "RewardPaid")
        .withArgs(rel, RewardKind.Upload, 1n, device.address, UPLOAD_REWARD)
        .and.to.emit(factory, "RewardPaid")
        .withArgs(rel, RewardKind.Verification, 1n, verifier.address, VERIFICATION_REWARD)
        .and.to.emit(token, "RewardMinted")
        .withArgs(await factory.getAddress(), device.address, UPLOAD_REWARD)
        .and.to.emit(deviceSummary, "Notification")
        .withArgs(rel, Topic.RecordAttested, 1n, verifier.address)
        .and.to.emit(providerSummary, "Notification")
        .withArgs(rel, Topic.RecordAttested, 1n, verifier.address);
      const stored = await epr.record(1);
      expect(stored.attestedBy).to.equal(verifier.address);
      expect(stored.attestedAt).to.equal(BigInt(await time.latest()));
      expect(await token.balanceOf(verifier.address)).to.equal(VERIFICATION_REWARD + bonus);
      expect(await token.balanceOf(device.address)).to.equal(SEED_TOKENS + UPLOAD_REWARD);
      expect(await token.balanceOf(rel)).to.equal(0n);
      expect(await token.totalSupply()).to.equal(supply + UPLOAD_REWARD + VERIFICATION_REWARD);
    });

    it("takes the verifier's signature from any sender: the rewards go to the signer, not the relayer", async () => {
      const { epr, token, outsider, verifier, first } = await loadFixture(deployWithRecord);
      const signature = await signAttestation(epr, verifier, 0, first.objectDigest);
      await expect(epr.connect(outsider).attest(0, first.objectDigest, signature))
        .to.emit(epr, "RecordAttested")
        .withArgs(0n, verifier.address, first.objectDigest, 0n);
      expect(await token.balanceOf(verifier.address)).to.equal(VERIFICATION_REWARD);
      expect(await token.balanceOf(outsider.address)).to.equal(0n);
    });

    it("publishes the EIP-712 digest a verifier signs", async () => {
      const { epr, verifier, first } = await loadFixture(deployWithRecord);
      const { chainId } = await ethers.provider.getNetwork();
      const domain = { name: "commchain EPR", version: "1", chainId, verifyingContract: await epr.getAddress() };
      const expected = ethers.TypedDataEncoder.hash(domain, ATTESTATION_TYPES, {
        recordId: 0n,
        uri: first.uri,
        contentHash: first.contentHash,
        objectDigest: first.objectDigest,
      });
      expect(await epr.attestationDigest(0, first.objectDigest)).to.equal(expected);
      const signature = await signAttestation(epr, verifier, 0, first.objectDigest);
      expect(ethers.recoverAddress(expected, signature)).to.equal(verifier.address);
    });

    it("pays once: a second attestation reverts and changes no balance", async () => {
      const { epr, token, provider, device, verifier, verifier2, first } = await loadFixture(deployWithRecord);
      await attestAs(epr, verifier, 0, first.objectDigest);
      const accounts = [provider, device, verifier, verifier2].map((a) => a.address);
      const before = await Promise.all(accounts.map((a) => token.balanceOf(a)));
      const supply = await token.totalSupply();
      for (const again of [verifier, verifier2]) {
        await expect(attestAs(epr, again, 0, first.objectDigest))
          .to.be.revertedWithCustomError(epr, "RelationshipAlreadyAttested")
          .withArgs(0n, verifier.address);
      }
      expect(await Promise.all(accounts.map((a) => token.balanceOf(a)))).to.deep.equal(before);
      expect(await token.totalSupply()).to.equal(supply);
      expect((await epr.record(0)).attestedBy).to.equal(verifier.address);
    });

    it("reverts for a signer without the verifier role, whoever sends it", async () => {
      const { epr, outsider, verifier, first } = await loadFixture(deployWithRecord);
      const signature = await signAttestation(epr, outsider, 0, first.objectDigest);
      for (const sender of [outsider, verifier]) {
        await expect(epr.connect(sender).attest(0, first.objectDigest, signature))
          .to.be.revertedWithCustomError(epr, "RelationshipNotVerifier")
          .withArgs(outsider.address);
      }
      expect((await epr.record(0)).attestedBy).to.equal(ethers.ZeroAddress);
    });

    it("binds the signature to the record, its URI and hash and the digest: a signature over anything else recovers a stranger", async () => {
      const { epr, provider, verifier, first } = await loadFixture(deployWithRecord);
      const p = pointer(1);
      await addPointer(epr, provider, p);
      const forRecord1 = await signAttestation(epr, verifier, 1, p.objectDigest);
      const otherUri = await signAttestation(epr, verifier, 0, first.objectDigest, {
        uri: p.uri,
        contentHash: first.contentHash,
      });
      const otherHash = await signAttestation(epr, verifier, 0, first.objectDigest, {
        uri: first.uri,
        contentHash: p.contentHash,
      });
      const otherDigest = await signAttestation(epr, verifier, 0, p.objectDigest);
      for (const [digest, signature] of [
        [first.objectDigest, forRecord1],
        [first.objectDigest, otherUri],
        [first.objectDigest, otherHash],
        [first.objectDigest, otherDigest],
      ]) {
        const recovered = ethers.recoverAddress(await epr.attestationDigest(0, digest), signature);
        expect(recovered).to.not.equal(verifier.address);
        await expect(epr.connect(verifier).attest(0, digest, signature))
          .to.be.revertedWithCustomError(epr, "RelationshipNotVerifier")
          .withArgs(recovered);
      }
    });

    it("reverts when the digest does not open the record's commitment, though the verifier signed it", async () => {
      const { epr, verifier, first } = await loadFixture(deployWithRecord);
      // What anyone reads on chain (the content hash) is not the object's digest.
      for (const guess of [
        first.contentHash,
        ethers.keccak256(ethers.toUtf8Bytes("tampered")),
        first.objectCommitment,
      ]) {
        await expect(attestAs(epr, verifier, 0, guess))
          .to.be.revertedWithCustomError(epr, "RelationshipObjectMismatch")
          .withArgs(0n, first.objectCommitment, guess);
      }
      expect(commitmentOf(first.objectDigest)).to.equal(first.objectCommitment);
      expect((await epr.record(0)).attestedBy).to.equal(ethers.ZeroAddress);
    });

    it("reverts with OpenZeppelin's errors for a malformed signature", async () => {
      const { epr, verifier, first } = await loadFixture(deployWithRecord);
      await expect(epr.connect(verifier).attest(0, first.objectDigest, "0x1234"))
        .to.be.revertedWithCustomError(epr, "ECDSAInvalidSignatureLength")
        .withArgs(2n);
      await expect(
        epr.connect(verifier).attest(0, first.objectDigest, ethers.concat([ethers.ZeroHash, ethers.ZeroHash, "0x1b"])),
      ).to.be.revertedWithCustomError(epr, "ECDSAInvalidSignature");
    });

    it("reverts for an unknown record", async () => {
      const { epr, verifier, first } = await loadFixture(deployWithRecord);
      await expect(epr.connect(verifier).attest(1, first.objectDigest, "0x"))
        .to.be.revertedWithCustomError(epr, "RelationshipUnknownRecord")
        .withArgs(1n, 1n);
    });

    it("reverts when the device, the provider or the record's adder signs, even as verifiers", async () => {
      const { epr, factory, register, admin, device, provider, provider2, first } = await loadFixture(deployWithRecord);
      for (const party of [device, provider]) {
        await factory.connect(admin).grantRole(await factory.VERIFIER_ROLE(), party.address);
        await expect(attestAs(epr, party, 0, first.objectDigest))
          .to.be.revertedWithCustomError(epr, "RelationshipPartyCannotAttest")
          .withArgs(0n, party.address);
      }
      // The provider moves to a new account: its old one added record 0 and still may not attest it,
      // nor may the new one, which is the provider now.
      await register.connect(provider).changeAccount(PROVIDER_ID, provider2.address);
      await factory.connect(admin).grantRole(await factory.VERIFIER_ROLE(), provider2.address);
      for (const party of [provider, provider2]) {
        await expect(attestAs(epr, party, 0, first.objectDigest))
          .to.be.revertedWithCustomError(epr, "RelationshipPartyCannotAttest")
          .withArgs(0n, party.address);
      }
      expect((await epr.record(0)).attestedBy).to.equal(ethers.ZeroAddress);
    });

    it("reverts until both Summaries accept the relationship, and while one rejected it", async () => {
      const { epr, token, device, provider, verifier, deviceSummary, providerSummary } =
        await loadFixture(deployWithProposedRelationship);
      const p = pointer(0);
      await addPointer(epr, provider, p);
      await expect(attestAs(epr, verifier, 0, p.objectDigest))
        .to.be.revertedWithCustomError(epr, "RelationshipNotAccepted")
        .withArgs(await deviceSummary.getAddress(), Status.AwaitingUpdate);
      await deviceSummary.connect(device).acceptRelationship(epr);
      await expect(attestAs(epr, verifier, 0, p.objectDigest))
        .to.be.revertedWithCustomError(epr, "RelationshipNotAccepted")
        .withArgs(await providerSummary.getAddress(), Status.AwaitingUpdate);
      await providerSummary.connect(provider).acceptRelationship(epr);
      await providerSummary.connect(provider).rejectRelationship(epr);
      await expect(attestAs(epr, verifier, 0, p.objectDigest))
        .to.be.revertedWithCustomError(epr, "RelationshipNotAccepted")
        .withArgs(await providerSummary.getAddress(), Status.Rejected);
      expect(await token.totalSupply()).to.equal(0n);
      await providerSummary.connect(provider).acceptRelationship(epr);
      await attestAs(epr, verifier, 0, p.objectDigest);
      expect(await token.totalSupply()).to.equal(UPLOAD_REWARD + VERIFICATION_REWARD);
    });

    it("mints no reward the admin switched off, and still attests", async () => {
      const { epr, factory, token, admin, verifier, first } = await loadFixture(deployWithRecord);
      await factory.connect(admin).setRewardAmount(RewardKind.Upload, 0n);
      const supply = await token.totalSupply();
      await expect(attestAs(epr, verifier, 0, first.objectDigest))
        .to.emit(epr, "RecordAttested")
        .and.to.emit(factory, "RewardPaid")
        .withArgs(await epr.getAddress(), RewardKind.Verification, 0n, verifier.address, VERIFICATION_REWARD);
      expect(await token.totalSupply()).to.equal(supply + VERIFICATION_REWARD);
    });

    it("reverts as a whole when the factory may not mint", async () => {
      const { epr, factory, token, admin, verifier, first } = await loadFixture(deployWithRecord);
      await token.connect(admin).revokeRole(await token.MINTER_ROLE(), factory);
      await expect(attestAs(epr, verifier, 0, first.objectDigest))
        .to.be.revertedWithCustomError(token, "AccessControlUnauthorizedAccount")
        .withArgs(await factory.getAddress(), await token.MINTER_ROLE());
      expect((await epr.record(0)).attestedBy).to.equal(ethers.ZeroAddress);
    });
  });

  describe("the per-relationship reward cap", () => {
    it("pays what is left of the cap, then nothing until the next period, saying so with RewardCapped", async () => {
      const { epr, factory, token, device, provider, verifier } = await loadFixture(deployWithRelationship);
      const rel = await epr.getAddress();
      // REWARD_CAP holds five records' rewards; align to the start of a period so all fit in one.
      const start = (BigInt(await time.latest()) / REWARD_PERIOD + 1n) * REWARD_PERIOD;
      await time.setNextBlockTimestamp(start);
      const pointers = Array.from({ length: 7 }, (_, i) => pointer(i));
      for (const p of pointers) await addPointer(epr, provider, p);
      for (let i = 0; i < 5; i++) await attestAs(epr, verifier, i, pointers[i].objectDigest);
      expect(await token.totalSupply()).to.equal(REWARD_CAP);
      expect(await factory.rewardUsage(rel)).to.deep.equal([start / REWARD_PERIOD, REWARD_CAP]);
      await expect(attestAs(epr, verifier, 5, pointers[5].objectDigest))
        .to.emit(factory, "RewardCapped")
        .withArgs(rel, RewardKind.Upload, 5n, device.address, UPLOAD_REWARD, 0n)
        .and.to.emit(factory, "RewardCapped")
        .withArgs(rel, RewardKind.Verification, 5n, verifier.address, VERIFICATION_REWARD, 0n)
        .and.not.to.emit(factory, "RewardPaid");
      expect(await token.totalSupply()).to.equal(REWARD_CAP);
      // A new period starts from zero.
      await time.setNextBlockTimestamp(start + REWARD_PERIOD);
      await expect(attestAs(epr, verifier, 6, pointers[6].objectDigest))
        .to.emit(factory, "RewardPaid")
        .withArgs(rel, RewardKind.Upload, 6n, device.address, UPLOAD_REWARD);
      expect(await factory.rewardUsage(rel)).to.deep.equal([
        start / REWARD_PERIOD + 1n,
        UPLOAD_REWARD + VERIFICATION_REWARD,
      ]);
      expect(await token.totalSupply()).to.equal(REWARD_CAP + UPLOAD_REWARD + VERIFICATION_REWARD);
    });

    it("pays a partial reward when less than the amount is left", async () => {
      const { epr, factory, token, admin, device, provider, verifier } = await loadFixture(deployWithRelationship);
      const rel = await epr.getAddress();
      await factory.connect(admin).setRewardCap(UPLOAD_REWARD + 1n, Number(REWARD_PERIOD));
      const p = pointer(0);
      await addPointer(epr, provider, p);
      await expect(attestAs(epr, verifier, 0, p.objectDigest))
        .to.emit(factory, "RewardPaid")
        .withArgs(rel, RewardKind.Upload, 0n, device.address, UPLOAD_REWARD)
        .and.to.emit(factory, "RewardCapped")
        .withArgs(rel, RewardKind.Verification, 0n, verifier.address, VERIFICATION_REWARD, 1n)
        .and.to.emit(factory, "RewardPaid")
        .withArgs(rel, RewardKind.Verification, 0n, verifier.address, 1n);
      expect(await token.balanceOf(verifier.address)).to.equal(1n);
      expect(await token.totalSupply()).to.equal(UPLOAD_REWARD + 1n);
    });

    it("counts each relationship on its own", async () => {
      const { epr, factory, register, registrar, admin, provider, verifier, device2, deviceSummary } =
        await loadFixture(deployWithRelationship);
      await factory.connect(admin).setRewardCap(UPLOAD_REWARD + VERIFICATION_REWARD, Number(REWARD_PERIOD));
      await register.connect(registrar).register("robot-arm-02", device2.address, Kind.Device);
      await factory.connect(provider).createRelationship(device2.address, provider.address);
      const other = await ethers.getContractAt(
        "EquipmentProviderRelationship",
        await factory.relationshipOf(device2.address, provider.address),
      );
      for (const [party, relationship] of [
        [device2, other],
        [provider, other],
      ] as const) {
        await (
          await ethers.getContractAt("Summary", await register.summaryOf(party.address))
        )
          .connect(party)
          .acceptRelationship(relationship);
      }
      expect(await deviceSummary.isAccepted(other)).to.equal(false);
      const p = pointer(0);
      for (const relationship of [epr, other]) {
        await addPointer(relationship, provider, p);
        await expect(attestAs(relationship, verifier, 0, p.objectDigest)).to.not.emit(factory, "RewardCapped");
      }
    });
  });

  describe("refundBonus", () => {
    it("returns an unattested bonus to its adder after the delay, once", async () => {
      const { epr, token, device, provider, verifier } = await loadFixture(deployWithRecord);
      const bonus = ethers.parseEther("3");
      const p = pointer(1);
      await addPointer(epr, provider, p, bonus);
      const refundableAt = (await epr.record(1)).addedAt + BONUS_REFUND_DELAY;
      await expect(epr.connect(provider).refundBonus(1))
        .to.be.revertedWithCustomError(epr, "RelationshipBonusLocked")
        .withArgs(1n, refundableAt);
      await time.increaseTo(refundableAt);
      // Either party may ask; the bonus goes back to whoever escrowed it.
      await expect(epr.connect(device).refundBonus(1))
        .to.emit(epr, "BonusRefunded")
        .withArgs(1n, provider.address, bonus)
        .and.to.emit(token, "Transfer")
        .withArgs(await epr.getAddress(), provider.address, bonus);
      expect(await token.balanceOf(provider.address)).to.equal(SEED_TOKENS);
      expect((await epr.record(1)).bonus).to.equal(0n);
      await expect(epr.connect(provider).refundBonus(1))
        .to.be.revertedWithCustomError(epr, "RelationshipNoBonus")
        .withArgs(1n);
      // A later attestation pays the rewards but no bonus.
      await expect(attestAs(epr, verifier, 1, p.objectDigest))
        .to.emit(epr, "RecordAttested")
        .withArgs(1n, verifier.address, p.objectDigest, 0n);
    });

    it("reverts for an attested record, a record without bonus, an unknown record and a non-party", async () => {
      const { epr, device, provider, outsider, verifier, first } = await loadFixture(deployWithRecord);
      const p = pointer(1);
      await addPointer(epr, provider, p, 1n);
      await time.increase(BONUS_REFUND_DELAY);
      await expect(epr.connect(provider).refundBonus(0))
        .to.be.revertedWithCustomError(epr, "RelationshipNoBonus")
        .withArgs(0n);
      await expect(epr.connect(provider).refundBonus(2))
        .to.be.revertedWithCustomError(epr, "RelationshipUnknownRecord")
        .withArgs(2n, 2n);
      await expect(epr.connect(outsider).refundBonus(1))
        .to.be.revertedWithCustomError(epr, "RelationshipNotParty")
        .withArgs(outsider.address, device.address, provider.address);
      await attestAs(epr, verifier, 1, p.objectDigest);
      await expect(epr.connect(provider).refundBonus(1))
        .to.be.revertedWithCustomError(epr, "RelationshipAlreadyAttested")
        .withArgs(1n, verifier.address);
      await attestAs(epr, verifier, 0, first.objectDigest);
      await expect(epr.connect(provider).refundBonus(0))
        .to.be.revertedWithCustomError(epr, "RelationshipAlreadyAttested")
        .withArgs(0n, verifier.address);
    });
  });

  describe("authorize", () => {
    it("lets the device share a record with a registered third party's identity, which learns of the relationship", async () => {
      const { epr, factory, device, thirdParty, deviceSummary, providerSummary, thirdPartySummary } =
        await loadFixture(deployWithRecord);
      const rel = await epr.getAddress();
      const identity = await thirdPartySummary.getAddress();
      await expect(epr.connect(device).authorize(0, thirdParty.address))
        .to.emit(epr, "ReaderAuthorized")
        .withArgs(0n, thirdParty.address, identity)
        .and.to.emit(factory, "SummaryLinked")
        .withArgs(rel, thirdParty.address, identity)
        .and.to.emit(thirdPartySummary, "RelationshipAdded")
        .withArgs(rel)
        .and.to.emit(thirdPartySummary, "Notification")
        .withArgs(rel, Topic.ReaderAuthorized, 0n, device.address)
        .and.to.emit(deviceSummary, "Notification")
        .withArgs(rel, Topic.ReaderAuthorized, 0n, device.address)
        .and.to.emit(providerSummary, "Notification")
        .withArgs(rel, Topic.ReaderAuthorized, 0n, device.address);
      expect(await epr.readersOf(0)).to.deep.equal([thirdParty.address]);
      expect(await epr.readerSummariesOf(0)).to.deep.equal([identity]);
      expect(await epr.isAuthorized(0, thirdParty.address)).to.equal(true);
      expect(await epr.isAuthorized(0, identity)).to.equal(true);
      expect(await epr.canRead(0, thirdParty.address)).to.equal(true);
      expect(await thirdPartySummary.relationships(0, 10)).to.deep.equal([rel]);
      expect(await thirdPartySummary.statusOf(rel)).to.equal(Status.AwaitingUpdate);
    });

    it("links the reader's Summary only once, however many records are shared", async () => {
      const { epr, factory, provider, device, thirdParty, thirdPartySummary } = await loadFixture(deployWithRecord);
      await addPointer(epr, provider, pointer(1));
      await epr.connect(device).authorize(0, thirdParty.address);
      await expect(epr.connect(device).authorize(1, thirdParty.address))
        .to.emit(epr, "ReaderAuthorized")
        .withArgs(1n, thirdParty.address, await thirdPartySummary.getAddress())
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
        .to.be.revertedWithCustomError(epr, "RelationshipNotDevice")
        .withArgs(provider.address, device.address);
      expect(await epr.readersOf(0)).to.deep.equal([]);
    });

    it("reverts for an unknown record", async () => {
      const { epr, device, thirdParty } = await loadFixture(deployWithRecord);
      await expect(epr.connect(device).authorize(5, thirdParty.address))
        .to.be.revertedWithCustomError(epr, "RelationshipUnknownRecord")
        .withArgs(5n, 1n);
    });

    it("reverts for an unregistered reader or the zero address", async () => {
      const { epr, device, outsider } = await loadFixture(deployWithRecord);
      for (const reader of [outsider.address, ethers.ZeroAddress]) {
        await expect(epr.connect(device).authorize(0, reader))
          .to.be.revertedWithCustomError(epr, "RelationshipReaderNotRegistered")
          .withArgs(reader);
      }
      expect(await epr.readersOf(0)).to.deep.equal([]);
    });

    it("reverts for the device or the provider, who always read", async () => {
      const { epr, device, provider } = await loadFixture(deployWithRecord);
      for (const reader of [device, provider]) {
        await expect(epr.connect(device).authorize(0, reader.address))
          .to.be.revertedWithCustomError(epr, "RelationshipReaderIsParty")
          .withArgs(reader.address);
      }
      expect(await epr.readersOf(0)).to.deep.equal([]);
    });

    it("reverts for a reader authorized already", async () => {
      const { epr, device, thirdParty } = await loadFixture(deployWithRecord);
      await epr.connect(device).authorize(0, thirdParty.address);
      await expect(epr.connect(device).authorize(0, thirdParty.address))
        .to.be.revertedWithCustomError(epr, "RelationshipAlreadyAuthorized")
        .withArgs(0n, thirdParty.address);
      expect(await epr.readersOf(0)).to.deep.equal([thirdParty.address]);
    });

    it("reverts on a relationship a party rejected or deleted", async () => {
      const { epr, device, provider, thirdParty, providerSummary } = await loadFixture(deployWithRecord);
      await providerSummary.connect(provider).rejectRelationship(epr);
      await expect(epr.connect(device).authorize(0, thirdParty.address))
        .to.be.revertedWithCustomError(epr, "RelationshipClosed")
        .withArgs(await providerSummary.getAddress(), Status.Rejected);
    });
  });

  describe("revoke", () => {
    it("withdraws the identity's right to read and notifies the device, the provider and the reader", async () => {
      const { epr, device, thirdParty, deviceSummary, providerSummary, thirdPartySummary } =
        await loadFixture(deployWithRecord);
      await epr.connect(device).authorize(0, thirdParty.address);
      const rel = await epr.getAddress();
      await expect(epr.connect(device).revoke(0, thirdParty.address))
        .to.emit(epr, "ReaderRevoked")
        .withArgs(0n, thirdParty.address, await thirdPartySummary.getAddress())
        .and.to.emit(deviceSummary, "Notification")
        .withArgs(rel, Topic.ReaderRevoked, 0n, device.address)
        .and.to.emit(providerSummary, "Notification")
        .withArgs(rel, Topic.ReaderRevoked, 0n, device.address)
        .and.to.emit(thirdPartySummary, "Notification")
        .withArgs(rel, Topic.ReaderRevoked, 0n, device.address);
      expect(await epr.readersOf(0)).to.deep.equal([]);
      expect(await epr.isAuthorized(0, thirdParty.address)).to.equal(false);
      expect(await epr.canRead(0, thirdParty.address)).to.equal(false);
      expect(await thirdPartySummary.statusOf(rel)).to.equal(Status.AwaitingUpdate);
    });

    it("revokes an identity by its new account, or by its Summary when the device knows only the old account", async () => {
      const { epr, register, device, thirdParty, outsider, thirdPartySummary, provider } =
        await loadFixture(deployWithRecord);
      const identity = await thirdPartySummary.getAddress();
      await addPointer(epr, provider, pointer(1));
      await epr.connect(device).authorize(0, thirdParty.address);
      await epr.connect(device).authorize(1, thirdParty.address);
      await register.connect(thirdParty).changeAccount(THIRD_PARTY_ID, outsider.address);
      expect(await epr.readersOf(0)).to.deep.equal([outsider.address]);
      // The old account holds no identity: it names nobody authorized.
      await expect(epr.connect(device).revoke(0, thirdParty.address))
        .to.be.revertedWithCustomError(epr, "RelationshipNotAuthorized")
        .withArgs(0n, thirdParty.address);
      await expect(epr.connect(device).revoke(0, outsider.address))
        .to.emit(epr, "ReaderRevoked")
        .withArgs(0n, outsider.address, identity)
        .and.to.emit(thirdPartySummary, "Notification");
      await expect(epr.connect(device).revoke(1, identity))
        .to.emit(epr, "ReaderRevoked")
        .withArgs(1n, identity, identity);
      expect(await epr.canRead(1, outsider.address)).to.equal(false);
    });

    it("still works on a relationship the device rejected: a device can always withdraw access", async () => {
      const { epr, device, thirdParty, deviceSummary } = await loadFixture(deployWithRecord);
      await epr.connect(device).authorize(0, thirdParty.address);
      await deviceSummary.connect(device).deleteRelationship(epr);
      await expect(epr.connect(device).revoke(0, thirdParty.address)).to.emit(epr, "ReaderRevoked");
      expect(await epr.isAuthorized(0, thirdParty.address)).to.equal(false);
    });

    it("reverts for a caller other than the device", async () => {
      const { epr, device, thirdParty } = await loadFixture(deployWithRecord);
      await epr.connect(device).authorize(0, thirdParty.address);
      await expect(epr.connect(thirdParty).revoke(0, thirdParty.address))
        .to.be.revertedWithCustomError(epr, "RelationshipNotDevice")
        .withArgs(thirdParty.address, device.address);
      expect(await epr.canRead(0, thirdParty.address)).to.equal(true);
    });

    it("reverts for an unknown record and for a reader not authorized", async () => {
      const { epr, device, thirdParty } = await loadFixture(deployWithRecord);
      await expect(epr.connect(device).revoke(3, thirdParty.address))
        .to.be.revertedWithCustomError(epr, "RelationshipUnknownRecord")
        .withArgs(3n, 1n);
      await expect(epr.connect(device).revoke(0, thirdParty.address))
        .to.be.revertedWithCustomError(epr, "RelationshipNotAuthorized")
        .withArgs(0n, thirdParty.address);
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
      await addPointer(epr, provider, pointer(1));
      await epr.connect(device).authorize(0, thirdParty.address);
      expect(await epr.canRead(0, thirdParty.address)).to.equal(true);
      expect(await epr.canRead(1, thirdParty.address)).to.equal(false);
    });

    it("follows a reader's identity to its new account; the old account, registered again, reads nothing", async () => {
      const { epr, register, device, thirdParty, outsider } = await loadFixture(deployWithRecord);
      await epr.connect(device).authorize(0, thirdParty.address);
      await register.connect(thirdParty).changeAccount(THIRD_PARTY_ID, outsider.address);
      expect(await epr.isAuthorized(0, thirdParty.address)).to.equal(false);
      expect(await epr.canRead(0, thirdParty.address)).to.equal(false);
      expect(await epr.canRead(0, outsider.address)).to.equal(true);
      await register.connect(thirdParty).register("another-device", thirdParty.address, Kind.Device);
      expect(await epr.canRead(0, thirdParty.address)).to.equal(false);
    });

    it("follows the device's identity to its new account", async () => {
      const { epr, register, device, device2, thirdParty } = await loadFixture(deployWithRecord);
      await register.connect(device).changeAccount(DEVICE_ID, device2.address);
      expect(await epr.canRead(0, device2.address)).to.equal(true);
      expect(await epr.canRead(0, device.address)).to.equal(false);
      await expect(epr.connect(device).authorize(0, thirdParty.address))
        .to.be.revertedWithCustomError(epr, "RelationshipNotDevice")
        .withArgs(device.address, device2.address);
      await epr.connect(device2).authorize(0, thirdParty.address);
      expect(await epr.canRead(0, thirdParty.address)).to.equal(true);
    });

    it("lets only the device read once the device rejected or deleted the relationship", async () => {
      const { epr, device, provider, thirdParty, deviceSummary } = await loadFixture(deployWithRecord);
      await epr.connect(device).authorize(0, thirdParty.address);
      await deviceSummary.connect(device).rejectRelationship(epr);
      expect(await epr.canRead(0, device.address)).to.equal(true);
      expect(await epr.canRead(0, provider.address)).to.equal(false);
      expect(await epr.canRead(0, thirdParty.address)).to.equal(false);
      await deviceSummary.connect(device).acceptRelationship(epr);
      expect(await epr.canRead(0, provider.address)).to.equal(true);
      await deviceSummary.connect(device).deleteRelationship(epr);
      expect(await epr.canRead(0, thirdParty.address)).to.equal(false);
      expect(await epr.canRead(0, provider.address)).to.equal(false);
    });

    it("leaves reads alone when the provider closed the relationship (it only stops records and rewards)", async () => {
      const { epr, device, provider, thirdParty, providerSummary } = await loadFixture(deployWithRecord);
      await epr.connect(device).authorize(0, thirdParty.address);
      await providerSummary.connect(provider).deleteRelationship(epr);
      expect(await epr.canRead(0, provider.address)).to.equal(true);
      expect(await epr.canRead(0, thirdParty.address)).to.equal(true);
    });
  });

  describe("reentrancy through the token", () => {
    it("refuses every state-changing function re-entered from a token callback, changing nothing", async () => {
      const { token, epr, provider, lab, verifier, first } = await loadFixture(deployWithHostileToken);
      const p = pointer(1);
      const permit = { deadline: 0n, v: 0, r: ethers.ZeroHash, s: ethers.ZeroHash };
      const reentries = [
        epr.interface.encodeFunctionData("addRecord", [p.query, p.contentHash, p.uri, p.objectCommitment, 0n]),
        epr.interface.encodeFunctionData("addRecordWithPermit", [
          p.query,
          p.contentHash,
          p.uri,
          p.objectCommitment,
          0n,
          permit,
        ]),
        epr.interface.encodeFunctionData("addRecordWithReaders", [
          p.query,
          p.contentHash,
          p.uri,
          p.objectCommitment,
          0n,
          [],
        ]),
        epr.interface.encodeFunctionData("addRecordWithReadersAndPermit", [
          p.query,
          p.contentHash,
          p.uri,
          p.objectCommitment,
          0n,
          [],
          permit,
        ]),
        epr.interface.encodeFunctionData("attest", [
          0n,
          first.objectDigest,
          await signAttestation(epr, verifier, 0, first.objectDigest),
        ]),
        epr.interface.encodeFunctionData("refundBonus", [0n]),
        epr.interface.encodeFunctionData("authorize", [0n, lab.address]),
        epr.interface.encodeFunctionData("revoke", [0n, lab.address]),
      ];
      for (const data of reentries) {
        await token.armHook(epr, data);
        // Escrowing a bonus is a balance change that fires the hook mid-call.
        await expect(addPointer(epr, provider, p, 1n)).to.be.revertedWithCustomError(
          epr,
          "ReentrancyGuardReentrantCall",
        );
      }
      expect(await epr.recordCount()).to.equal(1n);
      expect(await epr.readersOf(0)).to.deep.equal([lab.address]);
      expect((await epr.record(0)).attestedBy).to.equal(ethers.ZeroAddress);
    });

    it("refuses a re-entry from the token during attest, rolling the attestation back", async () => {
      const { token, epr, device, lab, verifier, first } = await loadFixture(deployWithHostileToken);
      await token.armHook(epr, epr.interface.encodeFunctionData("revoke", [0n, lab.address]));
      // The upload reward's mint fires the hook between the attestation's effects and the notifications.
      await expect(attestAs(epr, verifier, 0, first.objectDigest)).to.be.revertedWithCustomError(
        epr,
        "ReentrancyGuardReentrantCall",
      );
      expect((await epr.record(0)).attestedBy).to.equal(ethers.ZeroAddress);
      expect(await epr.readersOf(0)).to.deep.equal([lab.address]);
      expect(await epr.device()).to.equal(device.address);
    });
  });

  describe("getters of unknown records", () => {
    it("revert with RelationshipUnknownRecord", async () => {
      const { epr, thirdParty } = await loadFixture(deployWithRelationship);
      const getters = [
        () => epr.record(0),
        () => epr.readersOf(0),
        () => epr.readerSummariesOf(0),
        () => epr.objectCommitmentOf(0),
        () => epr.attestationDigest(0, ethers.ZeroHash),
        () => epr.isAuthorized(0, thirdParty.address),
      ];
      for (const call of getters) {
        await expect(call()).to.be.revertedWithCustomError(epr, "RelationshipUnknownRecord").withArgs(0n, 0n);
      }
    });
  });
});
