/**
 * The market's two halves joined: DataAsset asks the real OwnershipRegistry (through
 * IDataOwnership) who registered a hash, so only the first registrant tokenizes it, and only once
 * a batch has registered it (a hash still in the Low queue has no owner yet).
 */
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { DataAsset } from "../../../typechain-types";
import { dataHash, deployRegistry, register } from "./fixture";
import { Openness } from "./trade-fixture";

async function deployJoined() {
  const f = await deployRegistry();
  const asset: DataAsset = await ethers.deployContract("DataAsset", [await f.registry.getAddress(), f.admin.address]);
  return { ...f, asset };
}

describe("market: DataAsset over OwnershipRegistry", () => {
  it("lets the first registrant tokenize a hash once a batch registered it, and names it to anyone else", async () => {
    const { registry, asset, orderer, alice, bob } = await loadFixture(deployJoined);
    const hash = dataHash("joined");
    await registry.connect(alice).enqueueLow(hash, await time.latest(), 0, 0);
    // Queued, not yet registered: no owner, so nobody tokenizes it.
    await expect(asset.connect(alice).tokenize(hash, "ipfs://manifest", 10n, Openness.Complete, []))
      .to.be.revertedWithCustomError(asset, "AssetNotDataOwner")
      .withArgs(hash, alice.address, ethers.ZeroAddress);
    await register({ registry, orderer }, []);
    expect(await registry.ownerOf(hash)).to.equal(alice.address);
    await expect(asset.connect(bob).tokenize(hash, "ipfs://manifest", 10n, Openness.Complete, []))
      .to.be.revertedWithCustomError(asset, "AssetNotDataOwner")
      .withArgs(hash, bob.address, alice.address);
    await expect(asset.connect(alice).tokenize(hash, "ipfs://manifest", 10n, Openness.Complete, [])).to.emit(
      asset,
      "Transfer",
    );
    expect(await asset.ownerOf(BigInt(hash))).to.equal(alice.address);
  });
});
