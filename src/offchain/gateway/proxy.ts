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
 * A proxy only ever sees public keys, the capsule and its own kfrag: never the data key, the
 * ciphertext's plaintext or a secret key other than its own. Kfrags of Refunded trades are
 * dropped, and of Completed ones {@link DEFAULT_COMPLETED_RETENTION_S} after the proxy first saw
 * them completed ({@link ProxyRoutes.sweep}).
 */
import { mkdir, readdir, readFile, rm, stat } from "node:fs/promises";
import path from "node:path";
import { Contract, getAddress, getBytes, hexlify, Interface, keccak256, SigningKey, type ContractRunner } from "ethers";
import { eciesDecrypt } from "../../crypto/ecies";
import { publicKeyOf, randomSecretKey } from "../../crypto/secp256k1";
import { writeFileAtomic } from "../../io/atomic-write";
import { reencryptFor, type ProxyKFrag } from "../envelopes/pre";
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

  return { routes: [kfragRoute, reencryptRoute], publicKey, sweep };
}
