import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { AssetState, DATA_HASH, Openness, PRICE, TOKEN_ID, deployMarket, listAsset } from "./trade-fixture";

const URI = "ipfs://manifest";
const REASON = ethers.encodeBytes32String("root mismatch");

async function deployRegistered() {
  const f = await deployMarket();
  await f.ownership.setOwner(DATA_HASH, f.owner.address);
  return f;
}

async function deployPending() {
  const f = await deployRegistered();
  await f.asset.connect(f.owner).tokenize(DATA_HASH, URI, PRICE, Openness.Partial, [f.buyer.address]);
  return f;
}

describe("DataAsset", function () {
  describe("deployment", function () {
    it("rejects a zero registry or admin", async () => {
      const [admin] = await ethers.getSigners();
      const factory = await ethers.getContractFactory("DataAsset");
      await expect(factory.deploy(ethers.ZeroAddress, admin.address))
        .to.be.revertedWithCustomError(factory, "AssetInvalidAddress")
        .withArgs(ethers.ZeroAddress);
      await expect(factory.deploy(admin.address, ethers.ZeroAddress))
        .to.be.revertedWithCustomError(factory, "AssetInvalidAddress")
        .withArgs(ethers.ZeroAddress);
    });

    it("is an ERC-721 with AccessControl and exposes its registry", async () => {
      const { asset, ownership } = await loadFixture(deployMarket);
      expect(await asset.supportsInterface("0x80ac58cd")).to.equal(true); // ERC-721
      expect(await asset.supportsInterface("0x7965db0b")).to.equal(true); // IAccessControl
      expect(await asset.ownership()).to.equal(await ownership.getAddress());
      expect(await asset.name()).to.equal("commchain Data Asset");
    });
  });

  describe("tokenize", function () {
    it("mints token uint256(hash) to the registered owner, pending audit", async () => {
      const { asset, owner, buyer } = await loadFixture(deployRegistered);
      const tx = asset.connect(owner).tokenize(DATA_HASH, URI, PRICE, Openness.Partial, [buyer.address]);
      await expect(tx)
        .to.emit(asset, "AssetTokenized")
        .withArgs(TOKEN_ID, owner.address, DATA_HASH, URI, PRICE, Openness.Partial);
      await expect(tx).to.emit(asset, "AssetAllowlistChanged").withArgs(TOKEN_ID, buyer.address, true);
      await expect(tx).to.emit(asset, "Transfer").withArgs(ethers.ZeroAddress, owner.address, TOKEN_ID);
      expect(await asset.ownerOf(TOKEN_ID)).to.equal(owner.address);
      expect(await asset.tokenURI(TOKEN_ID)).to.equal(URI);
      expect(await asset.asset(TOKEN_ID)).to.deep.equal([PRICE, AssetState.PendingAudit, Openness.Partial, URI]);
      expect(await asset.isAllowed(TOKEN_ID, buyer.address)).to.equal(true);
    });

    it("by a non-owner reverts naming the registered owner", async () => {
      const { asset, owner, stranger } = await loadFixture(deployRegistered);
      await expect(asset.connect(stranger).tokenize(DATA_HASH, URI, PRICE, Openness.Complete, []))
        .to.be.revertedWithCustomError(asset, "AssetNotDataOwner")
        .withArgs(DATA_HASH, stranger.address, owner.address);
    });

    it("of an unregistered hash reverts naming the zero owner", async () => {
      const { asset, stranger } = await loadFixture(deployMarket);
      await expect(asset.connect(stranger).tokenize(DATA_HASH, URI, PRICE, Openness.Complete, []))
        .to.be.revertedWithCustomError(asset, "AssetNotDataOwner")
        .withArgs(DATA_HASH, stranger.address, ethers.ZeroAddress);
    });

    it("twice reverts naming the holder", async () => {
      const { asset, owner } = await loadFixture(deployPending);
      await expect(asset.connect(owner).tokenize(DATA_HASH, URI, PRICE, Openness.Complete, []))
        .to.be.revertedWithCustomError(asset, "AssetAlreadyTokenized")
        .withArgs(TOKEN_ID, owner.address);
    });
  });

  describe("audit", function () {
    it("confirmStored lists a pending asset", async () => {
      const { asset, auditor } = await loadFixture(deployPending);
      await expect(asset.connect(auditor).confirmStored(TOKEN_ID))
        .to.emit(asset, "AssetListed")
        .withArgs(TOKEN_ID, auditor.address);
      expect((await asset.asset(TOKEN_ID)).state).to.equal(AssetState.Listed);
    });

    it("rejectStored burns a pending asset so its owner may tokenize again", async () => {
      const { asset, auditor, owner } = await loadFixture(deployPending);
      const tx = asset.connect(auditor).rejectStored(TOKEN_ID, REASON);
      await expect(tx).to.emit(asset, "AssetRejected").withArgs(TOKEN_ID, auditor.address, REASON);
      await expect(tx).to.emit(asset, "Transfer").withArgs(owner.address, ethers.ZeroAddress, TOKEN_ID);
      expect((await asset.asset(TOKEN_ID)).state).to.equal(AssetState.None);
      await expect(asset.ownerOf(TOKEN_ID))
        .to.be.revertedWithCustomError(asset, "ERC721NonexistentToken")
        .withArgs(TOKEN_ID);
      await expect(asset.connect(owner).tokenize(DATA_HASH, URI, 1n, Openness.Complete, [])).to.emit(
        asset,
        "AssetTokenized",
      );
    });

    it("a rejected asset's allowlist does not carry over to its next tokenization", async () => {
      const { asset, auditor, owner, buyer } = await loadFixture(deployPending);
      expect(await asset.isAllowed(TOKEN_ID, buyer.address)).to.equal(true);
      await asset.connect(auditor).rejectStored(TOKEN_ID, REASON);
      await asset.connect(owner).tokenize(DATA_HASH, URI, PRICE, Openness.Partial, []);
      await asset.connect(auditor).confirmStored(TOKEN_ID);
      expect(await asset.isAllowed(TOKEN_ID, buyer.address)).to.equal(false);
      expect(await asset.canBuy(TOKEN_ID, buyer.address)).to.equal(false);
    });

    it("only an auditor confirms or rejects", async () => {
      const { asset, owner } = await loadFixture(deployPending);
      const role = await asset.AUDITOR_ROLE();
      await expect(asset.connect(owner).confirmStored(TOKEN_ID))
        .to.be.revertedWithCustomError(asset, "AccessControlUnauthorizedAccount")
        .withArgs(owner.address, role);
      await expect(asset.connect(owner).rejectStored(TOKEN_ID, REASON))
        .to.be.revertedWithCustomError(asset, "AccessControlUnauthorizedAccount")
        .withArgs(owner.address, role);
    });

    it("only a pending asset is confirmed or rejected", async () => {
      const { asset, auditor } = await loadFixture(deployPending);
      await asset.connect(auditor).confirmStored(TOKEN_ID);
      await expect(asset.connect(auditor).confirmStored(TOKEN_ID))
        .to.be.revertedWithCustomError(asset, "AssetWrongState")
        .withArgs(TOKEN_ID, AssetState.Listed, AssetState.PendingAudit);
      await expect(asset.connect(auditor).rejectStored(TOKEN_ID, REASON))
        .to.be.revertedWithCustomError(asset, "AssetWrongState")
        .withArgs(TOKEN_ID, AssetState.Listed, AssetState.PendingAudit);
      await expect(asset.connect(auditor).confirmStored(1n))
        .to.be.revertedWithCustomError(asset, "AssetWrongState")
        .withArgs(1n, AssetState.None, AssetState.PendingAudit);
    });
  });

  describe("terms", function () {
    it("the holder sets price, openness and allowlist", async () => {
      const { asset, owner, buyer2 } = await loadFixture(deployPending);
      await expect(asset.connect(owner).setTerms(TOKEN_ID, 5n, Openness.None))
        .to.emit(asset, "AssetTermsChanged")
        .withArgs(TOKEN_ID, 5n, Openness.None);
      await expect(asset.connect(owner).setAllowed(TOKEN_ID, [buyer2.address], true))
        .to.emit(asset, "AssetAllowlistChanged")
        .withArgs(TOKEN_ID, buyer2.address, true);
      const a = await asset.asset(TOKEN_ID);
      expect([a.price, a.openness]).to.deep.equal([5n, Openness.None]);
      expect(await asset.isAllowed(TOKEN_ID, buyer2.address)).to.equal(true);
      await asset.connect(owner).setAllowed(TOKEN_ID, [buyer2.address], false);
      expect(await asset.isAllowed(TOKEN_ID, buyer2.address)).to.equal(false);
    });

    it("nobody else does", async () => {
      const { asset, stranger } = await loadFixture(deployPending);
      await expect(asset.connect(stranger).setTerms(TOKEN_ID, 0n, Openness.Complete))
        .to.be.revertedWithCustomError(asset, "AssetNotHolder")
        .withArgs(TOKEN_ID, stranger.address);
      await expect(asset.connect(stranger).setAllowed(TOKEN_ID, [stranger.address], true))
        .to.be.revertedWithCustomError(asset, "AssetNotHolder")
        .withArgs(TOKEN_ID, stranger.address);
    });
  });

  describe("canBuy", function () {
    it("Complete: anyone once listed", async () => {
      const f = await loadFixture(deployMarket);
      await f.ownership.setOwner(DATA_HASH, f.owner.address);
      await f.asset.connect(f.owner).tokenize(DATA_HASH, URI, PRICE, Openness.Complete, []);
      expect(await f.asset.canBuy(TOKEN_ID, f.stranger.address)).to.equal(false); // pending audit
      await f.asset.connect(f.auditor).confirmStored(TOKEN_ID);
      expect(await f.asset.canBuy(TOKEN_ID, f.stranger.address)).to.equal(true);
    });

    it("Partial: only the allowlist", async () => {
      const f = await loadFixture(deployMarket);
      await listAsset(f, { openness: Openness.Partial, allowlist: [f.buyer.address] });
      expect(await f.asset.canBuy(TOKEN_ID, f.buyer.address)).to.equal(true);
      expect(await f.asset.canBuy(TOKEN_ID, f.stranger.address)).to.equal(false);
    });

    it("None: no one, allowlisted or not", async () => {
      const f = await loadFixture(deployMarket);
      await listAsset(f, { openness: Openness.None, allowlist: [f.buyer.address] });
      expect(await f.asset.canBuy(TOKEN_ID, f.buyer.address)).to.equal(false);
      expect(await f.asset.canBuy(TOKEN_ID, f.owner.address)).to.equal(false);
    });

    it("nothing that does not exist", async () => {
      const { asset, stranger } = await loadFixture(deployMarket);
      expect(await asset.canBuy(TOKEN_ID, stranger.address)).to.equal(false);
    });
  });

  describe("canAccess", function () {
    it("the holder always; a stranger not, for a priced asset", async () => {
      const f = await loadFixture(deployPending);
      expect(await f.asset.canAccess(TOKEN_ID, f.owner.address)).to.equal(true);
      expect(await f.asset.canAccess(TOKEN_ID, f.stranger.address)).to.equal(false);
      await f.asset.connect(f.owner).transferFrom(f.owner.address, f.newOwner.address, TOKEN_ID);
      expect(await f.asset.canAccess(TOKEN_ID, f.newOwner.address)).to.equal(true);
      expect(await f.asset.canAccess(TOKEN_ID, f.owner.address)).to.equal(false);
    });

    it("anyone when listed, Complete and at price 0", async () => {
      const f = await loadFixture(deployMarket);
      await f.ownership.setOwner(DATA_HASH, f.owner.address);
      await f.asset.connect(f.owner).tokenize(DATA_HASH, URI, 0n, Openness.Complete, []);
      expect(await f.asset.canAccess(TOKEN_ID, f.stranger.address)).to.equal(false); // pending audit
      await f.asset.connect(f.auditor).confirmStored(TOKEN_ID);
      expect(await f.asset.canAccess(TOKEN_ID, f.stranger.address)).to.equal(true);
      await f.asset.connect(f.owner).setTerms(TOKEN_ID, 1n, Openness.Complete);
      expect(await f.asset.canAccess(TOKEN_ID, f.stranger.address)).to.equal(false);
      await f.asset.connect(f.owner).setTerms(TOKEN_ID, 0n, Openness.Partial);
      expect(await f.asset.canAccess(TOKEN_ID, f.stranger.address)).to.equal(false);
    });

    it("a buyer whose access the trade contract recorded", async () => {
      const f = await loadFixture(deployPending);
      await f.asset.grantRole(await f.asset.TRADE_ROLE(), f.admin.address);
      await expect(f.asset.recordAccess(TOKEN_ID, f.buyer.address))
        .to.emit(f.asset, "AssetAccessRecorded")
        .withArgs(TOKEN_ID, f.buyer.address, f.admin.address);
      expect(await f.asset.canAccess(TOKEN_ID, f.buyer.address)).to.equal(true);
      expect(await f.asset.canAccess(TOKEN_ID, f.buyer2.address)).to.equal(false);
    });

    it("only TRADE_ROLE records access", async () => {
      const f = await loadFixture(deployPending);
      await expect(f.asset.connect(f.buyer).recordAccess(TOKEN_ID, f.buyer.address))
        .to.be.revertedWithCustomError(f.asset, "AccessControlUnauthorizedAccount")
        .withArgs(f.buyer.address, await f.asset.TRADE_ROLE());
    });

    it("no one for an asset that does not exist", async () => {
      const { asset, owner } = await loadFixture(deployMarket);
      expect(await asset.canAccess(TOKEN_ID, owner.address)).to.equal(false);
      expect(await asset.canAccess(TOKEN_ID, ethers.ZeroAddress)).to.equal(false);
      await expect(asset.tokenURI(TOKEN_ID))
        .to.be.revertedWithCustomError(asset, "ERC721NonexistentToken")
        .withArgs(TOKEN_ID);
    });
  });
});
