/**
 * The untrusted "full node" side of light verification: a node that follows a community chain
 * and holds its batch store answers "prove record N as of block H" with everything a light
 * client needs — the record, its Merkle proof in its batch, and the `eth_getProof` of the
 * RecordLog slots holding the batch's root and range and the log's counters at block H. Nothing
 * here is trusted: the light client checks it all against a main-chain anchor.
 */
import { RecordFormatError } from "../records/errors";
import { Interface } from "ethers";
import { RecordLog__factory } from "../../typechain-types";
import type { BatchStore } from "../records/batch-store";
import { ProverError } from "./errors";
import type { RpcClient } from "./headers";
import { MerkleTree, type HexHash } from "../records/merkle";
import { decodeCounters, recordSlots, countersSlot } from "../records/record-log-layout";
import { recordLeaf, type ChainRecord } from "../records/record";

/** One storage slot's EIP-1186 proof. */
export interface StorageProof {
  readonly key: string;
  readonly value: string;
  readonly proof: readonly string[];
}

/** An `eth_getProof` result (EIP-1186). */
export interface AccountProof {
  readonly address: string;
  readonly accountProof: readonly string[];
  readonly balance: string;
  readonly codeHash: string;
  readonly nonce: string;
  readonly storageHash: string;
  readonly storageProof: readonly StorageProof[];
}

/** A record in its batch, as the full node serves it. */
export interface BatchInclusion {
  readonly batchId: number;
  /** The record's leaf index in the batch. */
  readonly index: number;
  /** The batch root the node claims (must equal the proven storage value). */
  readonly root: HexHash;
  readonly record: ChainRecord;
  /** Sibling hashes from the record's leaf to the root. */
  readonly leafProof: readonly HexHash[];
}

/** Everything a light client needs to check record `recordId` as of block `blockNumber`. JSON-safe. */
export interface RecordProof {
  readonly chainId: number;
  readonly recordLog: string;
  readonly recordId: number;
  readonly blockNumber: number;
  /** The record and its Merkle proof; null when the log held no such record at `blockNumber`. */
  readonly inclusion: BatchInclusion | null;
  /** Records in the log at the node's latest block: an unproven hint telling "newer than the anchor" from "never written". */
  readonly latestNextSequence: number;
  /** `eth_getProof` of the RecordLog at `blockNumber`: the counters slot, and the batch's root and range slots. */
  readonly account: AccountProof;
}

/** Serves record proofs; implementations are untrusted. */
export interface RecordProver {
  proveRecord(recordId: number, blockNumber: number): Promise<RecordProof>;
}

const recordLogInterface = new Interface(RecordLog__factory.abi);

/** A full node: a community chain's RPC (with historical state) and the chain's batch store. */
export class FullNodeProver implements RecordProver {
  /**
   * @param rpc JSON-RPC of the community chain (must answer `eth_getProof` at past blocks)
   * @param recordLog the chain's RecordLog address
   * @param store the chain's batch store
   */
  constructor(
    private readonly rpc: RpcClient,
    private readonly recordLog: string,
    private readonly store: BatchStore,
  ) {}

  async proveRecord(recordId: number, blockNumber: number): Promise<RecordProof> {
    if (!Number.isSafeInteger(recordId) || recordId < 0)
      throw new RecordFormatError(`record id must be a non-negative integer, got ${recordId}`);
    if (!Number.isSafeInteger(blockNumber) || blockNumber < 0)
      throw new RecordFormatError(`block number must be a non-negative integer, got ${blockNumber}`);
    const tag = `0x${blockNumber.toString(16)}`;
    const [chainId, counters, latest] = await Promise.all([
      this.rpc.send("eth_chainId", []).then((id) => Number(BigInt(id as string))),
      this.storageAt(countersSlot(), tag).then(decodeCounters),
      this.storageAt(countersSlot(), "latest").then(decodeCounters),
    ]);

    let inclusion: BatchInclusion | null = null;
    let slots: string[] = [countersSlot()];
    if (recordId < counters.nextSequence) {
      const batchId = Number(await this.call("batchOf", [recordId], tag));
      const batch = await this.store.read(batchId);
      const onChain = (await this.call("batch", [batchId], tag)) as { root: string };
      if (onChain.root.toLowerCase() !== batch.root) {
        throw new ProverError(
          `batch ${batchId} in ${this.store.dir} has root ${batch.root} but the RecordLog holds ${onChain.root}`,
        );
      }
      const index = recordId - batch.firstSequence;
      if (index < 0 || index >= batch.records.length) {
        throw new ProverError(
          `batch ${batchId} in ${this.store.dir} holds records ${batch.firstSequence}..${batch.firstSequence + batch.records.length - 1}, not ${recordId}`,
        );
      }
      const tree = MerkleTree.fromLeaves(batch.records.map(recordLeaf));
      inclusion = { batchId, index, root: batch.root, record: batch.records[index], leafProof: tree.proofHex(index) };
      const s = recordSlots(batchId);
      slots = [s.root, s.range, s.counters];
    }
    const account = (await this.rpc.send("eth_getProof", [this.recordLog, slots, tag])) as AccountProof;
    return {
      chainId,
      recordLog: this.recordLog,
      recordId,
      blockNumber,
      inclusion,
      latestNextSequence: latest.nextSequence,
      account,
    };
  }

  private async storageAt(slot: string, tag: string): Promise<bigint> {
    return BigInt((await this.rpc.send("eth_getStorageAt", [this.recordLog, slot, tag])) as string);
  }

  private async call(method: "batchOf" | "batch", args: [number], tag: string): Promise<unknown> {
    // eth_call at a past block: ethers' contract calls take a blockTag only through overrides, and this keeps the prover on a bare RpcClient.
    const data = recordLogInterface.encodeFunctionData(method, args);
    const result = (await this.rpc.send("eth_call", [{ to: this.recordLog, data }, tag])) as string;
    return recordLogInterface.decodeFunctionResult(method, result)[0];
  }
}
