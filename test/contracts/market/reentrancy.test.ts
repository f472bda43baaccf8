// A hostile token re-entering the market contracts while they move tokens: the ReentrancyGuard
// refuses the inner call, so the outer one reverts whole and nothing is paid twice.
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { DataAsset, DataOwnershipMock, DataTrade, ReentrantToken, StorageLedger } from "../../../typechain-types";
import {
  DATA_HASH,
  DELIVERY_WINDOW,
  Openness,
  POLICY,
  PRICE,
  TOKEN_ID,
  TradeState,
  offer,
  signOffer,
} from "./trade-fixture";

async function deployHostile() {
  const [admin, owner, buyer, provider] = await ethers.getSigners();
  const token: ReentrantToken = await ethers.deployContract("ReentrantToken");
  const ownership: DataOwnershipMock = await ethers.deployContract("DataOwnershipMock");
  const asset: DataAsset = await ethers.deployContract("DataAsset", [await ownership.getAddress(), admin.address]);
  const trade: DataTrade = await ethers.deployContract("DataTrade", [
    await token.getAddress(),
    await asset.getAddress(),
    admin.address,
  ]);
  const ledger: StorageLedger = await ethers.deployContract("StorageLedger", [await token.getAddress()]);
  await asset.grantRole(await asset.TRADE_ROLE(), await trade.getAddress());
  await asset.grantRole(await asset.AUDITOR_ROLE(), admin.address);
  await ownership.setOwner(DATA_HASH, owner.address);
  await asset.connect(owner).tokenize(DATA_HASH, "u", PRICE, Openness.Partial, [buyer.address]);
  await asset.confirmStored(TOKEN_ID);
  await token.mint(buyer.address, PRICE * 10n);
  await token.connect(buyer).approve(await trade.getAddress(), ethers.MaxUint256);
  await token.connect(buyer).approve(await ledger.getAddress(), ethers.MaxUint256);
  const o = offer(buyer.address, BigInt(await time.latest()));
  await trade.connect(buyer).open(o, await signOffer(trade, owner, o));
  return { token, asset, trade, ledger, owner, buyer, provider };
}

describe("market contracts: re-entrancy through the token", function () {
  it("DataTrade.refund cannot be re-entered to refund twice", async () => {
    const { token, trade, buyer } = await loadFixture(deployHostile);
    await time.increase(DELIVERY_WINDOW);
    await token.armHook(await trade.getAddress(), trade.interface.encodeFunctionData("refund", [1n]));
    await expect(trade.connect(buyer).refund(1n)).to.be.revertedWithCustomError(trade, "ReentrancyGuardReentrantCall");
    expect((await trade.trade(1n)).state).to.equal(TradeState.Paid);
    expect(await token.balanceOf(await trade.getAddress())).to.equal(PRICE);
  });

  it("DataTrade.confirmReceipt cannot be re-entered through the payout", async () => {
    const { token, trade, owner, buyer } = await loadFixture(deployHostile);
    await trade.connect(owner).grant(1n, POLICY);
    await token.armHook(await trade.getAddress(), trade.interface.encodeFunctionData("claim", [1n]));
    await expect(trade.connect(buyer).confirmReceipt(1n, DATA_HASH)).to.be.revertedWithCustomError(
      trade,
      "ReentrancyGuardReentrantCall",
    );
    expect((await trade.trade(1n)).state).to.equal(TradeState.Granted);
  });

  it("StorageLedger.payStorage cannot be re-entered", async () => {
    const { token, ledger, buyer, provider } = await loadFixture(deployHostile);
    await ledger.connect(provider).setOffer(1n, 10n);
    const ts = BigInt(await time.latest());
    const again = ledger.interface.encodeFunctionData("payStorage", [provider.address, 1n, 1n, 1n, ts]);
    await token.armHook(await ledger.getAddress(), again);
    await expect(ledger.connect(buyer).payStorage(provider.address, 1n, 1n, 1n, ts)).to.be.revertedWithCustomError(
      ledger,
      "ReentrancyGuardReentrantCall",
    );
    expect(await ledger.leaseCount()).to.equal(0n);
  });
});
