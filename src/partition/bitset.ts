/**
 * Word-level helpers for the dense bitsets (Uint32Array rows) used by clique enumeration on the
 * small neighbourhoods of a degeneracy ordering.
 */

/** Number of set bits of a 32-bit word (SWAR popcount). */
export function popcount32(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  x = (x + (x >>> 4)) & 0x0f0f0f0f;
  return Math.imul(x, 0x01010101) >>> 24;
}

/** Number of 32-bit words needed for `bits` bits. */
export function wordsFor(bits: number): number {
  return (bits + 31) >>> 5;
}
