/**
 * The masks of secure aggregation. A mask is a ChaCha20 keystream read as little-endian 32-bit
 * words: uniform on [0, 2^32) word by word, so a masked word reveals nothing of the word under it.
 * The pairwise seed of owners u and v is HKDF-SHA256 of their ECDH shared point on the masking keys
 * (s_u^SK·s_v^PK = s_v^SK·s_u^PK), with info "commchain/secagg|task|round|u|v" (u < v): both derive
 * it alone, a seed never repeats across tasks or rounds, and the DA can derive it only after
 * recovering a dropped owner's s^SK from t shares.
 */
import { chacha20 } from "@noble/ciphers/chacha.js";
import { hkdfSync } from "node:crypto";
import { sharedPoint } from "../../crypto/secp256k1";

/** Bytes of a mask seed (a ChaCha20 key). */
export const SEED_BYTES = 32;
// Each seed keys one stream only, so a fixed nonce is safe.
const NONCE = new Uint8Array(12);

/** `words` words of the keystream of `seed`. */
export function maskWords(seed: Uint8Array, words: number): Uint32Array {
  const stream = chacha20(seed, NONCE, new Uint8Array(words * 4));
  const view = new DataView(stream.buffer, stream.byteOffset, stream.length);
  const out = new Uint32Array(words);
  for (let i = 0; i < words; i++) out[i] = view.getUint32(i * 4, true);
  return out;
}

/** The seed owners u and v share in `round` of `task`, from u's masking secret key and v's masking public key. */
export function pairSeed(
  secretKey: Uint8Array,
  otherPublicKey: Uint8Array,
  task: string,
  round: number,
  u: number,
  v: number,
): Uint8Array {
  const [low, high] = u < v ? [u, v] : [v, u];
  const info = `commchain/secagg|${task}|${round}|${low}|${high}`;
  // HKDF-SHA256 by OpenSSL (as src/crypto/ecies.ts): n² seeds a round, noble's is several times slower.
  return new Uint8Array(
    hkdfSync("sha256", sharedPoint(secretKey, otherPublicKey), new Uint8Array(0), info, SEED_BYTES),
  );
}
