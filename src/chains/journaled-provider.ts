import { EventEmitter } from "node:events";
import path from "node:path";
import { isHexString, keccak256, toQuantity } from "ethers";
import type { EIP1193Provider, EthereumProvider, JsonRpcRequest, JsonRpcResponse, RequestArguments } from "hardhat/types";
import { ChainError, RefusedMethodError, ReplayMismatchError } from "./errors";
import { JOURNAL_FILE, JournalWriter, type JournalBlock, type JournalContents } from "./journal";
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
 * answering the request that mined it, and refuses the methods a journal cannot replay. Requests
 * run one at a time, so the journal order is the block order and no reader sees a block that is
 * not yet on disk.
 */
export class JournaledProvider extends EventEmitter implements EthereumProvider {
  private tail: Promise<unknown> = Promise.resolve();
  private height: number;

  constructor(
    private readonly inner: EIP1193Provider,
    private readonly writer: JournalWriter,
    readonly chain: string,
    journaledHeight: number,
  ) {
    super();
    this.height = journaledHeight;
    for (const event of FORWARDED_EVENTS) inner.on(event, (...args: unknown[]) => this.emit(event, ...args));
  }

  /** The number of the last block on disk. */
  get journaledHeight(): number {
    return this.height;
  }

  request(args: RequestArguments): Promise<unknown> {
    if (REFUSED_METHODS.has(args.method)) return Promise.reject(new RefusedMethodError(args.method, this.chain));
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
        callback(error, { jsonrpc: "2.0", id: payload.id, error: { code: error.code ?? -32603, message: error.message ?? String(error) } }),
    );
  }

  /** Closes the journal; the provider must not be used afterwards. */
  close(): void {
    this.writer.close();
  }

  private async handle(args: RequestArguments): Promise<unknown> {
    if (READ_ONLY_METHODS.has(args.method)) return this.inner.request(args);
    // The signed bytes a client sent are the bytes to journal; keeping them spares rebuilding
    // (and re-hashing) the transaction from its RPC form, the costly part of journaling.
    const submitted = new Map<string, string>();
    const raw = args.method === "eth_sendRawTransaction" && Array.isArray(args.params) ? args.params[0] : undefined;
    if (typeof raw === "string" && isHexString(raw)) submitted.set(keccak256(raw), raw);
    try {
      return await this.inner.request(monotonicMine(args));
    } finally {
      // Also after a failed request: a reverted transaction is still mined into a block.
      await this.journalNewBlocks(submitted);
    }
  }

  private async journalNewBlocks(submitted: ReadonlyMap<string, string>): Promise<void> {
    // Fetching the latest block whole answers "was anything mined?" and, in the usual case of
    // one new block, also gives that block: one call instead of two.
    const fetch = async (tag: string) => (await this.inner.request({ method: "eth_getBlockByNumber", params: [tag, true] })) as RpcBlock;
    const latest = await fetch("latest");
    const head = Number(latest.number);
    if (head <= this.height) return;
    const records: JournalBlock[] = [];
    for (let number = this.height + 1; number < head; number++) records.push(journalBlock(await fetch(toQuantity(number)), submitted));
    records.push(journalBlock(latest, submitted));
    this.writer.append(records);
    this.height = head;
  }
}

/**
 * `hardhat_mine` with interval 0 still spaces its blocks one second apart (equal timestamps are
 * off), but EDR then dates the following block from the clock as if no time had passed, which can
 * put it before its parent — a chain no replay can rebuild. Asking for interval 1, which mines the
 * same blocks, keeps the clock after them.
 */
function monotonicMine(args: RequestArguments): RequestArguments {
  if (args.method !== "hardhat_mine" || !Array.isArray(args.params) || args.params.length < 2) return args;
  const [blocks, interval] = args.params as unknown[];
  // Anything but a zero interval (including a malformed one, which Hardhat itself rejects) passes.
  if (interval !== 0 && !(typeof interval === "string" && /^0x0+$/.test(interval))) return args;
  return { method: args.method, params: [blocks, "0x1"] };
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
    transactions: (block.transactions as RpcTransaction[]).map((tx) => submitted.get(tx.hash.toLowerCase()) ?? rawTransaction(tx)),
  };
}

/** Progress of a replay: blocks done out of all. */
export type ReplayProgress = (done: number, total: number) => void;

/**
 * Mines the journaled blocks again on a fresh chain with the same genesis: per block its
 * prevRandao, timestamp, base fee (and coinbase and gas limit where they changed), its raw
 * transactions queued in order, then one `evm_mine`. Each resulting hash must equal the journaled
 * one; the first that does not stops the replay with {@link ReplayMismatchError}.
 */
export async function replayBlocks(provider: EIP1193Provider, blocks: readonly JournalBlock[], file: string, onProgress?: ReplayProgress): Promise<void> {
  if (blocks.length === 0) return;
  const call = (method: string, params: unknown[] = []) => provider.request({ method, params });
  const start = (await call("eth_getBlockByNumber", ["latest", false])) as RpcBlock;
  if (Number(start.number) !== 0) throw new ChainError(`${file}: cannot replay onto a chain at block ${Number(start.number)}; it must be fresh`);
  let coinbase = ((await call("eth_coinbase")) as string).toLowerCase();
  let gasLimit = Number(start.gasLimit);
  await call("evm_setAutomine", [false]);
  for (const block of blocks) {
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
      throw new ChainError(`${file}: replaying block ${block.number} failed: ${(error as Error).message}`, { cause: error });
    }
    const mined = (await call("eth_getBlockByNumber", [toQuantity(block.number), false])) as RpcBlock;
    if (mined.hash !== block.hash) throw new ReplayMismatchError(file, block.number, "hash", block.hash, mined.hash);
    onProgress?.(block.number, blocks.length);
  }
  await call("evm_setAutomine", [true]);
}

/**
 * Moves the chain's clock to the wall clock after a start: Hardhat dates new blocks from the
 * genesis date, or after a replay from the last replayed block, as if the chain had never been
 * down. Never moves it back (a chain whose time was pushed ahead keeps it).
 */
export async function syncClock(provider: EIP1193Provider, nowSeconds: number = Math.floor(Date.now() / 1000)): Promise<void> {
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
}

/** How often the replay reports progress, in blocks. */
const REPLAY_REPORT_EVERY = 1000;

/**
 * Turns the fresh provider of a chain process into its persistent provider: opens the journal
 * (dropping a torn last line), checks or records the genesis block, replays every journaled block,
 * moves the clock to now, and returns the journaling wrapper. Call it before the server listens.
 */
export async function openPersistentProvider(inner: EIP1193Provider, options: PersistentProviderOptions): Promise<JournaledProvider> {
  const file = path.join(options.chainDir, JOURNAL_FILE);
  const chain = options.chain ?? path.basename(options.chainDir);
  const log = options.log ?? (() => undefined);
  const { writer, contents } = JournalWriter.open(file);
  try {
    if (contents.torn !== undefined) {
      log(`${file}: dropped a torn last line (line ${contents.torn.line}, ${contents.torn.bytes} bytes): its block was never acknowledged`);
    }
    await checkGenesis(inner, writer, contents, file);
    const total = contents.blocks.length;
    const started = Date.now();
    if (total > 0) log(`replaying ${total} blocks from ${file}`);
    await replayBlocks(inner, contents.blocks, file, (done) => {
      if (done % REPLAY_REPORT_EVERY === 0 && done < total) log(`replayed ${done}/${total} blocks`);
    });
    if (total > 0) {
      const seconds = (Date.now() - started) / 1000;
      log(`replayed ${total} blocks in ${seconds.toFixed(2)} s; head ${contents.blocks[total - 1].hash}`);
    }
    await syncClock(inner, options.now?.());
    return new JournaledProvider(inner, writer, chain, total);
  } catch (error) {
    writer.close();
    throw error;
  }
}

async function checkGenesis(inner: EIP1193Provider, writer: JournalWriter, contents: JournalContents, file: string): Promise<void> {
  const chainId = Number(await inner.request({ method: "eth_chainId" }));
  const block = (await inner.request({ method: "eth_getBlockByNumber", params: ["0x0", false] })) as RpcBlock;
  if (contents.genesis === undefined) {
    writer.append([{ kind: "genesis", version: 1, chainId, hash: block.hash, timestamp: Number(block.timestamp) }]);
    return;
  }
  if (contents.genesis.chainId !== chainId) throw new ReplayMismatchError(file, 0, "chain id", String(contents.genesis.chainId), String(chainId));
  if (contents.genesis.hash !== block.hash) throw new ReplayMismatchError(file, 0, "hash", contents.genesis.hash, block.hash);
}
