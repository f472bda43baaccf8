/**
 * Where AnchorHub keeps its state (its ERC-7201 namespace), so that a light client can compute
 * the storage slots of a chain's state and of a checkpoint and check them with `eth_getProof`
 * against a main-chain state root it trusts, instead of believing the main RPC's event logs.
 * Mirrors the layout documented in `contracts/anchor/AnchorHub.sol`.
 */
import { AbiCoder, keccak256, toBeHex } from "ethers";
import type { HexHash } from "../records/merkle";

/** `keccak256(abi.encode(uint256(keccak256("commchain.storage.AnchorHub")) - 1)) & ~bytes32(uint256(0xff))`. */
export const ANCHOR_HUB_STORAGE_SLOT: HexHash = "0x1f340cbc9f91a32a94128af80ece6542dc326b6f54f5becaef51291108b6a800";

const UINT64_MASK = (1n << 64n) - 1n;
const SLOT_BYTES = 32;
const REGISTERED_BIT = 192n;

/** A chain's state as packed in its slot. */
export interface HubChainState {
  readonly trustedHeight: number;
  readonly lastHeight: number;
  readonly epoch: number;
  readonly registered: boolean;
}

/** The three slots of a stored checkpoint. */
export interface CheckpointSlots {
  readonly blockHash: HexHash;
  readonly stateRoot: HexHash;
  readonly parentHash: HexHash;
}

const coder = AbiCoder.defaultAbiCoder();

function mappingSlot(key: number | bigint, slot: HexHash): HexHash {
  return keccak256(coder.encode(["uint256", "bytes32"], [key, slot])) as HexHash;
}

function slotPlus(slot: HexHash, offset: bigint): HexHash {
  return toBeHex(BigInt(slot) + offset, SLOT_BYTES) as HexHash;
}

/** Slot of `chains[chainId]` (a mapping at the namespace's first slot). */
export function hubChainSlot(chainId: number | bigint): HexHash {
  return mappingSlot(chainId, ANCHOR_HUB_STORAGE_SLOT);
}

/** Slots of `checkpoints[chainId][epoch][height]` (a mapping at the namespace's second slot). */
export function checkpointSlots(
  chainId: number | bigint,
  epoch: number | bigint,
  height: number | bigint,
): CheckpointSlots {
  const base = mappingSlot(height, mappingSlot(epoch, mappingSlot(chainId, slotPlus(ANCHOR_HUB_STORAGE_SLOT, 1n))));
  return { blockHash: base, stateRoot: slotPlus(base, 1n), parentHash: slotPlus(base, 2n) };
}

/** Unpacks a chain's state slot. */
export function decodeHubChainState(word: bigint): HubChainState {
  return {
    trustedHeight: Number(word & UINT64_MASK),
    lastHeight: Number((word >> 64n) & UINT64_MASK),
    epoch: Number((word >> 128n) & UINT64_MASK),
    registered: ((word >> REGISTERED_BIT) & 1n) === 1n,
  };
}
