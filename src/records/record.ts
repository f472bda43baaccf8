/**
 * Records: one traffic-log communication as written to a community chain's RecordLog, and its
 * Merkle leaf. The leaf follows OpenZeppelin's StandardMerkleTree: the double keccak256 of the
 * ABI encoding of `(uint64 sequence, uint64 timestamp, string from, string to, uint64 bytes)`,
 * so a leaf can never be mistaken for an inner node (second-preimage resistance) and
 * `RecordLog.leafHash` computes the same value on chain.
 */
import { keccak_256 } from "@noble/hashes/sha3.js";
import { RecordFormatError } from "./errors";

/** One communication of the traffic log (a row `timestamp,from,to,bytes`). */
export interface Communication {
  /** Unix milliseconds. */
  readonly timestamp: number;
  /** Sending device id. */
  readonly from: string;
  /** Receiving device id. */
  readonly to: string;
  /** Bytes transferred (0 when the log does not say). */
  readonly bytes: number;
}

/** A communication as written on a chain: with its chain-local sequence number, its record id. */
export interface ChainRecord extends Communication {
  readonly sequence: number;
}

/** Solidity types of a record's leaf encoding, in order (for `@openzeppelin/merkle-tree`). */
export const RECORD_LEAF_TYPES = ["uint64", "uint64", "string", "string", "uint64"] as const;

/** Largest value a uint64 field may take and still be exact in a JS number. */
const MAX_FIELD = Number.MAX_SAFE_INTEGER;
const WORD = 32;
const HEAD_WORDS = 5;
const TWO_POW_32 = 2 ** 32;

const utf8 = new TextEncoder();

/** UTF-8 of recent device ids: a chain has few devices and every record names two of them. */
const idBytes = new Map<string, Uint8Array>();
const ID_CACHE_LIMIT = 4_096;

function encodeId(id: string): Uint8Array {
  let bytes = idBytes.get(id);
  if (bytes === undefined) {
    bytes = utf8.encode(id);
    if (idBytes.size >= ID_CACHE_LIMIT) idBytes.clear();
    idBytes.set(id, bytes);
  }
  return bytes;
}

/** The values of a record's leaf in {@link RECORD_LEAF_TYPES} order. */
export function recordLeafValues(record: ChainRecord): [number, number, string, string, number] {
  return [record.sequence, record.timestamp, record.from, record.to, record.bytes];
}

/** Throws {@link RecordFormatError} naming the field unless `record` is a valid record. */
export function validateRecord(record: ChainRecord, where = "record"): void {
  for (const field of ["sequence", "timestamp", "bytes"] as const) {
    const value = record[field];
    if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0 || value > MAX_FIELD) {
      throw new RecordFormatError(`${where}: field "${field}" must be an integer in [0, 2^53), got ${String(value)}`);
    }
  }
  for (const field of ["from", "to"] as const) {
    if (typeof record[field] !== "string" || record[field].length === 0) {
      throw new RecordFormatError(
        `${where}: field "${field}" must be a non-empty device id, got ${JSON.stringify(record[field])}`,
      );
    }
  }
}

/**
 * The ABI encoding of a record's leaf values. Hand-written instead of ethers' AbiCoder
 * because it runs once per record on the write path (tens of thousands per second); the test
 * suite checks it byte for byte against AbiCoder.
 */
export function encodeRecord(record: ChainRecord): Uint8Array {
  const from = encodeId(record.from);
  const to = encodeId(record.to);
  const fromWords = Math.ceil(from.length / WORD);
  const toWords = Math.ceil(to.length / WORD);
  const out = new Uint8Array(WORD * (HEAD_WORDS + 1 + fromWords + 1 + toWords));
  const view = new DataView(out.buffer);
  const fromOffset = WORD * HEAD_WORDS;
  const toOffset = fromOffset + WORD * (1 + fromWords);
  writeWord(view, 0, record.sequence);
  writeWord(view, 1, record.timestamp);
  writeWord(view, 2, fromOffset);
  writeWord(view, 3, toOffset);
  writeWord(view, 4, record.bytes);
  writeWord(view, fromOffset / WORD, from.length);
  out.set(from, fromOffset + WORD);
  writeWord(view, toOffset / WORD, to.length);
  out.set(to, toOffset + WORD);
  return out;
}

/** The record's Merkle leaf: keccak256(keccak256(abi.encode(...))). */
export function recordLeaf(record: ChainRecord): Uint8Array {
  return keccak_256(keccak_256(encodeRecord(record)));
}

/** Writes a non-negative safe integer as a big-endian 256-bit word at word index `word`. */
function writeWord(view: DataView, word: number, value: number): void {
  const end = (word + 1) * WORD;
  view.setUint32(end - 4, value >>> 0);
  view.setUint32(end - 8, Math.floor(value / TWO_POW_32));
}
