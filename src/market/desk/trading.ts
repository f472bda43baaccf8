/**
 * Tokenized data and its escrowed trade from the command line (`market:tokenize`, `key`, `buy`,
 * `offer`, `open`, `grant`, `confirm`, `refund`, `claim`, `dispute`, `resolve`; paper §4.4–4.6,
 * design §2–3). Every call is a DataAsset or DataTrade transaction by the account the task names;
 * delivery is by proxy re-encryption through the community's store nodes (`src/market/delivery`).
 *
 * The buyer's receiving key is fresh per trade and kept in the workspace (0600); its secret is
 * revealed only as dispute evidence, which opens that one trade and nothing else.
 */
import { readFile } from "node:fs/promises";
import { keccak256, toBeHex, type HDNodeWallet } from "ethers";
import { writeFileAtomic } from "../../io/atomic-write";
import { defaultThreshold, freshReceivingKey } from "../../offchain/envelopes/pre";
import { TRADE_STATE } from "../../offchain/gateway/proxy";
import { arbitrate, type DisputeEvidence, type Verdict } from "../arbitrate";
import { fetchTradeFragments, grantTrade, receiveTrade, requestCFrag } from "../delivery";
import { MarketInputError } from "../errors";
import { signOffer, type TradeOffer } from "../offer";
import { eventOf, sendMarketTx } from "./send";
import { actingAccount, type MarketSession } from "./session";
import { accountAddress } from "./storage";
import { normalHash, readJsonFile, type AssetManifest } from "./workspace";

/** `IDataAsset.Openness` by name. */
export const OPENNESS = { complete: 0, partial: 1, none: 2 } as const;
export type OpennessName = keyof typeof OPENNESS;
/** `IDataAsset.AssetState` names. */
export const ASSET_STATE = ["None", "PendingAudit", "Listed"] as const;
/** Gas of a refund or claim sent without an estimate (see {@link sendWhenDue}). */
export const WINDOW_CALL_GAS_LIMIT = 200_000n;

/** The openness named `name`; throws naming the option. */
export function opennessOf(name: string): number {
  const value = OPENNESS[name.toLowerCase() as OpennessName];
  if (value === undefined)
    throw new MarketInputError(
      "--openness",
      `${JSON.stringify(name)} is not one of ${Object.keys(OPENNESS).join(", ")}`,
    );
  return value;
}

function tradeId(value: bigint | string | number): bigint {
  try {
    const id = BigInt(value);
    if (id > 0n) return id;
  } catch {
    // fall through to the error
  }
  throw new MarketInputError("--trade", `${String(value)} is not a trade id (1, 2, …)`);
}

function hashOfToken(tokenId: bigint): string {
  return toBeHex(tokenId, 32);
}

/** A trade as read from the chain, with its state's name. */
async function readTrade(session: MarketSession, id: bigint) {
  const { trade } = session.contracts;
  if (id > (await trade.tradeCount()))
    throw new MarketInputError("--trade", `trade ${id} does not exist on ${session.chain.name}`);
  const t = await trade.trade(id);
  // An ethers Result spreads to its indices only: the fields are copied by name.
  return {
    tokenId: t.tokenId,
    price: t.price,
    buyer: t.buyer,
    deliverBy: t.deliverBy,
    confirmBy: t.confirmBy,
    buyerPreKey: t.buyerPreKey,
    evidenceHash: t.evidenceHash,
    state: TRADE_STATE[Number(t.state)],
    hash: hashOfToken(t.tokenId),
  };
}

export interface TokenizeOptions {
  readonly hash: string;
  readonly price: bigint;
  readonly openness: string;
  /** Partial: the accounts (names or addresses) allowed to buy. */
  readonly allow?: readonly string[];
  readonly uri?: string;
}

/** Tokenizes a registered hash as an ERC-721 data asset of the session's account (pending audit). */
export async function tokenizeAsset(session: MarketSession, options: TokenizeOptions) {
  const owner = actingAccount(session);
  const { assets } = session.contracts;
  const hash = normalHash(options.hash);
  const openness = opennessOf(options.openness);
  const allow = (options.allow ?? []).map((a) => accountAddress(session, a, "--allow"));
  if (openness !== OPENNESS.partial && allow.length > 0)
    throw new MarketInputError("--allow", "only a partial asset has an allow list");
  if (openness === OPENNESS.partial && allow.length === 0)
    throw new MarketInputError("--allow", "a partial asset needs at least one account allowed to buy");
  const uri = options.uri ?? `commchain:${session.chain.name}/asset/${hash}`;
  const receipt = await sendMarketTx(`tokenize(${hash})`, assets, () =>
    assets.connect(owner).tokenize(hash, uri, options.price, openness, allow),
  );
  const event = eventOf(receipt, assets, "AssetTokenized");
  return {
    tokenId: (event.tokenId as bigint).toString(),
    hash,
    owner: owner.address,
    openness: options.openness,
    allow,
    txHash: receipt.hash,
  };
}

/** Makes a fresh receiving key for the session's account and keeps it in the workspace (0600). */
export async function newReceivingKey(session: MarketSession): Promise<{ publicKey: string; file: string }> {
  const key = freshReceivingKey();
  const file = await session.workspace.writeKey(key);
  return { publicKey: key.publicKey, file };
}

async function allowTrade(session: MarketSession, buyer: HDNodeWallet, price: bigint): Promise<void> {
  const { token, trade } = session.contracts;
  const spender = await trade.getAddress();
  const allowance = await token.allowance(buyer.address, spender);
  if (allowance >= price) return;
  const balance = await token.balanceOf(buyer.address);
  if (balance < price)
    throw new MarketInputError(
      "--account",
      `${buyer.address} holds ${balance} of the data token; the price is ${price}`,
    );
  await sendMarketTx("the price's allowance to DataTrade", token, () => token.connect(buyer).approve(spender, price));
}

/** Buys a Complete asset at its listed price (at most `maxPrice`): a fresh receiving key, the price escrowed. */
export async function buyAsset(session: MarketSession, options: { hash: string; maxPrice?: bigint }) {
  const buyer = actingAccount(session);
  const { assets, trade } = session.contracts;
  const hash = normalHash(options.hash);
  const asset = await assets.asset(BigInt(hash));
  const maxPrice = options.maxPrice ?? asset.price;
  await allowTrade(session, buyer, asset.price < maxPrice ? asset.price : maxPrice);
  const key = freshReceivingKey();
  const keyFile = await session.workspace.writeKey(key);
  const receipt = await sendMarketTx(`buy(${hash})`, trade, () =>
    trade.connect(buyer).buy(BigInt(hash), maxPrice, key.publicKey),
  );
  const id = eventOf(receipt, trade, "TradeOpened").id as bigint;
  await session.workspace.writeKey({ ...key, tradeId: id.toString() });
  return {
    tradeId: id.toString(),
    hash,
    price: asset.price.toString(),
    buyerPreKey: key.publicKey,
    keyFile,
    txHash: receipt.hash,
  };
}

/** An offer file: the terms (decimal strings) and the owner's signature. */
interface OfferFile {
  chain: string;
  trade: string;
  offer: Record<keyof TradeOffer, string>;
  signature: string;
}

export interface SignOfferOptions {
  readonly hash: string;
  /** The only account that may open it: a name or an address. */
  readonly buyer: string;
  /** The buyer's receiving key (`market:key`). */
  readonly buyerKey: string;
  readonly price: bigint;
  readonly deliveryWindow: bigint;
  readonly confirmWindow: bigint;
  /** Seconds the offer may be opened. */
  readonly ttlSeconds: bigint;
  readonly nonce?: bigint;
  readonly out: string;
}

/** The holder's signed offer of an asset to one buyer, written to `out` for the buyer's `open`. */
export async function signAssetOffer(session: MarketSession, options: SignOfferOptions) {
  const owner = actingAccount(session);
  const hash = normalHash(options.hash);
  if (!/^0x0[23][0-9a-fA-F]{64}$/.test(options.buyerKey))
    throw new MarketInputError(
      "--buyer-key",
      `${options.buyerKey} is not a 33-byte compressed public key (market:key prints one)`,
    );
  const tradeAddress = await session.contracts.trade.getAddress();
  const offer: TradeOffer = {
    tokenId: BigInt(hash),
    buyer: accountAddress(session, options.buyer, "--buyer"),
    price: options.price,
    buyerPreKey: options.buyerKey,
    deliveryWindow: options.deliveryWindow,
    confirmWindow: options.confirmWindow,
    nonce: options.nonce ?? BigInt(Date.now()),
    deadline: (await session.now()) + options.ttlSeconds,
  };
  const signature = await signOffer(owner, tradeAddress, session.chain.chainId, offer);
  const file: OfferFile = {
    chain: session.chain.name,
    trade: tradeAddress,
    offer: Object.fromEntries(Object.entries(offer).map(([k, v]) => [k, String(v)])) as OfferFile["offer"],
    signature,
  };
  await writeFileAtomic(options.out, `${JSON.stringify(file, null, 2)}\n`);
  return { file: options.out, ...file };
}

/** Opens a signed offer as its buyer: the price escrowed, the trade Paid. */
export async function openOffer(session: MarketSession, options: { offerFile: string }) {
  const buyer = actingAccount(session);
  const { trade } = session.contracts;
  const doc = (await readJsonFile(options.offerFile, "--offer")) as Partial<OfferFile>;
  if (doc.chain !== session.chain.name || doc.offer === undefined || typeof doc.signature !== "string")
    throw new MarketInputError(
      "--offer",
      `${options.offerFile} is not an offer of ${session.chain.name} (market:offer writes one)`,
    );
  const o = doc.offer;
  const offer = {
    tokenId: BigInt(o.tokenId),
    buyer: o.buyer,
    price: BigInt(o.price),
    buyerPreKey: o.buyerPreKey,
    deliveryWindow: BigInt(o.deliveryWindow),
    confirmWindow: BigInt(o.confirmWindow),
    nonce: BigInt(o.nonce),
    deadline: BigInt(o.deadline),
  };
  // The receiving key must be here, or the delivery could never be opened.
  const key = await session.workspace.readKey(offer.buyerPreKey);
  await allowTrade(session, buyer, offer.price);
  const receipt = await sendMarketTx("open(offer)", trade, () => trade.connect(buyer).open(offer, doc.signature!));
  const id = eventOf(receipt, trade, "TradeOpened").id as bigint;
  await session.workspace.writeKey({ ...key, tradeId: id.toString() });
  return {
    tradeId: id.toString(),
    hash: hashOfToken(offer.tokenId),
    price: offer.price.toString(),
    txHash: receipt.hash,
  };
}

export interface DeliveryOptions {
  readonly tradeId: bigint | string;
  /** The proxies' gateway URLs, in the owner's order. */
  readonly proxies: readonly string[];
  /** Default ⌊n/2⌋ + 1. */
  readonly threshold?: number;
}

function checkProxies(options: DeliveryOptions): number {
  if (options.proxies.length === 0)
    throw new MarketInputError("--proxies", "name at least one proxy (a store gateway URL)");
  const threshold = options.threshold ?? defaultThreshold(options.proxies.length);
  if (!Number.isInteger(threshold) || threshold < 1 || threshold > options.proxies.length)
    throw new MarketInputError("--threshold", `must be 1 to ${options.proxies.length} (the proxies), got ${threshold}`);
  return threshold;
}

/** The holder grants a Paid trade: t-of-n kfrags for the buyer's key at the proxies, then `grant`. */
export async function grant(session: MarketSession, options: DeliveryOptions) {
  const owner = actingAccount(session);
  const id = tradeId(options.tradeId);
  const threshold = checkProxies(options);
  const t = await readTrade(session, id);
  if (t.state !== "Paid")
    throw new MarketInputError("--trade", `trade ${id} is ${t.state}; only a Paid trade is granted`);
  const granted = await grantTrade({
    owner,
    trade: session.contracts.trade.connect(owner),
    tradeId: id,
    assetHash: t.hash,
    buyerPreKey: t.buyerPreKey,
    proxies: options.proxies,
    threshold,
  });
  return { tradeId: id.toString(), hash: t.hash, proxies: [...options.proxies], ...granted };
}

/** The buyer's side of a granted trade: its key, the asset's manifest and fragments. */
async function buyerSide(session: MarketSession, options: DeliveryOptions & { manifestFile?: string }) {
  const buyer = actingAccount(session);
  const id = tradeId(options.tradeId);
  const threshold = checkProxies(options);
  const t = await readTrade(session, id);
  if (t.buyer !== buyer.address)
    throw new MarketInputError("--account", `${buyer.address} is not the buyer of trade ${id} (${t.buyer} is)`);
  const key = await session.workspace.readKey(t.buyerPreKey);
  const manifest: AssetManifest = await session.workspace.readManifest(t.hash, options.manifestFile);
  return { buyer, id, threshold, t, key, manifest };
}

export interface ConfirmOptions extends DeliveryOptions {
  /** Where the data goes (written atomically). */
  readonly out: string;
  /** The asset's manifest, when not in this workspace. */
  readonly manifestFile?: string;
  /** Read and check the data without confirming on chain. */
  readonly noConfirm?: boolean;
}

/** Reads a granted trade's data through the proxies, checks it against the hash, writes it and confirms. */
export async function confirm(session: MarketSession, options: ConfirmOptions) {
  const { buyer, id, threshold, t, key, manifest } = await buyerSide(session, options);
  if (t.state !== "Granted")
    throw new MarketInputError("--trade", `trade ${id} is ${t.state}; it is read once Granted`);
  const fragments = await fetchTradeFragments(options.proxies, id, manifest, buyer);
  const received = await receiveTrade({
    buyer,
    tradeId: id,
    receivingSecretKey: key.secretKey,
    manifest,
    fragments,
    dataHash: t.hash,
    proxies: options.proxies,
    threshold,
    trade: options.noConfirm === true ? undefined : session.contracts.trade.connect(buyer),
  });
  await writeFileAtomic(options.out, received.data, { mode: 0o600 });
  return {
    tradeId: id.toString(),
    hash: t.hash,
    bytes: received.data.length,
    out: options.out,
    confirmed: options.noConfirm !== true,
    refused: received.refused.map((r) => ({ proxy: r.proxy, error: r.error.message })),
  };
}

/**
 * A window call: `refund` by the buyer of a Paid trade after `deliverBy`, `claim` by the holder of
 * a Granted one after `confirmBy`. The chain dates a new block by the wall clock, but a gas
 * estimate runs at the latest block's time, which may be long past on a quiet chain: once the
 * wall clock is past the window the call goes without an estimate.
 */
async function windowCall(session: MarketSession, options: { tradeId: bigint | string }, call: "refund" | "claim") {
  const account = actingAccount(session);
  const id = tradeId(options.tradeId);
  const t = await readTrade(session, id);
  const [state, at] = call === "refund" ? (["Paid", t.deliverBy] as const) : (["Granted", t.confirmBy] as const);
  if (t.state !== state)
    throw new MarketInputError("--trade", `trade ${id} is ${t.state}; only a ${state} trade takes ${call}`);
  const due = BigInt(Math.floor(Date.now() / 1000)) >= at;
  const overrides = due ? { gasLimit: WINDOW_CALL_GAS_LIMIT } : {};
  const trade = session.contracts.trade.connect(account);
  const receipt = await sendMarketTx(`${call}(${id})`, trade, () => trade[call](id, overrides));
  return { tradeId: id.toString(), amount: t.price.toString(), txHash: receipt.hash };
}

/** The buyer takes the escrow back from a trade not granted by `deliverBy`. */
export async function refund(session: MarketSession, options: { tradeId: bigint | string }) {
  return windowCall(session, options, "refund");
}

/** The holder takes the escrow of a granted trade the buyer neither confirmed nor disputed by `confirmBy`. */
export async function claim(session: MarketSession, options: { tradeId: bigint | string }) {
  return windowCall(session, options, "claim");
}

/** Evidence as the file keeps it: the fragments in base64. */
type EvidenceFile = Omit<DisputeEvidence, "fragments"> & { tradeId: string; fragments: string[] };

/**
 * The buyer disputes a granted trade: it gathers the cfrags and the fragments, reveals the
 * trade's receiving key, writes the evidence file and commits its keccak-256 on chain, so the
 * arbiter can check that the file it reads is the one disputed with.
 */
export async function dispute(
  session: MarketSession,
  options: DeliveryOptions & { manifestFile?: string; out?: string },
) {
  const { buyer, id, threshold, t, key, manifest } = await buyerSide(session, options);
  if (t.state !== "Granted")
    throw new MarketInputError("--trade", `trade ${id} is ${t.state}; only a Granted trade is disputed`);
  const fragments = await fetchTradeFragments(options.proxies, id, manifest, buyer);
  const cfrags: string[] = [];
  for (const proxy of options.proxies) {
    if (cfrags.length >= threshold) break;
    try {
      cfrags.push(await requestCFrag(proxy, id, manifest.keyWrap.capsule, buyer));
    } catch {
      // a proxy that refuses is left out: the others may be enough
    }
  }
  const evidence: EvidenceFile = {
    tradeId: id.toString(),
    receivingSecretKey: key.secretKey,
    buyerPreKey: t.buyerPreKey,
    cfrags,
    threshold,
    manifest,
    fragments: fragments.map((f) => Buffer.from(f).toString("base64")),
    dataHash: t.hash,
  };
  const text = `${JSON.stringify(evidence, null, 2)}\n`;
  const file = options.out ?? session.workspace.evidenceFile(id);
  await writeFileAtomic(file, text, { mode: 0o600 });
  const evidenceHash = keccak256(Buffer.from(text));
  const receipt = await sendMarketTx(`dispute(${id})`, session.contracts.trade, () =>
    session.contracts.trade.connect(buyer).dispute(id, evidenceHash),
  );
  return { tradeId: id.toString(), evidenceFile: file, evidenceHash, cfrags: cfrags.length, txHash: receipt.hash };
}

/**
 * The arbiter resolves a disputed trade: the evidence file must be the one committed on chain;
 * {@link arbitrate} reads it and answers the buyer's share, unless `buyerBps` is given.
 */
export async function resolve(
  session: MarketSession,
  options: { tradeId: bigint | string; evidenceFile: string; buyerBps?: number },
) {
  const arbiter = actingAccount(session);
  const id = tradeId(options.tradeId);
  const t = await readTrade(session, id);
  if (t.state !== "Disputed")
    throw new MarketInputError("--trade", `trade ${id} is ${t.state}; only a Disputed trade is resolved`);
  let text: Buffer;
  try {
    text = await readFile(options.evidenceFile);
  } catch (error) {
    throw new MarketInputError("--evidence", `${options.evidenceFile}: ${(error as Error).message}`);
  }
  if (keccak256(text) !== t.evidenceHash)
    throw new MarketInputError(
      "--evidence",
      `${options.evidenceFile} hashes to ${keccak256(text)}, trade ${id} was disputed with ${t.evidenceHash}`,
    );
  const doc = JSON.parse(text.toString("utf8")) as EvidenceFile;
  const verdict: Verdict = arbitrate({
    ...doc,
    fragments: doc.fragments.map((f) => new Uint8Array(Buffer.from(f, "base64"))),
  });
  const buyerBps = options.buyerBps ?? verdict.buyerBps;
  const receipt = await sendMarketTx(`resolve(${id}, ${buyerBps})`, session.contracts.trade, () =>
    session.contracts.trade.connect(arbiter).resolve(id, buyerBps),
  );
  const event = eventOf(receipt, session.contracts.trade, "TradeResolved");
  return {
    tradeId: id.toString(),
    buyerBps,
    verdict: `${verdict.claimHolds ? "claim holds" : "claim unfounded"}: ${verdict.reason}`,
    toBuyer: (event.toBuyer as bigint).toString(),
    toOwner: (event.toOwner as bigint).toString(),
    txHash: receipt.hash,
  };
}
