/**
 * Shamir secret sharing over a prime field, with the linear operations of BPIIoT V.B
 * (formulas 2–6) and the secure sum of V.A / V.C (the paper's "joint query on Alice's height").
 *
 * Hand-written on purpose: `shamir-secret-sharing` works byte-wise in GF(2^8), where adding two
 * shares XORs them, so share-wise addition reconstructs the XOR of the secrets, not their sum.
 * Sums and scalar products need a prime field; no maintained library in the project offers
 * Shamir with share arithmetic over one, and the scheme itself is a few lines of Lagrange
 * interpolation. The field arithmetic comes from `@noble/curves` (`Field`). The field is the
 * secp256k1 group order n (a 256-bit prime), so secrets, sums and Ethereum-sized values fit.
 *
 * The polynomial is f(x) = l0 + l1·x + … + lt·x^t with l0 = s and li uniform in [0, p) (formulas
 * 2–3); party i holds f(i) (formula 4). Any t+1 shares interpolate f(0) = s; any t shares are
 * consistent with every secret (see `interpolateAt` and the tests).
 */
import { randomBytes } from "node:crypto";
import { Field } from "@noble/curves/abstract/modular.js";
import { InvalidThresholdError, ShareError } from "./errors";

/** The prime of the field: the secp256k1 group order. */
export const SHARE_FIELD_ORDER = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const Fp = Field(SHARE_FIELD_ORDER);
/** Bytes drawn per random field element (rejection sampling keeps it uniform). */
const ELEMENT_BYTES = 32;

/** One share: the point (x, f(x)). x is the holder's index, 1…n. */
export interface Share {
  x: bigint;
  y: bigint;
}

/** A uniform random field element (rejection sampling: p is just under 2^256, so almost never loops). */
export function randomFieldElement(): bigint {
  for (;;) {
    const candidate = BigInt(`0x${randomBytes(ELEMENT_BYTES).toString("hex")}`);
    if (candidate < SHARE_FIELD_ORDER) return candidate;
  }
}

function checkSecret(secret: bigint, what = "secret"): void {
  if (typeof secret !== "bigint" || secret < 0n || secret >= SHARE_FIELD_ORDER) {
    throw new ShareError(what, `${String(secret)} is not in [0, p) for the field order p`);
  }
}

function checkScheme(n: number, t: number): void {
  if (!Number.isInteger(n) || !Number.isInteger(t)) throw new InvalidThresholdError(n, t, "n and t must be integers");
  // t = 0 makes f constant: every share is the secret itself, so one holder learns it (review L7).
  if (t < 1) throw new InvalidThresholdError(n, t, "t must be at least 1 (with t = 0 every share equals the secret)");
  if (n < t + 1) throw new InvalidThresholdError(n, t, `n must be at least t+1 = ${t + 1}`);
}

/** Shares `secret` among `n` holders so that any t+1 reconstruct it (formulas 2–4). */
export function share(secret: bigint, n: number, t: number): Share[] {
  checkSecret(secret);
  checkScheme(n, t);
  const coefficients = [secret, ...Array.from({ length: t }, randomFieldElement)];
  return Array.from({ length: n }, (_, i) => {
    const x = BigInt(i + 1);
    // Horner's rule from the highest coefficient down.
    let y = 0n;
    for (let k = coefficients.length - 1; k >= 0; k--) y = Fp.add(Fp.mul(y, x), coefficients[k]);
    return { x, y };
  });
}

function checkShares(shares: readonly Share[]): void {
  if (shares.length === 0) throw new ShareError("count", "no shares given");
  const seen = new Set<bigint>();
  shares.forEach((s, i) => {
    // x = 0 is allowed: interpolating through (0, s) is how one shows t shares fit any secret.
    if (s.x < 0n || s.x >= SHARE_FIELD_ORDER) throw new ShareError(`[${i}].x`, `${s.x} is not in [0, p)`);
    if (s.y < 0n || s.y >= SHARE_FIELD_ORDER) throw new ShareError(`[${i}].y`, `${s.y} is not in [0, p)`);
    if (seen.has(s.x)) throw new ShareError(`[${i}].x`, `holder ${s.x} appears twice`);
    seen.add(s.x);
  });
}

/** The value at `x` of the polynomial of least degree through `shares` (Lagrange interpolation). */
export function interpolateAt(shares: readonly Share[], x: bigint): bigint {
  checkShares(shares);
  const at = Fp.create(x);
  let result = 0n;
  for (let i = 0; i < shares.length; i++) {
    let numerator = 1n;
    let denominator = 1n;
    for (let j = 0; j < shares.length; j++) {
      if (i === j) continue;
      numerator = Fp.mul(numerator, Fp.sub(at, shares[j].x));
      denominator = Fp.mul(denominator, Fp.sub(shares[i].x, shares[j].x));
    }
    result = Fp.add(result, Fp.mul(shares[i].y, Fp.div(numerator, denominator)));
  }
  return result;
}

/**
 * The secret f(0) from shares. With `threshold` t given, fewer than t+1 shares throw instead of
 * returning a meaningless value.
 */
export function reconstruct(shares: readonly Share[], threshold?: number): bigint {
  if (threshold !== undefined && shares.length < threshold + 1) {
    throw new ShareError("count", `${shares.length} share(s) given, t+1 = ${threshold + 1} are needed`);
  }
  return interpolateAt(shares, 0n);
}

/** [s1]_i + [s2]_i: a share of s1 + s2 (formula 6). Both shares must belong to the same holder. */
export function addShares(a: Share, b: Share): Share {
  if (a.x !== b.x) throw new ShareError("x", `cannot add the share of holder ${a.x} to the share of holder ${b.x}`);
  return { x: a.x, y: Fp.add(a.y, b.y) };
}

/** c·[s]_i: a share of c·s (formula 5). */
export function scaleShare(s: Share, c: bigint): Share {
  return { x: s.x, y: Fp.mul(s.y, Fp.create(c)) };
}

export interface SecureSumResult {
  /** Σ inputs mod p, reconstructed from the node sums. */
  total: bigint;
  /** What node j ends with: the sum of the shares it received (a share of the total). */
  nodeSums: Share[];
  /** received[j][i]: the share of party i's input held by node j (all a node ever sees). */
  received: Share[][];
  /** The nodes (1-based) whose sums were combined. */
  reconstructedFrom: bigint[];
}

/**
 * Simulates the secure-sum protocol: each party shares its private input among `n` computing
 * nodes (threshold t); each node adds the shares it received; any t+1 node sums reconstruct the
 * total, while no node (nor any t of them) learns any single input.
 *
 * `n` defaults to the number of parties (every party is also a node, as in the paper).
 * `from` picks the t+1 (or more) nodes whose sums are combined (default: nodes 1…t+1).
 */
export function secureSum(
  inputs: readonly bigint[],
  options: { t: number; n?: number; from?: readonly number[] },
): SecureSumResult {
  if (inputs.length === 0) throw new ShareError("inputs", "at least one party is needed");
  inputs.forEach((input, i) => checkSecret(input, `inputs[${i}]`));
  const n = options.n ?? inputs.length;
  const { t } = options;
  checkScheme(n, t);
  const dealt = inputs.map((input) => share(input, n, t));
  const received = Array.from({ length: n }, (_, j) => dealt.map((shares) => shares[j]));
  const nodeSums = received.map((shares) => shares.reduce(addShares));
  const from = options.from ?? Array.from({ length: t + 1 }, (_, i) => i + 1);
  for (const node of from) {
    if (!Number.isInteger(node) || node < 1 || node > n) throw new ShareError("from", `node ${node} is not in 1…${n}`);
  }
  const total = reconstruct(
    from.map((node) => nodeSums[node - 1]),
    t,
  );
  return { total, nodeSums, received, reconstructedFrom: from.map(BigInt) };
}
