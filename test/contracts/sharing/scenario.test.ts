// The data-sharing scenario of BPIIoT VI.B, start to end, on one deployment.
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import {
  Kind,
  Status,
  UPLOAD_REWARD,
  VERIFICATION_REWARD,
  addPointer,
  attestAs,
  deploySharing,
  pointer,
  summaryAt,
} from "./fixtures";

describe("Data-sharing scenario (BPIIoT VI.B)", () => {
  it("registers, relates, accepts, records, shares with a third party, attests, revokes, and rewards each record once", async () => {
    const { register, factory, token, admin, registrar, device, provider, thirdParty, outsider, verifier, verifier2 } =
      await loadFixture(deploySharing);

    // 1. A device registers itself; the registrar vets and registers the provider and the university.
    await register.connect(device).register("packaging-robot-7", device.address, Kind.Device);
    await register.connect(registrar).register("acme-maintenance", provider.address, Kind.ServiceProvider);
    await register.connect(registrar).register("tu-research-lab", thirdParty.address, Kind.ThirdParty);
    expect(await register.addressOf("packaging-robot-7")).to.equal(device.address);
    expect(await register.idOf(provider.address)).to.equal("acme-maintenance");

    // 2. The provider takes the device on; both Summaries list the relationship as New, and both accept it.
    await factory.connect(provider).createRelationship(device.address, provider.address);
    const eprAddress = await factory.relationshipOf(device.address, provider.address);
    const epr = await ethers.getContractAt("EquipmentProviderRelationship", eprAddress);
    const deviceSummary = await summaryAt(await register.summaryOf(device.address));
    const providerSummary = await summaryAt(await register.summaryOf(provider.address));
    const labSummary = await summaryAt(await register.summaryOf(thirdParty.address));
    expect(await deviceSummary.statusOf(epr)).to.equal(Status.New);
    expect(await providerSummary.statusOf(epr)).to.equal(Status.New);
    await deviceSummary.connect(device).acceptRelationship(epr);
    await providerSummary.connect(provider).acceptRelationship(epr);

    // 3. The provider adds a pointer to a subset of the robot's status data: nothing is paid yet.
    const statusData = pointer(1);
    await addPointer(epr, provider, statusData);
    expect(await token.totalSupply()).to.equal(0n);
    expect(await deviceSummary.statusOf(epr)).to.equal(Status.AwaitingUpdate);

    // 4. The provider, funded by the community's minter, adds a second record with a bonus for its verifier.
    const bonus = ethers.parseEther("1.5");
    await token.connect(admin).grantRole(await token.MINTER_ROLE(), admin.address);
    await token.connect(admin).mint(provider.address, bonus);
    await token.connect(provider).approve(epr, bonus);
    const vibration = pointer(2);
    await addPointer(epr, provider, vibration, bonus);
    expect(await token.balanceOf(eprAddress)).to.equal(bonus);

    // 5. The device authorizes the university lab to read record 0; the lab's Summary learns of the relationship.
    await epr.connect(device).authorize(0, thirdParty.address);
    expect(await labSummary.relationships(0, 10)).to.deep.equal([eprAddress]);
    expect(await epr.canRead(0, thirdParty.address)).to.equal(true);
    expect(await epr.canRead(0, outsider.address)).to.equal(false);
    expect(await epr.canRead(1, thirdParty.address)).to.equal(false);
    expect(await epr.canRead(0, provider.address)).to.equal(true);

    // 6. Verifiers that fetched the objects attest both records with their signatures: the device's upload
    //    reward and the verifier's reward for each, the bonus for record 1; a second try pays nothing.
    await attestAs(epr, verifier, 0, statusData.objectDigest);
    await attestAs(epr, verifier2, 1, vibration.objectDigest);
    await expect(attestAs(epr, verifier2, 0, statusData.objectDigest))
      .to.be.revertedWithCustomError(epr, "RelationshipAlreadyAttested")
      .withArgs(0n, verifier.address);

    // 7. The device revokes the lab; it can no longer read.
    await epr.connect(device).revoke(0, thirdParty.address);
    expect(await epr.canRead(0, thirdParty.address)).to.equal(false);
    expect(await epr.readersOf(0)).to.deep.equal([]);

    // Every reward was paid exactly once, and nothing else was minted but the provider's funding.
    expect(await token.balanceOf(device.address)).to.equal(2n * UPLOAD_REWARD);
    expect(await token.balanceOf(provider.address)).to.equal(0n);
    expect(await token.balanceOf(verifier.address)).to.equal(VERIFICATION_REWARD);
    expect(await token.balanceOf(verifier2.address)).to.equal(VERIFICATION_REWARD + bonus);
    expect(await token.balanceOf(thirdParty.address)).to.equal(0n);
    expect(await token.balanceOf(eprAddress)).to.equal(0n);
    expect(await token.totalSupply()).to.equal(2n * UPLOAD_REWARD + 2n * VERIFICATION_REWARD + bonus);
  });
});
