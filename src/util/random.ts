// A small seeded PRNG. Hand-written because the generator must give byte-identical logs for
// the same seed on every machine and every future install: Math.random cannot be seeded, and
// a library's generator could change its stream between versions. sfc32 (Chris Doty-Humphrey's
// Small Fast Counting generator, from PractRand) passes PractRand, has a 128-bit
// state with a guaranteed minimum period of 2^32 and runs on 32-bit integer operations, which
// JavaScript does exactly. Its state is filled by splitmix32, the usual way to spread a small
// integer seed over the whole state.

/** A stream of uniform numbers in [0, 1), plus the few helpers the generator needs. */
export interface Random {
  /** A uniform float in [0, 1). */
  next(): number;
  /** A uniform integer in [0, n). */
  int(n: number): number;
  /** Shuffles the array in place (Fisher–Yates) and returns it. */
  shuffle<T>(items: T[]): T[];
}

function splitmix32(seed: number): () => number {
  let state = seed | 0;
  return () => {
    state = (state + 0x9e3779b9) | 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
}

const TWO_POW_32 = 4294967296;
// sfc32's authors discard the first outputs so that similar seeds diverge before use.
const WARM_UP_ROUNDS = 12;

/**
 * A seeded sfc32 stream. `stream` picks an independent stream for the same seed, so two
 * phases of one computation can each draw without shifting the other.
 */
export function createRandom(seed: number, stream = 0): Random {
  if (!Number.isSafeInteger(seed)) throw new RangeError(`seed must be a safe integer, got ${seed}`);
  // Fold the high bits in, so seeds that differ only above 2^32 still differ.
  const low = seed % TWO_POW_32;
  const high = Math.floor(seed / TWO_POW_32);
  const mix = splitmix32((low ^ Math.imul(high, 0x27d4eb2d) ^ Math.imul(stream + 1, 0x165667b1)) | 0);
  let a = mix();
  let b = mix();
  let c = mix();
  let d = mix();
  const next = (): number => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / TWO_POW_32;
  };
  for (let i = 0; i < WARM_UP_ROUNDS; i += 1) next();
  return {
    next,
    int: (n) => Math.floor(next() * n),
    shuffle<T>(items: T[]): T[] {
      for (let i = items.length - 1; i > 0; i -= 1) {
        const j = Math.floor(next() * (i + 1));
        [items[i], items[j]] = [items[j], items[i]];
      }
      return items;
    },
  };
}
