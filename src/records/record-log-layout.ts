/**
 * Where RecordLog keeps its state (its ERC-7201 namespace), so that a light client can compute
 * the storage slots to prove from a batch id alone, trusting no one. Mirrors the layout
 * documented in `contracts/anchor/RecordLog.sol`.
 */
import { AbiCoder, keccak256, toBeHex } from "ethers";
import type { HexHash } from "./merkle";

/** `keccak256(abi.encode(uint256(keccak256("commchain.storage.RecordLog")) - 1)) & ~bytes32(uint256(0xff))`. */
export const RECORD_LOG_STORAGE_SLOT: HexHash = "0x342c992932cf04a6278e44713ba6aac075ba528a96d799c2e66035121d76ca00";

const UINT64_MASK = (1n << 64n) - 1n;
const UINT32_MASK = (1n << 32n) - 1n;
const SLOT_BYTES = 32;

/** A batch's range as packed in its second slot. */
export interface BatchRange {
  readonly firstSequence: number;
  readonly count: number;
}

/** The log's counters as packed in the namespace's second slot. */
export interface LogCounters {
  readonly nextSequence: number;
  readonly batchCount: number;
}

/** The three slots a record's proof reads. */
export interface RecordSlots {
  /** The batch's Merkle root. */
  readonly root: HexHash;
  /** The batch's `firstSequence` and `count`. */
  readonly range: HexHash;
  /** The log's `nextSequence` and `batchCount`. */
  readonly counters: HexHash;
}

/** Slot of `batches[batchId].root` (a mapping at the namespace's first slot). */
export function batchRootSlot(batchId: number | bigint): HexHash {
  return keccak256(
    AbiCoder.defaultAbiCoder().encode(["uint256", "bytes32"], [batchId, RECORD_LOG_STORAGE_SLOT]),
  ) as HexHash;
}

/** Slot of the packed `firstSequence`/`count` of batch `batchId`. */
export function batchRangeSlot(batchId: number | bigint): HexHash {
  return slotPlus(batchRootSlot(batchId), 1n);
}

/** Slot of the packed `nextSequence`/`batchCount`. */
export function countersSlot(): HexHash {
  return slotPlus(RECORD_LOG_STORAGE_SLOT, 1n);
}

/** All slots a proof of a record of batch `batchId` needs. */
export function recordSlots(batchId: number | bigint): RecordSlots {
  return { root: batchRootSlot(batchId), range: batchRangeSlot(batchId), counters: countersSlot() };
}

/** Unpacks a batch's range slot. */
export function decodeBatchRange(word: bigint): BatchRange {
  return { firstSequence: Number(word & UINT64_MASK), count: Number((word >> 64n) & UINT32_MASK) };
}

/** Unpacks the counters slot. */
export function decodeCounters(word: bigint): LogCounters {
  return { nextSequence: Number(word & UINT64_MASK), batchCount: Number((word >> 64n) & UINT64_MASK) };
}

function slotPlus(slot: HexHash, offset: bigint): HexHash {
  return toBeHex(BigInt(slot) + offset, SLOT_BYTES) as HexHash;
}
