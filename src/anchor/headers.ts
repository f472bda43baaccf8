/**
 * Block headers of community chains, rebuilt from `eth_getBlockByNumber` with
 * `@ethereumjs/block` into the RLP the AnchorHub hashes and parses. Every header is checked to
 * hash to the `hash` the node reported, so a header built with a missing or misread field (new
 * forks add fields: Hardhat's include the Cancun and Prague ones) is caught here and not by a
 * failed anchoring transaction.
 */
import { createBlockHeaderFromRPC, type JSONRPCBlock } from "@ethereumjs/block";
import { Common, Hardfork, Mainnet } from "@ethereumjs/common";
import { bytesToHex } from "@ethereumjs/util";
import { BlockHeaderError } from "./errors";
import type { HexHash } from "../records/merkle";

/** What the relay needs of a JSON-RPC endpoint: ethers' `JsonRpcApiProvider.send` has this shape. */
export interface RpcClient {
  send(method: string, params: unknown[]): Promise<unknown>;
}

/** A block header ready to anchor. */
export interface BlockHeader {
  readonly number: bigint;
  readonly hash: HexHash;
  readonly parentHash: HexHash;
  readonly stateRoot: HexHash;
  /** The RLP-encoded header, keccak256 of which is `hash`. */
  readonly rlp: `0x${string}`;
}

/**
 * The newest hardfork whose header fields `block` carries. The fork only decides which optional
 * fields go into the RLP; consensus rules are not checked (a light relay does not execute blocks).
 */
export function headerHardfork(block: Record<string, unknown>): Hardfork {
  if (block.blockAccessListHash !== undefined || block.slotNumber !== undefined) return Hardfork.Amsterdam;
  if (block.requestsHash !== undefined) return Hardfork.Prague;
  if (block.parentBeaconBlockRoot !== undefined) return Hardfork.Cancun;
  if (block.withdrawalsRoot !== undefined) return Hardfork.Shanghai;
  if (block.baseFeePerGas !== undefined)
    return BigInt(String(block.difficulty ?? "0x0")) === 0n ? Hardfork.Paris : Hardfork.London;
  return Hardfork.Berlin;
}

/**
 * Builds the header of an `eth_getBlockByNumber` result; throws {@link BlockHeaderError} if it
 * does not hash to the block's `hash`.
 */
export function headerFromRpc(block: JSONRPCBlock, chain = "chain"): BlockHeader {
  const common = new Common({ chain: Mainnet, hardfork: headerHardfork(block as unknown as Record<string, unknown>) });
  let header;
  try {
    header = createBlockHeaderFromRPC(block, { common, skipConsensusFormatValidation: true });
  } catch (error) {
    throw new BlockHeaderError(
      `${chain} block ${block.number}: cannot build its header (${(error as Error).message})`,
      { cause: error },
    );
  }
  const hash = bytesToHex(header.hash()) as HexHash;
  if (hash !== block.hash.toLowerCase()) {
    throw new BlockHeaderError(
      `${chain} block ${block.number}: header hashes to ${hash} but the node reports ${block.hash}`,
    );
  }
  return {
    number: header.number,
    hash,
    parentHash: bytesToHex(header.parentHash) as HexHash,
    stateRoot: bytesToHex(header.stateRoot) as HexHash,
    rlp: bytesToHex(header.serialize()),
  };
}

/** Fetches and checks the header of block `height` (or the latest block) of `rpc`. */
export async function fetchHeader(rpc: RpcClient, height: bigint | "latest", chain = "chain"): Promise<BlockHeader> {
  const tag = height === "latest" ? "latest" : `0x${height.toString(16)}`;
  const block = (await rpc.send("eth_getBlockByNumber", [tag, false])) as JSONRPCBlock | null;
  if (block === null || block === undefined)
    throw new BlockHeaderError(`${chain} has no block ${height === "latest" ? "latest" : height.toString()}`);
  return headerFromRpc(block, chain);
}

/**
 * Fetches headers `from .. to` (inclusive) and checks that each links to the one before it by
 * its parent hash.
 */
export async function fetchHeaders(rpc: RpcClient, from: bigint, to: bigint, chain = "chain"): Promise<BlockHeader[]> {
  const heights: bigint[] = [];
  for (let h = from; h <= to; h++) heights.push(h);
  const headers = await Promise.all(heights.map((h) => fetchHeader(rpc, h, chain)));
  for (let i = 1; i < headers.length; i++) {
    if (headers[i].parentHash !== headers[i - 1].hash) {
      throw new BlockHeaderError(
        `${chain} block ${headers[i].number}: parent hash ${headers[i].parentHash} is not block ${headers[i - 1].number}'s hash ${headers[i - 1].hash} (the chain reorganised while fetching, or its blocks were made with hardhat_mine, whose skipped blocks carry no parent hash)`,
      );
    }
  }
  return headers;
}
