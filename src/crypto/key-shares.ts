/**
 * Splitting a data key among store nodes (BPIIoT V.B: "each node allocates a certain percentage
 * of encrypted data according to shares"): Shamir secret sharing over the bytes of the key with
 * `shamir-secret-sharing` (GF(2^8), audited, constant-time). Any t+1 of the n shares recover the
 * key; t shares reveal nothing about it.
 *
 * The paper counts a threshold as t (t+1 shares needed); the library's `threshold` argument is
 * the number of shares needed, so it is given t+1.
 */
import { combine, split } from "shamir-secret-sharing";
import { InvalidThresholdError, ShareError } from "./errors";

/** Most shares the GF(2^8) scheme can make (x coordinates are the non-zero bytes). */
export const MAX_KEY_SHARES = 255;

/** Checks n and t of a (t+1)-out-of-n scheme. */
function checkThreshold(n: number, t: number): void {
  if (!Number.isInteger(n) || !Number.isInteger(t)) throw new InvalidThresholdError(n, t, "n and t must be integers");
  if (t < 1) throw new InvalidThresholdError(n, t, "t must be at least 1 (one share alone must not reveal the key)");
  if (n < t + 1) throw new InvalidThresholdError(n, t, `n must be at least t+1 = ${t + 1}`);
  if (n > MAX_KEY_SHARES) throw new InvalidThresholdError(n, t, `n must be at most ${MAX_KEY_SHARES}`);
}

/**
 * Splits `key` into `n` shares such that any `t + 1` recover it and any `t` learn nothing.
 * Each share is the key's length plus one byte (its x coordinate, last).
 */
export async function splitKey(key: Uint8Array, n: number, t: number): Promise<Uint8Array[]> {
  checkThreshold(n, t);
  if (key.length === 0) throw new ShareError("key", "an empty key cannot be split");
  // The library accepts plain Uint8Arrays only (not Buffers, a subclass): copy into one.
  return split(new Uint8Array(key), n, t + 1);
}

/**
 * Recovers a key from shares. Given t+1 or more shares of one split, returns the key; given
 * fewer, returns an unrelated value (Shamir cannot tell), so check the result — e.g. by the
 * decryption it enables, which GCM authenticates.
 */
export async function recoverKey(shares: readonly Uint8Array[]): Promise<Uint8Array> {
  if (shares.length < 2) throw new ShareError("count", `${shares.length} share(s) given, at least 2 are needed`);
  const length = shares[0].length;
  if (length < 2) throw new ShareError("length", "a share is at least 2 bytes (data and x coordinate)");
  const seen = new Set<number>();
  shares.forEach((share, i) => {
    if (share.length !== length) throw new ShareError(`[${i}]`, `${share.length} bytes, the first share has ${length}`);
    const x = share[length - 1];
    if (seen.has(x)) throw new ShareError(`[${i}]`, `x coordinate ${x} appears twice`);
    seen.add(x);
  });
  return combine(shares.map((share) => new Uint8Array(share)));
}
