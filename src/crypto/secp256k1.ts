/**
 * The secp256k1 operations run on every share and every transaction a device sends, through
 * libsecp256k1 (Bitcoin Core's library, by the `secp256k1` package's native binding; the package
 * falls back to `elliptic` where the binding cannot load, same answers, slower).
 *
 * Why not `@noble/curves` (which ethers signs and recovers with): its scalar multiplications are
 * pure JavaScript. On the project's 2-core machine an ECDH took ~5 ms there and 0.09 ms here, a
 * signer recovery ~3 ms against 0.08 ms, a signature ~1 ms against 0.07 ms; a share wraps a key,
 * unwraps it, signs a read challenge, checks it and signs a transaction, so noble made ~13 ms of
 * every share's CPU, and with ten sensors sharing at once on one event loop that alone kept the
 * latency goal out of reach (`bench/sharing-latency.ts`).
 */
import { randomBytes } from "node:crypto";
import { getAddress, getBytes, hashMessage, keccak256, Signature, type BytesLike } from "ethers";
import secp256k1 from "secp256k1";

/** Uncompressed point: 0x04 ‖ x ‖ y. */
export const UNCOMPRESSED_POINT_BYTES = 65;
const SECRET_KEY_BYTES = 32;
const COORDINATE_BYTES = 32;

/** A uniformly random valid secret key (rejection sampling: a 32-byte draw is ≥ n with probability ~2^-128). */
export function randomSecretKey(): Uint8Array {
  for (;;) {
    const key = new Uint8Array(randomBytes(SECRET_KEY_BYTES));
    if (secp256k1.privateKeyVerify(key)) return key;
  }
}

/** The uncompressed public key of `secretKey`; throws if it is not a valid secret key. */
export function publicKeyOf(secretKey: Uint8Array): Uint8Array {
  return secp256k1.publicKeyCreate(secretKey, false, new Uint8Array(UNCOMPRESSED_POINT_BYTES));
}

/**
 * The whole shared point `secretKey · publicKey`, uncompressed (65 bytes), not the hashed
 * x-coordinate libsecp256k1 returns by default: ECIES as `eciesjs` builds it keys HKDF with both
 * coordinates. Throws if `publicKey` (33 or 65 bytes) is not on the curve or the key is invalid.
 */
export function sharedPoint(secretKey: Uint8Array, publicKey: Uint8Array): Uint8Array {
  const point = new Uint8Array(UNCOMPRESSED_POINT_BYTES);
  const hashfn = (x: Uint8Array, y: Uint8Array): Uint8Array => {
    point[0] = 0x04;
    point.set(x, 1);
    point.set(y, 1 + COORDINATE_BYTES);
    return point;
  };
  return secp256k1.ecdh(
    publicKey,
    secretKey,
    { hashfn, xbuf: new Uint8Array(COORDINATE_BYTES), ybuf: new Uint8Array(COORDINATE_BYTES) },
    point,
  );
}

/**
 * The address that signed `message` as an EIP-191 personal message (`signMessage`): what ethers'
 * `verifyMessage` answers. Throws on a malformed signature or one no key could have made.
 */
export function recoverMessageSigner(message: string | Uint8Array, signature: string): string {
  const parsed = Signature.from(signature);
  const compact = new Uint8Array(2 * COORDINATE_BYTES);
  compact.set(Buffer.from(parsed.r.slice(2), "hex"), 0);
  compact.set(Buffer.from(parsed.s.slice(2), "hex"), COORDINATE_BYTES);
  const digest = Buffer.from(hashMessage(message).slice(2), "hex");
  const publicKey = secp256k1.ecdsaRecover(
    compact,
    parsed.yParity,
    digest,
    false,
    new Uint8Array(UNCOMPRESSED_POINT_BYTES),
  );
  return getAddress(`0x${keccak256(publicKey.subarray(1)).slice(-40)}`);
}

/**
 * The ECDSA signature of the 32-byte `digest` by `secretKey`: RFC 6979 nonce and low s, so the
 * very signature ethers' `SigningKey.sign` gives (tested).
 */
export function signDigest(digest: BytesLike, secretKey: BytesLike): Signature {
  const { signature, recid } = secp256k1.ecdsaSign(getBytes(digest), getBytes(secretKey));
  return Signature.from({
    r: `0x${Buffer.from(signature.subarray(0, COORDINATE_BYTES)).toString("hex")}`,
    s: `0x${Buffer.from(signature.subarray(COORDINATE_BYTES)).toString("hex")}`,
    yParity: recid as 0 | 1,
  });
}

/** `message` signed as an EIP-191 personal message by `secretKey`: what ethers' `signMessage` returns. */
export function signMessageWith(secretKey: BytesLike, message: string | Uint8Array): string {
  return signDigest(hashMessage(message), secretKey).serialized;
}
