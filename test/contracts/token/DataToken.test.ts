import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { PERMIT_TYPES } from "../../../src/iot/funding";

async function deployDataToken() {
  const [admin, minter, alice, bob] = await ethers.getSigners();
  const token = await ethers.deployContract("DataToken", [admin.address]);
  await token.grantRole(await token.MINTER_ROLE(), minter.address);
  return { token, admin, minter, alice, bob };
}

describe("DataToken", () => {
  describe("metadata", () => {
    it("is named and gives the admin the admin role only", async () => {
      const { token, admin } = await loadFixture(deployDataToken);
      expect(await token.name()).to.equal("commchain Data Token");
      expect(await token.symbol()).to.equal("CDT");
      expect(await token.decimals()).to.equal(18n);
      expect(await token.hasRole(await token.DEFAULT_ADMIN_ROLE(), admin.address)).to.equal(true);
      expect(await token.hasRole(await token.MINTER_ROLE(), admin.address)).to.equal(false);
      expect(await token.totalSupply()).to.equal(0n);
    });
  });

  describe("mint", () => {
    it("credits the receiver and emits Transfer and RewardMinted", async () => {
      const { token, minter, alice } = await loadFixture(deployDataToken);
      await expect(token.connect(minter).mint(alice.address, 500n))
        .to.emit(token, "Transfer")
        .withArgs(ethers.ZeroAddress, alice.address, 500n)
        .and.to.emit(token, "RewardMinted")
        .withArgs(minter.address, alice.address, 500n);
      expect(await token.balanceOf(alice.address)).to.equal(500n);
      expect(await token.totalSupply()).to.equal(500n);
    });

    it("reverts for a caller without MINTER_ROLE", async () => {
      const { token, alice } = await loadFixture(deployDataToken);
      await expect(token.connect(alice).mint(alice.address, 1n))
        .to.be.revertedWithCustomError(token, "AccessControlUnauthorizedAccount")
        .withArgs(alice.address, await token.MINTER_ROLE());
      expect(await token.totalSupply()).to.equal(0n);
    });

    it("reverts for a zero amount", async () => {
      const { token, minter, alice } = await loadFixture(deployDataToken);
      await expect(token.connect(minter).mint(alice.address, 0n))
        .to.be.revertedWithCustomError(token, "DataTokenZeroAmount")
        .withArgs(alice.address);
    });

    it("reverts for the zero address", async () => {
      const { token, minter } = await loadFixture(deployDataToken);
      await expect(token.connect(minter).mint(ethers.ZeroAddress, 1n))
        .to.be.revertedWithCustomError(token, "ERC20InvalidReceiver")
        .withArgs(ethers.ZeroAddress);
    });

    it("stops once the admin revokes the role", async () => {
      const { token, admin, minter, alice } = await loadFixture(deployDataToken);
      await token.connect(admin).revokeRole(await token.MINTER_ROLE(), minter.address);
      await expect(token.connect(minter).mint(alice.address, 1n)).to.be.revertedWithCustomError(
        token,
        "AccessControlUnauthorizedAccount",
      );
    });
  });

  describe("permit", () => {
    it("sets an allowance from an EIP-712 signature so the spender can pull without approve", async () => {
      const { token, minter, alice, bob } = await loadFixture(deployDataToken);
      await token.connect(minter).mint(alice.address, 100n);
      const deadline = (await time.latest()) + 3600;
      const { chainId } = await ethers.provider.getNetwork();
      const signature = await alice.signTypedData(
        { name: await token.name(), version: "1", chainId, verifyingContract: await token.getAddress() },
        { Permit: [...PERMIT_TYPES.Permit] },
        { owner: alice.address, spender: bob.address, value: 40n, nonce: 0n, deadline },
      );
      const { v, r, s } = ethers.Signature.from(signature);
      await expect(token.connect(bob).permit(alice.address, bob.address, 40n, deadline, v, r, s))
        .to.emit(token, "Approval")
        .withArgs(alice.address, bob.address, 40n);
      await token.connect(bob).transferFrom(alice.address, bob.address, 40n);
      expect(await token.balanceOf(bob.address)).to.equal(40n);
      expect(await token.nonces(alice.address)).to.equal(1n);
    });

    it("rejects a signature by someone other than the owner", async () => {
      const { token, alice, bob } = await loadFixture(deployDataToken);
      const deadline = (await time.latest()) + 3600;
      const { chainId } = await ethers.provider.getNetwork();
      const signature = await bob.signTypedData(
        { name: await token.name(), version: "1", chainId, verifyingContract: await token.getAddress() },
        { Permit: [...PERMIT_TYPES.Permit] },
        { owner: alice.address, spender: bob.address, value: 40n, nonce: 0n, deadline },
      );
      const { v, r, s } = ethers.Signature.from(signature);
      await expect(token.permit(alice.address, bob.address, 40n, deadline, v, r, s))
        .to.be.revertedWithCustomError(token, "ERC2612InvalidSigner")
        .withArgs(bob.address, alice.address);
    });
  });
});
