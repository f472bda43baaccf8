// Security review H1, "anyone can mint DataToken without limit (reward farming by Sybil
// accounts)", replayed against the contracts: each exploit must leave the total supply where it
// was. The first three use only calls the contracts had before the fix (see sharing-compat.ts),
// so they also run, and fail, against 3b3b9ea. The property that no unprivileged sequence of calls
// mints anything is test/contracts/sharing/rewards.property.test.ts ("No free tokens").
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import type { Signer } from "ethers";
import {
  Kind,
  UPLOAD_REWARD,
  VERIFICATION_REWARD,
  addRecord,
  deploySharingSuite,
  freshAccount,
  legacyAttest,
  pointer,
  succeeds,
} from "./sharing-compat";

/** `verifier`'s EIP-712 attestation of record `recordId` of `epr` (written out: the fixed SDK is not there before the fix). */
async function sign(
  verifier: Signer,
  epr: string,
  recordId: number,
  p: { uri: string; contentHash: string },
  objectDigest: string,
): Promise<string> {
  const { chainId } = await ethers.provider.getNetwork();
  const types = {
    Attestation: [
      { name: "recordId", type: "uint256" },
      { name: "uri", type: "string" },
      { name: "contentHash", type: "bytes32" },
      { name: "objectDigest", type: "bytes32" },
    ],
  };
  return verifier.signTypedData({ name: "commchain EPR", version: "1", chainId, verifyingContract: epr }, types, {
    recordId,
    uri: p.uri,
    contentHash: p.contentHash,
    objectDigest,
  });
}

/** The suite with a registrar-vetted provider, a device, and their relationship accepted by both. */
async function deployWithVettedRelationship() {
  const suite = await deploySharingSuite();
  const { register, registrar, factory, admin } = suite;
  const [device, provider] = [await freshAccount(), await freshAccount()];
  await register.connect(registrar).register("robot-1", device.address, Kind.Device);
  await register.connect(registrar).register("acme-maintenance", provider.address, Kind.ServiceProvider);
  await factory.connect(admin).createRelationship(device.address, provider.address);
  const epr = await factory.relationshipOf(device.address, provider.address);
  for (const party of [device, provider]) {
    await (
      await ethers.getContractAt("Summary", await register.summaryOf(party.address), party)
    ).acceptRelationship(epr);
  }
  return { ...suite, device, provider, epr };
}

describe("security H1: no free tokens", () => {
  it("P1: a device and a provider that registered themselves cannot farm the upload reward", async () => {
    const { token, register, factory } = await loadFixture(deploySharingSuite);
    const [a, b] = [await freshAccount(), await freshAccount()];
    // The review's exploit, step by step: A a device, B a self-declared provider, A pairs them and uploads in a loop.
    await succeeds(() => register.connect(a).register("farm-device", a.address, Kind.Device));
    await succeeds(() => register.connect(b).register("farm-provider", b.address, Kind.ServiceProvider));
    await succeeds(() => factory.connect(a).createRelationship(a.address, b.address));
    const epr = await factory.relationshipOf(a.address, b.address);
    for (let i = 0; i < 3; i++) {
      if (epr !== ethers.ZeroAddress) await succeeds(() => addRecord(epr, a, pointer(i)));
    }
    expect(await token.balanceOf(a.address)).to.equal(0n);
    expect(await token.totalSupply()).to.equal(0n);
  });

  it("P1 is refused at its first step: only the registrar makes an account a provider, only a provider pairs a device with itself", async () => {
    const { register, factory, registrar } = await loadFixture(deploySharingSuite);
    const [a, b] = [await freshAccount(), await freshAccount()];
    await register.connect(a).register("farm-device", a.address, Kind.Device);
    for (const kind of [Kind.ServiceProvider, Kind.ThirdParty]) {
      await expect(register.connect(b).register("farm-provider", b.address, kind))
        .to.be.revertedWithCustomError(register, "RegisterKindNeedsRegistrar")
        .withArgs(b.address, kind);
    }
    // Even with a real provider, the device may not put itself in the provider's Summary.
    await register.connect(registrar).register("real-provider", b.address, Kind.ServiceProvider);
    await expect(factory.connect(a).createRelationship(a.address, b.address))
      .to.be.revertedWithCustomError(factory, "FactoryUnauthorized")
      .withArgs(a.address, a.address, b.address);
  });

  it("uploading pays nothing, even on an accepted relationship with a vetted provider: rewards wait for a verifier", async () => {
    const { token, device, provider, epr } = await loadFixture(deployWithVettedRelationship);
    for (let i = 0; i < 3; i++) await addRecord(epr, i % 2 === 0 ? device : provider, pointer(i));
    expect(await token.balanceOf(device.address)).to.equal(0n);
    expect(await token.totalSupply()).to.equal(0n);
  });

  it("a verifier cannot farm junk records with the hash anyone reads on chain", async () => {
    const { token, verifier, device, epr } = await loadFixture(deployWithVettedRelationship);
    const junk = pointer(7);
    await addRecord(epr, device, junk);
    // The review's call: attest(recordId, contentHash) with the public hash.
    await succeeds(() => legacyAttest(epr, verifier, 0, junk.contentHash));
    expect(await token.totalSupply()).to.equal(0n);
    // Signing the public hash as if it were the object's digest does not open the commitment.
    const relationship = await ethers.getContractAt("EquipmentProviderRelationship", epr);
    const signature = await sign(verifier, epr, 0, junk, junk.contentHash);
    await expect(relationship.connect(verifier).attest(0, junk.contentHash, signature))
      .to.be.revertedWithCustomError(relationship, "RelationshipObjectMismatch")
      .withArgs(0n, junk.objectCommitment, junk.contentHash);
    expect(await token.totalSupply()).to.equal(0n);
  });

  it("pays exactly the two rewards, once, for a record a verifier attests with the digest of the object it fetched", async () => {
    const { token, verifier, device, epr } = await loadFixture(deployWithVettedRelationship);
    const p = pointer(1);
    await addRecord(epr, device, p);
    const relationship = await ethers.getContractAt("EquipmentProviderRelationship", epr);
    const signature = await sign(verifier, epr, 0, p, p.objectDigest);
    await relationship.connect(verifier).attest(0, p.objectDigest, signature);
    expect(await token.balanceOf(device.address)).to.equal(UPLOAD_REWARD);
    expect(await token.balanceOf(verifier.address)).to.equal(VERIFICATION_REWARD);
    await expect(relationship.connect(verifier).attest(0, p.objectDigest, signature))
      .to.be.revertedWithCustomError(relationship, "RelationshipAlreadyAttested")
      .withArgs(0n, verifier.address);
    expect(await token.totalSupply()).to.equal(UPLOAD_REWARD + VERIFICATION_REWARD);
  });
});
