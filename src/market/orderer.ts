/**
 * The orderer service of the ownership registry (paper §4.2, R3): a pool of owner-signed High
 * entries plus the registry's on-chain Low queue, cut into batches at `batchSize` entries or
 * after `batchTimeout`, like Fabric's BatchSize / BatchTimeout. High entries go by fee,
 * descending (ties first come, first served); the Low quota is taken from the chain's queue in
 * the same transaction, and the registry rejects any batch that breaks it.
 *
 * `cutBatch` is the pure rule; `Orderer` runs it against a registry with one account holding
 * ORDERER_ROLE, one batch in flight at a time. With `poolFile` the pool survives a restart
 * (`pool-file.ts`); without, entries not yet sent are lost with the process (their owners'
 * signatures stay valid until their deadline, so they can be submitted again).
 */
import type { ContractTransactionReceipt } from "ethers";
import type { OwnershipRegistry } from "../../typechain-types";
import { BatchSendError, OrdererClosedError, OrdererOptionError, RegistrationEntryError } from "./errors";
import { Level } from "./classify";
import { PoolFile } from "./pool-file";
import type { SignedEntry } from "./registration";

/** The paper's Fabric `MaxMessageCount`. */
export const DEFAULT_BATCH_SIZE = 5;
/** [choice] How long the first entry of a batch waits for the batch to fill, ms. */
export const DEFAULT_BATCH_TIMEOUT_MS = 200;
/** [choice] R3's Low proportion q: 1 of 5. */
export const DEFAULT_QUOTA = 0.2;
/** Basis points of a whole: the registry keeps q in basis points. */
const BPS = 10_000;

/** The rule's parameters (the registry's `batchSize` and `quotaBps / 10000`). */
export interface CutParams {
  readonly batchSize: number;
  /** R3's proportion q, 0 < q ≤ 1; rounded to basis points as the registry keeps it. */
  readonly quota: number;
}

/** What a cut needs of a pooled entry: its fee and its arrival order. */
export interface Cuttable {
  readonly fee: bigint;
  /** Arrival order: smaller came first. */
  readonly seq: number;
}

/** A batch cut from a pool. */
export interface Cut<T> {
  /** The High entries of the batch, fees non-increasing (ties in arrival order). */
  readonly high: readonly T[];
  /** How many Low entries the batch takes from the head of the queue. */
  readonly lowTaken: number;
  /** The pool's entries left for later batches, in priority order. */
  readonly rest: readonly T[];
}

/** Checks `params` and returns q in basis points. */
export function quotaBps(params: CutParams): number {
  const { batchSize, quota } = params;
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new OrdererOptionError("batchSize", `must be a positive integer, got ${batchSize}`);
  if (!(quota > 0 && quota <= 1)) throw new OrdererOptionError("quota", `must be in (0, 1], got ${quota}`);
  return Math.max(1, Math.round(quota * BPS));
}

/** The Low entries reserved in every batch while Low entries wait: `ceil(q · batchSize)`. */
export function lowQuota(params: CutParams): number {
  return Math.ceil((quotaBps(params) * params.batchSize) / BPS);
}

/**
 * The registry's rule: with `high` High entries a batch takes
 * `min(lowPending, max(ceil(q · batchSize), batchSize − high))` Low entries.
 */
export function lowTakenFor(high: number, lowPending: number, params: CutParams): number {
  const room = Math.max(0, params.batchSize - high);
  return Math.min(lowPending, Math.max(lowQuota(params), room));
}

/** Pool order: fee descending, ties by arrival. */
export function byPriority(a: Cuttable, b: Cuttable): number {
  if (a.fee !== b.fee) return a.fee > b.fee ? -1 : 1;
  return a.seq - b.seq;
}

/**
 * Cut one batch from `pool` with `lowPending` Low entries waiting on chain: the best-paying High
 * entries that fit beside the Low quota, then as many Low entries as the registry will take.
 * The cut always satisfies the registry (`high + lowTaken ≤ batchSize`, fees non-increasing), and
 * no High entry left in `rest` pays more than one taken.
 */
export function cutBatch<T extends Cuttable>(pool: readonly T[], lowPending: number, params: CutParams): Cut<T> {
  if (!Number.isInteger(lowPending) || lowPending < 0)
    throw new OrdererOptionError("lowPending", `must be a non-negative integer, got ${lowPending}`);
  const reserved = Math.min(lowPending, lowQuota(params));
  const sorted = [...pool].sort(byPriority);
  const count = Math.min(sorted.length, params.batchSize - reserved);
  const high = sorted.slice(0, count);
  return { high, lowTaken: lowTakenFor(count, lowPending, params), rest: sorted.slice(count) };
}

/** Where a submitted entry was registered. */
export interface Inclusion {
  readonly batchId: bigint;
  readonly txHash: string;
  readonly blockNumber: number;
}

/** Options of {@link Orderer.open}. */
export interface OrdererOptions {
  /** The first entry of a batch waits at most this long for the batch to fill, ms (default 200). */
  readonly batchTimeout?: number;
  /** Gas limit of each batch; default: estimated. */
  readonly gasLimit?: bigint;
  /**
   * NDJSON file keeping the pool across restarts: entries submitted and not yet registered or
   * refused are loaded again on open (their submitters are gone: see {@link Orderer.recovered}).
   */
  readonly poolFile?: string;
}

interface Pooled extends Cuttable {
  readonly signed: SignedEntry;
  readonly resolve: (inclusion: Inclusion) => void;
  readonly reject: (error: Error) => void;
}

/**
 * The orderer service: `submit` a signed High entry and get its inclusion. A batch is cut as
 * soon as the pool holds `batchSize` entries, else at the next tick of a `batchTimeout` clock,
 * so no entry waits longer than `batchTimeout` for a cut; each tick also picks up Low entries
 * waiting on chain. The registry's `batchSize` and quota are read when the orderer opens.
 */
export class Orderer {
  private pool: Pooled[] = [];
  private seq = 0;
  private timer: NodeJS.Timeout | undefined;
  private sending: Promise<void> = Promise.resolve();
  private closed = false;

  private constructor(
    private readonly registry: OwnershipRegistry,
    readonly params: CutParams,
    private readonly batchTimeout: number,
    private readonly gasLimit: bigint | undefined,
    private readonly file: PoolFile | undefined,
  ) {}

  /** Entries loaded from the pool file on open, still pending then. */
  recovered = 0;

  /** Opens an orderer on `registry`, connected to an account that holds its ORDERER_ROLE. */
  static async open(registry: OwnershipRegistry, options: OrdererOptions = {}): Promise<Orderer> {
    const batchTimeout = options.batchTimeout ?? DEFAULT_BATCH_TIMEOUT_MS;
    if (!Number.isFinite(batchTimeout) || batchTimeout <= 0)
      throw new OrdererOptionError("batchTimeout", `must be a positive number of ms, got ${batchTimeout}`);
    const [batchSize, bps] = await Promise.all([registry.batchSize(), registry.quotaBps()]);
    const params = { batchSize: Number(batchSize), quota: Number(bps) / BPS };
    quotaBps(params);
    const opened = options.poolFile === undefined ? undefined : PoolFile.open(options.poolFile);
    const orderer = new Orderer(registry, params, batchTimeout, options.gasLimit, opened?.pool);
    for (const signed of opened?.pending ?? [])
      orderer.pool.push({ signed, fee: signed.entry.fee, seq: orderer.seq++, resolve: () => {}, reject: () => {} });
    orderer.recovered = opened?.pending.length ?? 0;
    orderer.arm();
    return orderer;
  }

  /** Entries in the pool, not yet in a batch being sent. */
  get pending(): number {
    return this.pool.length;
  }

  /**
   * Adds a signed High entry to the pool; resolves when a batch registered it. Throws
   * {@link OrdererClosedError} after {@link close}, {@link RegistrationEntryError} for a Low entry.
   */
  submit(signed: SignedEntry): Promise<Inclusion> {
    if (this.closed) throw new OrdererClosedError(this.pool.length);
    const { entry } = signed;
    if (entry.level !== Level.High)
      throw new RegistrationEntryError(entry.dataHash, "only High entries go through the orderer (Low: enqueueLow)");
    if (entry.fee < 0n) throw new RegistrationEntryError(entry.dataHash, `fee ${entry.fee} is negative`);
    this.file?.add(signed);
    return new Promise<Inclusion>((resolve, reject) => {
      this.pool.push({ signed, fee: entry.fee, seq: this.seq++, resolve, reject });
      if (this.pool.length >= this.params.batchSize) void this.cut();
    });
  }

  /** Cuts and sends a batch now, if there is anything to batch; resolves when it is mined. */
  flush(): Promise<void> {
    return this.cut();
  }

  /** Stops the timer and rejects what is left in the pool (a batch being sent completes). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    await this.sending;
    const left = this.pool;
    this.pool = [];
    for (const item of left) item.reject(new OrdererClosedError(left.length));
    this.file?.close();
  }

  private arm(): void {
    if (this.closed) return;
    this.timer = setTimeout(() => void this.cut().finally(() => this.arm()), this.batchTimeout);
    this.timer.unref();
  }

  /** Queues one cut behind the batch in flight. */
  private cut(): Promise<void> {
    const next = this.sending.then(() => this.cutAndSend());
    this.sending = next.catch(() => undefined);
    return next;
  }

  private async cutAndSend(): Promise<void> {
    const lowPending = Number(await this.registry.lowPending());
    const cut = cutBatch(this.pool, lowPending, this.params);
    if (cut.high.length + cut.lowTaken === 0) return;
    this.pool = [...cut.rest];
    const items = [...cut.high];
    try {
      const receipt = await this.send(items);
      const inclusion = inclusionOf(this.registry, receipt);
      for (const item of items) {
        this.file?.settle(item.signed.entry.dataHash);
        item.resolve(inclusion);
      }
    } catch (error) {
      const revert = revertOf(error, this.registry);
      if (revert?.name === "OwnershipBatchTooLarge") {
        // A Low entry was enqueued between reading the queue and sending: the quota grew. The
        // entries are fine; they go back to the pool for the next cut.
        this.pool.push(...items);
      } else {
        const failure = error instanceof Error ? error : new Error(String(error));
        const bad = revert === undefined ? undefined : culprit(items, revert);
        if (bad === undefined) {
          // A revert refuses the batch for good; anything else (an outage) leaves it in the pool file.
          const refused = isRevert(error);
          for (const item of items) {
            if (refused) this.file?.settle(item.signed.entry.dataHash);
            item.reject(
              new BatchSendError(`batch of ${items.length} High entries: ${failure.message}`, { cause: failure }),
            );
          }
        } else {
          // One entry the registry refuses must not sink the others: it is dropped, they wait for the next cut.
          const { dataHash } = bad.signed.entry;
          this.file?.settle(dataHash);
          bad.reject(
            new BatchSendError(`entry ${dataHash} refused by the registry: ${revert?.signature}`, { cause: failure }),
          );
          this.pool.push(...items.filter((item) => item !== bad));
        }
      }
    }
    if (this.pool.length >= this.params.batchSize) void this.cut();
  }

  private async send(items: readonly Pooled[]): Promise<ContractTransactionReceipt> {
    const entries = items.map((item) => item.signed.entry);
    const signatures = items.map((item) => item.signed.signature);
    const overrides = this.gasLimit === undefined ? {} : { gasLimit: this.gasLimit };
    const withPermits = items.some((item) => item.signed.permit !== undefined);
    const tx = withPermits
      ? await this.registry.registerBatchWithPermits(
          entries,
          signatures,
          items.map((item) => item.signed.permit ?? NO_PERMIT),
          overrides,
        )
      : await this.registry.registerBatch(entries, signatures, overrides);
    const receipt = await tx.wait();
    if (receipt === null) throw new BatchSendError(`batch transaction ${tx.hash} has no receipt`);
    return receipt;
  }
}

/** A decoded revert of the registry. */
interface Revert {
  readonly name: string;
  readonly signature: string;
  readonly args: readonly unknown[];
}

/**
 * The registry error a call reverted with: ethers' decoded `revert`, else the revert data of the
 * error or of an error it wraps (Hardhat's provider errors carry it as `data`).
 */
function revertOf(error: unknown, registry: OwnershipRegistry): Revert | undefined {
  for (let e: unknown = error, depth = 0; e !== null && typeof e === "object" && depth < 4; depth++) {
    const { revert, data } = e as { revert?: Partial<Revert>; data?: unknown };
    if (typeof revert?.name === "string" && typeof revert.signature === "string" && Array.isArray(revert.args))
      return { name: revert.name, signature: revert.signature, args: revert.args };
    if (typeof data === "string" && data.startsWith("0x") && data.length >= 10) {
      try {
        const parsed = registry.interface.parseError(data);
        if (parsed !== null)
          return { name: parsed.name, signature: `${parsed.name}(${parsed.args.join(", ")})`, args: [...parsed.args] };
      } catch {
        // Not a registry error.
      }
    }
    e = (e as { error?: unknown; cause?: unknown }).error ?? (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/** Whether `error` is a revert of the transaction (as opposed to an outage or a bad request). */
function isRevert(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e !== null && typeof e === "object" && depth < 4; depth++) {
    const { code, message } = e as { code?: unknown; message?: unknown };
    if (code === "CALL_EXCEPTION" || (typeof message === "string" && message.includes("reverted"))) return true;
    e = (e as { error?: unknown; cause?: unknown }).error ?? (e as { cause?: unknown }).cause;
  }
  return false;
}

/** Registry errors whose first argument is the index of the entry at fault. */
const INDEXED_ERRORS = new Set([
  "OwnershipInvalidSignature",
  "OwnershipExpiredSignature",
  "OwnershipLowLevelFee",
  "OwnershipLowLevelInBatch",
  "OwnershipInvalidLevel",
]);

/** The entry of `items` a registry error names, if it names one. */
function culprit(items: readonly Pooled[], revert: Revert): Pooled | undefined {
  const [first, second] = revert.args;
  if (INDEXED_ERRORS.has(revert.name)) return items[Number(first)];
  if (revert.name === "OwnershipAlreadyRegistered" || revert.name === "OwnershipTimestampOutOfRange")
    return items.find((item) => item.signed.entry.dataHash === first);
  if (revert.name === "OwnershipNonceUsed")
    return items.find(
      (item) =>
        item.signed.entry.owner.toLowerCase() === String(first).toLowerCase() && item.signed.entry.nonce === second,
    );
  return undefined;
}

const NO_PERMIT = { value: 0n, deadline: 0n, v: 0, r: `0x${"0".repeat(64)}`, s: `0x${"0".repeat(64)}` };

function inclusionOf(registry: OwnershipRegistry, receipt: ContractTransactionReceipt): Inclusion {
  for (const log of receipt.logs) {
    const parsed = registry.interface.parseLog(log);
    if (parsed?.name === "BatchRegistered")
      return { batchId: parsed.args[0] as bigint, txHash: receipt.hash, blockNumber: receipt.blockNumber };
  }
  throw new BatchSendError(`batch transaction ${receipt.hash} emitted no BatchRegistered`);
}
