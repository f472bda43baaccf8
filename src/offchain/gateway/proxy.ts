/**
 * A store node's gateway as a proxy of the market's proxy re-encryption (the paper's §4.6, Fig. 5;
 * design §3). Each proxy has its own secp256k1 key (`<dataDir>/proxy.key`, 0600, made on first
 * start; its public key in `GET /v1/info` as `proxyPublicKey`).
 *
 * `POST /v1/kfrag {tradeId, sealed, chainId, origin, expiry, nonce, signature}`: the asset's
 * owner deposits its kfrag for trade `tradeId`, ECIES-sealed to the proxy's key
 * (`sealed`, base64, a JSON `ProxyKFrag`), signing {@link kfragChallenge}. The proxy checks on
 * chain that the signer is the current holder of the trade's asset (DataAsset `ownerOf`) and that
 * the trade is Paid or Granted, that the kfrag is made for the trade's `buyerPreKey`, and keeps the
 * sealed kfrag durably (`<dataDir>/kfrags/<tradeId>.json`, written atomically).
 *
 * `POST /v1/reencrypt {tradeId, capsule, chainId, origin, expiry, nonce, signature}`: the buyer
 * signs {@link reencryptChallenge}; the proxy checks that the trade is Granted or Completed and
 * that the signer is its buyer, re-encrypts the capsule with its kfrag and answers `{ cfrag }`.
 * 403 `NotGranted` before the grant, `TradeRefunded` after a refund (the kfrag is dropped),
 * `TradeClosed` when disputed or resolved, `NotBuyer` for anyone else; 403 `NotAssetOwner` for a
 * deposit by another than the holder; 404 `NoKFrag`.
 *
 * `POST /v1/fragment {tradeId, cid, index, leaves, chainId, origin, expiry, nonce, signature}`:
 * the buyer of a Granted, Completed or Disputed trade signs {@link fragmentChallenge} and gets one
 * sealed fragment of the trade's asset (`application/octet-stream`), so a buyer on another
 * machine reads the ciphertext from the store nodes too. `leaves` are the manifest's leaves: the
 * proxy serves the object only when their Merkle root is the trade's token id (the asset's hash)
 * and the object's own leaf is `leaves[index]`, so no other object of the store is ever served
 * this way (403 `NotOfAsset`). Mounted when the proxy is given its store.
 *
 * A proxy only ever sees public keys, the capsule and its own kfrag: never the data key, the
 * ciphertext's plaintext or a secret key other than its own. Kfrags of Refunded trades are
 * dropped, and of Completed ones {@link DEFAULT_COMPLETED_RETENTION_S} after the proxy first saw
 * them completed ({@link ProxyRoutes.sweep}).
 */
import { mkdir, readdir, readFile, rm, stat } from "node:fs/promises";
import path from "node:path";
import {
  Contract,
  getAddress,
  getBytes,
  hexlify,
  Interface,
  keccak256,
  SigningKey,
  toBeHex,
  type ContractRunner,
} from "ethers";
import { eciesDecrypt } from "../../crypto/ecies";
import { publicKeyOf, randomSecretKey } from "../../crypto/secp256k1";
import { writeFileAtomic } from "../../io/atomic-write";
import { reencryptFor, type ProxyKFrag } from "../envelopes/pre";
import { fragmentLeaf, fragmentRoot } from "../envelopes/fragments";
import type { ContentStore } from "../stores/store";
import { PreKeyError } from "../errors";
import {
  challengeCommon,
  jsonObject,
  readBody,
  Refusal,
  sendJson,
  stringField,
  verifyChallenge,
  type GatewayRoute,
  type RouteContext,
} from "./http";

/** The proxy's key file in its data directory. */
export const PROXY_KEY_FILE = "proxy.key";
/** How long a Completed trade's kfrag is kept after the proxy first sees it completed: a day. */
export const DEFAULT_COMPLETED_RETENTION_S = 86_400;
/** Largest kfrag deposit body (a sealed kfrag is under 1 KiB). */
const MAX_KFRAG_BODY = 16 * 1024;

/** `IDataTrade.TradeState`. */
export const TRADE_STATE = ["None", "Paid", "Granted", "Completed", "Refunded", "Disputed", "Resolved"] as const;

/** The part of DataTrade and DataAsset a proxy asks. */
export const PROXY_TRADE_ABI = [
  "function trade(uint256 id) view returns (tuple(uint256 tokenId, uint256 price, address buyer, uint64 deliverBy, uint64 confirmWindow, uint64 confirmBy, uint64 arbitrateBy, uint8 state, bytes32 policyHash, bytes32 evidenceHash, bytes buyerPreKey))",
  "function assets() view returns (address)",
] as const;
export const PROXY_ASSET_ABI = ["function ownerOf(uint256 tokenId) view returns (address)"] as const;
const TRADE_INTERFACE = new Interface(PROXY_TRADE_ABI);
const ASSET_INTERFACE = new Interface(PROXY_ASSET_ABI);

const TRADE_ID = /^\d{1,78}$/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** The message an owner signs to deposit `sealed` (base64) for trade `tradeId` at the proxy of `origin`. */
export function kfragChallenge(fields: {
  chainId: bigint | number | string;
  tradeId: bigint | number | string;
  sealed: string;
  origin: string;
  expiry: number;
  nonce: string;
}): string {
  return [
    "commchain:kfrag:v1",
    `chain:${BigInt(fields.chainId)}`,
    `trade:${BigInt(fields.tradeId)}`,
    `sealed:${keccak256(Buffer.from(fields.sealed, "base64"))}`,
    `origin:${fields.origin}`,
    `expiry:${fields.expiry}`,
    `nonce:${fields.nonce}`,
  ].join("\n");
}

/** The message a buyer signs to have `capsule` (base64) re-encrypted for trade `tradeId`. */
export function reencryptChallenge(fields: {
  chainId: bigint | number | string;
  tradeId: bigint | number | string;
  capsule: string;
  origin: string;
  expiry: number;
  nonce: string;
}): string {
  return [
    "commchain:reencrypt:v1",
    `chain:${BigInt(fields.chainId)}`,
    `trade:${BigInt(fields.tradeId)}`,
    `capsule:${keccak256(Buffer.from(fields.capsule, "base64"))}`,
    `origin:${fields.origin}`,
    `expiry:${fields.expiry}`,
    `nonce:${fields.nonce}`,
  ].join("\n");
}

/** The message a buyer signs to read object `cid` (fragment `index`) of trade `tradeId`'s asset. */
export function fragmentChallenge(fields: {
  chainId: bigint | number | string;
  tradeId: bigint | number | string;
  cid: string;
  index: number;
  origin: string;
  expiry: number;
  nonce: string;
}): string {
  return [
    "commchain:fragment:v1",
    `chain:${BigInt(fields.chainId)}`,
    `trade:${BigInt(fields.tradeId)}`,
    `cid:${fields.cid}`,
    `index:${fields.index}`,
    `origin:${fields.origin}`,
    `expiry:${fields.expiry}`,
    `nonce:${fields.nonce}`,
  ].join("\n");
}

/** Most fragments a `POST /v1/fragment` may name (a 16 GiB asset at the default 256 KiB). */
export const MAX_FRAGMENT_LEAVES = 65_536;
/** Largest `POST /v1/fragment` body: the leaves (68 characters each in JSON) and the challenge. */
const MAX_FRAGMENT_BODY = MAX_FRAGMENT_LEAVES * 70 + 16 * 1024;
const CID = /^[A-Za-z0-9]{10,100}$/;
/** How long the proxy looks for an object before it answers 404 (a store on the DHT may search). */
const FRAGMENT_GET_TIMEOUT_MS = 10_000;
const LEAF = /^0x[0-9a-fA-F]{64}$/;

/**
 * The proxy's secret key from `<dataDir>/proxy.key` (hex), made on first start with mode 0600.
 * A key file others may read is refused.
 */
export async function loadProxyKey(dataDir: string): Promise<Uint8Array> {
  const file = path.join(dataDir, PROXY_KEY_FILE);
  await mkdir(dataDir, { recursive: true });
  try {
    const info = await stat(file);
    if ((info.mode & 0o077) !== 0)
      throw new PreKeyError(
        "proxy key",
        `${file} may be read by others (mode ${(info.mode & 0o777).toString(8)}); chmod 600 it`,
      );
    const hex = (await readFile(file, "utf8")).trim();
    const key = getBytes(hex);
    if (key.length !== 32) throw new PreKeyError("proxy key", `${file} does not hold 32 bytes of hex`);
    return key;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
  const key = randomSecretKey();
  await writeFileAtomic(file, `${hexlify(key)}\n`, { mode: 0o600 });
  return key;
}

/** A kfrag as the proxy keeps it: still sealed to its key. */
interface StoredKFrag {
  tradeId: string;
  sealed: string;
  depositedBy: string;
  at: number;
  /** Wall-clock Unix seconds when the proxy first saw the trade Completed. */
  completedSeenAt?: number;
}

export interface ProxyOptions {
  /** Runner on the chain of the DataTrade contract. */
  runner: ContractRunner;
  /** The DataTrade contract (its `assets()` is the DataAsset asked for the holder). */
  trade: string;
  /** The proxy's data directory: `proxy.key` and `kfrags/`. */
  dataDir: string;
  /** Seconds a Completed trade's kfrag is kept; default {@link DEFAULT_COMPLETED_RETENTION_S}. */
  completedRetentionSeconds?: number;
  /** Wall clock in Unix seconds (tests pass their own). */
  now?: () => number;
  /** The store node's store: with it the proxy serves `POST /v1/fragment` to buyers. */
  store?: ContentStore;
}

export interface ProxyRoutes {
  routes: GatewayRoute[];
  /** The proxy's public key (33-byte compressed, 0x hex). */
  publicKey: string;
  /** Drops the kfrags of Refunded trades and of Completed ones past the retention; returns the trade ids dropped. */
  sweep(): Promise<string[]>;
}

/** The `POST /v1/kfrag` and `POST /v1/reencrypt` routes of a store node's proxy. */
export async function proxyRoutes(options: ProxyOptions): Promise<ProxyRoutes> {
  const secret = await loadProxyKey(options.dataDir);
  const publicKey = SigningKey.computePublicKey(publicKeyOf(secret), true);
  const kfragDir = path.join(options.dataDir, "kfrags");
  await mkdir(kfragDir, { recursive: true, mode: 0o700 });
  const trade = new Contract(options.trade, TRADE_INTERFACE, options.runner);
  const retention = options.completedRetentionSeconds ?? DEFAULT_COMPLETED_RETENTION_S;
  const now = options.now ?? (() => Math.floor(Date.now() / 1000));
  let assetAddress: Promise<string> | undefined;
  const asset = async (): Promise<Contract> => {
    assetAddress ??= trade.assets() as Promise<string>;
    return new Contract(await assetAddress, ASSET_INTERFACE, options.runner);
  };
  const fileOf = (tradeId: string): string => path.join(kfragDir, `${tradeId}.json`);

  const readTrade = async (tradeId: string) => {
    try {
      const t = (await trade.trade(BigInt(tradeId))) as {
        tokenId: bigint;
        buyer: string;
        state: bigint;
        buyerPreKey: string;
      };
      return {
        tokenId: t.tokenId,
        buyer: getAddress(t.buyer),
        state: TRADE_STATE[Number(t.state)],
        buyerPreKey: t.buyerPreKey,
      };
    } catch (err) {
      throw new Refusal(503, "ChainUnavailable", "the trade contract could not be asked", {}, err);
    }
  };
  const loadKFrag = async (tradeId: string): Promise<StoredKFrag | undefined> => {
    try {
      return JSON.parse(await readFile(fileOf(tradeId), "utf8")) as StoredKFrag;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw err;
    }
  };
  const drop = (tradeId: string): Promise<void> => rm(fileOf(tradeId), { force: true });

  const parseCommon = (body: Record<string, unknown>, context: RouteContext) => {
    const tradeId = stringField(body, "tradeId", TRADE_ID, "a decimal trade id");
    const challenge = context.challenge();
    return { tradeId: BigInt(tradeId).toString(), challenge, common: challengeCommon(body, challenge) };
  };

  const kfragRoute: GatewayRoute = {
    method: "POST",
    path: "/v1/kfrag",
    maxBodyBytes: MAX_KFRAG_BODY,
    info: { proxyPublicKey: publicKey },
    async handle(req, res, context) {
      const body = jsonObject(await readBody(req, MAX_KFRAG_BODY));
      const { tradeId, challenge, common } = parseCommon(body, context);
      const sealed = stringField(body, "sealed", BASE64, "base64");
      const signer = verifyChallenge(kfragChallenge({ ...common, tradeId, sealed }), common, challenge);
      context.admitNonce(common.nonce, common.expiry);
      const t = await readTrade(tradeId);
      if (t.state === "None") throw new Refusal(404, "NoSuchTrade", `trade ${tradeId} does not exist`);
      let holder: string;
      try {
        holder = getAddress((await (await asset()).ownerOf(t.tokenId)) as string);
      } catch (err) {
        throw new Refusal(503, "ChainUnavailable", "the asset contract could not be asked", {}, err);
      }
      if (signer !== holder)
        throw new Refusal(
          403,
          "NotAssetOwner",
          `${signer} does not hold the asset of trade ${tradeId} (${holder} does)`,
        );
      if (t.state !== "Paid" && t.state !== "Granted")
        throw new Refusal(403, "TradeClosed", `trade ${tradeId} is ${t.state}; kfrags are taken while Paid or Granted`);
      let kfrag: ProxyKFrag;
      try {
        kfrag = JSON.parse(
          Buffer.from(eciesDecrypt(secret, Buffer.from(sealed, "base64"))).toString("utf8"),
        ) as ProxyKFrag;
      } catch {
        throw new Refusal(400, "BadKFrag", "the kfrag is not sealed to this proxy's key");
      }
      if (typeof kfrag.receivingPk !== "string" || kfrag.receivingPk.toLowerCase() !== t.buyerPreKey.toLowerCase())
        throw new Refusal(
          400,
          "BadKFrag",
          `the kfrag re-encrypts to ${String(kfrag.receivingPk)}, trade ${tradeId}'s buyer key is ${t.buyerPreKey}`,
        );
      const stored: StoredKFrag = { tradeId, sealed, depositedBy: signer, at: now() };
      await writeFileAtomic(fileOf(tradeId), JSON.stringify(stored), { mode: 0o600 });
      sendJson(res, 200, { tradeId, stored: true });
    },
  };

  const reencryptRoute: GatewayRoute = {
    method: "POST",
    path: "/v1/reencrypt",
    async handle(req, res, context) {
      const body = jsonObject(await readBody(req));
      const { tradeId, challenge, common } = parseCommon(body, context);
      const capsule = stringField(body, "capsule", BASE64, "base64");
      const signer = verifyChallenge(reencryptChallenge({ ...common, tradeId, capsule }), common, challenge);
      context.admitNonce(common.nonce, common.expiry);
      const t = await readTrade(tradeId);
      if (t.state === "None") throw new Refusal(404, "NoSuchTrade", `trade ${tradeId} does not exist`);
      if (signer !== t.buyer) throw new Refusal(403, "NotBuyer", `${signer} is not the buyer of trade ${tradeId}`);
      if (t.state === "Refunded") {
        await drop(tradeId);
        throw new Refusal(403, "TradeRefunded", `trade ${tradeId} was refunded; its kfrag is dropped`);
      }
      if (t.state === "Paid") throw new Refusal(403, "NotGranted", `trade ${tradeId} is not granted yet`);
      if (t.state !== "Granted" && t.state !== "Completed")
        throw new Refusal(403, "TradeClosed", `trade ${tradeId} is ${t.state}`);
      const stored = await loadKFrag(tradeId);
      if (stored === undefined) throw new Refusal(404, "NoKFrag", `this proxy holds no kfrag for trade ${tradeId}`);
      let cfrag: string;
      try {
        const kfrag = JSON.parse(
          Buffer.from(eciesDecrypt(secret, Buffer.from(stored.sealed, "base64"))).toString("utf8"),
        ) as ProxyKFrag;
        cfrag = reencryptFor(kfrag, capsule);
      } catch (err) {
        if (err instanceof PreKeyError) throw new Refusal(400, "BadCapsule", err.message);
        throw err;
      }
      sendJson(res, 200, { tradeId, cfrag });
    },
  };

  const fragmentRoute = (store: ContentStore): GatewayRoute => ({
    method: "POST",
    path: "/v1/fragment",
    maxBodyBytes: MAX_FRAGMENT_BODY,
    async handle(req, res, context) {
      const body = jsonObject(await readBody(req, MAX_FRAGMENT_BODY));
      const { tradeId, challenge, common } = parseCommon(body, context);
      const cid = stringField(body, "cid", CID, "a CID");
      const leaves = body.leaves;
      if (!Array.isArray(leaves) || leaves.length === 0 || leaves.length > MAX_FRAGMENT_LEAVES)
        throw new Refusal(400, "BadRequest", `leaves must be a list of 1 to ${MAX_FRAGMENT_LEAVES} leaves`);
      if (!leaves.every((leaf) => typeof leaf === "string" && LEAF.test(leaf)))
        throw new Refusal(400, "BadRequest", "every leaf must be a 32-byte 0x hex hash");
      const index = body.index;
      if (typeof index !== "number" || !Number.isInteger(index) || index < 0 || index >= leaves.length)
        throw new Refusal(400, "BadRequest", `index must be an integer from 0 to ${leaves.length - 1}`);
      const signer = verifyChallenge(fragmentChallenge({ ...common, tradeId, cid, index }), common, challenge);
      context.admitNonce(common.nonce, common.expiry);
      const t = await readTrade(tradeId);
      if (t.state === "None") throw new Refusal(404, "NoSuchTrade", `trade ${tradeId} does not exist`);
      if (signer !== t.buyer) throw new Refusal(403, "NotBuyer", `${signer} is not the buyer of trade ${tradeId}`);
      if (t.state !== "Granted" && t.state !== "Completed" && t.state !== "Disputed")
        throw new Refusal(403, "NotGranted", `trade ${tradeId} is ${t.state}; fragments are served once granted`);
      const assetHash = toBeHex(t.tokenId, 32);
      if (fragmentRoot(leaves as string[]).toLowerCase() !== assetHash)
        throw new Refusal(403, "NotOfAsset", `the leaves' root is not trade ${tradeId}'s asset ${assetHash}`);
      let sealed: Uint8Array;
      try {
        sealed = await store.get(cid, { signal: AbortSignal.timeout(FRAGMENT_GET_TIMEOUT_MS) });
      } catch (err) {
        throw new Refusal(404, "NotFound", `this store holds no object ${cid}`, {}, err);
      }
      if (fragmentLeaf(sealed).toLowerCase() !== (leaves[index] as string).toLowerCase())
        throw new Refusal(403, "NotOfAsset", `object ${cid} is not fragment ${index} of asset ${assetHash}`);
      res.writeHead(200, { "content-type": "application/octet-stream", "content-length": sealed.length });
      res.end(Buffer.from(sealed));
    },
  });

  const sweep = async (): Promise<string[]> => {
    const dropped: string[] = [];
    for (const name of await readdir(kfragDir)) {
      if (!name.endsWith(".json")) continue;
      const tradeId = name.slice(0, -5);
      const stored = await loadKFrag(tradeId);
      if (stored === undefined) continue;
      const t = await readTrade(tradeId);
      if (t.state === "Refunded" || t.state === "Resolved") {
        await drop(tradeId);
        dropped.push(tradeId);
      } else if (t.state === "Completed") {
        if (stored.completedSeenAt === undefined) {
          await writeFileAtomic(fileOf(tradeId), JSON.stringify({ ...stored, completedSeenAt: now() }), {
            mode: 0o600,
          });
        } else if (now() >= stored.completedSeenAt + retention) {
          await drop(tradeId);
          dropped.push(tradeId);
        }
      }
    }
    return dropped;
  };

  const routes = [kfragRoute, reencryptRoute];
  if (options.store !== undefined) routes.push(fragmentRoute(options.store));
  return { routes, publicKey, sweep };
}
