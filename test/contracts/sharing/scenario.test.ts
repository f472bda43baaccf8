// The data-sharing scenario of BPIIoT VI.B, start to end, on one deployment.
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { Kind, Status, UPLOAD_REWARD, VERIFICATION_REWARD, deploySharing, pointer, summaryAt } from "./fixtures";

describe("Data-sharing scenario (BPIIoT VI.B)", () => {
  it("registers, relates, records, shares with a third party, revokes, and rewards each record once", async () => {
    const { register, factory, token, registrar, device, provider, thirdParty, outsider, verifier, verifier2 } =
      await loadFixture(deploySharing);

    // 1. The community's deployment script registers a device; a provider and a university register themselves.
    await register.connect(registrar).register("packaging-robot-7", device.address, Kind.Device);
    await register.connect(provider).register("acme-maintenance", provider.address, Kind.ServiceProvider);
    await register.connect(thirdParty).register("tu-research-lab", thirdParty.address, Kind.ThirdParty);
    expect(await register.addressOf("packaging-robot-7")).to.equal(device.address);
    expect(await register.idOf(provider.address)).to.equal("acme-maintenance");

    // 2. The device enters a relationship with its maintenance provider; both Summaries list it as New.
    await factory.connect(device).createRelationship(device.address, provider.address);
    const eprAddress = await factory.relationshipOf(device.address, provider.address);
    const epr = await ethers.getContractAt("EquipmentProviderRelationship", eprAddress);
    const deviceSummary = await summaryAt(await register.summaryOf(device.address));
    const providerSummary = await summaryAt(await register.summaryOf(provider.address));
    const labSummary = await summaryAt(await register.summaryOf(thirdParty.address));
    expect(await deviceSummary.statusOf(epr)).to.equal(Status.New);
    expect(await providerSummary.statusOf(epr)).to.equal(Status.New);
    await deviceSummary.connect(device).acceptRelationship(epr);

    // 3. The provider adds a pointer to a subset of the robot's status data; the device earns the upload reward.
    const statusData = pointer(1);
    await epr.connect(provider).addRecord(statusData.query, statusData.contentHash, statusData.uri, 0n);
    expect(await token.balanceOf(device.address)).to.equal(UPLOAD_REWARD);
    expect(await deviceSummary.statusOf(epr)).to.equal(Status.AwaitingUpdate);

    // 4. The device pays the provider for a maintenance service; the provider adds a second record with a bonus.
    const bonus = ethers.parseEther("1.5");
    await token.connect(device).transfer(provider.address, UPLOAD_REWARD);
    await token.connect(provider).approve(epr, bonus);
    const vibration = pointer(2);
    await epr.connect(provider).addRecord(vibration.query, vibration.contentHash, vibration.uri, bonus);
    expect(await token.balanceOf(eprAddress)).to.equal(bonus);

    // 5. The device authorizes the university lab to read record 0; the lab's Summary learns of the relationship.
    await epr.connect(device).authorize(0, thirdParty.address);
    expect(await labSummary.relationships()).to.deep.equal([eprAddress]);
    expect(await epr.canRead(0, thirdParty.address)).to.equal(true);
    expect(await epr.canRead(0, outsider.address)).to.equal(false);
    expect(await epr.canRead(1, thirdParty.address)).to.equal(false);
    expect(await epr.canRead(0, provider.address)).to.equal(true);

    // 6. Verifiers attest both hashes: the verification reward for each, the bonus for record 1; a second try pays nothing.
    await epr.connect(verifier).attest(0, statusData.contentHash);
    await epr.connect(verifier2).attest(1, vibration.contentHash);
    await expect(epr.connect(verifier2).attest(0, statusData.contentHash))
      .to.be.revertedWithCustomError(epr, "RelationshipAlreadyAttested").withArgs(0n, verifier.address);

    // 7. The device revokes the lab; it can no longer read.
    await epr.connect(device).revoke(0, thirdParty.address);
    expect(await epr.canRead(0, thirdParty.address)).to.equal(false);
    expect(await epr.readersOf(0)).to.deep.equal([]);

    // Every reward was paid exactly once, and nothing else was minted. The device earned two upload
    // rewards and paid one for maintenance.
    expect(await token.balanceOf(device.address)).to.equal(UPLOAD_REWARD);
    expect(await token.balanceOf(provider.address)).to.equal(UPLOAD_REWARD - bonus);
    expect(await token.balanceOf(verifier.address)).to.equal(VERIFICATION_REWARD);
    expect(await token.balanceOf(verifier2.address)).to.equal(VERIFICATION_REWARD + bonus);
    expect(await token.balanceOf(thirdParty.address)).to.equal(0n);
    expect(await token.balanceOf(eprAddress)).to.equal(0n);
    expect(await token.totalSupply()).to.equal(2n * UPLOAD_REWARD + 2n * VERIFICATION_REWARD);
  });
});
