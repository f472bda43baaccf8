/**
 * ECIES on secp256k1, byte for byte the construction of `eciesjs` 0.5 with its defaults, so
 * either side can be `eciesjs`:
 *
 *   ephemeral key e (random), E = e·G uncompressed (65 bytes)
 *   S = e·R, the receiver's point R times e, uncompressed (65 bytes)
 *   key = HKDF-SHA256(ikm = E ‖ S, no salt, no info, 32 bytes)
 *   payload = E ‖ nonce (16 bytes) ‖ GCM tag (16 bytes) ‖ AES-256-GCM(key, nonce, data)
 *
 * Why not `eciesjs` itself: it converts every public key by a full scalar multiplication and
 * builds a fresh multiplication table for each point it meets, so a wrap costs three
 * table-building multiplications in pure JavaScript (about 25 ms on the project's 2-core
 * machine); sealing a status snapshot for its four readers took a tenth of a second, the main
 * job's largest CPU cost. Here the receiver's point is parsed once and kept, and a receiver met a
 * second time gets a precomputed multiplication table (noble's `precompute`): without one, noble
 * multiplies a point by fixed 4-bit windows, ~390 doublings per wrap (~2.7 ms); with one, a wrap
 * needs no doubling at all (~0.4 ms). The table holds multiples of the receiver's public point,
 * public data; the ephemeral secret and the shared point are fresh for every wrap and never kept.
 * The ephemeral key comes from the precomputed generator table, and HKDF and AES-GCM are
 * OpenSSL's (`node:crypto`). The multiplications stay constant-time (`multiply`, blinded, with or
 * without a table); `test/src/offchain/ecies.test.ts` checks both directions against `eciesjs`.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { OffchainError } from "./errors";

/** Uncompressed secp256k1 point: 0x04 ‖ x ‖ y. */
const POINT_BYTES = 65;
/** eciesjs's AES-256-GCM nonce length (its `symmetricNonceLength` default). */
const NONCE_BYTES = 16;
const TAG_BYTES = 16;
const KEY_BYTES = 32;
/** Receivers whose parsed point (and, once met twice, its ~310 kB table: ~20 MB at most) is kept. */
const RECEIVER_CACHE_SIZE = 64;
/**
 * Window of a receiver's multiplication table, in bits: 6 builds in ~17 ms and makes a wrap's
 * multiplication ~6x cheaper; 8 takes five times as long to build for no further gain (measured
 * on the project's 2-core machine).
 */
const RECEIVER_TABLE_WINDOW = 6;

type Point = InstanceType<typeof secp256k1.Point>;

/** A payload or key that is not what ECIES needs. */
export class EciesError extends OffchainError {}

/** A kept receiver: its point and how many wraps it was used for. */
interface Receiver {
  readonly point: Point;
  uses: number;
}

const receivers = new Map<string, Receiver>();

/**
 * The receiver's point, parsed once and kept (least recently used out first). Its table is built
 * on its second use: a receiver met once is not worth the build.
 */
function receiverPoint(publicKey: Uint8Array): Point {
  const id = Buffer.from(publicKey).toString("hex");
  let receiver = receivers.get(id);
  if (receiver !== undefined) {
    receivers.delete(id);
  } else {
    try {
      receiver = { point: secp256k1.Point.fromBytes(publicKey), uses: 0 };
    } catch (error) {
      throw new EciesError(`0x${id} is not a secp256k1 public key`, { cause: error });
    }
    if (receivers.size >= RECEIVER_CACHE_SIZE) receivers.delete(receivers.keys().next().value as string);
  }
  receivers.set(id, receiver);
  receiver.uses += 1;
  if (receiver.uses === 2) receiver.point.precompute(RECEIVER_TABLE_WINDOW);
  return receiver.point;
}

function deriveKey(ephemeral: Uint8Array, shared: Uint8Array): Buffer {
  return Buffer.from(hkdfSync("sha256", Buffer.concat([ephemeral, shared]), Buffer.alloc(0), Buffer.alloc(0), KEY_BYTES));
}

/** Encrypts `data` to the secp256k1 public key `publicKey` (33 or 65 bytes), as `eciesjs.encrypt` does. */
export function eciesEncrypt(publicKey: Uint8Array, data: Uint8Array): Uint8Array {
  const receiver = receiverPoint(publicKey);
  const secret = secp256k1.utils.randomSecretKey();
  const ephemeral = secp256k1.getPublicKey(secret, false);
  const shared = receiver.multiply(secp256k1.Point.Fn.fromBytes(secret)).toBytes(false);
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv("aes-256-gcm", deriveKey(ephemeral, shared), nonce);
  const ciphertext = Buffer.concat([cipher.update(data), cipher.final()]);
  return new Uint8Array(Buffer.concat([ephemeral, nonce, cipher.getAuthTag(), ciphertext]));
}

/** Decrypts an `eciesEncrypt` (or `eciesjs.encrypt`) payload with the 32-byte private key; throws {@link EciesError}. */
export function eciesDecrypt(privateKey: Uint8Array, payload: Uint8Array): Uint8Array {
  if (payload.length < POINT_BYTES + NONCE_BYTES + TAG_BYTES) {
    throw new EciesError(`payload of ${payload.length} bytes is shorter than an ephemeral key, a nonce and a tag (${POINT_BYTES + NONCE_BYTES + TAG_BYTES})`);
  }
  const ephemeral = payload.subarray(0, POINT_BYTES);
  const nonce = payload.subarray(POINT_BYTES, POINT_BYTES + NONCE_BYTES);
  const tag = payload.subarray(POINT_BYTES + NONCE_BYTES, POINT_BYTES + NONCE_BYTES + TAG_BYTES);
  const ciphertext = payload.subarray(POINT_BYTES + NONCE_BYTES + TAG_BYTES);
  let shared: Uint8Array;
  try {
    shared = secp256k1.getSharedSecret(privateKey, ephemeral, false);
  } catch (error) {
    throw new EciesError("the ephemeral key or the private key is not valid on secp256k1", { cause: error });
  }
  try {
    const decipher = createDecipheriv("aes-256-gcm", deriveKey(ephemeral, shared), nonce);
    decipher.setAuthTag(tag);
    return new Uint8Array(Buffer.concat([decipher.update(ciphertext), decipher.final()]));
  } catch (error) {
    throw new EciesError("the payload does not authenticate under this key", { cause: error });
  }
}
