// Seeded randomness for the strategies that need it (random groupings, Louvain), so that the same
// --seed gives the same partition.json. Hand-written rather than a dependency: mulberry32 is a
// well-known 32-bit generator of a few lines, plenty for shuffling a few thousand devices, and
// Math.random cannot be seeded.

/** A uniform generator on [0, 1) from a 32-bit seed (mulberry32). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * One seed per use from the user's seed and a label (e.g. "random-3-2"), so that the draws of
 * different strategies are independent yet all follow from --seed. FNV-1a over the label, mixed
 * with the seed.
 */
export function deriveSeed(seed: number, label: string): number {
  let hash = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < label.length; i += 1) {
    hash ^= label.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}
