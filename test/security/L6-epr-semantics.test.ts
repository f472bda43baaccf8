// Security review L6, "EPR semantics" (its first three items; RecordLog.verify is another
// finding's): a Rejected or Deleted Summary status changed nothing on chain, anyone could fill a
// victim's Summary with relationships, and an unattested bonus stayed escrowed for good. The first
// cases use only calls that existed before the fix (sharing-compat.ts), so they also run, and
// fail, against 3b3b9ea.
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import {
  BONUS_REFUND_DELAY,
  Kind,
  addRecord,
  deploySharingSuite,
  freshAccount,
  pointer,
  succeeds,
} from "./sharing-compat";

/** An accepted relationship with one record, the provider holding tokens for bonuses. */
async function deployWithRelationship() {
  const suite = await deploySharingSuite();
  const { register, registrar, factory, token, admin } = suite;
  const [device, provider, lab] = [await freshAccount(), await freshAccount(), await freshAccount()];
  await register.connect(registrar).register("robot-1", device.address, Kind.Device);
  await register.connect(registrar).register("acme-maintenance", provider.address, Kind.ServiceProvider);
  await register.connect(registrar).register("tu-lab", lab.address, Kind.ThirdParty);
  await factory.connect(admin).createRelationship(device.address, provider.address);
  const eprAddress = await factory.relationshipOf(device.address, provider.address);
  const summaries = {
    device: await ethers.getContractAt("Summary", await register.summaryOf(device.address), device),
    provider: await ethers.getContractAt("Summary", await register.summaryOf(provider.address), provider),
    lab: await ethers.getContractAt("Summary", await register.summaryOf(lab.address), lab),
  };
  await summaries.device.acceptRelationship(eprAddress);
  await summaries.provider.acceptRelationship(eprAddress);
  await addRecord(eprAddress, provider, pointer(0));
  const epr = await ethers.getContractAt("EquipmentProviderRelationship", eprAddress);
  await epr.connect(device).authorize(0, lab.address);
  await token.grantRole(await token.MINTER_ROLE(), admin.address);
  await token.connect(admin).mint(provider.address, ethers.parseEther("10"));
  await token.connect(provider).approve(eprAddress, ethers.MaxUint256);
  return { ...suite, device, provider, lab, summaries, epr, eprAddress };
}

describe("security L6: EPR semantics", () => {
  for (const decision of ["rejectRelationship", "deleteRelationship"] as const) {
    it(`a device that ${decision === "rejectRelationship" ? "rejected" : "deleted"} the relationship gets no more records, and nobody but it reads`, async () => {
      const { epr, eprAddress, summaries, device, provider, lab } = await loadFixture(deployWithRelationship);
      await summaries.device[decision](eprAddress);
      // The review's exploit: the provider goes on adding records and reading the device's data.
      const added = await succeeds(() => addRecord(eprAddress, provider, pointer(1)));
      expect(added).to.equal(false);
      expect(await epr.recordCount()).to.equal(1n);
      expect(await epr.canRead(0, provider.address)).to.equal(false);
      expect(await epr.canRead(0, lab.address)).to.equal(false);
      expect(await epr.canRead(0, device.address)).to.equal(true);
    });
  }

  it("a relationship the provider rejected takes no records, naming the Summary and its status", async () => {
    const { epr, eprAddress, summaries, device } = await loadFixture(deployWithRelationship);
    await summaries.provider.rejectRelationship(eprAddress);
    const p = pointer(1);
    await expect(epr.connect(device).addRecord(p.query, p.contentHash, p.uri, p.objectCommitment, 0n))
      .to.be.revertedWithCustomError(epr, "RelationshipClosed")
      .withArgs(await summaries.provider.getAddress(), 4);
  });

  it("strangers cannot fill a provider's Summary with relationships", async () => {
    const { register, factory, provider, summaries } = await loadFixture(deployWithRelationship);
    const before = await summaries.provider.relationshipCount();
    // The review's exploit: self-registered devices pair themselves with the victim, one relationship each.
    for (let i = 0; i < 5; i++) {
      const spammer = await freshAccount();
      await succeeds(() => register.connect(spammer).register(`spam-${i}`, spammer.address, Kind.Device));
      await succeeds(() => factory.connect(spammer).createRelationship(spammer.address, provider.address));
    }
    expect(await summaries.provider.relationshipCount()).to.equal(before);
  });

  it("a device links its relationship into a reader's Summary once however often it shares, and the list is read page by page", async () => {
    const { epr, eprAddress, device, summaries, provider } = await loadFixture(deployWithRelationship);
    for (let i = 1; i <= 3; i++) {
      await addRecord(eprAddress, provider, pointer(i));
      await epr.connect(device).authorize(i, await summaries.lab.owner());
    }
    expect(await summaries.lab.relationshipCount()).to.equal(1n);
    expect(await summaries.lab.relationships(0, 10)).to.deep.equal([eprAddress]);
    expect(await summaries.lab.relationships(1, 10)).to.deep.equal([]);
  });

  it("an unattested bonus goes back to the account that escrowed it once the refund delay has passed", async () => {
    const { token, epr, eprAddress, provider } = await loadFixture(deployWithRelationship);
    const bonus = ethers.parseEther("3");
    await addRecord(eprAddress, provider, pointer(1), bonus);
    expect(await token.balanceOf(eprAddress)).to.equal(bonus);
    const addedAt = (await epr.record(1)).addedAt;
    await expect(epr.connect(provider).refundBonus(1))
      .to.be.revertedWithCustomError(epr, "RelationshipBonusLocked")
      .withArgs(1n, addedAt + BONUS_REFUND_DELAY);
    await time.increaseTo(addedAt + BONUS_REFUND_DELAY);
    await expect(epr.connect(provider).refundBonus(1))
      .to.emit(epr, "BonusRefunded")
      .withArgs(1n, provider.address, bonus);
    expect(await token.balanceOf(eprAddress)).to.equal(0n);
    expect(await token.balanceOf(provider.address)).to.equal(ethers.parseEther("10"));
  });
});
