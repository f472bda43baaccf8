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
 * The anchors themselves are not taken on the main RPC's word: every `CheckpointAnchored` and
 * `ChainReset` log is checked against the AnchorHub's storage, proven with `eth_getProof`
 * against the state root of a main-chain block the client trusts (given by the user, or the
 * head pinned at the first sync, later heads having to descend from it). Checkpoints of an
 * epoch older than the chain's proven current epoch (an admin reset the chain) are refused.
 *
 * Every failure is a {@link VerificationError} whose `reason` names the check.
 */
import { RecordFormatError } from "../records/errors";
import { verifyMerkleProof } from "@ethereumjs/mpt";
import { RLP } from "@ethereumjs/rlp";
import { getAddress, type Provider } from "ethers";
import type { AnchorHub } from "../../typechain-types";
import {
  AccountProofError,
  BlockMismatchError,
  ChainNotAnchoredError,
  MerkleProofError,
  RecordMismatchError,
  RecordNeverWrittenError,
  RecordNotAnchoredError,
  StorageProofError,
  WrongRootError,
  AnchorError,
  MainChainProofError,
  StaleAnchorError,
} from "./errors";
import { checkpointSlots, decodeHubChainState, hubChainSlot, type HubChainState } from "./anchor-hub-layout";
import { fetchHeader, fetchHeaders, headerFromRpc, type BlockHeader, type RpcClient } from "./headers";
import { equalBytes, fromHex, processProof, toHex, type HexHash } from "../records/merkle";
import type { AccountProof, RecordProof, RecordProver } from "./prover";
import { decodeBatchRange, decodeCounters, recordSlots, countersSlot } from "../records/record-log-layout";
import { recordLeaf, validateRecord, type ChainRecord } from "../records/record";

/** A community chain's checkpoint as anchored on the main chain. */
export interface Anchor {
  readonly chainId: number;
  readonly height: number;
  /** The chain's epoch on the hub when the checkpoint was anchored (one more per `resetChain`). */
  readonly epoch: number;
  readonly blockHash: HexHash;
  readonly stateRoot: HexHash;
  readonly parentHash: HexHash;
  /** The main-chain block the checkpoint was anchored in. */
  readonly mainBlock: number;
}

/** A main-chain block whose state the light client proves the hub's checkpoints against. */
export interface TrustedMainBlock {
  readonly number: number;
  readonly hash: HexHash;
  readonly stateRoot: HexHash;
}

/** Options of a {@link LightClient}. */
export interface LightClientOptions {
  /**
   * Hash of a main-chain block the user trusts (read from their own node, a second provider, a
   * block explorer ...). Anchors are proven against its state and the client syncs no further
   * than it. Without it the main chain's head at the first sync is pinned (trust on first use)
   * and every later head must descend from the pinned block by parent hashes.
   */
  readonly trustedMainBlock?: string;
  /** The main chain's JSON-RPC for `eth_getProof` and headers; default the hub's provider. */
  readonly rpc?: RpcClient;
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
  private anchors = new Map<number, Anchor[]>();
  private epochs = new Map<number, number>();
  private nextMainBlock = 0;
  private trusted: TrustedMainBlock | undefined;

  /** @param hub the AnchorHub, connected to a main-chain provider */
  constructor(
    private readonly hub: AnchorHub,
    private readonly options: LightClientOptions = {},
  ) {}

  /** A light client with every anchor the hub holds so far. */
  static async load(hub: AnchorHub, options: LightClientOptions = {}): Promise<LightClient> {
    const client = new LightClient(hub, options);
    await client.sync();
    return client;
  }

  /** The main-chain block the anchors are proven against (undefined before the first sync). */
  get trustedMainBlock(): TrustedMainBlock | undefined {
    return this.trusted;
  }

  /**
   * Loads the anchors of main-chain blocks not seen yet, up to the trusted main block; returns
   * the new ones. Throws {@link MainChainProofError} (and keeps its state) if the main RPC's logs
   * or head do not match the hub's state proven against the trusted block.
   */
  async sync(): Promise<Anchor[]> {
    const provider = this.hub.runner?.provider;
    if (provider === null || provider === undefined)
      throw new AnchorError("the light client's AnchorHub must be connected to a main-chain provider");
    const rpc = this.options.rpc ?? rpcOf(provider);
    const tip = await this.mainTip(rpc);
    if (tip.number < this.nextMainBlock) return [];
    // Registrations and resets name the chains whose proven state reveals withheld checkpoint logs.
    const [anchoredLogs, resetLogs, registeredLogs] = await Promise.all([
      this.hub.queryFilter(this.hub.filters.CheckpointAnchored(), this.nextMainBlock, tip.number),
      this.hub.queryFilter(this.hub.filters.ChainReset(), this.nextMainBlock, tip.number),
      this.hub.queryFilter(this.hub.filters.ChainRegistered(), this.nextMainBlock, tip.number),
    ]);
    const added = anchoredLogs.map((event): Anchor => ({
      chainId: Number(event.args.chainId),
      height: Number(event.args.height),
      epoch: Number(event.args.epoch),
      blockHash: event.args.blockHash.toLowerCase() as HexHash,
      stateRoot: event.args.stateRoot.toLowerCase() as HexHash,
      parentHash: event.args.parentHash.toLowerCase() as HexHash,
      mainBlock: event.blockNumber,
    }));
    const chains = new Set([
      ...this.anchors.keys(),
      ...added.map((a) => a.chainId),
      ...[...resetLogs, ...registeredLogs].map((e) => Number(e.args.chainId)),
      ...this.epochs.keys(),
    ]);
    const states = await this.proveHub(rpc, tip, [...chains], added);

    // Nothing is kept unless every log and every chain's state checked out.
    const anchors = new Map([...this.anchors].map(([id, list]) => [id, [...list]]));
    for (const anchor of added) anchors.set(anchor.chainId, [...(anchors.get(anchor.chainId) ?? []), anchor]);
    for (const [chainId, state] of states) {
      const current = (anchors.get(chainId) ?? []).filter((a) => a.epoch === state.epoch).at(-1);
      // lastHeight equals trustedHeight only while the epoch holds no checkpoint yet
      const complete =
        state.lastHeight === state.trustedHeight ? current === undefined : current?.height === state.lastHeight;
      if (!complete) {
        throw new MainChainProofError(
          `the main chain's RPC withheld CheckpointAnchored logs: chain ${chainId} is proven anchored up to block ${state.lastHeight} in epoch ${state.epoch} at main block ${tip.number}, the logs reach ${current === undefined ? "no block of that epoch" : `block ${current.height}`}`,
        );
      }
    }
    this.anchors = anchors;
    this.epochs = new Map([...states].map(([chainId, state]) => [chainId, state.epoch]));
    this.nextMainBlock = tip.number + 1;
    this.trusted = tip;
    return added;
  }

  /** Chain ids with at least one anchor. */
  chains(): number[] {
    return [...this.anchors.keys()].filter((id) => this.anchorsOf(id).length > 0).sort((a, b) => a - b);
  }

  /** The anchors of `chainId` of every epoch, oldest first. */
  anchorsOf(chainId: number): readonly Anchor[] {
    return this.anchors.get(chainId) ?? [];
  }

  /** The chain's current epoch as proven on the hub (0 before any reset, or for an unknown chain). */
  epochOf(chainId: number): number {
    return this.epochs.get(chainId) ?? 0;
  }

  /** The newest anchor of `chainId` in its current epoch, if any. */
  latestAnchor(chainId: number): Anchor | undefined {
    const epoch = this.epochOf(chainId);
    return this.anchorsOf(chainId)
      .filter((a) => a.epoch === epoch)
      .at(-1);
  }

  /**
   * Verifies record `recordId` of the RecordLog at `recordLog` on chain `chainId` against the
   * chain's latest anchor (or its anchor at `at.height`), with proofs from `prover`. Throws a
   * {@link VerificationError} saying why a record is rejected.
   */
  async verifyRecord(
    chainId: number,
    recordLog: string,
    recordId: number,
    prover: RecordProver,
    at: { readonly height?: number } = {},
  ): Promise<VerifiedRecord> {
    let anchor: Anchor | undefined;
    if (at.height === undefined) {
      anchor = this.latestAnchor(chainId);
      if (anchor === undefined) {
        if (this.epochOf(chainId) > 0)
          throw new ChainNotAnchoredError(
            `chain ${chainId} has no checkpoint anchored on the AnchorHub since its reset to epoch ${this.epochOf(chainId)}`,
          );
        throw new ChainNotAnchoredError(`chain ${chainId} has no checkpoint anchored on the AnchorHub yet`);
      }
    } else {
      const matching = this.anchorsOf(chainId).filter((a) => a.height === at.height);
      anchor = matching.find((a) => a.epoch === this.epochOf(chainId)) ?? matching.at(-1);
      if (anchor === undefined)
        throw new ChainNotAnchoredError(`chain ${chainId} has no checkpoint anchored at block ${at.height}`);
    }
    this.assertCurrent(anchor);
    const proof = await prover.proveRecord(recordId, anchor.height);
    return verifyRecordProof(anchor, recordLog, recordId, proof);
  }

  /**
   * Verifies storage `slot` of `contract` (the `what`, for messages) on chain `chainId` against
   * the chain's latest anchor, with an `eth_getProof` from `rpc` (an untrusted full node of that
   * chain) at the anchored height. Throws {@link ChainNotAnchoredError} or a {@link VerificationError}.
   */
  async verifySlot(
    chainId: number,
    contract: string,
    slot: HexHash,
    rpc: RpcClient,
    what: string,
  ): Promise<VerifiedSlot> {
    const anchor = this.latestAnchor(chainId);
    if (anchor === undefined)
      throw new ChainNotAnchoredError(`chain ${chainId} has no checkpoint anchored on the AnchorHub yet`);
    this.assertCurrent(anchor);
    const account = (await rpc.send("eth_getProof", [
      contract,
      [slot],
      `0x${anchor.height.toString(16)}`,
    ])) as AccountProof;
    return verifySlotProof(anchor, contract, slot, account, what);
  }

  /** {@link verifyRecordProof}, after checking that `anchor` is of its chain's current epoch. */
  async verifyProof(anchor: Anchor, recordLog: string, recordId: number, proof: RecordProof): Promise<VerifiedRecord> {
    this.assertCurrent(anchor);
    return verifyRecordProof(anchor, recordLog, recordId, proof);
  }

  /** Throws {@link StaleAnchorError} unless `anchor` is of its chain's current epoch. */
  private assertCurrent(anchor: Anchor): void {
    const epoch = this.epochOf(anchor.chainId);
    if (anchor.epoch !== epoch) {
      throw new StaleAnchorError(
        `the checkpoint of chain ${anchor.chainId} at block ${anchor.height} belongs to epoch ${anchor.epoch}, but the chain was reset on the AnchorHub (resetChain) and is in epoch ${epoch}: checkpoints of earlier epochs are no longer valid`,
      );
    }
  }

  /** The main block to sync to: the user's trusted block, or the head, descending from the pinned one. */
  private async mainTip(rpc: RpcClient): Promise<TrustedMainBlock> {
    const given = this.options.trustedMainBlock;
    if (given !== undefined) {
      if (this.trusted !== undefined) return this.trusted;
      const block = await rpc.send("eth_getBlockByHash", [given, false]);
      if (block === null || block === undefined)
        throw new MainChainProofError(`the main chain's RPC has no block ${given} (the trusted main block)`);
      const header = headerFromRpc(block as Parameters<typeof headerFromRpc>[0], "main chain");
      if (header.hash !== given.toLowerCase())
        throw new MainChainProofError(
          `the main chain's RPC answered block ${header.hash} for the trusted main block ${given}`,
        );
      return trustedOf(header);
    }
    const head = await fetchHeader(rpc, "latest", "main chain");
    const pinned = this.trusted;
    if (pinned === undefined || head.number === BigInt(pinned.number)) {
      if (pinned !== undefined && head.hash !== pinned.hash) throw reorganised(pinned, head.hash);
      return trustedOf(head);
    }
    if (head.number < BigInt(pinned.number)) throw reorganised(pinned, `a head at block ${head.number}`);
    const linked = await fetchHeaders(rpc, BigInt(pinned.number), head.number, "main chain").catch((error: unknown) => {
      throw new MainChainProofError(
        `the main chain's head ${head.hash} does not descend from the pinned main block ${pinned.number} (${pinned.hash}): ${(error as Error).message}`,
        { cause: error },
      );
    });
    if (linked[0].hash !== pinned.hash) throw reorganised(pinned, linked[0].hash);
    return trustedOf(linked[linked.length - 1]);
  }

  /** Proves the hub's state of `chainIds` and the checkpoints of `added` at `tip`; returns the states. */
  private async proveHub(
    rpc: RpcClient,
    tip: TrustedMainBlock,
    chainIds: number[],
    added: readonly Anchor[],
  ): Promise<Map<number, HubChainState>> {
    const states = new Map<number, HubChainState>();
    if (chainIds.length === 0) return states;
    const hubAddress = await this.hub.getAddress();
    const slots = [
      ...chainIds.map((id) => hubChainSlot(id)),
      ...added.flatMap((a) => Object.values(checkpointSlots(a.chainId, a.epoch, a.height))),
    ];
    const proof = (await rpc.send("eth_getProof", [hubAddress, slots, `0x${tip.number.toString(16)}`])) as AccountProof;
    const fail = (message: string, options?: { cause?: unknown }) => new MainChainProofError(message, options);
    const storageRoot = await provenStorageRoot(fromHex(tip.stateRoot), hubAddress, proof, {
      what: "AnchorHub",
      state: `the trusted main block ${tip.number}'s state root ${tip.stateRoot}`,
      server: "the main chain's RPC",
      account: fail,
      storage: fail,
    });
    const slot = (key: HexHash, what: string) =>
      provenSlot(storageRoot, proof, key, what, { what: "AnchorHub", server: "the main chain's RPC", storage: fail });
    for (const chainId of chainIds) {
      const state = decodeHubChainState(await slot(hubChainSlot(chainId), `chain ${chainId}'s state on the hub`));
      if (!state.registered)
        throw new MainChainProofError(
          `the main chain's RPC served AnchorHub logs of chain ${chainId}, which is not registered on the hub at the trusted main block ${tip.number}`,
        );
      states.set(chainId, state);
    }
    for (const anchor of added) {
      const where = `the CheckpointAnchored log of chain ${anchor.chainId} block ${anchor.height} epoch ${anchor.epoch} (main block ${anchor.mainBlock})`;
      const stored = checkpointSlots(anchor.chainId, anchor.epoch, anchor.height);
      for (const field of ["blockHash", "stateRoot", "parentHash"] as const) {
        const proven = toHex(wordBytes(await slot(stored[field], `${where}'s ${field}`)));
        if (proven !== anchor[field]) {
          throw new MainChainProofError(
            `${where} says ${field} ${anchor[field]}, but the hub holds ${proven} at the trusted main block ${tip.number}: the main chain's RPC forged the log`,
          );
        }
      }
    }
    return states;
  }
}

function trustedOf(header: BlockHeader): TrustedMainBlock {
  return { number: Number(header.number), hash: header.hash, stateRoot: header.stateRoot };
}

function reorganised(pinned: TrustedMainBlock, found: string): MainChainProofError {
  return new MainChainProofError(
    `the main chain no longer holds the pinned main block ${pinned.number} (${pinned.hash}), its RPC answers ${found}: the main chain was reorganised or the RPC lies; load a new light client with a trusted main block`,
  );
}

/** The JSON-RPC of an ethers provider (JsonRpcProvider, BrowserProvider and Hardhat's all have `send`). */
function rpcOf(provider: Provider): RpcClient {
  const send = (provider as Partial<RpcClient>).send;
  if (typeof send !== "function")
    throw new AnchorError("the light client's main-chain provider has no JSON-RPC send(); pass options.rpc");
  return { send: (method, params) => send.call(provider, method, params) };
}

/**
 * Checks `proof` of record `recordId` of the RecordLog at `recordLog` against `anchor`; resolves
 * to the verified record or throws a {@link VerificationError}.
 */
export async function verifyRecordProof(
  anchor: Anchor,
  recordLog: string,
  recordId: number,
  proof: RecordProof,
): Promise<VerifiedRecord> {
  if (!Number.isSafeInteger(recordId) || recordId < 0)
    throw new RecordFormatError(`record id must be a non-negative integer, got ${recordId}`);
  if (proof.blockNumber !== anchor.height) {
    throw new BlockMismatchError(
      `the proof is made at block ${proof.blockNumber} but the anchor of chain ${anchor.chainId} is at block ${anchor.height}`,
    );
  }
  const storageRoot = await verifyAccount(anchor, recordLog, proof.account);
  const slotValue = async (slot: HexHash, what: string) => verifyStorage(storageRoot, proof.account, slot, what);

  const counters = decodeCounters(await slotValue(countersSlot(), "the log's counters"));
  if (recordId >= counters.nextSequence) {
    const where = `chain ${anchor.chainId} held ${counters.nextSequence} records at its anchored block ${anchor.height}`;
    if (proof.latestNextSequence > recordId) {
      throw new RecordNotAnchoredError(
        `record ${recordId} was written after the last anchor: ${where}; anchor the chain again`,
      );
    }
    throw new RecordNeverWrittenError(`record ${recordId} was never written: ${where}`);
  }
  const inclusion = proof.inclusion;
  if (inclusion === null) {
    throw new RecordMismatchError(
      `the full node served no record ${recordId} though chain ${anchor.chainId} held ${counters.nextSequence} records at block ${anchor.height}`,
    );
  }

  const slots = recordSlots(inclusion.batchId);
  const root = await slotValue(slots.root, `batch ${inclusion.batchId}'s root`);
  const range = decodeBatchRange(await slotValue(slots.range, `batch ${inclusion.batchId}'s range`));
  const last = range.firstSequence + range.count - 1;
  if (range.count === 0 || recordId < range.firstSequence || recordId > last) {
    throw new RecordMismatchError(
      `record ${recordId} is not in batch ${inclusion.batchId}, which holds ${range.count === 0 ? "nothing" : `records ${range.firstSequence}..${last}`}`,
    );
  }
  if (inclusion.index !== recordId - range.firstSequence) {
    throw new RecordMismatchError(
      `record ${recordId} is leaf ${recordId - range.firstSequence} of batch ${inclusion.batchId}, the full node says ${inclusion.index}`,
    );
  }
  const provenRoot = toHex(wordBytes(root));
  if (inclusion.root.toLowerCase() !== provenRoot) {
    throw new WrongRootError(
      `batch ${inclusion.batchId}'s root is ${provenRoot} at the anchored block, the full node claims ${inclusion.root}`,
    );
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
    if (bytes === null || bytes.length !== HASH_BYTES)
      throw new MerkleProofError(
        `Merkle proof node ${i} of record ${recordId} is not a 32-byte hash: ${JSON.stringify(node)}`,
      );
    return bytes;
  });
  const reached = processProof(recordLeaf(record), leafProof);
  if (!equalBytes(reached, wordBytes(root))) {
    throw new MerkleProofError(
      `record ${recordId}'s Merkle proof leads to ${toHex(reached)}, not to batch ${inclusion.batchId}'s root ${provenRoot}`,
    );
  }
  return { record, batchId: inclusion.batchId, index: inclusion.index, root: provenRoot, anchor };
}

/** A storage slot of a contract of a community chain, proven against one of the chain's anchors. */
export interface VerifiedSlot {
  readonly contract: string;
  readonly slot: HexHash;
  readonly value: bigint;
  readonly anchor: Anchor;
}

/**
 * Checks `account`, an `eth_getProof` of `contract` with `slot` at the anchor's height, against the
 * anchored state root and returns the slot's proven value: any state of a community chain (a token
 * balance, say) verified from the main chain's anchor, as records are. `what` names the contract
 * in messages. Throws {@link AccountProofError} or {@link StorageProofError}.
 */
export async function verifySlotProof(
  anchor: Anchor,
  contract: string,
  slot: HexHash,
  account: AccountProof,
  what: string,
): Promise<VerifiedSlot> {
  const storageRoot = await verifyAccount(anchor, contract, account, what);
  const value = await verifyStorage(storageRoot, account, slot, `slot ${slot}`, what);
  return { contract: getAddress(contract), slot, value, anchor };
}

/** Checks the account proof of `contract` (the `what`) against the anchored state root; returns the proven storage root. */
async function verifyAccount(
  anchor: Anchor,
  contract: string,
  account: AccountProof,
  what = "RecordLog",
): Promise<Uint8Array> {
  let address: string;
  try {
    address = getAddress(account.address);
  } catch {
    throw new AccountProofError(`the account proof is for ${JSON.stringify(account.address)}, not an address`);
  }
  if (address !== getAddress(contract))
    throw new AccountProofError(`the account proof is for ${address}, not the ${what} ${getAddress(contract)}`);
  return provenStorageRoot(fromHex(anchor.stateRoot), address, account, {
    what,
    state: `chain ${anchor.chainId}'s anchored state root ${anchor.stateRoot}`,
    server: "the full node",
    account: (m, o) => new AccountProofError(m, o),
    storage: (m, o) => new StorageProofError(m, o),
  });
}

/** Checks the storage proof of `slot`; returns the proven value. */
async function verifyStorage(
  storageRoot: Uint8Array,
  account: AccountProof,
  slot: HexHash,
  what: string,
  contract = "RecordLog",
): Promise<bigint> {
  return provenSlot(storageRoot, account, slot, what, {
    what: contract,
    server: "the full node",
    storage: (m, o) => new StorageProofError(m, o),
  });
}

/** Builds the error of a failed proof check. */
type ProofFailure = (message: string, options?: { cause?: unknown }) => Error;

/** Whose proof is checked, for messages, and the errors it fails with. */
interface ProofContext {
  /** The contract, e.g. "RecordLog". */
  readonly what: string;
  /** The state root checked against, e.g. "chain 1's anchored state root 0x…". */
  readonly state: string;
  /** Who served the proof. */
  readonly server: string;
  readonly account: ProofFailure;
  readonly storage: ProofFailure;
}

/**
 * Checks the `eth_getProof` account proof of `address` against `stateRoot` with
 * `@ethereumjs/mpt`; returns the proven storage root. Shared by record proofs (against an
 * anchored community state root) and hub proofs (against a trusted main-chain state root).
 */
async function provenStorageRoot(
  stateRoot: Uint8Array,
  address: string,
  account: AccountProof,
  context: ProofContext,
): Promise<Uint8Array> {
  if (typeof account !== "object" || account === null)
    throw context.account(`${context.server} served no account proof of the ${context.what}`);
  const nodes = proofNodes(account.accountProof, "account proof", (m) => context.account(m));
  let value: Uint8Array | null;
  try {
    value = await verifyMerkleProof(fromHex(address), nodes, { root: stateRoot, useKeyHashing: true });
  } catch (error) {
    throw context.account(`the ${context.what}'s account proof does not lead to ${context.state}`, { cause: error });
  }
  if (value === null) throw context.account(`no account ${address} (the ${context.what}) under ${context.state}`);
  const fields = RLP.decode(value) as Uint8Array[];
  if (!Array.isArray(fields) || fields.length !== ACCOUNT_FIELDS)
    throw context.account(`account ${address}'s proven value is not an account`);
  const storageRoot = fields[STORAGE_ROOT_FIELD];
  if (typeof account.storageHash !== "string" || toHex(storageRoot) !== account.storageHash.toLowerCase()) {
    throw context.account(
      `account ${address}'s proven storage root is ${toHex(storageRoot)}, ${context.server} claims ${account.storageHash}`,
    );
  }
  return storageRoot;
}

/** Checks the storage proof of `slot` against `storageRoot`; returns the proven value. */
async function provenSlot(
  storageRoot: Uint8Array,
  account: AccountProof,
  slot: HexHash,
  what: string,
  context: Pick<ProofContext, "what" | "server" | "storage">,
): Promise<bigint> {
  const entry = (Array.isArray(account.storageProof) ? account.storageProof : []).find(
    (p) => typeof p.key === "string" && QUANTITY.test(p.key) && BigInt(p.key) === BigInt(slot),
  );
  if (entry === undefined) throw context.storage(`${context.server} gave no storage proof for slot ${slot} (${what})`);
  const nodes = proofNodes(entry.proof, `storage proof of ${what}`, (m) => context.storage(m));
  let value: Uint8Array | null;
  try {
    value = await verifyMerkleProof(fromHex(slot), nodes, { root: storageRoot, useKeyHashing: true });
  } catch (error) {
    throw context.storage(
      `the storage proof of ${what} (slot ${slot}) does not lead to the ${context.what}'s storage root ${toHex(storageRoot)}`,
      { cause: error },
    );
  }
  const proven = value === null ? 0n : bytesToBigInt(RLP.decode(value) as Uint8Array);
  if (typeof entry.value !== "string" || !QUANTITY.test(entry.value)) {
    throw context.storage(`${context.server}'s value of ${what} is not hex: ${JSON.stringify(entry.value)}`);
  }
  if (BigInt(entry.value) !== proven) {
    throw context.storage(
      `${what} (slot ${slot}) is proven to be ${proven}, ${context.server} claims ${BigInt(entry.value)}`,
    );
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
