/**
 * Fixed-point encoding of the vectors secure aggregation sums, as Flower's SecAgg+ does it: each
 * value is clipped to [−clip, clip], shifted to [0, 2·clip] and quantised to an integer in
 * [0, q − 1] (round to nearest, so encoding is deterministic and the secure sum can be checked bit
 * for bit); the words are summed modulo 2^32. While n·(q − 1) < 2^32 the modular sum of n words
 * is their true sum, so decoding it is exact up to quantisation: n > 1,024 at q = 2^22 is refused
 * up front, never found out as a wrapped sum.
 */
import { LearningConfigError, SecAggOverflowError } from "../errors";

export interface EncodingParams {
  /** Values are clipped to [−clip, clip]. Flower's default 8.0. */
  clip: number;
  /** Quantisation levels. Flower's default 2^22. */
  q: number;
}

export const DEFAULT_ENCODING: EncodingParams = { clip: 8, q: 2 ** 22 };
/** The masks and the sums live modulo 2^32 (one machine word). */
export const MODULUS = 2 ** 32;

/** Throws `SecAggOverflowError` unless `owners` words of at most q − 1 sum below 2^32. */
export function checkNoOverflow(owners: number, params: EncodingParams = DEFAULT_ENCODING): void {
  checkParams(params);
  if (owners * (params.q - 1) >= MODULUS) throw new SecAggOverflowError(owners, params.q);
}

function checkParams({ clip, q }: EncodingParams): void {
  if (!(clip > 0 && Number.isFinite(clip)))
    throw new LearningConfigError("clip", `must be a positive number, got ${clip}`);
  if (!(Number.isSafeInteger(q) && q >= 2 && q <= MODULUS))
    throw new LearningConfigError("q", `must be an integer in [2, 2^32], got ${q}`);
}

/** The words of `values`, and how many values lay outside [−clip, clip] and were clipped. */
export function encodeVector(
  values: ArrayLike<number>,
  params: EncodingParams = DEFAULT_ENCODING,
): { words: Uint32Array; clipped: number } {
  checkParams(params);
  const { clip, q } = params;
  const words = new Uint32Array(values.length);
  let clipped = 0;
  const scale = (q - 1) / (2 * clip);
  for (let i = 0; i < values.length; i++) {
    let x = values[i];
    if (Number.isNaN(x)) throw new LearningConfigError(`values[${i}]`, "is NaN, which has no encoding");
    if (x > clip || x < -clip) {
      clipped++;
      x = x > clip ? clip : -clip;
    }
    words[i] = Math.round((x + clip) * scale);
  }
  return { words, clipped };
}

/** The real-valued sum of `summands` encoded vectors from their modular sum `words`. */
export function decodeSum(
  words: Uint32Array,
  summands: number,
  params: EncodingParams = DEFAULT_ENCODING,
): Float64Array {
  checkParams(params);
  const { clip, q } = params;
  const out = new Float64Array(words.length);
  const unit = (2 * clip) / (q - 1);
  for (let i = 0; i < words.length; i++) out[i] = words[i] * unit - summands * clip;
  return out;
}

/** `into += words` modulo 2^32, element by element (a Uint32Array stores the low 32 bits). */
export function addWords(into: Uint32Array, words: Uint32Array): void {
  for (let i = 0; i < into.length; i++) into[i] = into[i] + words[i];
}

/** `into −= words` modulo 2^32. */
export function subtractWords(into: Uint32Array, words: Uint32Array): void {
  for (let i = 0; i < into.length; i++) into[i] = into[i] - words[i];
}

/** The words as little-endian bytes (what crosses the wire, and what `keccak256` of an aggregate hashes). */
export function wordsToBytes(words: Uint32Array): Uint8Array {
  const bytes = new Uint8Array(words.length * 4);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < words.length; i++) view.setUint32(i * 4, words[i], true);
  return bytes;
}

/** The words of little-endian `bytes` (a multiple of 4 long). */
export function bytesToWords(bytes: Uint8Array): Uint32Array {
  if (bytes.length % 4 !== 0)
    throw new LearningConfigError("bytes", `${bytes.length} bytes is not a whole number of words`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const words = new Uint32Array(bytes.length / 4);
  for (let i = 0; i < words.length; i++) words[i] = view.getUint32(i * 4, true);
  return words;
}
