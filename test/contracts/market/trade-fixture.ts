import { ethers } from "hardhat";
import { signOffer as signTradeOffer, type TradeOffer } from "../../../src/market/offer";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { DataAsset, DataOwnershipMock, DataToken, DataTrade, StorageLedger } from "../../../typechain-types";
import type { IDataTrade } from "../../../typechain-types/contracts/market/DataTrade";

/** `IDataAsset.AssetState` and `IDataAsset.Openness`, by name. */
export const AssetState = { None: 0n, PendingAudit: 1n, Listed: 2n } as const;
export const Openness = { Complete: 0n, Partial: 1n, None: 2n } as const;
/** `IDataTrade.TradeState`, by name. */
export const TradeState = {
  None: 0n,
  Paid: 1n,
  Granted: 2n,
  Completed: 3n,
  Refunded: 4n,
  Disputed: 5n,
  Resolved: 6n,
} as const;

export const PRICE = ethers.parseEther("30");
/** What each buyer holds after {deployMarket}. */
export const FUNDS = ethers.parseEther("1000");
export const DELIVERY_WINDOW = 3_600n;
export const CONFIRM_WINDOW = 7_200n;
export const DAY = 86_400n;
/** A 33-byte compressed public key (its bytes need not be a point: the contract checks only the length). */
export const PRE_KEY = "0x02" + "ab".repeat(32);
export const DATA_HASH = ethers.keccak256(ethers.toUtf8Bytes("fragments root of the asset"));
export const TOKEN_ID = BigInt(DATA_HASH);
export const POLICY = ethers.keccak256(ethers.toUtf8Bytes("policy"));
export const EVIDENCE = ethers.keccak256(ethers.toUtf8Bytes("evidence"));

/**
 * DataToken, an ownership mock, DataAsset, DataTrade and StorageLedger; the trade contract holds
 * TRADE_ROLE, `auditor` AUDITOR_ROLE and `arbiter` ARBITER_ROLE. `buyer`, `buyer2` and `owner`
 * hold {FUNDS} and approved DataTrade and the StorageLedger for all of it.
 */
export async function deployMarket() {
  const [admin, minter, owner, buyer, buyer2, auditor, arbiter, stranger, provider, newOwner] =
    await ethers.getSigners();
  const token: DataToken = await ethers.deployContract("DataToken", [admin.address]);
  await token.grantRole(await token.MINTER_ROLE(), minter.address);
  const ownership: DataOwnershipMock = await ethers.deployContract("DataOwnershipMock");
  const asset: DataAsset = await ethers.deployContract("DataAsset", [await ownership.getAddress(), admin.address]);
  const trade: DataTrade = await ethers.deployContract("DataTrade", [
    await token.getAddress(),
    await asset.getAddress(),
    admin.address,
  ]);
  const ledger: StorageLedger = await ethers.deployContract("StorageLedger", [await token.getAddress()]);
  await asset.grantRole(await asset.TRADE_ROLE(), await trade.getAddress());
  await asset.grantRole(await asset.AUDITOR_ROLE(), auditor.address);
  await trade.grantRole(await trade.ARBITER_ROLE(), arbiter.address);
  for (const s of [owner, buyer, buyer2]) {
    await token.connect(minter).mint(s.address, FUNDS);
    await token.connect(s).approve(await trade.getAddress(), ethers.MaxUint256);
    await token.connect(s).approve(await ledger.getAddress(), ethers.MaxUint256);
  }
  return {
    token,
    ownership,
    asset,
    trade,
    ledger,
    admin,
    minter,
    owner,
    buyer,
    buyer2,
    auditor,
    arbiter,
    stranger,
    provider,
    newOwner,
  };
}

export type MarketFixture = Awaited<ReturnType<typeof deployMarket>>;

/** Register `hash` to `owner`, tokenize it and have the auditor list it. */
export async function listAsset(
  f: MarketFixture,
  opts: { hash?: string; price?: bigint; openness?: bigint; allowlist?: string[]; owner?: HardhatEthersSigner } = {},
): Promise<bigint> {
  const hash = opts.hash ?? DATA_HASH;
  const owner = opts.owner ?? f.owner;
  await f.ownership.setOwner(hash, owner.address);
  await f.asset
    .connect(owner)
    .tokenize(hash, "ipfs://manifest", opts.price ?? PRICE, opts.openness ?? Openness.Partial, opts.allowlist ?? []);
  await f.asset.connect(f.auditor).confirmStored(BigInt(hash));
  return BigInt(hash);
}

/** {deployMarket} with {DATA_HASH} listed Partial at {PRICE}, `buyer` allowlisted. */
export async function deployListed() {
  const f = await deployMarket();
  await listAsset(f, { allowlist: [f.buyer.address] });
  return f;
}

/** {deployMarket} with {DATA_HASH} listed Complete at {PRICE}. */
export async function deployComplete() {
  const f = await deployMarket();
  await listAsset(f, { openness: Openness.Complete });
  return f;
}

export type Offer = IDataTrade.OfferStruct;

/** An offer of {TOKEN_ID} to `buyer` at {PRICE}, valid for a day from `now`, with `changes` applied. */
export function offer(buyer: string, now: bigint, changes: Partial<Record<keyof Offer, unknown>> = {}): Offer {
  return {
    tokenId: TOKEN_ID,
    buyer,
    price: PRICE,
    buyerPreKey: PRE_KEY,
    deliveryWindow: DELIVERY_WINDOW,
    confirmWindow: CONFIRM_WINDOW,
    nonce: 1n,
    deadline: now + DAY,
    ...changes,
  } as Offer;
}

/** `signer`'s EIP-712 signature of `o` for `trade` (the library's `signOffer`, as owners sign). */
export async function signOffer(trade: DataTrade, signer: HardhatEthersSigner, o: Offer): Promise<string> {
  const { chainId } = await ethers.provider.getNetwork();
  return signTradeOffer(signer, await trade.getAddress(), chainId, o as unknown as TradeOffer);
}

/** Open a trade of {TOKEN_ID} for `buyer` on an offer signed by `f.owner`; returns its id. */
export async function openTrade(
  f: MarketFixture,
  buyer: HardhatEthersSigner = f.buyer,
  changes: Partial<Record<keyof Offer, unknown>> = {},
): Promise<bigint> {
  const now = BigInt((await ethers.provider.getBlock("latest"))!.timestamp);
  const o = offer(buyer.address, now, changes);
  await f.trade.connect(buyer).open(o, await signOffer(f.trade, f.owner, o));
  return f.trade.tradeCount();
}
