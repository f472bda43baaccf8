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
 * job's largest CPU cost. Here the ephemeral key and the shared point come from libsecp256k1
 * (`src/crypto/secp256k1.ts`: ~0.1 ms each), and HKDF and AES-GCM are OpenSSL's (`node:crypto`); the
 * ephemeral secret and the shared point are fresh for every wrap and never kept.
 * `test/src/offchain/ecies.test.ts` checks both directions against `eciesjs`.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";
import { EciesError } from "./errors";
import { publicKeyOf, randomSecretKey, sharedPoint, UNCOMPRESSED_POINT_BYTES } from "./secp256k1";

/** eciesjs's AES-256-GCM nonce length (its `symmetricNonceLength` default). */
const NONCE_BYTES = 16;
const TAG_BYTES = 16;
const KEY_BYTES = 32;

function deriveKey(ephemeral: Uint8Array, shared: Uint8Array): Buffer {
  return Buffer.from(
    hkdfSync("sha256", Buffer.concat([ephemeral, shared]), Buffer.alloc(0), Buffer.alloc(0), KEY_BYTES),
  );
}

/** Encrypts `data` to the secp256k1 public key `publicKey` (33 or 65 bytes), as `eciesjs.encrypt` does. */
export function eciesEncrypt(publicKey: Uint8Array, data: Uint8Array): Uint8Array {
  const secret = randomSecretKey();
  let shared: Uint8Array;
  try {
    shared = sharedPoint(secret, publicKey);
  } catch (error) {
    throw new EciesError(`0x${Buffer.from(publicKey).toString("hex")} is not a secp256k1 public key`, { cause: error });
  }
  const ephemeral = publicKeyOf(secret);
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv("aes-256-gcm", deriveKey(ephemeral, shared), nonce);
  const ciphertext = Buffer.concat([cipher.update(data), cipher.final()]);
  return new Uint8Array(Buffer.concat([ephemeral, nonce, cipher.getAuthTag(), ciphertext]));
}

/** Decrypts an `eciesEncrypt` (or `eciesjs.encrypt`) payload with the 32-byte private key; throws {@link EciesError}. */
export function eciesDecrypt(privateKey: Uint8Array, payload: Uint8Array): Uint8Array {
  if (payload.length < UNCOMPRESSED_POINT_BYTES + NONCE_BYTES + TAG_BYTES) {
    throw new EciesError(
      `payload of ${payload.length} bytes is shorter than an ephemeral key, a nonce and a tag (${UNCOMPRESSED_POINT_BYTES + NONCE_BYTES + TAG_BYTES})`,
    );
  }
  const ephemeral = payload.subarray(0, UNCOMPRESSED_POINT_BYTES);
  const nonce = payload.subarray(UNCOMPRESSED_POINT_BYTES, UNCOMPRESSED_POINT_BYTES + NONCE_BYTES);
  const tag = payload.subarray(
    UNCOMPRESSED_POINT_BYTES + NONCE_BYTES,
    UNCOMPRESSED_POINT_BYTES + NONCE_BYTES + TAG_BYTES,
  );
  const ciphertext = payload.subarray(UNCOMPRESSED_POINT_BYTES + NONCE_BYTES + TAG_BYTES);
  let shared: Uint8Array;
  try {
    shared = sharedPoint(privateKey, ephemeral);
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
