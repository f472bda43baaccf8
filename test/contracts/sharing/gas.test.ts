// Minimal proxies keep a new participant and a new relationship cheap: each costs far less gas
// than deploying its contract in full would. The figures themselves are printed by
// bench/sharing-gas.ts; here only the comparison is asserted.
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { DEVICE_ID, Kind, PROVIDER_ID, deploySharing } from "./fixtures";

/** A clone must cost at most this share of a full deployment of its implementation. */
const MAX_SHARE_OF_FULL_DEPLOYMENT = 0.5;

async function gasOf(tx: Promise<{ wait(): Promise<{ gasUsed: bigint } | null> }>): Promise<bigint> {
  const receipt = await (await tx).wait();
  if (receipt === null) throw new Error("transaction was not mined");
  return receipt.gasUsed;
}

describe("Gas of clones", () => {
  it("registering a participant costs under half a full Summary deployment", async () => {
    const { register, summaryImplementation, registrar, device } = await loadFixture(deploySharing);
    const registration = await gasOf(register.connect(registrar).register(DEVICE_ID, device.address, Kind.Device));
    const fullDeployment = (await summaryImplementation.deploymentTransaction()!.wait())!.gasUsed;
    expect(Number(registration)).to.be.lessThan(Number(fullDeployment) * MAX_SHARE_OF_FULL_DEPLOYMENT);
  });

  it("creating a relationship costs under half a full EPR deployment", async () => {
    const { register, factory, relationshipImplementation, registrar, device, provider } =
      await loadFixture(deploySharing);
    await register.connect(registrar).register(DEVICE_ID, device.address, Kind.Device);
    await register.connect(registrar).register(PROVIDER_ID, provider.address, Kind.ServiceProvider);
    const creation = await gasOf(factory.connect(provider).createRelationship(device.address, provider.address));
    const fullDeployment = (await relationshipImplementation.deploymentTransaction()!.wait())!.gasUsed;
    expect(Number(creation)).to.be.lessThan(Number(fullDeployment) * MAX_SHARE_OF_FULL_DEPLOYMENT);
    expect(await factory.relationshipOf(device.address, provider.address)).to.not.equal(ethers.ZeroAddress);
  });
});
