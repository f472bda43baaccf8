/**
 * Content identifiers of off-chain objects.
 *
 * Every object is stored as ONE raw block addressed by a CIDv1 with the `raw` codec (0x55) and a
 * sha2-256 multihash (`bafkrei…`). Raw rather than UnixFS because the project stores opaque
 * envelopes, not files: the CID is then a pure function of the bytes, the same in Helia and in
 * Kubo (`block/put --cid-codec raw`), and `get` can prove the bytes match by hashing them once.
 * The price is a size limit: one block, at most `MAX_OBJECT_BYTES`.
 */
import { CID } from "multiformats/cid";
import * as raw from "multiformats/codecs/raw";
import { sha256 } from "multiformats/hashes/sha2";
import { InvalidCidError, ContentIntegrityError, ObjectTooLargeError } from "../errors";

/**
 * Largest object one raw block may hold. Bitswap refuses blocks over 2 MiB and Kubo's
 * `block/put` refuses blocks over 1 MiB without `--allow-big-block`; 1 MiB works everywhere.
 */
export const MAX_OBJECT_BYTES = 1024 * 1024;

/** The CID of `bytes` as this project stores them: CIDv1, raw codec, sha2-256. */
export async function cidOf(bytes: Uint8Array): Promise<CID> {
  if (bytes.length > MAX_OBJECT_BYTES) throw new ObjectTooLargeError(bytes.length, MAX_OBJECT_BYTES);
  return CID.createV1(raw.code, await sha256.digest(bytes));
}

/** Parses a CID string and checks it is a CIDv1 raw sha2-256 CID. */
export function parseCid(cid: string): CID {
  let parsed: CID;
  try {
    parsed = CID.parse(cid);
  } catch (err) {
    throw new InvalidCidError(cid, `not a CID (${(err as Error).message})`);
  }
  if (parsed.version !== 1) throw new InvalidCidError(cid, `CID version ${parsed.version}, expected 1`);
  if (parsed.code !== raw.code)
    throw new InvalidCidError(cid, `codec 0x${parsed.code.toString(16)}, expected raw (0x55)`);
  if (parsed.multihash.code !== sha256.code) {
    throw new InvalidCidError(cid, `multihash 0x${parsed.multihash.code.toString(16)}, expected sha2-256 (0x12)`);
  }
  return parsed;
}

/** Throws `ContentIntegrityError` unless `bytes` hash to `cid`. */
export async function verifyContent(cid: string, bytes: Uint8Array): Promise<void> {
  const expected = parseCid(cid);
  const actual = CID.createV1(raw.code, await sha256.digest(bytes));
  if (!actual.equals(expected)) throw new ContentIntegrityError(expected.toString(), actual.toString());
}
