// Shared by the learning tests: a seeded source of the owners' round secrets, so a test's masks
// are the same on every run, and a χ² critical value.
import { chacha20 } from "@noble/ciphers/chacha.js";
import { createHash } from "node:crypto";
import type { RandomBytes } from "../../../src/learning";

/** Bytes from ChaCha20 keyed by SHA-256(seed, call number): reproducible, and uniform. */
export function seededBytes(seed: number): RandomBytes {
  let call = 0;
  return (length) => {
    const key = createHash("sha256").update(`test|${seed}|${call++}`).digest();
    return chacha20(new Uint8Array(key), new Uint8Array(12), new Uint8Array(length));
  };
}

/** The χ² statistic of `counts` against equal expected counts. */
export function chiSquare(counts: readonly number[]): number {
  const total = counts.reduce((a, b) => a + b, 0);
  const expected = total / counts.length;
  return counts.reduce((s, c) => s + (c - expected) ** 2 / expected, 0);
}

/**
 * The upper critical value of χ² with `df` degrees of freedom at tail probability p, by the
 * Wilson–Hilferty cube approximation (within 0.1 % for df ≥ 100); z the standard normal's upper
 * quantile at p (3.090 for p = 0.001).
 */
export function chiSquareCritical(df: number, z: number): number {
  const a = 2 / (9 * df);
  return df * (1 - a + z * Math.sqrt(a)) ** 3;
}
