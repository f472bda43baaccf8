/**
 * Storage payment and the provider's audit from the command line (`market:storage:offer`,
 * `market:storage:pay`, `market:audit`; paper §4.3, design §2). The owner pays the provider on
 * StorageLedger for the bytes of its sealed fragments and hours, then puts them through the
 * provider's gateway (`POST /v1/put`, refused 402 beyond the bytes paid); the provider checks
 * that every fragment is in its store and that their root is the registered hash before it
 * lists the asset (`DataAsset.confirmStored`) or rejects it (`rejectStored`).
 */
import { encodeBytes32String, getAddress, isAddress } from "ethers";
import { checkFragment, type FragmentManifest } from "../../offchain/envelopes/fragments";
import { putPaid } from "../../offchain/gateway/put";
import type { ContentStore } from "../../offchain/stores/store";
import { MarketInputError } from "../errors";
import { eventOf, sendMarketTx } from "./send";
import { actingAccount, marketAccount, type MarketSession } from "./session";
import { normalHash } from "./workspace";

/** Sets the session's account's storage offer. */
export async function offerStorage(
  session: MarketSession,
  offer: { pricePerMiBHour: bigint; maxHours: bigint },
): Promise<{ provider: string; pricePerMiBHour: string; maxHours: string; txHash: string }> {
  const provider = actingAccount(session);
  const { ledger } = session.contracts;
  if (offer.pricePerMiBHour <= 0n) throw new MarketInputError("--price", "must be above 0");
  if (offer.maxHours <= 0n) throw new MarketInputError("--max-hours", "must be above 0");
  const receipt = await sendMarketTx("setOffer", ledger, () =>
    ledger.connect(provider).setOffer(offer.pricePerMiBHour, offer.maxHours),
  );
  return {
    provider: provider.address,
    pricePerMiBHour: offer.pricePerMiBHour.toString(),
    maxHours: offer.maxHours.toString(),
    txHash: receipt.hash,
  };
}

/** An account name of the session's chain or a 0x address, as an address. */
export function accountAddress(session: MarketSession, nameOrAddress: string, option: string): string {
  if (isAddress(nameOrAddress)) return getAddress(nameOrAddress);
  try {
    return marketAccount(nameOrAddress, session.topology, session.chain, session.mnemonic).address;
  } catch (error) {
    if (error instanceof MarketInputError) throw new MarketInputError(option, error.problem);
    throw error;
  }
}

/** Bytes of an asset's sealed fragments: what the owner leases. */
export function sealedBytes(manifest: FragmentManifest): number {
  return manifest.fragments.reduce((total, f) => total + f.bytes, 0);
}

export interface PayStorageOptions {
  readonly hash: string;
  /** The storage provider: an account name (`cloud`) or an address. */
  readonly provider: string;
  readonly hours: bigint;
  /** The provider's gateway: the fragments are uploaded after paying. */
  readonly gateway?: string;
}

export interface PayStorageResult {
  readonly leaseId: string;
  readonly bytes: number;
  readonly price: string;
  readonly provider: string;
  readonly uploaded: { index: number; cid: string }[];
  readonly manifestFile: string;
}

/** Leases storage for an asset's fragments and, given the gateway, uploads them. */
export async function payStorage(session: MarketSession, options: PayStorageOptions): Promise<PayStorageResult> {
  const owner = actingAccount(session);
  const { ledger, token } = session.contracts;
  const hash = normalHash(options.hash);
  const manifest = await session.workspace.readManifest(hash);
  const provider = accountAddress(session, options.provider, "--provider");
  const bytes = sealedBytes(manifest);
  const price = await ledger.priceOf(provider, bytes, options.hours);
  const ledgerAddress = await ledger.getAddress();
  await sendMarketTx("the storage price's allowance to StorageLedger", token, () =>
    token.connect(owner).approve(ledgerAddress, price),
  );
  const receipt = await sendMarketTx(`payStorage(${provider}, ${bytes} bytes, ${options.hours} h)`, ledger, async () =>
    ledger.connect(owner).payStorage(provider, bytes, options.hours, price, await session.now()),
  );
  const leaseId = eventOf(receipt, ledger, "StoragePaid").leaseId as bigint;
  const uploaded: { index: number; cid: string }[] = [];
  if (options.gateway !== undefined) {
    const sealed = await session.workspace.readSealed(manifest);
    for (const [index, fragment] of sealed.entries()) {
      const { cid } = await putPaid(options.gateway, fragment, owner);
      manifest.fragments[index].cid = cid;
      uploaded.push({ index, cid });
    }
  }
  const manifestFile = await session.workspace.writeManifest(manifest);
  return {
    leaseId: leaseId.toString(),
    bytes,
    price: price.toString(),
    provider,
    uploaded,
    manifestFile,
  };
}

export interface AuditResult {
  readonly hash: string;
  readonly listed: boolean;
  /** Why the asset was rejected (the first missing or wrong fragment). */
  readonly problem?: string;
  readonly fragments: number;
  readonly txHash: string;
}

/**
 * The provider's audit of an asset pending audit: every fragment of the manifest must be in
 * `store` (the provider's own) and match its leaf, and the leaves' root must be the hash. Lists
 * the asset when they do; with `reject`, rejects it (and burns the token) when they do not.
 */
export async function auditAsset(
  session: MarketSession,
  options: { hash: string; store: ContentStore; manifestFile?: string; reject?: boolean },
): Promise<AuditResult> {
  const auditor = actingAccount(session);
  const { assets } = session.contracts;
  const hash = normalHash(options.hash);
  const manifest = await session.workspace.readManifest(hash, options.manifestFile);
  let problem: string | undefined;
  for (const [index, entry] of manifest.fragments.entries()) {
    if (entry.cid === undefined) {
      problem = `fragment ${index} has no CID (it was never uploaded)`;
      break;
    }
    try {
      const sealed = await options.store.get(entry.cid, { signal: AbortSignal.timeout(10_000) });
      checkFragment(manifest, index, sealed);
    } catch (error) {
      problem = `fragment ${index} (${entry.cid}): ${(error as Error).message}`;
      break;
    }
  }
  if (problem !== undefined && options.reject !== true)
    throw new MarketInputError("audit", `${hash} fails: ${problem}; nothing sent (--reject rejects the asset)`);
  const tokenId = BigInt(hash);
  const receipt =
    problem === undefined
      ? await sendMarketTx(`confirmStored(${hash})`, assets, () => assets.connect(auditor).confirmStored(tokenId))
      : await sendMarketTx(`rejectStored(${hash})`, assets, () =>
          assets.connect(auditor).rejectStored(tokenId, encodeBytes32String("fragments missing")),
        );
  return { hash, listed: problem === undefined, problem, fragments: manifest.fragments.length, txHash: receipt.hash };
}
