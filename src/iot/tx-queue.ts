/**
 * The IoT unit's durable, exactly-once transaction queue.
 *
 * The problem: a device keeps producing while its chain is down, may crash at any moment, and
 * must neither lose a reading batch nor apply one twice. The design:
 *
 * 1. Sign at enqueue time, with an explicit nonce. The unit is the only sender for its account,
 *    so it keeps the nonce counter itself (persisted in the queue file: the entries' nonces) and
 *    never asks the chain for one after the queue is created. `enqueue` signs the transaction
 *    for the next nonce and appends its raw bytes and hash to the NDJSON file (`queue-file.ts`),
 *    fdatasync'ed before it resolves. From then on the transaction exists, whatever happens.
 * 2. Resending the same signed bytes can never apply twice: the nonce can be used once, and the
 *    bytes are the same transaction (same hash). So the sender may resend as often as it likes.
 *    When fees must change (the signed fee cap fell below the base fee) the nonce is signed again
 *    and the new signature appended; all signatures of a nonce are looked up, at most one mines.
 * 3. A sender drains the queue strictly in nonce order. For each entry: if a receipt for one of
 *    its hashes exists, it is done; otherwise, if the chain's nonce for the account is the entry's,
 *    `eth_sendRawTransaction` it ("already known" / "nonce too low" mean it is in, look the receipt
 *    up), then wait for the receipt. Only then is the entry marked done (a `done` line): a crash
 *    before that line repeats the receipt lookup, never the effect.
 * 4. Outages (connection refused, reset, timeout) are retried with exponential backoff, for as
 *    long as they last; the queue keeps growing durably meanwhile. Anything else that leaves the
 *    transaction unmined (the account cannot pay for gas, a nonce used by another sender) stalls
 *    the queue with a typed error, since every later nonce waits behind it. A transaction that
 *    is mined and reverts is settled as "reverted" and reported: its nonce is spent, later entries
 *    go on, and it is not retried.
 * 5. On restart the file is reloaded (a torn last line dropped) and draining resumes.
 *
 * Settling an entry calls `onSettled` before its `done` line is written, so a crash in between
 * repeats the callback: callbacks are at-least-once across crashes (exactly once otherwise), and
 * a callback that enqueues follow-up transactions must check whether it already did (the unit
 * tags follow-ups with their parent's nonce).
 *
 * One entry is in flight at a time. With automining chains (Hardhat, the project's local chains)
 * that costs nothing; on chains with block times it bounds throughput at one unit transaction per
 * block, which is the price of the simple in-order rule.
 */
import { EventEmitter } from "node:events";
import { keccak256, getAddress, toQuantity } from "ethers";
import { describeRevert } from "./abi";
import { ChainRequestError, IoTConfigError, QueueClosedError, QueueConflictError, QueueStalledError } from "./errors";
import {
  currentSignature,
  entryHashes,
  QueueFile,
  type JsonValue,
  type QueueEntry,
  type QueueOpenReport,
  type SettledStatus,
  type SignedTransaction,
} from "./queue-file";
import { isOutage, type ChainTransport } from "./transport";

/** What the caller asks to send. */
export interface TransactionDraft {
  /** What the transaction does ("readings", "record", …), carried to events and callbacks. */
  kind: string;
  to: string;
  data: string;
  /** Gas limit, fixed at signing time (the chain may be down: no estimate is possible). */
  gasLimit: bigint;
  value?: bigint;
  /** JSON kept with the entry and handed back when it settles. */
  meta?: { [key: string]: JsonValue };
}

/** EIP-1559 fees of a signature. */
export interface FeeQuote {
  maxFeePerGas: bigint;
  maxPriorityFeePerGas: bigint;
}

/** A signer that can sign offline (an ethers `Wallet`). */
export interface OfflineSigner {
  readonly address: string;
  signTransaction(tx: {
    type: number;
    chainId: number;
    nonce: number;
    to: string;
    data: string;
    value: bigint;
    gasLimit: bigint;
    maxFeePerGas: bigint;
    maxPriorityFeePerGas: bigint;
  }): Promise<string>;
}

/** One log of a receipt. */
export interface ReceiptLog {
  address: string;
  topics: string[];
  data: string;
  logIndex: number;
}

/** The receipt of a mined entry. */
export interface EntryReceipt {
  transactionHash: string;
  blockNumber: number;
  status: 0 | 1;
  gasUsed: bigint;
  logs: ReceiptLog[];
}

/** An entry that was mined, with its receipt. */
export interface SettledEntry {
  entry: QueueEntry;
  receipt: EntryReceipt;
  status: SettledStatus;
  /** Why it reverted (custom error with its arguments when known). */
  reason?: string;
}

/** Events of the queue. */
export interface TransactionQueueEvents {
  /** An entry was signed and is on disk. */
  queued: [entry: QueueEntry];
  /** An entry's signed bytes were handed to the chain. */
  sent: [entry: QueueEntry];
  /** An entry's nonce was signed again with higher fees. */
  resigned: [entry: QueueEntry, fees: FeeQuote];
  /** An entry was mined (applied or reverted) and marked done. */
  settled: [settled: SettledEntry];
  /** The chain could not be reached; the sender retries in `retryInMs`. */
  outage: [info: { error: Error; attempt: number; retryInMs: number }];
  /** The chain answers again after an outage. */
  recovered: [info: { downForMs: number }];
  /** The sender stopped on an error that retrying cannot fix; `resume()` after fixing it. */
  stalled: [error: Error];
}

/** Backoff of outage retries. */
export interface RetryPolicy {
  /** First delay, in ms. */
  initialMs: number;
  /** Largest delay, in ms. */
  maxMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { initialMs: 250, maxMs: 10_000 };
/** How often a sent entry's receipt is polled for. */
export const DEFAULT_POLL_INTERVAL_MS = 200;
/**
 * How long a sent entry may go without a receipt before its bytes are sent again (a chain that
 * restarted lost its mempool; resending the same bytes is harmless).
 */
export const DEFAULT_RESEND_AFTER_MS = 15_000;
/** Done entries that trigger a compaction of the file. */
export const DEFAULT_COMPACT_EVERY = 256;
/** Tip of auto fees: 1 gwei, what Hardhat and geth suggest on an idle chain. */
export const DEFAULT_PRIORITY_FEE = 1_000_000_000n;
/** Fee cap of auto fees before the chain was ever asked: 20 gwei, far above an idle local chain's base fee. */
export const FALLBACK_MAX_FEE = 20_000_000_000n;
/** EIP-1559 lets the base fee rise 12.5% a block; twice the base fee covers six full blocks in a row. */
const BASE_FEE_HEADROOM = 2n;
/** A replacement must raise both fees by at least 10% (geth's rule); 12.5% leaves a margin. */
const REPLACEMENT_BUMP_NUM = 9n;
const REPLACEMENT_BUMP_DEN = 8n;
/** How long a nonce the chain shows as used may wait for a receipt of ours before it is a conflict. */
export const DEFAULT_NONCE_USED_GRACE_MS = 3_000;

const KNOWN = /already known|known transaction|already imported|already in (the )?(mempool|pool|txpool)|alreadyknown/i;
const NONCE_LOW = /nonce too low|nonce is too low|oldnonce|nonce.*lower than|invalid nonce/i;
const FEE_LOW = /(max ?fee ?per ?gas|fee cap).*(too low|less than|lower than)|underpriced|feecaptoolow/i;

export interface TransactionQueueOptions {
  /** The queue file (created when missing; its directory too). */
  file: string;
  /** The unit's key; the queue assumes it is the only sender for this account. */
  signer: OfflineSigner;
  transport: ChainTransport;
  /** The chain id; asked of the chain when missing and the file is new. Checked against the file. */
  chainId?: number;
  /** The first nonce of a new file; asked of the chain (pending count) when missing. */
  startNonce?: number;
  /** Fixed fees; by default they follow the chain's base fee (see `DEFAULT_PRIORITY_FEE`). */
  fees?: FeeQuote;
  retry?: Partial<RetryPolicy>;
  pollIntervalMs?: number;
  resendAfterMs?: number;
  compactEvery?: number;
  /**
   * How long an entry whose nonce the chain shows as used may wait for its receipt (a node that
   * counts the nonce before it serves the receipt) before the queue calls it a conflict.
   */
  nonceUsedGraceMs?: number;
  /** Called for each mined entry before it is marked done (at-least-once across crashes). */
  onSettled?: (settled: SettledEntry) => Promise<void> | void;
}

interface RpcReceipt {
  transactionHash: string;
  blockNumber: string;
  status: string;
  gasUsed: string;
  logs: { address: string; topics: string[]; data: string; logIndex: string }[];
}

function parseReceipt(r: RpcReceipt): EntryReceipt {
  return {
    transactionHash: r.transactionHash,
    blockNumber: Number(r.blockNumber),
    status: Number(r.status) === 1 ? 1 : 0,
    gasUsed: BigInt(r.gasUsed),
    logs: r.logs.map((l) => ({
      address: getAddress(l.address),
      topics: l.topics,
      data: l.data,
      logIndex: Number(l.logIndex),
    })),
  };
}

/** A promise with its resolvers, for the idle and wake-up signals. */
function deferred<T>(): { promise: Promise<T>; resolve: (v: T) => void; reject: (e: unknown) => void } {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Signs `draft` for `nonce` with `fees`. */
export async function signEntry(
  signer: OfflineSigner,
  chainId: number,
  nonce: number,
  draft: { to: string; data: string; value: bigint; gasLimit: bigint },
  fees: FeeQuote,
): Promise<SignedTransaction> {
  const raw = await signer.signTransaction({
    type: 2,
    chainId,
    nonce,
    to: draft.to,
    data: draft.data,
    value: draft.value,
    gasLimit: draft.gasLimit,
    maxFeePerGas: fees.maxFeePerGas,
    maxPriorityFeePerGas: fees.maxPriorityFeePerGas,
  });
  return {
    hash: keccak256(raw),
    raw,
    maxFeePerGas: fees.maxFeePerGas,
    maxPriorityFeePerGas: fees.maxPriorityFeePerGas,
  };
}

/**
 * The queue as one class of about 400 lines, on purpose: its state (the nonce counter, the entry
 * list, the sender loop, the backoff, the stall) is one state machine whose invariants (strict
 * nonce order, done only after a receipt, one sender) hold across all its methods; split, each
 * part would need the others' private state. Signing and the file are already apart
 * (`signEntry` above, `queue-file.ts`).
 */
export class TransactionQueue extends EventEmitter<TransactionQueueEvents> {
  /** Called for each mined entry before it is marked done; set it before `start()`. */
  onSettled: ((settled: SettledEntry) => Promise<void> | void) | undefined;
  /** What opening the file found (created, torn line dropped). */
  readonly openReport: QueueOpenReport;

  private readonly retry: RetryPolicy;
  private readonly pollIntervalMs: number;
  private readonly resendAfterMs: number;
  private readonly compactEvery: number;
  private readonly nonceUsedGraceMs: number;
  private readonly fixedFees: FeeQuote | undefined;
  private autoFees: FeeQuote | undefined;
  private loop: Promise<void> | undefined;
  private closing = false;
  private readonly abort = new AbortController();
  private wakeUp = deferred<void>();
  private idleWaiters: { resolve: () => void; reject: (e: unknown) => void }[] = [];
  private stallError: Error | undefined;
  private chainChecked = false;
  private downSince: number | undefined;

  private constructor(
    private readonly file: QueueFile,
    private readonly signer: OfflineSigner,
    private readonly transport: ChainTransport,
    options: TransactionQueueOptions,
    openReport: QueueOpenReport,
  ) {
    super();
    this.openReport = openReport;
    this.onSettled = options.onSettled;
    this.retry = { ...DEFAULT_RETRY, ...options.retry };
    this.pollIntervalMs = options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS;
    this.resendAfterMs = options.resendAfterMs ?? DEFAULT_RESEND_AFTER_MS;
    this.compactEvery = options.compactEvery ?? DEFAULT_COMPACT_EVERY;
    this.nonceUsedGraceMs = options.nonceUsedGraceMs ?? DEFAULT_NONCE_USED_GRACE_MS;
    this.fixedFees = options.fees;
    if (!(this.retry.initialMs > 0 && this.retry.maxMs >= this.retry.initialMs)) {
      throw new IoTConfigError(
        "retry",
        `needs 0 < initialMs <= maxMs, got ${this.retry.initialMs} and ${this.retry.maxMs}`,
      );
    }
    if (!(this.compactEvery >= 1))
      throw new IoTConfigError("compactEvery", `must be at least 1, got ${this.compactEvery}`);
  }

  /**
   * Opens (or creates) the queue. Creating needs the chain id and the account's next nonce: from
   * the options, else from the chain (so the chain must be up the very first time, unless both are
   * given). Reopening needs nothing from the chain.
   */
  static async open(options: TransactionQueueOptions): Promise<TransactionQueue> {
    const account = getAddress(options.signer.address);
    let opened: { queue: QueueFile; report: QueueOpenReport };
    try {
      opened = await QueueFile.open(options.file);
    } catch (err) {
      if (!(err instanceof QueueConflictError)) throw err;
      const chainId = options.chainId ?? Number(await options.transport.request<string>("eth_chainId"));
      const baseNonce =
        options.startNonce ??
        Number(await options.transport.request<string>("eth_getTransactionCount", [account, "pending"]));
      opened = await QueueFile.open(options.file, { chainId, account, baseNonce });
    }
    const { header } = opened.queue;
    if (header.account !== account) {
      await opened.queue.close();
      throw new QueueConflictError(options.file, `belongs to account ${header.account}, not to ${account}`);
    }
    if (options.chainId !== undefined && header.chainId !== options.chainId) {
      await opened.queue.close();
      throw new QueueConflictError(options.file, `was created for chain id ${header.chainId}, not ${options.chainId}`);
    }
    return new TransactionQueue(opened.queue, options.signer, options.transport, options, opened.report);
  }

  /** The queue file's path. */
  get path(): string {
    return this.file.file;
  }

  /** The chain id every entry is signed for. */
  get chainId(): number {
    return this.file.header.chainId;
  }

  /** The sending account. */
  get account(): string {
    return this.file.header.account;
  }

  /** The nonce the next entry gets. */
  get nextNonce(): number {
    return this.file.nextNonce;
  }

  /** Entries not yet mined, in order. */
  pending(): QueueEntry[] {
    return this.file.pending();
  }

  /** Every entry still in the file (done ones until the next compaction). */
  entries(): QueueEntry[] {
    return this.file.entries();
  }

  /** Whether the sender's last attempt found the chain unreachable (it is retrying). */
  get down(): boolean {
    return this.downSince !== undefined;
  }

  /** The error the sender stopped on, if it is stalled. */
  get stalled(): Error | undefined {
    return this.stallError;
  }

  /** The fees the next signature gets. */
  currentFees(): FeeQuote {
    return (
      this.fixedFees ?? this.autoFees ?? { maxFeePerGas: FALLBACK_MAX_FEE, maxPriorityFeePerGas: DEFAULT_PRIORITY_FEE }
    );
  }

  /**
   * Signs `draft` for the next nonce and appends it to the file; resolves once it is durable.
   * Works while the chain is down.
   */
  async enqueue(draft: TransactionDraft): Promise<QueueEntry> {
    if (this.closing) throw new QueueClosedError(this.file.file);
    const fields = { to: getAddress(draft.to), data: draft.data, value: draft.value ?? 0n, gasLimit: draft.gasLimit };
    const entry = await this.file.append(
      { kind: draft.kind, ...fields, enqueuedAt: Date.now(), meta: draft.meta ?? {} },
      (nonce) => signEntry(this.signer, this.chainId, nonce, fields, this.currentFees()),
    );
    this.emit("queued", entry);
    this.wake();
    return entry;
  }

  /** Starts the sender (idempotent). */
  start(): void {
    if (this.loop !== undefined || this.closing) return;
    this.loop = this.run();
  }

  /** Clears a stall and lets the sender try the entry again. */
  resume(): void {
    this.stallError = undefined;
    this.wake();
  }

  /**
   * Resolves when every entry enqueued so far is settled; rejects with the stall error if the
   * sender stalls first, with `QueueClosedError` if the queue is closed first.
   */
  idle(): Promise<void> {
    if (this.file.firstPendingEntry() === undefined) return Promise.resolve();
    if (this.stallError !== undefined) return Promise.reject(this.stallError);
    if (this.closing) return Promise.reject(new QueueClosedError(this.file.file));
    return new Promise((resolve, reject) => this.idleWaiters.push({ resolve, reject }));
  }

  /**
   * Stops the sender and closes the file. Entries not yet settled stay in the file for the next
   * `open`. Safe at any moment, including mid-send: the next open looks the receipt up.
   */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    this.abort.abort();
    this.wake();
    for (const waiter of this.idleWaiters.splice(0)) waiter.reject(new QueueClosedError(this.file.file));
    await this.loop;
    await this.file.close();
  }

  private wake(): void {
    this.wakeUp.resolve();
  }

  private async waitForWork(ms?: number): Promise<void> {
    const signal = this.wakeUp.promise;
    if (ms === undefined) {
      await signal;
    } else {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([signal, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
      clearTimeout(timer);
    }
    this.wakeUp = deferred<void>();
  }

  private async run(): Promise<void> {
    let attempt = 0;
    while (!this.closing) {
      if (this.stallError !== undefined) {
        await this.waitForWork();
        continue;
      }
      const entry = this.file.firstPendingEntry();
      if (entry === undefined) {
        for (const waiter of this.idleWaiters.splice(0)) waiter.resolve();
        await this.waitForWork();
        continue;
      }
      try {
        await this.settle(entry);
        attempt = 0;
        if (this.downSince !== undefined) {
          this.emit("recovered", { downForMs: Date.now() - this.downSince });
          this.downSince = undefined;
        }
        if (this.file.doneCount >= this.compactEvery) await this.file.compact();
      } catch (error) {
        if (this.closing) break;
        if (isOutage(error)) {
          attempt++;
          this.chainChecked = false;
          this.downSince ??= Date.now();
          const retryInMs = Math.min(this.retry.maxMs, this.retry.initialMs * 2 ** Math.min(attempt - 1, 30));
          this.emit("outage", { error: error as Error, attempt, retryInMs });
          await this.waitForWork(retryInMs);
          continue;
        }
        this.stallError = error as Error;
        for (const waiter of this.idleWaiters.splice(0)) waiter.reject(error);
        this.emit("stalled", error as Error);
      }
    }
  }

  private request<T>(method: string, params: readonly unknown[] = []): Promise<T> {
    return this.transport.request<T>(method, params, { signal: this.abort.signal });
  }

  /** The chain must be the one the queue was created for; checked again after every outage. */
  private async checkChain(): Promise<void> {
    if (this.chainChecked) return;
    const chainId = Number(await this.request<string>("eth_chainId"));
    if (chainId !== this.chainId) {
      throw new QueueConflictError(
        this.file.file,
        `the chain at ${this.transport.endpoint} has chain id ${chainId}, the queue's transactions are signed for ${this.chainId}`,
      );
    }
    this.chainChecked = true;
    if (this.fixedFees === undefined) await this.refreshFees();
  }

  /** The base fee of the next block: the last entry of `eth_feeHistory`, else the latest block's. */
  private async nextBaseFee(): Promise<bigint> {
    try {
      const history = await this.request<{ baseFeePerGas?: string[] }>("eth_feeHistory", ["0x1", "latest", []]);
      const next = history?.baseFeePerGas?.at(-1);
      if (next !== undefined) return BigInt(next);
    } catch (error) {
      if (!(error instanceof ChainRequestError)) throw error;
      // A chain without eth_feeHistory: the latest block's base fee is the next best guess.
    }
    const block = await this.request<{ baseFeePerGas?: string } | null>("eth_getBlockByNumber", ["latest", false]);
    return BigInt(block?.baseFeePerGas ?? 0);
  }

  /** Auto fees from the next block's base fee. */
  private async refreshFees(): Promise<FeeQuote> {
    const baseFee = await this.nextBaseFee();
    const quote = {
      maxFeePerGas: baseFee * BASE_FEE_HEADROOM + DEFAULT_PRIORITY_FEE,
      maxPriorityFeePerGas: DEFAULT_PRIORITY_FEE,
    };
    if (this.fixedFees === undefined) this.autoFees = quote;
    return quote;
  }

  private async findReceipt(entry: QueueEntry): Promise<EntryReceipt | undefined> {
    // Newest signature first: it is the likeliest to be the one mined.
    for (const hash of entryHashes(entry).reverse()) {
      const receipt = await this.request<RpcReceipt | null>("eth_getTransactionReceipt", [hash]);
      if (receipt !== null && receipt !== undefined && receipt.blockNumber !== null) return parseReceipt(receipt);
    }
    return undefined;
  }

  private async awaitReceipt(entry: QueueEntry, maxWaitMs: number): Promise<EntryReceipt | undefined> {
    const deadline = Date.now() + maxWaitMs;
    for (;;) {
      const receipt = await this.findReceipt(entry);
      if (receipt !== undefined || Date.now() >= deadline || this.closing) return receipt;
      await new Promise((resolve) => setTimeout(resolve, this.pollIntervalMs));
    }
  }

  private async chainNonce(): Promise<number> {
    return Number(await this.request<string>("eth_getTransactionCount", [this.account, "latest"]));
  }

  /** Sends an entry's current bytes; resolves with the refusal the chain gave, if it was one to live with. */
  private async send(entry: QueueEntry): Promise<{ resigned: boolean; error?: ChainRequestError }> {
    try {
      await this.request("eth_sendRawTransaction", [currentSignature(entry).raw]);
      this.emit("sent", entry);
      return { resigned: false };
    } catch (error) {
      if (!(error instanceof ChainRequestError)) throw error;
      if (KNOWN.test(error.reason) || NONCE_LOW.test(error.reason)) return { resigned: false };
      if (FEE_LOW.test(error.reason)) {
        await this.resign(entry);
        return { resigned: true };
      }
      // Hardhat mines a reverting transaction and then answers with the revert: the receipt decides.
      if ((await this.findReceipt(entry)) !== undefined) {
        this.emit("sent", entry);
        return { resigned: false, error };
      }
      throw new QueueStalledError(this.file.file, entry.nonce, currentSignature(entry).hash, entry.kind, error.reason, {
        cause: error,
      });
    }
  }

  /**
   * Signs the entry's nonce again with fees above both the chain's and the last signature's. The
   * chain's quote is used even with fixed fees: they were too low for this chain, and stepping
   * up from them by the replacement bump alone could take hundreds of rounds.
   */
  private async resign(entry: QueueEntry): Promise<void> {
    const quote = await this.refreshFees();
    const last = currentSignature(entry);
    const bump = (old: bigint, wanted: bigint) => {
      const bumped = (old * REPLACEMENT_BUMP_NUM) / REPLACEMENT_BUMP_DEN + 1n;
      return wanted > bumped ? wanted : bumped;
    };
    const fees = {
      maxFeePerGas: bump(last.maxFeePerGas, quote.maxFeePerGas),
      maxPriorityFeePerGas: bump(last.maxPriorityFeePerGas, quote.maxPriorityFeePerGas),
    };
    if (fees.maxPriorityFeePerGas > fees.maxFeePerGas) fees.maxFeePerGas = fees.maxPriorityFeePerGas;
    const signed = await signEntry(this.signer, this.chainId, entry.nonce, entry, fees);
    await this.file.resign(entry.nonce, signed);
    this.emit("resigned", entry, fees);
  }

  /** Why a mined entry reverted: the send's answer, else the call replayed on its block's parent state. */
  private async revertReason(
    entry: QueueEntry,
    receipt: EntryReceipt,
    sendError: ChainRequestError | undefined,
  ): Promise<string> {
    if (sendError?.data !== undefined) return describeRevert(sendError.data);
    try {
      await this.request("eth_call", [
        {
          from: this.account,
          to: entry.to,
          data: entry.data,
          value: toQuantity(entry.value),
          gas: toQuantity(entry.gasLimit),
        },
        toQuantity(Math.max(0, receipt.blockNumber - 1)),
      ]);
      return "reverted (the call succeeds on the state before its block: no reason available)";
    } catch (error) {
      if (error instanceof ChainRequestError)
        return error.data !== undefined ? describeRevert(error.data) : error.reason;
      return "reverted (reason unavailable)";
    }
  }

  private async settle(entry: QueueEntry): Promise<void> {
    await this.checkChain();
    let sendError: ChainRequestError | undefined;
    let receipt = await this.findReceipt(entry);
    while (receipt === undefined) {
      if (this.closing) throw new QueueClosedError(this.file.file);
      const chainNonce = await this.chainNonce();
      if (chainNonce < entry.nonce) {
        throw new QueueConflictError(
          this.file.file,
          `the chain's next nonce for ${this.account} is ${chainNonce}, but the queue saw nonces up to ${entry.nonce - 1} mined: ` +
            "the chain lost them (was it restarted without its state?)",
        );
      }
      if (chainNonce > entry.nonce) {
        // The nonce is used. It is ours unless the receipt never shows up.
        receipt = await this.awaitReceipt(entry, this.nonceUsedGraceMs);
        if (receipt === undefined) {
          throw new QueueConflictError(
            this.file.file,
            `nonce ${entry.nonce} of ${this.account} was used by a transaction that is none of this entry's (${entryHashes(entry).join(", ")}): another sender uses the account`,
          );
        }
        break;
      }
      const outcome = await this.send(entry);
      if (outcome.resigned) continue;
      sendError = outcome.error;
      receipt = await this.awaitReceipt(entry, this.resendAfterMs);
    }
    const status: SettledStatus = receipt.status === 1 ? "applied" : "reverted";
    const settled: SettledEntry = { entry, receipt, status };
    if (status === "reverted") settled.reason = await this.revertReason(entry, receipt, sendError);
    await this.onSettled?.(settled);
    await this.file.markDone(entry.nonce, {
      hash: receipt.transactionHash,
      status,
      blockNumber: receipt.blockNumber,
      reason: settled.reason,
    });
    this.emit("settled", settled);
  }
}
