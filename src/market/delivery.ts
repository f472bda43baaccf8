/**
 * Delivery of a traded asset by proxy re-encryption (the paper's §4.6 and Fig. 5; design §3):
 * the owner's {@link grantTrade} makes t-of-n kfrags for the buyer's per-trade receiving key,
 * deposits each, ECIES-sealed, at its store node's proxy (`POST /v1/kfrag`) and then calls
 * `DataTrade.grant`; the buyer's {@link receiveTrade} asks proxies for cfrags
 * (`POST /v1/reencrypt`) until it has t, verifies every one, decrypts the data key, opens the
 * fragments against the on-chain hash and may confirm receipt.
 */
import { getBytes, keccak256, toUtf8Bytes, type ContractTransactionResponse } from "ethers";
import { eciesEncrypt } from "../crypto/ecies";
import { authHeaders, rpcToken } from "../chains/rpc-auth";
import {
  defaultThreshold,
  makeKFrags,
  openWithCFrags,
  proxyKFrags,
  type PreKeyWrap,
  type PreOwnerSecret,
  type ProxyKFrag,
} from "../offchain/envelopes/pre";
import { checkFragment, openFragments, type FragmentManifest } from "../offchain/envelopes/fragments";
import { fragmentChallenge, kfragChallenge, reencryptChallenge } from "../offchain/gateway/proxy";
import { gatewayInfo } from "../offchain/gateway/put";
import { newChallengeNonce, type ChallengeSigner } from "../offchain/gateway/gateway";
import { FragmentFormatError, GatewayRequestError, NotEnoughFragmentsError } from "../offchain/errors";

/** The part of `DataTrade` the owner and the buyer call here. */
export interface TradeCalls {
  grant(id: bigint, policyHash: string): Promise<ContractTransactionResponse>;
  confirmReceipt(id: bigint, dataHash: string): Promise<ContractTransactionResponse>;
}

async function postJson(url: string, path: string, body: object, token?: string): Promise<Record<string, unknown>> {
  const response = await fetch(new URL(path, url), {
    method: "POST",
    headers: { ...authHeaders(token ?? rpcToken()), "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const answer = (await response.json()) as Record<string, unknown>;
  if (!response.ok)
    throw new GatewayRequestError(response.status, String(answer.error ?? "Unknown"), String(answer.detail ?? ""));
  return answer;
}

/** What the challenge of a proxy request binds besides its own fields. */
async function challengeBase(proxyUrl: string, token?: string) {
  const info = await gatewayInfo(proxyUrl, authHeaders(token ?? rpcToken()));
  return {
    info,
    chainId: String(info.chainId),
    origin: new URL(proxyUrl).origin,
    expiry: Math.floor(Date.now() / 1000) + 60,
    nonce: newChallengeNonce(),
  };
}

/** Deposits `kfrag` for trade `tradeId` at the proxy of `proxyUrl`, sealed to its key and signed by `owner`. */
export async function depositKFrag(
  proxyUrl: string,
  tradeId: bigint,
  kfrag: ProxyKFrag,
  owner: ChallengeSigner,
  options: { token?: string } = {},
): Promise<void> {
  const base = await challengeBase(proxyUrl, options.token);
  if (typeof base.info.proxyPublicKey !== "string")
    throw new GatewayRequestError(404, "NotAProxy", `${proxyUrl} names no proxyPublicKey in GET /v1/info`);
  const sealed = Buffer.from(
    eciesEncrypt(getBytes(base.info.proxyPublicKey), toUtf8Bytes(JSON.stringify(kfrag))),
  ).toString("base64");
  const { chainId, origin, expiry, nonce } = base;
  const signature = await owner.signMessage(kfragChallenge({ chainId, tradeId, sealed, origin, expiry, nonce }));
  await postJson(
    proxyUrl,
    "/v1/kfrag",
    { tradeId: tradeId.toString(), sealed, chainId, origin, expiry, nonce, signature },
    options.token,
  );
}

/** Asks the proxy of `proxyUrl` for its cfrag of `capsule` in trade `tradeId`, signed by the buyer. */
export async function requestCFrag(
  proxyUrl: string,
  tradeId: bigint,
  capsule: string,
  buyer: ChallengeSigner,
  options: { token?: string } = {},
): Promise<string> {
  const { chainId, origin, expiry, nonce } = await challengeBase(proxyUrl, options.token);
  const signature = await buyer.signMessage(reencryptChallenge({ chainId, tradeId, capsule, origin, expiry, nonce }));
  const answer = await postJson(
    proxyUrl,
    "/v1/reencrypt",
    { tradeId: tradeId.toString(), capsule, chainId, origin, expiry, nonce, signature },
    options.token,
  );
  return answer.cfrag as string;
}

/**
 * Reads fragment `index` of the manifest from the proxy of `proxyUrl` as the buyer of trade
 * `tradeId` (`POST /v1/fragment`), and checks it against the manifest (length and leaf).
 */
export async function requestFragment(
  proxyUrl: string,
  tradeId: bigint,
  manifest: FragmentManifest,
  index: number,
  buyer: ChallengeSigner,
  options: { token?: string } = {},
): Promise<Uint8Array> {
  const entry = manifest.fragments[index];
  if (entry?.cid === undefined)
    throw new FragmentFormatError(`fragments[${index}].cid`, "the manifest names no stored object for it");
  const { chainId, origin, expiry, nonce } = await challengeBase(proxyUrl, options.token);
  const cid = entry.cid;
  const signature = await buyer.signMessage(fragmentChallenge({ chainId, tradeId, cid, index, origin, expiry, nonce }));
  const leaves = manifest.fragments.map((f) => f.leaf);
  const response = await fetch(new URL("/v1/fragment", proxyUrl), {
    method: "POST",
    headers: { ...authHeaders(options.token ?? rpcToken()), "content-type": "application/json" },
    body: JSON.stringify({
      tradeId: tradeId.toString(),
      cid,
      index,
      leaves,
      chainId,
      origin,
      expiry,
      nonce,
      signature,
    }),
  });
  if (!response.ok) {
    const answer = (await response.json()) as Record<string, unknown>;
    throw new GatewayRequestError(response.status, String(answer.error ?? "Unknown"), String(answer.detail ?? ""));
  }
  const sealed = new Uint8Array(await response.arrayBuffer());
  checkFragment(manifest, index, sealed);
  return sealed;
}

/** Every fragment of the manifest, each from the first of `proxies` that serves it. */
export async function fetchTradeFragments(
  proxies: readonly string[],
  tradeId: bigint,
  manifest: FragmentManifest,
  buyer: ChallengeSigner,
  options: { token?: string } = {},
): Promise<Uint8Array[]> {
  if (proxies.length === 0) throw new FragmentFormatError("proxies", "no proxy to read the fragments from");
  return Promise.all(
    manifest.fragments.map(async (_, index) => {
      let last: unknown;
      for (const proxy of proxies) {
        try {
          return await requestFragment(proxy, tradeId, manifest, index, buyer, options);
        } catch (error) {
          last = error;
        }
      }
      throw last;
    }),
  );
}

/** The policy a grant commits to on chain: which proxies hold kfrags, and the threshold. */
export function policyHashOf(policy: { proxies: readonly string[]; threshold: number; receivingPk: string }): string {
  return keccak256(toUtf8Bytes(JSON.stringify({ ...policy, proxies: [...policy.proxies] })));
}

export interface GrantTradeOptions {
  /** The owner's Ethereum key (its Umbral keys derive from it) and its challenge signer. */
  owner: ChallengeSigner & { privateKey: string };
  trade: TradeCalls;
  tradeId: bigint;
  /** The asset's hash (the fragments' root, the token id). */
  assetHash: string;
  /** The trade's `buyerPreKey` (33 bytes, 0x hex). */
  buyerPreKey: string;
  /** The proxies' gateway URLs, one kfrag each. */
  proxies: readonly string[];
  /** Default ⌊n/2⌋ + 1. */
  threshold?: number;
  token?: string;
}

/** Makes t-of-n kfrags, deposits each at its proxy, then grants the trade on chain. */
export async function grantTrade(options: GrantTradeOptions): Promise<{ threshold: number; policyHash: string }> {
  const n = options.proxies.length;
  const threshold = options.threshold ?? defaultThreshold(n);
  const grant = makeKFrags(options.owner as PreOwnerSecret, options.assetHash, options.buyerPreKey, threshold, n);
  const kfrags = proxyKFrags(grant);
  await Promise.all(
    options.proxies.map((url, i) =>
      depositKFrag(url, options.tradeId, kfrags[i], options.owner, { token: options.token }),
    ),
  );
  const policyHash = policyHashOf({ proxies: options.proxies, threshold, receivingPk: grant.receivingPk });
  await (await options.trade.grant(options.tradeId, policyHash)).wait();
  return { threshold, policyHash };
}

export interface ReceiveTradeOptions {
  buyer: ChallengeSigner;
  tradeId: bigint;
  /** The buyer's receiving secret key of this trade. */
  receivingSecretKey: string;
  /** The manifest (its `keyWrap` is the owner's Umbral wrap of the data key) and its sealed objects. */
  manifest: FragmentManifest & { keyWrap: PreKeyWrap };
  fragments: readonly Uint8Array[];
  /** The on-chain hash (the token id as bytes32). */
  dataHash: string;
  proxies: readonly string[];
  threshold: number;
  /** When given, `confirmReceipt(tradeId, dataHash)` is called once the data opened. */
  trade?: TradeCalls;
  token?: string;
}

/** What a buyer gathered: the plaintext, and the cfrags (the dispute evidence, with the receiving key). */
export interface ReceivedTrade {
  data: Uint8Array;
  cfrags: string[];
  /** Proxies that refused, with their error. */
  refused: { proxy: string; error: Error }[];
}

/**
 * Asks proxies, in order, until `threshold` cfrags are in; verifies every cfrag, decrypts the
 * data key, opens the fragments against `dataHash` and optionally confirms receipt. Throws
 * `NotEnoughFragmentsError(got, threshold)` when too few proxies answer.
 */
export async function receiveTrade(options: ReceiveTradeOptions): Promise<ReceivedTrade> {
  const cfrags: string[] = [];
  const refused: { proxy: string; error: Error }[] = [];
  for (const proxy of options.proxies) {
    if (cfrags.length >= options.threshold) break;
    try {
      cfrags.push(
        await requestCFrag(proxy, options.tradeId, options.manifest.keyWrap.capsule, options.buyer, {
          token: options.token,
        }),
      );
    } catch (error) {
      refused.push({ proxy, error: error as Error });
    }
  }
  if (cfrags.length < options.threshold) throw new NotEnoughFragmentsError(cfrags.length, options.threshold);
  const key = openWithCFrags(options.receivingSecretKey, options.manifest.keyWrap, cfrags, options.threshold);
  try {
    const data = openFragments(options.manifest, options.fragments, key, { expectedRoot: options.dataHash });
    if (options.trade !== undefined)
      await (await options.trade.confirmReceipt(options.tradeId, options.dataHash)).wait();
    return { data, cfrags, refused };
  } finally {
    key.fill(0);
  }
}
