import { EventEmitter } from "node:events";
import path from "node:path";
import { isHexString, keccak256, toQuantity } from "ethers";
import type {
  EIP1193Provider,
  EthereumProvider,
  JsonRpcRequest,
  JsonRpcResponse,
  RequestArguments,
} from "hardhat/types";
import { ChainError, MineCapError, RefusedMethodError, ReplayMismatchError } from "./errors";
import {
  JOURNAL_FILE,
  journalBlocks,
  JournalWriter,
  type JournalBlock,
  type JournalOpenOptions,
  type JournalSummary,
} from "./journal";
import { NODE_SIGNING_METHODS } from "./node-signing";
import { rawTransaction, type RpcTransaction } from "./raw-transaction";

/**
 * Methods whose effect on the chain is not visible in its blocks, so a replay could not restore
 * it: snapshots, impersonation, direct state edits, resets, and mining modes that mine without a
 * request (interval mining) or hold acknowledged transactions in a mempool (automine off). Also
 * every method that signs with a key the node holds ({@link NODE_SIGNING_METHODS}).
 */
export const REFUSED_METHODS: ReadonlySet<string> = new Set([
  ...NODE_SIGNING_METHODS,
  "evm_snapshot",
  "evm_revert",
  "evm_setAutomine",
  "evm_setIntervalMining",
  "hardhat_reset",
  "hardhat_impersonateAccount",
  "hardhat_stopImpersonatingAccount",
  "hardhat_setBalance",
  "hardhat_setCode",
  "hardhat_setNonce",
  "hardhat_setStorageAt",
]);

/**
 * Methods that cannot mine a block; every other method is followed by a check for new blocks.
 * Unknown methods are treated as possibly mining, so the list only has to be right, not complete.
 */
export const READ_ONLY_METHODS: ReadonlySet<string> = new Set([
  "eth_accounts",
  "eth_blobBaseFee",
  "eth_blockNumber",
  "eth_call",
  "eth_chainId",
  "eth_coinbase",
  "eth_estimateGas",
  "eth_feeHistory",
  "eth_gasPrice",
  "eth_getBalance",
  "eth_getBlockByHash",
  "eth_getBlockByNumber",
  "eth_getBlockTransactionCountByHash",
  "eth_getBlockTransactionCountByNumber",
  "eth_getCode",
  "eth_getFilterChanges",
  "eth_getFilterLogs",
  "eth_getLogs",
  "eth_getProof",
  "eth_getStorageAt",
  "eth_getTransactionByBlockHashAndIndex",
  "eth_getTransactionByBlockNumberAndIndex",
  "eth_getTransactionByHash",
  "eth_getTransactionCount",
  "eth_getTransactionReceipt",
  "eth_maxPriorityFeePerGas",
  "eth_mining",
  "eth_newBlockFilter",
  "eth_newFilter",
  "eth_newPendingTransactionFilter",
  "eth_protocolVersion",
  "eth_subscribe",
  "eth_syncing",
  "eth_uninstallFilter",
  "eth_unsubscribe",
  "net_listening",
  "net_peerCount",
  "net_version",
  "web3_clientVersion",
  "web3_sha3",
  "debug_traceCall",
  "debug_traceTransaction",
  "hardhat_getAutomine",
  "hardhat_metadata",
]);

/** Events of the wrapped provider that Hardhat's JSON-RPC server listens to (subscriptions). */
const FORWARDED_EVENTS = ["notification", "message"] as const;

/**
 * The most blocks one `hardhat_mine` may mine on a persistent chain. Every mined block is fetched
 * and journaled before the call returns, all behind the one write queue, so an unbounded count
 * would stall the chain for everyone (and fill the disk).
 */
export const MAX_MINE_BLOCKS = 1000;

/**
 * Reads of the chain's state at a block, and the position of their block tag. They skip the write
 * queue once pinned to the journaled height: "latest" (or "safe"/"finalized", which Hardhat takes
 * as latest, or no tag) becomes the number of the last block on disk. A block on disk is final
 * (nothing that could undo it is accepted), so such a read answers the same whatever write is in
 * flight, and never shows a block the journal does not hold yet. "pending", a number above the
 * journaled height and EIP-1898 block objects still queue behind the writes, as every read did.
 */
const PINNED_READS: ReadonlyMap<string, number> = new Map([
  ["eth_call", 1],
  ["eth_estimateGas", 1],
  ["eth_getBalance", 1],
  ["eth_getCode", 1],
  ["eth_getTransactionCount", 1],
  ["eth_getStorageAt", 2],
  ["eth_getProof", 2],
  ["eth_getBlockByNumber", 0],
  ["eth_getBlockTransactionCountByNumber", 0],
  ["eth_getTransactionByBlockNumberAndIndex", 0],
  ["debug_traceCall", 1],
]);

/** Reads that do not depend on the chain's blocks, which skip the write queue as they are. */
const UNPINNED_READS: ReadonlySet<string> = new Set([
  "eth_chainId",
  "net_version",
  "net_listening",
  "net_peerCount",
  "eth_protocolVersion",
  "eth_syncing",
  "eth_mining",
  "eth_accounts",
  "web3_clientVersion",
  "web3_sha3",
  "hardhat_getAutomine",
]);

/** Block tags Hardhat answers with its latest block (no tag: the same). */
const LATEST_TAGS: ReadonlySet<unknown> = new Set([undefined, "latest", "safe", "finalized"]);

/** A block as `eth_getBlockByNumber` returns it, the fields the journal needs. */
interface RpcBlock {
  number: string;
  hash: string;
  parentHash: string;
  timestamp: string;
  mixHash: string;
  baseFeePerGas: string;
  miner: string;
  gasLimit: string;
  transactions: RpcTransaction[] | string[];
}

/**
 * A provider in front of a chain's Hardhat network that journals every mined block before
 * answering the request that mined it, and refuses the methods a journal cannot replay. Writes
 * (anything that may mine) run one at a time, so the journal order is the block order; reads of
 * state skip that queue pinned to the journaled height (see {@link PINNED_READS}), so no reader
 * waits behind a write nor sees a block that is not yet on disk. Subscription events are held
 * back while a write is in flight and delivered once its blocks are journaled.
 */
export class JournaledProvider extends EventEmitter implements EthereumProvider {
  private tail: Promise<unknown> = Promise.resolve();
  private height: number;
  /** Whether a write is between its call to the chain and the end of its journaling. */
  private writing = false;
  private held: { event: string; args: unknown[] }[] = [];

  constructor(
    private readonly inner: EIP1193Provider,
    private readonly writer: JournalWriter,
    readonly chain: string,
    journaledHeight: number,
  ) {
    super();
    this.height = journaledHeight;
    for (const event of FORWARDED_EVENTS) inner.on(event, (...args: unknown[]) => this.forward(event, args));
  }

  /** The number of the last block on disk. */
  get journaledHeight(): number {
    return this.height;
  }

  request(args: RequestArguments): Promise<unknown> {
    if (REFUSED_METHODS.has(args.method)) return Promise.reject(new RefusedMethodError(args.method, this.chain));
    if (args.method === "hardhat_mine") {
      const count = mineCount(args.params);
      if (count !== undefined && count > BigInt(MAX_MINE_BLOCKS))
        return Promise.reject(new MineCapError(count, MAX_MINE_BLOCKS, this.chain));
    }
    // The chain in memory is ahead of a journal that failed to append: it answers nothing more.
    if (this.writer.failed !== undefined) return Promise.reject(this.writer.failed);
    const read = this.readOutsideQueue(args);
    if (read !== undefined) return read;
    const run = this.tail.then(() => this.handle(args));
    this.tail = run.catch(() => undefined);
    return run;
  }

  send(method: string, params?: unknown[]): Promise<unknown> {
    return this.request({ method, params });
  }

  sendAsync(payload: JsonRpcRequest, callback: (error: unknown, response: JsonRpcResponse) => void): void {
    this.request({ method: payload.method, params: payload.params }).then(
      (result) => callback(null, { jsonrpc: "2.0", id: payload.id, result }),
      (error: { code?: number; message?: string }) =>
        callback(error, {
          jsonrpc: "2.0",
          id: payload.id,
          error: { code: error.code ?? -32603, message: error.message ?? String(error) },
        }),
    );
  }

  /** Closes the journal (releasing its lock); the provider must not be used afterwards. */
  close(): void {
    this.writer.close();
  }

  private forward(event: string, args: unknown[]): void {
    // Events come from mining, which only a write does: while one is in flight, its blocks may
    // not be on disk yet.
    if (this.writing) this.held.push({ event, args });
    else this.emit(event, ...args);
  }

  /** A read that need not wait for the writes before it, or undefined when it must queue. */
  private readOutsideQueue(args: RequestArguments): Promise<unknown> | undefined {
    const params = Array.isArray(args.params) ? (args.params as unknown[]) : args.params === undefined ? [] : undefined;
    if (params === undefined) return undefined;
    if (args.method === "eth_blockNumber") return Promise.resolve(toQuantity(this.height));
    if (UNPINNED_READS.has(args.method)) return this.inner.request(args);
    if (args.method === "eth_getTransactionReceipt" || args.method === "eth_getBlockByHash") {
      // Asked by hash, so it cannot be pinned: an answer from a block not yet on disk is "not
      // mined yet", as it was a moment before. The height is read after the answer: it only grows.
      const field = args.method === "eth_getBlockByHash" ? "number" : "blockNumber";
      return this.inner.request(args).then((answer) => {
        const number = (answer as Record<string, unknown> | null)?.[field];
        return typeof number !== "string" || Number(number) <= this.height ? answer : null;
      });
    }
    const at = PINNED_READS.get(args.method);
    if (at === undefined || params.length < at) return undefined;
    const tag = params[at];
    const pinned = [...params];
    if (LATEST_TAGS.has(tag)) pinned[at] = toQuantity(this.height);
    else if (!(
      tag === "earliest" ||
      (typeof tag === "string" && isHexString(tag) && tag.length > 2 && Number(tag) <= this.height)
    ))
      return undefined;
    return this.inner.request({ method: args.method, params: pinned });
  }

  private async handle(args: RequestArguments): Promise<unknown> {
    if (READ_ONLY_METHODS.has(args.method)) return this.inner.request(args);
    // The signed bytes a client sent are the bytes to journal; keeping them spares rebuilding
    // (and re-hashing) the transaction from its RPC form, the costly part of journaling.
    const submitted = new Map<string, string>();
    const raw = args.method === "eth_sendRawTransaction" && Array.isArray(args.params) ? args.params[0] : undefined;
    if (typeof raw === "string" && isHexString(raw)) submitted.set(keccak256(raw), raw);
    this.writing = true;
    let journaled = false;
    try {
      return args.method === "hardhat_mine" ? await this.mineOneByOne(args.params) : await this.inner.request(args);
    } finally {
      try {
        // Also after a failed request: a reverted transaction is still mined into a block.
        await this.journalNewBlocks(submitted);
        journaled = true;
      } finally {
        this.writing = false;
        const held = this.held;
        this.held = [];
        // Events of blocks that never reached the disk are dropped with them.
        if (journaled) for (const { event, args: eventArgs } of held) this.emit(event, ...eventArgs);
      }
    }
  }

  /**
   * `hardhat_mine` as one `evm_mine` per block. For more than a few blocks EDR "reserves" them
   * instead of mining them (zero parent hash, miner and prevRandao, gas limit 1,000,000), blocks
   * no replay can mine again and no light client can link; mined one by one they are ordinary
   * blocks. The interval (default 1 s) moves the clock between blocks as hardhat_mine does.
   */
  private async mineOneByOne(params: unknown): Promise<unknown> {
    const count = mineCount(params);
    const interval = Array.isArray(params) ? (params as unknown[])[1] : undefined;
    const seconds =
      interval === undefined
        ? 1n
        : typeof interval === "number"
          ? BigInt(interval)
          : typeof interval === "string" && isHexString(interval) && interval.length > 2
            ? BigInt(interval)
            : undefined;
    // Malformed counts or intervals: Hardhat's own error.
    if (count === undefined || seconds === undefined)
      return this.inner.request({ method: "hardhat_mine", params: params as unknown[] });
    for (let i = 0n; i < count; i++) {
      if (i > 0n && seconds > 0n)
        await this.inner.request({ method: "evm_increaseTime", params: [toQuantity(seconds)] });
      await this.inner.request({ method: "evm_mine", params: [] });
    }
    return true;
  }

  private async journalNewBlocks(submitted: ReadonlyMap<string, string>): Promise<void> {
    // Fetching the latest block whole answers "was anything mined?" and, in the usual case of
    // one new block, also gives that block: one call instead of two.
    const fetch = async (tag: string) =>
      (await this.inner.request({ method: "eth_getBlockByNumber", params: [tag, true] })) as RpcBlock;
    const latest = await fetch("latest");
    const head = Number(latest.number);
    if (head <= this.height) return;
    const records: JournalBlock[] = [];
    for (let number = this.height + 1; number < head; number++)
      records.push(journalBlock(await fetch(toQuantity(number)), submitted));
    records.push(journalBlock(latest, submitted));
    this.writer.append(records);
    this.height = head;
  }
}

/** The block count of a `hardhat_mine` call (default 1), or undefined when malformed (Hardhat rejects it). */
function mineCount(params: unknown): bigint | undefined {
  const blocks = Array.isArray(params) ? (params as unknown[])[0] : undefined;
  if (blocks === undefined) return 1n;
  if (typeof blocks === "number" && Number.isSafeInteger(blocks)) return BigInt(blocks);
  if (typeof blocks === "string" && isHexString(blocks) && blocks.length > 2) return BigInt(blocks);
  return undefined;
}

/**
 * Closes the provider's journal, releasing its lock, when the chain process exits: on a normal
 * exit and on SIGTERM or SIGINT (which `chains:down` and Ctrl-C send), whose default action would
 * end the process without running exit handlers. A SIGKILL leaves a stale lock, which the next
 * start takes over.
 */
export function closeOnExit(provider: JournaledProvider): void {
  process.once("exit", () => provider.close());
  for (const [signal, code] of [
    ["SIGTERM", 143],
    ["SIGINT", 130],
  ] as const) {
    process.once(signal, () => process.exit(code));
  }
}

function journalBlock(block: RpcBlock, submitted: ReadonlyMap<string, string>): JournalBlock {
  return {
    kind: "block",
    number: Number(block.number),
    hash: block.hash,
    parentHash: block.parentHash,
    timestamp: Number(block.timestamp),
    prevRandao: block.mixHash,
    baseFeePerGas: block.baseFeePerGas,
    coinbase: block.miner,
    gasLimit: Number(block.gasLimit),
    transactions: (block.transactions as RpcTransaction[]).map(
      (tx) => submitted.get(tx.hash.toLowerCase()) ?? rawTransaction(tx),
    ),
  };
}

/** Progress of a replay: blocks done so far. */
export type ReplayProgress = (done: number) => void;

/**
 * Mines the journaled blocks again on a fresh chain with the same genesis: per block its
 * prevRandao, timestamp (blocks may share one: equal timestamps are allowed on commchain chains),
 * base fee (and coinbase and gas limit where they changed), its raw transactions queued in order,
 * then one `evm_mine`. Each resulting hash must equal the journaled one; the first that does not
 * stops the replay with {@link ReplayMismatchError}. The blocks may be streamed from the journal;
 * returns how many were replayed.
 */
export async function replayBlocks(
  provider: EIP1193Provider,
  blocks: Iterable<JournalBlock>,
  file: string,
  onProgress?: ReplayProgress,
): Promise<number> {
  const call = (method: string, params: unknown[] = []) => provider.request({ method, params });
  let coinbase = "";
  let gasLimit = 0;
  let done = 0;
  for (const block of blocks) {
    if (done === 0) {
      const start = (await call("eth_getBlockByNumber", ["latest", false])) as RpcBlock;
      if (Number(start.number) !== 0)
        throw new ChainError(`${file}: cannot replay onto a chain at block ${Number(start.number)}; it must be fresh`);
      coinbase = ((await call("eth_coinbase")) as string).toLowerCase();
      gasLimit = Number(start.gasLimit);
      await call("evm_setAutomine", [false]);
    }
    try {
      await call("hardhat_setPrevRandao", [block.prevRandao]);
      await call("evm_setNextBlockTimestamp", [toQuantity(block.timestamp)]);
      await call("hardhat_setNextBlockBaseFeePerGas", [block.baseFeePerGas]);
      if (block.coinbase.toLowerCase() !== coinbase) {
        coinbase = block.coinbase.toLowerCase();
        await call("hardhat_setCoinbase", [block.coinbase]);
      }
      if (block.gasLimit !== gasLimit) {
        gasLimit = block.gasLimit;
        await call("evm_setBlockGasLimit", [toQuantity(block.gasLimit)]);
      }
      for (const raw of block.transactions) await call("eth_sendRawTransaction", [raw]);
      await call("evm_mine");
    } catch (error) {
      throw new ChainError(`${file}: replaying block ${block.number} failed: ${(error as Error).message}`, {
        cause: error,
      });
    }
    const mined = (await call("eth_getBlockByNumber", [toQuantity(block.number), false])) as RpcBlock;
    if (mined.hash !== block.hash) throw new ReplayMismatchError(file, block.number, "hash", block.hash, mined.hash);
    done++;
    onProgress?.(done);
  }
  if (done > 0) await call("evm_setAutomine", [true]);
  return done;
}

/**
 * Moves the chain's clock to the wall clock after a start: Hardhat dates new blocks from the
 * genesis date, or after a replay from the last replayed block, as if the chain had never been
 * down. Never moves it back (a chain whose time was pushed ahead keeps it).
 */
export async function syncClock(
  provider: EIP1193Provider,
  nowSeconds: number = Math.floor(Date.now() / 1000),
): Promise<void> {
  const latest = (await provider.request({ method: "eth_getBlockByNumber", params: ["latest", false] })) as RpcBlock;
  const behind = nowSeconds - Number(latest.timestamp);
  if (behind > 0) await provider.request({ method: "evm_increaseTime", params: [behind] });
}

/** Options of {@link openPersistentProvider}. */
export interface PersistentProviderOptions {
  /** The chain's data directory (holds the journal). */
  chainDir: string;
  /** The chain's name, for messages; defaults to the directory's name. */
  chain?: string;
  /** Receives progress and warnings (the node's log). */
  log?: (line: string) => void;
  /** Wall clock in Unix seconds, for the clock sync. */
  now?: () => number;
  /** How the journal is opened (injected file system calls, stale-lock check). */
  journal?: JournalOpenOptions;
}

/** How often the replay reports progress, in blocks. */
const REPLAY_REPORT_EVERY = 1000;

/**
 * Turns the fresh provider of a chain process into its persistent provider: opens the journal
 * (dropping a torn last line), checks or records the genesis block, replays every journaled block,
 * moves the clock to now, and returns the journaling wrapper. Call it before the server listens.
 */
export async function openPersistentProvider(
  inner: EIP1193Provider,
  options: PersistentProviderOptions,
): Promise<JournaledProvider> {
  const file = path.join(options.chainDir, JOURNAL_FILE);
  const chain = options.chain ?? path.basename(options.chainDir);
  const log = options.log ?? (() => undefined);
  const { writer, contents } = JournalWriter.open(file, options.journal);
  try {
    if (contents.torn !== undefined) {
      log(
        `${file}: dropped a torn last line (line ${contents.torn.line}, ${contents.torn.bytes} bytes): its block was never acknowledged`,
      );
    }
    await checkGenesis(inner, writer, contents, file);
    const total = contents.blockCount;
    const started = Date.now();
    if (total > 0) log(`replaying ${total} blocks from ${file}`);
    // Streamed a second time from the file (the lock keeps it as scanned): no block list in memory.
    const replayed = await replayBlocks(inner, journalBlocks(file), file, (done) => {
      if (done % REPLAY_REPORT_EVERY === 0 && done < total) log(`replayed ${done}/${total} blocks`);
    });
    if (replayed !== total)
      throw new ChainError(
        `${file}: held ${total} blocks when opened but ${replayed} when replayed; was it changed meanwhile?`,
      );
    if (total > 0) {
      const seconds = (Date.now() - started) / 1000;
      log(`replayed ${total} blocks in ${seconds.toFixed(2)} s; head ${contents.head?.hash}`);
    }
    await syncClock(inner, options.now?.());
    return new JournaledProvider(inner, writer, chain, total);
  } catch (error) {
    writer.close();
    throw error;
  }
}

async function checkGenesis(
  inner: EIP1193Provider,
  writer: JournalWriter,
  contents: JournalSummary,
  file: string,
): Promise<void> {
  const chainId = Number(await inner.request({ method: "eth_chainId" }));
  const block = (await inner.request({ method: "eth_getBlockByNumber", params: ["0x0", false] })) as RpcBlock;
  if (contents.genesis === undefined) {
    writer.append([{ kind: "genesis", version: 1, chainId, hash: block.hash, timestamp: Number(block.timestamp) }]);
    return;
  }
  if (contents.genesis.chainId !== chainId)
    throw new ReplayMismatchError(file, 0, "chain id", String(contents.genesis.chainId), String(chainId));
  if (contents.genesis.hash !== block.hash)
    throw new ReplayMismatchError(file, 0, "hash", contents.genesis.hash, block.hash);
}
