/**
 * Proxy re-encryption of a data key (the digital-twin paper's §4.6 and Fig. 5), over Umbral
 * (`@nucypher/umbral-pre`): threshold PRE on secp256k1.
 *
 *   owner:  data key ─ Umbral encrypt to the asset's delegating key ─► keyWrap {capsule, encryptedKey, …}
 *   owner:  delegating sk + buyer's receiving pk ─ generateKFrags(t, n) ─► one kfrag per proxy
 *   proxy:  capsule + its kfrag ─ reencrypt ─► cfrag                      (learns nothing of the key)
 *   buyer:  ≥ t cfrags, each verified ─ decryptReencrypted ─► data key   (then AES-GCM opens the data)
 *
 * Umbral wraps only the 32-byte AES data key; the data itself is AES-256-GCM (`envelope.ts`,
 * `fragments.ts`), so re-encryption costs the same for 1 KiB and 10 MiB.
 *
 * Keys. The owner's Umbral keys all derive from its Ethereum private key: a `SecretKeyFactory`
 * seeded with HKDF-SHA256(eth key, info "commchain/pre/v1"). Each asset has its own delegating key,
 * `makeKey("asset/" ‖ assetHash)`, so a kfrag made for one asset re-encrypts that asset's capsules
 * only (the paper's `Rk_{A→B}` opens everything under PubK_A); the signer of the kfrags is
 * `makeKey("signer")`, one per owner. The buyer's receiving key is fresh per trade
 * ({@link freshReceivingKey}), so revealing it to an arbiter exposes that one trade only.
 *
 * A proxy receives a {@link ProxyKFrag} (its kfrag and three public keys) and a capsule, and returns
 * a cfrag: never the data key, the ciphertext's plaintext or any secret key. The buyer verifies every
 * cfrag against the key wrap's public keys and its own before decrypting, so a cheating proxy is named.
 */
import { hkdf } from "@noble/hashes/hkdf.js";
import { sha256 } from "@noble/hashes/sha2.js";
import {
  Capsule,
  CapsuleFrag,
  decryptOriginal,
  decryptReencrypted,
  encrypt,
  generateKFrags,
  KeyFrag,
  PublicKey,
  reencrypt,
  SecretKey,
  SecretKeyFactory,
  Signer,
  type VerifiedCapsuleFrag,
} from "@nucypher/umbral-pre";
import { performance } from "node:perf_hooks";
import { getBytes, hexlify, isHexString, SigningKey } from "ethers";
import { DecryptionFailedError, InvalidCapsuleFragError, NotEnoughFragmentsError, PreKeyError } from "../errors";

export const PRE_SCHEME = "umbral-pre-v1";
/** HKDF info of the owner's key factory seed. */
export const PRE_HKDF_INFO = "commchain/pre/v1";
/** Length of the data key Umbral wraps (AES-256). */
export const PRE_DATA_KEY_BYTES = 32;
/** The most kfrags one grant makes (Umbral's shares are bytes; the store cluster has ≤ 5 nodes). */
export const MAX_PRE_SHARES = 255;

/** A data key wrapped with Umbral under an asset's delegating key. Binary fields: base64; keys: 0x hex, compressed. */
export interface PreKeyWrap {
  scheme: typeof PRE_SCHEME;
  /** The Umbral capsule (base64): what proxies re-encrypt. */
  capsule: string;
  /** The data key encrypted under the capsule's key (base64). */
  encryptedKey: string;
  /** The asset's delegating public key (33-byte compressed secp256k1, 0x hex). */
  delegatingPk: string;
  /** The owner's kfrag-signing public key (33-byte compressed, 0x hex). */
  verifyingPk: string;
}

/** What one proxy holds for one trade: its kfrag and the public keys it was made for. */
export interface ProxyKFrag {
  /** The Umbral key fragment (base64). */
  kfrag: string;
  delegatingPk: string;
  verifyingPk: string;
  /** The buyer's receiving public key for this trade. */
  receivingPk: string;
}

/** The kfrags of one grant (t of n), one per proxy. */
export interface KFragGrant {
  threshold: number;
  shares: number;
  delegatingPk: string;
  verifyingPk: string;
  receivingPk: string;
  /** One kfrag per proxy, base64. */
  kfrags: string[];
}

/** A buyer's receiving key pair for one trade (secp256k1, 0x hex; the public key compressed). */
export interface ReceivingKey {
  secretKey: string;
  publicKey: string;
}

/** The Umbral steps of a trade, in order (owner: encrypt, kfrags; proxy: reencrypt; buyer: verify, decrypt). */
export const PRE_STEPS = ["encrypt", "kfrags", "reencrypt", "verify", "decrypt"] as const;
export type PreStep = (typeof PRE_STEPS)[number];
/** Called by {@link openWithCFrags} with the duration of its steps, in milliseconds (for the benchmark). */
export type PreStepListener = (step: PreStep, ms: number) => void;

/** An owner's Ethereum private key: hex, bytes, or anything holding one (an ethers Wallet). */
export type PreOwnerSecret = string | Uint8Array | { privateKey: string };

/** The default threshold for `n` proxies: a majority, ⌊n/2⌋ + 1 (1-of-1 for one proxy). */
export function defaultThreshold(n: number): number {
  checkShares(n);
  return Math.floor(n / 2) + 1;
}

/** A fresh receiving key, one per trade. */
export function freshReceivingKey(): ReceivingKey {
  const sk = SecretKey.random();
  const pk = sk.publicKey();
  try {
    return { secretKey: hexlify(sk.toBEBytes()), publicKey: hexlify(pk.toCompressedBytes()) };
  } finally {
    pk.free();
    sk.free();
  }
}

/** The public keys an owner's wraps and kfrags for `assetHash` carry (delegating and verifying). */
export function ownerPreKeys(
  ownerKey: PreOwnerSecret,
  assetHash: string,
): { delegatingPk: string; verifyingPk: string } {
  return withOwnerKeys(ownerKey, assetHash, (delegating, signer) => ({
    delegatingPk: takeHex(delegating.publicKey()),
    verifyingPk: takeHex(signer.verifyingKey()),
  }));
}

/** Wraps `dataKey` (32 bytes) with Umbral under the delegating key of `assetHash`. */
export function wrapKeyForAsset(ownerKey: PreOwnerSecret, assetHash: string, dataKey: Uint8Array): PreKeyWrap {
  if (dataKey.length !== PRE_DATA_KEY_BYTES)
    throw new PreKeyError("data key", `${dataKey.length} bytes, expected ${PRE_DATA_KEY_BYTES}`);
  return withOwnerKeys(ownerKey, assetHash, (delegating, signer) => {
    const delegatingPk = delegating.publicKey();
    let capsule: Capsule | undefined;
    try {
      const [sealed, encryptedKey] = encrypt(delegatingPk, dataKey);
      capsule = sealed;
      return {
        scheme: PRE_SCHEME,
        capsule: base64(capsule.toBytes()),
        encryptedKey: base64(encryptedKey),
        delegatingPk: publicKeyHex(delegatingPk),
        verifyingPk: takeHex(signer.verifyingKey()),
      };
    } finally {
      capsule?.free();
      delegatingPk.free();
    }
  });
}

/** The owner opens its own wrap (no proxy): Umbral's `decryptOriginal` with the asset's delegating key. */
export function unwrapKeyAsOwner(ownerKey: PreOwnerSecret, assetHash: string, wrap: PreKeyWrap): Uint8Array {
  checkScheme(wrap);
  return withOwnerKeys(ownerKey, assetHash, (delegating) => {
    const capsule = parseCapsule(wrap.capsule);
    try {
      return checkDataKey(decryptOriginal(delegating, capsule, fromBase64(wrap.encryptedKey, "encryptedKey")), "owner");
    } catch (err) {
      if (err instanceof DecryptionFailedError || err instanceof PreKeyError) throw err;
      throw new DecryptionFailedError("wrapped key", "owner", { cause: err });
    } finally {
      capsule.free();
    }
  });
}

/**
 * Makes `n` kfrags re-encrypting `assetHash`'s wraps to `buyerPk`, any `t` of which suffice
 * (t defaults to ⌊n/2⌋ + 1, n to 1). The kfrags sign both the delegating and the receiving key,
 * so a proxy can check its kfrag and a buyer each cfrag.
 */
export function makeKFrags(
  ownerKey: PreOwnerSecret,
  assetHash: string,
  buyerPk: string | Uint8Array,
  t?: number,
  n = 1,
): KFragGrant {
  checkShares(n);
  const threshold = t ?? defaultThreshold(n);
  checkThreshold(threshold, n);
  const receiving = parsePublicKey(buyerPk, "buyer public key");
  try {
    return withOwnerKeys(ownerKey, assetHash, (delegating, signer) => {
      const kfrags = generateKFrags(delegating, receiving, signer, threshold, n, true, true);
      try {
        return {
          threshold,
          shares: n,
          delegatingPk: takeHex(delegating.publicKey()),
          verifyingPk: takeHex(signer.verifyingKey()),
          receivingPk: publicKeyHex(receiving),
          kfrags: kfrags.map((kfrag) => base64(kfrag.toBytes())),
        };
      } finally {
        for (const kfrag of kfrags) kfrag.free();
      }
    });
  } finally {
    receiving.free();
  }
}

/** The grant split into what each proxy receives (proxy `i` gets kfrag `i`). */
export function proxyKFrags(grant: KFragGrant): ProxyKFrag[] {
  return grant.kfrags.map((kfrag) => ({
    kfrag,
    delegatingPk: grant.delegatingPk,
    verifyingPk: grant.verifyingPk,
    receivingPk: grant.receivingPk,
  }));
}

/**
 * What a proxy does: checks its kfrag against the public keys it came with (`PreKeyError` if it
 * does not verify), re-encrypts `capsule` (base64) and returns the cfrag (base64).
 */
export function reencryptFor(kfrag: ProxyKFrag, capsule: string): string {
  return withOwned((own) => {
    const keys = parseKeys(kfrag, own);
    const parsedCapsule = own(parseCapsule(capsule));
    let raw: KeyFrag;
    try {
      raw = KeyFrag.fromBytes(fromBase64(kfrag.kfrag, "kfrag"));
    } catch (err) {
      throw new PreKeyError("key fragment", `not an Umbral kfrag (${message(err)})`, { cause: err });
    }
    let verified;
    try {
      // verify() takes the kfrag (Rust by value): `raw` is freed by the call, whatever its outcome.
      verified = own(raw.verify(keys.verifying, keys.delegating, keys.receiving));
    } catch (err) {
      throw new PreKeyError("key fragment", `does not verify against its public keys (${message(err)})`, {
        cause: err,
      });
    }
    return base64(own(reencrypt(parsedCapsule, verified)).toBytes());
  });
}

/**
 * The buyer opens `wrap` with `t` or more cfrags (base64 or bytes) and its receiving secret key:
 * checks there are at least `t` distinct cfrags (`NotEnoughFragmentsError`), verifies every cfrag
 * against the capsule, the wrap's keys and the buyer's own public key (`InvalidCapsuleFragError`
 * naming the first bad index), then decrypts the data key (`DecryptionFailedError` if the wrap's
 * encrypted key does not authenticate). `onStep` hears the time of "verify" (all cfrags) and "decrypt".
 */
export function openWithCFrags(
  buyerSk: string | Uint8Array,
  wrap: PreKeyWrap,
  cfrags: readonly (string | Uint8Array)[],
  t: number,
  onStep?: PreStepListener,
): Uint8Array {
  checkScheme(wrap);
  if (!Number.isSafeInteger(t) || t < 1) throw new PreKeyError("threshold", `${t} is not a positive integer`);
  const encoded = cfrags.map((cfrag) => (typeof cfrag === "string" ? cfrag : base64(cfrag)));
  const distinct = new Set(encoded).size;
  if (distinct < t) throw new NotEnoughFragmentsError(distinct, t);
  const encryptedKey = fromBase64(wrap.encryptedKey, "encryptedKey");
  return withOwned((own) => {
    const receivingSk = own(parseSecretKey(buyerSk));
    const receivingPk = publicKeyHex(own(receivingSk.publicKey()));
    const keys = parseKeys({ ...wrap, receivingPk }, own);
    const capsule = own(parseCapsule(wrap.capsule));
    const verified = new Map<string, VerifiedCapsuleFrag>();
    let start = performance.now();
    encoded.forEach((cfrag, index) => {
      let raw: CapsuleFrag;
      try {
        raw = CapsuleFrag.fromBytes(fromBase64(cfrag, `cfrag ${index}`));
      } catch (err) {
        throw new InvalidCapsuleFragError(index, `not an Umbral cfrag (${message(err)})`, { cause: err });
      }
      try {
        // verify() takes the cfrag (Rust by value): `raw` is freed by the call, whatever its outcome.
        const ok = own(raw.verify(capsule, keys.verifying, keys.delegating, keys.receiving));
        if (!verified.has(cfrag)) verified.set(cfrag, ok);
      } catch (err) {
        throw new InvalidCapsuleFragError(
          index,
          `does not verify for this capsule, delegating key ${wrap.delegatingPk} and receiving key ${receivingPk} (${message(err)})`,
          { cause: err },
        );
      }
    });
    onStep?.("verify", performance.now() - start);
    start = performance.now();
    const reader = `receiving key ${receivingPk}`;
    let dataKey: Uint8Array;
    try {
      dataKey = decryptReencrypted(
        receivingSk,
        keys.delegating,
        capsule,
        [...verified.values()].slice(0, t),
        encryptedKey,
      );
    } catch (err) {
      throw new DecryptionFailedError("wrapped key", reader, { cause: err });
    }
    onStep?.("decrypt", performance.now() - start);
    return checkDataKey(dataKey, reader);
  });
}

// ---------------------------------------------------------------------------------------------
// Keys and encodings

/** The owner's key factory seed: HKDF-SHA256(eth private key, info "commchain/pre/v1"). */
function factorySeed(ownerKey: PreOwnerSecret): Uint8Array {
  const hex = typeof ownerKey === "string" ? ownerKey : ownerKey instanceof Uint8Array ? null : ownerKey.privateKey;
  if (hex !== null && !isHexString(hex, 32))
    throw new PreKeyError("owner key", "expected a 32-byte hex Ethereum private key");
  const key = hex === null ? (ownerKey as Uint8Array) : getBytes(hex);
  if (key.length !== 32) throw new PreKeyError("owner key", `${key.length} bytes, expected 32`);
  return hkdf(sha256, key, undefined, new TextEncoder().encode(PRE_HKDF_INFO), SecretKeyFactory.seedSize());
}

/** The label of an asset's delegating key: "asset/" ‖ the 32 bytes of its hash. */
function assetLabel(assetHash: string): Uint8Array {
  if (!isHexString(assetHash, 32)) throw new PreKeyError("asset hash", `${assetHash} is not a 32-byte 0x hex hash`);
  const prefix = new TextEncoder().encode("asset/");
  const label = new Uint8Array(prefix.length + 32);
  label.set(prefix);
  label.set(getBytes(assetHash), prefix.length);
  return label;
}

/** Runs `use` with the asset's delegating key and the owner's signer, freeing both after. */
function withOwnerKeys<T>(
  ownerKey: PreOwnerSecret,
  assetHash: string,
  use: (delegating: SecretKey, signer: Signer) => T,
): T {
  const label = assetLabel(assetHash);
  const seed = factorySeed(ownerKey);
  const factory = SecretKeyFactory.fromSecureRandomness(seed);
  seed.fill(0);
  const delegating = factory.makeKey(label);
  const signingKey = factory.makeKey(new TextEncoder().encode("signer"));
  const signer = new Signer(signingKey);
  try {
    return use(delegating, signer);
  } finally {
    signer.free();
    signingKey.free();
    delegating.free();
    factory.free();
  }
}

interface ParsedKeys {
  delegating: PublicKey;
  verifying: PublicKey;
  receiving: PublicKey;
}

/** A function that registers an Umbral object to be freed and returns it. */
type Own = <O extends { free(): void }>(object: O) => O;

/**
 * Runs `use`, freeing every Umbral object it registers with `own` when it returns or throws: they
 * hold WebAssembly memory (secret keys among them) and this build of umbral-pre has no finalizers.
 */
function withOwned<T>(use: (own: Own) => T): T {
  const owned: { free(): void }[] = [];
  try {
    return use((object) => {
      owned.push(object);
      return object;
    });
  } finally {
    for (const object of owned.reverse()) object.free();
  }
}

function parseKeys(keys: { delegatingPk: string; verifyingPk: string; receivingPk: string }, own: Own): ParsedKeys {
  return {
    delegating: own(parsePublicKey(keys.delegatingPk, "delegating public key")),
    verifying: own(parsePublicKey(keys.verifyingPk, "verifying public key")),
    receiving: own(parsePublicKey(keys.receivingPk, "receiving public key")),
  };
}

/** A secp256k1 public key, compressed (33 bytes) or not (65), hex or bytes. */
function parsePublicKey(value: string | Uint8Array, what: string): PublicKey {
  const shown = typeof value === "string" ? value : hexlify(value);
  let bytes: Uint8Array;
  try {
    bytes = getBytes(value);
  } catch {
    throw new PreKeyError(what, `${shown} is not hex`);
  }
  if (bytes.length !== 33 && bytes.length !== 65)
    throw new PreKeyError(what, `${shown} is ${bytes.length} bytes, expected 33 (compressed) or 65`);
  try {
    if (bytes.length === 65) bytes = getBytes(SigningKey.computePublicKey(bytes, true));
    return PublicKey.fromCompressedBytes(bytes);
  } catch (err) {
    throw new PreKeyError(what, `${shown} is not a point of secp256k1 (${message(err)})`, { cause: err });
  }
}

function parseSecretKey(value: string | Uint8Array): SecretKey {
  if (typeof value === "string" && !isHexString(value, 32))
    throw new PreKeyError("receiving secret key", "expected 32 bytes of 0x hex");
  const bytes = getBytes(value);
  if (bytes.length !== 32) throw new PreKeyError("receiving secret key", `${bytes.length} bytes, expected 32`);
  try {
    return SecretKey.fromBEBytes(bytes);
  } catch (err) {
    throw new PreKeyError("receiving secret key", `not a secp256k1 scalar (${message(err)})`, { cause: err });
  }
}

function parseCapsule(value: string): Capsule {
  try {
    return Capsule.fromBytes(fromBase64(value, "capsule"));
  } catch (err) {
    if (err instanceof PreKeyError) throw err;
    throw new PreKeyError("capsule", `not an Umbral capsule (${message(err)})`, { cause: err });
  }
}

function checkScheme(wrap: PreKeyWrap): void {
  if (wrap.scheme !== PRE_SCHEME)
    throw new PreKeyError("key wrap", `scheme ${String(wrap.scheme)}, expected ${PRE_SCHEME}`);
}

function checkShares(n: number): void {
  if (!Number.isSafeInteger(n) || n < 1 || n > MAX_PRE_SHARES)
    throw new PreKeyError("shares", `${n} is not an integer from 1 to ${MAX_PRE_SHARES}`);
}

function checkThreshold(t: number, n: number): void {
  if (!Number.isSafeInteger(t) || t < 1 || t > n)
    throw new PreKeyError("threshold", `${t} is not an integer from 1 to the ${n} shares`);
}

function checkDataKey(key: Uint8Array, reader: string): Uint8Array {
  if (key.length !== PRE_DATA_KEY_BYTES) throw new DecryptionFailedError("wrapped key", reader);
  return key;
}

function publicKeyHex(key: PublicKey): string {
  return hexlify(key.toCompressedBytes());
}

/** {@link publicKeyHex} of a key made for the call, freed after. */
function takeHex(key: PublicKey): string {
  try {
    return publicKeyHex(key);
  } finally {
    key.free();
  }
}

function base64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");
}

function fromBase64(value: string, what: string): Uint8Array {
  if (typeof value !== "string" || !/^[A-Za-z0-9+/]*={0,2}$/.test(value) || value.length % 4 !== 0)
    throw new PreKeyError(what, "is not base64");
  return new Uint8Array(Buffer.from(value, "base64"));
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
