/**
 * The light client: it keeps only the main chain's anchors (checkpoints loaded from the
 * AnchorHub's events) and verifies a record of any community chain from proofs served by an
 * untrusted full node:
 *
 * 1. the RecordLog's account, through its `eth_getProof` account proof, against the anchored
 *    state root (checked with `@ethereumjs/mpt`);
 * 2. the batch root, the batch's record range and the log's counters, through storage proofs
 *    against that account's storage root, at slots the client computes itself;
 * 3. the record, through its Merkle proof against the proven batch root.
 *
 * Every failure is a {@link VerificationError} whose `reason` names the check.
 */
import { verifyMerkleProof } from "@ethereumjs/mpt";
import { RLP } from "@ethereumjs/rlp";
import { getAddress } from "ethers";
import type { AnchorHub } from "../../typechain-types";
import {
  AccountProofError,
  BlockMismatchError,
  ChainNotAnchoredError,
  MerkleProofError,
  RecordFormatError,
  RecordMismatchError,
  RecordNeverWrittenError,
  RecordNotAnchoredError,
  StorageProofError,
  WrongRootError,
  AnchorError,
} from "./errors";
import { equalBytes, fromHex, processProof, toHex, type HexHash } from "./merkle";
import type { AccountProof, RecordProof, RecordProver } from "./prover";
import { decodeBatchRange, decodeCounters, recordSlots, countersSlot } from "./record-log-layout";
import { recordLeaf, validateRecord, type ChainRecord } from "./records";

/** A community chain's checkpoint as anchored on the main chain. */
export interface Anchor {
  readonly chainId: number;
  readonly height: number;
  readonly blockHash: HexHash;
  readonly stateRoot: HexHash;
  readonly parentHash: HexHash;
  /** The main-chain block the checkpoint was anchored in. */
  readonly mainBlock: number;
}

/** A record that passed light verification, with the anchor it was checked against. */
export interface VerifiedRecord {
  readonly record: ChainRecord;
  readonly batchId: number;
  readonly index: number;
  readonly root: HexHash;
  readonly anchor: Anchor;
}

const HASH_BYTES = 32;
/** A JSON-RPC quantity or data string (storage keys and values may come unpadded). */
const QUANTITY = /^0x[0-9a-fA-F]+$/;
/** Account RLP: [nonce, balance, storageRoot, codeHash]. */
const ACCOUNT_FIELDS = 4;
const STORAGE_ROOT_FIELD = 2;

/** Holds main-chain anchors of every community chain and verifies records against them. */
export class LightClient {
  private readonly anchors = new Map<number, Anchor[]>();
  private nextMainBlock = 0;

  /** @param hub the AnchorHub, connected to a main-chain provider */
  constructor(private readonly hub: AnchorHub) {}

  /** A light client with every anchor the hub holds so far. */
  static async load(hub: AnchorHub): Promise<LightClient> {
    const client = new LightClient(hub);
    await client.sync();
    return client;
  }

  /** Loads the anchors of main-chain blocks not seen yet; returns the new ones. */
  async sync(): Promise<Anchor[]> {
    const runner = this.hub.runner?.provider;
    if (runner === null || runner === undefined) throw new AnchorError("the light client's AnchorHub must be connected to a main-chain provider");
    const head = await runner.getBlockNumber();
    if (head < this.nextMainBlock) return [];
    const events = await this.hub.queryFilter(this.hub.filters.CheckpointAnchored(), this.nextMainBlock, head);
    const added = events.map((event): Anchor => ({
      chainId: Number(event.args.chainId),
      height: Number(event.args.height),
      blockHash: event.args.blockHash as HexHash,
      stateRoot: event.args.stateRoot as HexHash,
      parentHash: event.args.parentHash as HexHash,
      mainBlock: event.blockNumber,
    }));
    for (const anchor of added) {
      const list = this.anchors.get(anchor.chainId) ?? [];
      list.push(anchor);
      this.anchors.set(anchor.chainId, list);
    }
    this.nextMainBlock = head + 1;
    return added;
  }

  /** Chain ids with at least one anchor. */
  chains(): number[] {
    return [...this.anchors.keys()].sort((a, b) => a - b);
  }

  /** The anchors of `chainId`, oldest first. */
  anchorsOf(chainId: number): readonly Anchor[] {
    return this.anchors.get(chainId) ?? [];
  }

  /** The newest anchor of `chainId`, if any. */
  latestAnchor(chainId: number): Anchor | undefined {
    return this.anchorsOf(chainId).at(-1);
  }

  /**
   * Verifies record `recordId` of the RecordLog at `recordLog` on chain `chainId` against the
   * chain's latest anchor, with proofs from `prover`. Throws a {@link VerificationError} saying
   * why a record is rejected.
   */
  async verifyRecord(chainId: number, recordLog: string, recordId: number, prover: RecordProver): Promise<VerifiedRecord> {
    const anchor = this.latestAnchor(chainId);
    if (anchor === undefined) throw new ChainNotAnchoredError(`chain ${chainId} has no checkpoint anchored on the AnchorHub yet`);
    const proof = await prover.proveRecord(recordId, anchor.height);
    return verifyRecordProof(anchor, recordLog, recordId, proof);
  }
}

/**
 * Checks `proof` of record `recordId` of the RecordLog at `recordLog` against `anchor`; resolves
 * to the verified record or throws a {@link VerificationError}.
 */
export async function verifyRecordProof(anchor: Anchor, recordLog: string, recordId: number, proof: RecordProof): Promise<VerifiedRecord> {
  if (!Number.isSafeInteger(recordId) || recordId < 0) throw new RecordFormatError(`record id must be a non-negative integer, got ${recordId}`);
  if (proof.blockNumber !== anchor.height) {
    throw new BlockMismatchError(`the proof is made at block ${proof.blockNumber} but the anchor of chain ${anchor.chainId} is at block ${anchor.height}`);
  }
  const storageRoot = await verifyAccount(anchor, recordLog, proof.account);
  const slotValue = async (slot: HexHash, what: string) => verifyStorage(storageRoot, proof.account, slot, what);

  const counters = decodeCounters(await slotValue(countersSlot(), "the log's counters"));
  if (recordId >= counters.nextSequence) {
    const where = `chain ${anchor.chainId} held ${counters.nextSequence} records at its anchored block ${anchor.height}`;
    if (proof.latestNextSequence > recordId) {
      throw new RecordNotAnchoredError(`record ${recordId} was written after the last anchor: ${where}; anchor the chain again`);
    }
    throw new RecordNeverWrittenError(`record ${recordId} was never written: ${where}`);
  }
  const inclusion = proof.inclusion;
  if (inclusion === null) {
    throw new RecordMismatchError(`the full node served no record ${recordId} though chain ${anchor.chainId} held ${counters.nextSequence} records at block ${anchor.height}`);
  }

  const slots = recordSlots(inclusion.batchId);
  const root = await slotValue(slots.root, `batch ${inclusion.batchId}'s root`);
  const range = decodeBatchRange(await slotValue(slots.range, `batch ${inclusion.batchId}'s range`));
  const last = range.firstSequence + range.count - 1;
  if (range.count === 0 || recordId < range.firstSequence || recordId > last) {
    throw new RecordMismatchError(`record ${recordId} is not in batch ${inclusion.batchId}, which holds ${range.count === 0 ? "nothing" : `records ${range.firstSequence}..${last}`}`);
  }
  if (inclusion.index !== recordId - range.firstSequence) {
    throw new RecordMismatchError(`record ${recordId} is leaf ${recordId - range.firstSequence} of batch ${inclusion.batchId}, the full node says ${inclusion.index}`);
  }
  const provenRoot = toHex(wordBytes(root));
  if (inclusion.root.toLowerCase() !== provenRoot) {
    throw new WrongRootError(`batch ${inclusion.batchId}'s root is ${provenRoot} at the anchored block, the full node claims ${inclusion.root}`);
  }

  const record = inclusion.record;
  if (record.sequence !== recordId) {
    throw new RecordMismatchError(`the full node served record ${record.sequence} for record ${recordId}`);
  }
  try {
    validateRecord(record, `record ${recordId}`);
  } catch (error) {
    throw new RecordMismatchError((error as Error).message);
  }
  const leafProof = inclusion.leafProof.map((node, i) => {
    const bytes = hexOrNull(node);
    if (bytes === null || bytes.length !== HASH_BYTES) throw new MerkleProofError(`Merkle proof node ${i} of record ${recordId} is not a 32-byte hash: ${JSON.stringify(node)}`);
    return bytes;
  });
  const reached = processProof(recordLeaf(record), leafProof);
  if (!equalBytes(reached, wordBytes(root))) {
    throw new MerkleProofError(`record ${recordId}'s Merkle proof leads to ${toHex(reached)}, not to batch ${inclusion.batchId}'s root ${provenRoot}`);
  }
  return { record, batchId: inclusion.batchId, index: inclusion.index, root: provenRoot, anchor };
}

/** Checks the account proof against the anchored state root; returns the proven storage root. */
async function verifyAccount(anchor: Anchor, recordLog: string, account: AccountProof): Promise<Uint8Array> {
  let address: string;
  try {
    address = getAddress(account.address);
  } catch {
    throw new AccountProofError(`the account proof is for ${JSON.stringify(account.address)}, not an address`);
  }
  if (address !== getAddress(recordLog)) throw new AccountProofError(`the account proof is for ${address}, not the RecordLog ${getAddress(recordLog)}`);
  const nodes = proofNodes(account.accountProof, "account proof", (m) => new AccountProofError(m));
  let value: Uint8Array | null;
  try {
    value = await verifyMerkleProof(fromHex(address), nodes, { root: fromHex(anchor.stateRoot), useKeyHashing: true });
  } catch (error) {
    throw new AccountProofError(`the RecordLog's account proof does not lead to chain ${anchor.chainId}'s anchored state root ${anchor.stateRoot}`, { cause: error });
  }
  if (value === null) throw new AccountProofError(`no account ${address} in chain ${anchor.chainId}'s state at block ${anchor.height}`);
  const fields = RLP.decode(value) as Uint8Array[];
  if (!Array.isArray(fields) || fields.length !== ACCOUNT_FIELDS) throw new AccountProofError(`account ${address}'s proven value is not an account`);
  const storageRoot = fields[STORAGE_ROOT_FIELD];
  if (toHex(storageRoot) !== account.storageHash.toLowerCase()) {
    throw new AccountProofError(`account ${address}'s proven storage root is ${toHex(storageRoot)}, the full node claims ${account.storageHash}`);
  }
  return storageRoot;
}

/** Checks the storage proof of `slot`; returns the proven value. */
async function verifyStorage(storageRoot: Uint8Array, account: AccountProof, slot: HexHash, what: string): Promise<bigint> {
  const entry = account.storageProof.find((p) => typeof p.key === "string" && QUANTITY.test(p.key) && BigInt(p.key) === BigInt(slot));
  if (entry === undefined) throw new StorageProofError(`the full node gave no storage proof for slot ${slot} (${what})`);
  const nodes = proofNodes(entry.proof, `storage proof of ${what}`, (m) => new StorageProofError(m));
  let value: Uint8Array | null;
  try {
    value = await verifyMerkleProof(fromHex(slot), nodes, { root: storageRoot, useKeyHashing: true });
  } catch (error) {
    throw new StorageProofError(`the storage proof of ${what} (slot ${slot}) does not lead to the RecordLog's storage root ${toHex(storageRoot)}`, { cause: error });
  }
  const proven = value === null ? 0n : bytesToBigInt(RLP.decode(value) as Uint8Array);
  if (typeof entry.value !== "string" || !QUANTITY.test(entry.value)) {
    throw new StorageProofError(`the full node's value of ${what} is not hex: ${JSON.stringify(entry.value)}`);
  }
  if (BigInt(entry.value) !== proven) {
    throw new StorageProofError(`${what} (slot ${slot}) is proven to be ${proven}, the full node claims ${BigInt(entry.value)}`);
  }
  return proven;
}

function proofNodes(nodes: readonly string[], what: string, fail: (message: string) => Error): Uint8Array[] {
  // An empty proof would make @ethereumjs/mpt build an empty trie without checking any root.
  if (!Array.isArray(nodes) || nodes.length === 0) throw fail(`the ${what} is empty`);
  return nodes.map((node, i) => {
    const bytes = hexOrNull(node);
    if (bytes === null) throw fail(`node ${i} of the ${what} is not hex`);
    return bytes;
  });
}

function hexOrNull(hex: string): Uint8Array | null {
  try {
    return fromHex(hex);
  } catch {
    return null;
  }
}

function bytesToBigInt(bytes: Uint8Array): bigint {
  return bytes.length === 0 ? 0n : BigInt(toHex(bytes));
}

function wordBytes(word: bigint): Uint8Array {
  return fromHex(`0x${word.toString(16).padStart(2 * HASH_BYTES, "0")}`);
}
