/**
 * Replays a traffic log onto the community chains: every record goes where the storage model
 * (formula 1) places it — its community's chain, or one chain of each endpoint for a cross-chain
 * record — through one RecordWriter per chain (Merkle batches on the chain's RecordLog), all
 * chains written concurrently.
 *
 * Resuming: a chain's RecordLog numbers records 0, 1, 2, … in the order they are written, and the
 * log always places the same records on the same chain in the same order. So the n-th record the
 * log places on a chain is record n of that chain, and a run that finds `nextSequence = N` on a
 * chain skips the first N records the log places there: re-running after an interruption never
 * writes a record twice and numbers every record as an uninterrupted run would. Before writing,
 * the last record already on each chain (read from its batch store) must equal the log's record
 * at that position, so a different log or partition is refused rather than misnumbered.
 */
import type { Signer, TransactionReceipt } from "ethers";
import { RecordLog__factory } from "../../typechain-types";
import type { BatchStore } from "./batch-store";
import { RecordWriter } from "./record-writer";
import type { HexHash } from "./merkle";
import type { ChainRecord, Communication } from "./record";
import { rpcCall, RpcError } from "../chains/rpc";
import { streamTrafficLog } from "../traffic/log";
import { writeFileAtomic } from "../io/atomic-write";
import type { TrafficRecord } from "../traffic/types";
import { APPEND_BATCH_GAS_LIMIT, DEFAULT_BATCH_SIZE, DEFAULT_IN_FLIGHT, DEFAULT_MAX_BATCH_AGE_MS } from "./defaults";
import { RecordsError, RecordsOptionError, RESUME_ADVICE, ResumeMismatchError, UnknownLogDeviceError } from "./errors";
import { ChainUnreachableError } from "../chains/errors";
import { formatPlacement, type PlacedCopy } from "./placements";
import { RateLimiter, systemClock, type Clock } from "./rate";
import { BatchRootPool } from "./root-pool";
import type { RecordRouter } from "./router";
import { CHAIN_TIMEOUTS } from "../chains/timeouts";

/** Log records between progress reports. */
const PROGRESS_EVERY = 256;
/** How long the probe of a chain that failed may take before the chain counts as down. */
const PROBE_TIMEOUT_MS = CHAIN_TIMEOUTS.probe;

/** A community chain records are written to. */
export interface RecordChain {
  /** Chain name (`community-1`, …), as in topology.json. */
  readonly name: string;
  /** JSON-RPC URL, to tell a chain that is down from other failures. */
  readonly rpc?: string;
  /**
   * Signer holding the RecordLog's WRITER_ROLE, connected to the chain. With more than one batch in
   * flight it must sign locally (a Wallet) and nothing else may send from its account meanwhile.
   */
  readonly writer: Signer;
  readonly recordLog: string;
  /** The chain's batch store (what its full node serves). */
  readonly store: BatchStore;
}

/** Options of {@link writeLogRecords}. */
export interface WriteLogRecordsOptions {
  /** The traffic log (CSV). */
  readonly log: string;
  readonly router: RecordRouter;
  /** `chains[i]` is community chain i of the router. */
  readonly chains: readonly RecordChain[];
  /** Where the placements (ndjson) go; written atomically once every record is confirmed. */
  readonly placementsFile: string;
  /** Records per batch (default {@link DEFAULT_BATCH_SIZE}). */
  readonly batchSize?: number;
  /** Most records per second overall (default: unlimited). */
  readonly rate?: number;
  /** Skip records naming a device the partition does not know instead of failing. */
  readonly skipUnknown?: boolean;
  /** Skip rows of the log that do not parse, as `partition --skip-invalid` does. */
  readonly skipInvalid?: boolean;
  /**
   * Batches per chain in flight (default {@link DEFAULT_IN_FLIGHT}): flushed and not yet confirmed;
   * the ready ones are sent to the chain together (RecordWriter's `pipeline`).
   */
  readonly inFlight?: number;
  /** Worker threads hashing the batches (0: hash on the calling thread, the default). */
  readonly workers?: number;
  /** Send a partial batch once its first record is this old (default {@link DEFAULT_MAX_BATCH_AGE_MS}). */
  readonly maxBatchAgeMs?: number;
  /** Gas limit of each `appendBatch` (default {@link APPEND_BATCH_GAS_LIMIT}). */
  readonly gasLimit?: bigint;
  /** Stops reading the log; what was read is still written and confirmed, then the run fails as interrupted. */
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: SendProgress) => void;
  /** Called as each batch is confirmed on its chain (e.g. to time how long it then waits for its anchor). */
  readonly onBatchConfirmed?: (batch: ConfirmedBatch) => void;
  /** Time source of the rate limit and the figures (tests). */
  readonly clock?: Clock;
}

/** Progress of a run. */
export interface SendProgress {
  /** Log records handled so far, and in all. */
  readonly records: number;
  readonly total: number;
  /** Copies appended to writers this run, and confirmed on their chains. */
  readonly written: number;
  readonly confirmed: number;
  readonly elapsedMs: number;
}

/** A batch confirmed on its chain. */
export interface ConfirmedBatch {
  /** Chain name. */
  readonly chain: string;
  /** Records in the batch. */
  readonly records: number;
  /** The block its `appendBatch` was mined in. */
  readonly blockNumber: number;
  readonly gasUsed: bigint;
  /** When its receipt came in (the run's clock, ms). */
  readonly at: number;
}

/** The figures of one chain in a run. */
export interface ChainSendFigures {
  readonly name: string;
  /** Records its RecordLog held before the run (a resumed run skips them). */
  readonly resumedFrom: number;
  /** Records written this run. */
  readonly records: number;
  /** Records its RecordLog holds after the run. */
  readonly total: number;
  readonly batches: number;
  /** `appendBatch` transactions (one per batch). */
  readonly transactions: number;
  readonly gas: number;
  readonly gasPerRecord: number;
  /** From the start of writing to its last confirmed batch. */
  readonly seconds: number;
  readonly recordsPerSecond: number;
}

/** What a run did (`<dir>/records/summary.json`). */
export interface SendSummary {
  readonly log: string;
  /** Log records placed (every record of the log but skipped ones). */
  readonly records: number;
  /** By formula 1: one chain holds both endpoints, or not (then two chains hold it). */
  readonly intra: number;
  readonly cross: number;
  /** Records between two devices that are in no community: no running chain holds them. */
  readonly unplaced: number;
  /** Copies formula 1 puts on the own chain of a device in no community: not written. */
  readonly hostless: number;
  /** Copies on the community chains (written this run or before it). */
  readonly copies: number;
  /** Copies written this run, and copies a previous run had already written. */
  readonly written: number;
  readonly alreadyOnChain: number;
  /** Records skipped for naming an unknown device (`--skip-unknown`). */
  readonly skippedUnknown: number;
  /** Formula 1's count of the log on these chains: the `community` strategy's count in partition.json. */
  readonly storageCount: number;
  /** Devices in no community (no chain runs for them). */
  readonly chainless: readonly string[];
  readonly batchSize: number;
  readonly rate: number | null;
  readonly seconds: number;
  /** Copies written this run per second. */
  readonly recordsPerSecond: number;
  readonly chains: readonly ChainSendFigures[];
  readonly placements: string;
}

/** The run was stopped through its signal; what was read was written, the rest waits for a re-run. */
export class RecordsInterruptedError extends RecordsError {
  constructor(readonly records: number) {
    super(
      `interrupted after ${records} log records (all of them written and confirmed); run records:send again to resume`,
    );
  }
}

/** Replays `options.log` onto the chains; resolves to the run's summary. */
export async function writeLogRecords(options: WriteLogRecordsOptions): Promise<SendSummary> {
  const batchSize = positiveInteger(options.batchSize ?? DEFAULT_BATCH_SIZE, "--batch-size");
  const inFlight = positiveInteger(options.inFlight ?? DEFAULT_IN_FLIGHT, "--in-flight");
  const maxBatchAgeMs = options.maxBatchAgeMs ?? DEFAULT_MAX_BATCH_AGE_MS;
  if (!(maxBatchAgeMs >= 0))
    throw new RecordsOptionError("maxBatchAgeMs", `must be ≥ 0 milliseconds, got ${maxBatchAgeMs}`);
  const clock = options.clock ?? systemClock;
  const limiter = new RateLimiter(options.rate, clock);
  const { router } = options;
  if (options.chains.length !== router.communities.length) {
    throw new RecordsError(
      `${options.chains.length} chains were given for the ${router.communities.length} communities of the partition`,
    );
  }

  const workers = options.workers ?? 0;
  if (!Number.isSafeInteger(workers) || workers < 0)
    throw new RecordsOptionError("--workers", `must be an integer ≥ 0, got ${workers}`);
  const pool = workers > 0 ? BatchRootPool.start(workers) : undefined;
  try {
    return await writeWith(options, { batchSize, inFlight, maxBatchAgeMs, clock, limiter, pool });
  } finally {
    await pool?.close();
  }
}

interface RunContext {
  batchSize: number;
  inFlight: number;
  maxBatchAgeMs: number;
  clock: Clock;
  limiter: RateLimiter;
  pool: BatchRootPool | undefined;
}

async function writeWith(options: WriteLogRecordsOptions, context: RunContext): Promise<SendSummary> {
  const { batchSize, inFlight, maxBatchAgeMs, clock, limiter, pool } = context;
  const { router } = options;
  const settings: RunSettings = {
    batchSize,
    inFlight,
    gasLimit: options.gasLimit ?? APPEND_BATCH_GAS_LIMIT,
    clock,
    batchRoot: pool === undefined ? undefined : (records) => pool.root(records),
    onBatchConfirmed: options.onBatchConfirmed,
  };
  const runs = await Promise.all(options.chains.map((chain, i) => ChainRun.open(chain, router.chainSize(i), settings)));
  const scan = await scanLog(options, runs);

  const tally = {
    records: 0,
    intra: 0,
    cross: 0,
    unplaced: 0,
    hostless: 0,
    copies: 0,
    skippedUnknown: 0,
    storageCount: 0,
    written: 0,
  };
  const started = clock.now();
  const progress = () =>
    options.onProgress?.({
      records: tally.records + tally.skippedUnknown,
      total: scan.total,
      written: tally.written,
      confirmed: runs.reduce((sum, run) => sum + run.confirmed, 0),
      elapsedMs: clock.now() - started,
    });

  async function* placements(): AsyncGenerator<string> {
    try {
      for await (const record of streamTrafficLog(options.log, { skipInvalid: options.skipInvalid })) {
        if (options.signal?.aborted) break;
        const route = router.route(record.from, record.to);
        if (route === undefined) {
          tally.skippedUnknown += 1; // the scan has thrown already unless unknown devices are skipped
          continue;
        }
        await limiter.take();
        const copies: PlacedCopy[] = [];
        for (const chain of route.chains) {
          const run = runs[chain];
          copies.push([run.name, run.append(record)]);
          if (run.pending >= batchSize) await run.flush();
        }
        tally.records += 1;
        tally[route.cross ? "cross" : "intra"] += 1;
        if (route.chains.length === 0) tally.unplaced += 1;
        tally.hostless += route.hostless;
        tally.copies += copies.length;
        tally.storageCount += route.cost;
        yield formatPlacement({
          line: record.line,
          from: record.from,
          to: record.to,
          cross: route.cross,
          records: copies,
        });
        if (maxBatchAgeMs < Infinity) {
          const stale = clock.now() - maxBatchAgeMs;
          for (const run of runs) if (run.pendingSince !== undefined && run.pendingSince <= stale) await run.flush();
        }
        if ((tally.records + tally.skippedUnknown) % PROGRESS_EVERY === 0) {
          tally.written = runs.reduce((sum, run) => sum + run.appended, 0);
          progress();
        }
      }
      await Promise.all(runs.map((run) => run.drain()));
    } catch (error) {
      // A failed chain stops the run: the other chains' batches already sent settle first, and the
      // chain's own failure (say, that it is down) is the error, rather than what it caused later.
      await Promise.all(runs.map((run) => run.settle()));
      throw runs.find((run) => run.failure !== undefined)?.failure ?? error;
    }
    tally.written = runs.reduce((sum, run) => sum + run.appended, 0);
    progress();
    if (options.signal?.aborted) throw new RecordsInterruptedError(tally.records + tally.skippedUnknown);
  }

  await writeFileAtomic(options.placementsFile, placements());
  const seconds = (clock.now() - started) / 1000;
  return {
    log: options.log,
    records: tally.records,
    intra: tally.intra,
    cross: tally.cross,
    unplaced: tally.unplaced,
    hostless: tally.hostless,
    copies: tally.copies,
    written: tally.written,
    alreadyOnChain: runs.reduce((sum, run) => sum + run.resumedFrom, 0),
    skippedUnknown: tally.skippedUnknown,
    storageCount: tally.storageCount,
    chainless: router.chainless,
    batchSize,
    rate: options.rate ?? null,
    seconds,
    recordsPerSecond: rate(tally.written, seconds),
    chains: runs.map((run) => run.figures(started)),
    placements: options.placementsFile,
  };
}

function positiveInteger(value: number, option: string): number {
  if (!Number.isSafeInteger(value) || value < 1)
    throw new RecordsOptionError(option, `must be a positive integer, got ${value}`);
  return value;
}

function rate(count: number, seconds: number): number {
  return seconds > 0 ? Math.round(count / seconds) : 0;
}

interface ScanResult {
  /** Log records (rows that parse). */
  total: number;
}

/**
 * Reads the log once before anything is written: every device must be known (unless skipped), and
 * on every chain that already holds records the last of them must be the log's record at that
 * position, or resuming would misnumber the chain.
 */
async function scanLog(options: WriteLogRecordsOptions, runs: readonly ChainRun[]): Promise<ScanResult> {
  const placed = runs.map(() => 0);
  const lastHeld: (TrafficRecord | undefined)[] = runs.map(() => undefined);
  let total = 0;
  for await (const record of streamTrafficLog(options.log, { skipInvalid: options.skipInvalid })) {
    total += 1;
    const route = options.router.route(record.from, record.to);
    if (route === undefined) {
      if (options.skipUnknown === true) continue;
      const field = options.router.knows(record.from) ? "to" : "from";
      throw new UnknownLogDeviceError(options.log, record.line, field, record[field]);
    }
    for (const chain of route.chains) {
      if (placed[chain] === runs[chain].resumedFrom - 1) lastHeld[chain] = record;
      placed[chain] += 1;
    }
  }
  await Promise.all(runs.map((run, chain) => run.checkResume(placed[chain], lastHeld[chain], options.log)));
  return { total };
}

interface RunSettings {
  batchSize: number;
  inFlight: number;
  gasLimit: bigint;
  clock: Clock;
  batchRoot: ((records: readonly ChainRecord[]) => Promise<HexHash>) | undefined;
  onBatchConfirmed: ((batch: ConfirmedBatch) => void) | undefined;
}

/** One chain during a run: its writer, its batches in flight and its figures. */
class ChainRun {
  /** Records the log has placed on the chain so far this run (skipped ones included). */
  private placed = 0;
  appended = 0;
  confirmed = 0;
  private batches = 0;
  private gas = 0n;
  private lastConfirmedAt: number | undefined;
  /** When the oldest record waiting in the writer was appended. */
  pendingSince: number | undefined;
  private readonly inFlight: Promise<void>[] = [];
  /** Why the chain stopped taking batches, once it did. */
  failure: Error | undefined;

  private constructor(
    private readonly chain: RecordChain,
    private readonly writer: RecordWriter,
    /** Members of the chain (formula 1's size). */
    readonly size: number,
    /** The RecordLog's nextSequence and batchCount when the run started. */
    readonly resumedFrom: number,
    private readonly batchCount: number,
    private readonly settings: RunSettings,
  ) {}

  static async open(chain: RecordChain, size: number, settings: RunSettings): Promise<ChainRun> {
    try {
      const log = RecordLog__factory.connect(chain.recordLog, chain.writer);
      const [writer, batchCount] = await Promise.all([
        RecordWriter.open(chain.writer, chain.recordLog, chain.store, {
          batchSize: settings.batchSize,
          gasLimit: settings.gasLimit,
          pipeline: settings.inFlight,
          batchRoot: settings.batchRoot,
        }),
        log.batchCount(),
      ]);
      return new ChainRun(chain, writer, size, writer.nextSequence, Number(batchCount), settings);
    } catch (error) {
      throw await describeFailure(chain, error);
    }
  }

  get name(): string {
    return this.chain.name;
  }

  get pending(): number {
    return this.writer.pending;
  }

  /**
   * Checks that the chain holds the log's records: as many or fewer than the log places on it, the
   * last of them equal to the log's record at its position.
   */
  async checkResume(placedByLog: number, logRecord: TrafficRecord | undefined, logFile: string): Promise<void> {
    if (this.resumedFrom === 0) return;
    const held = `its RecordLog ${this.chain.recordLog} already holds ${this.resumedFrom} records`;
    if (placedByLog < this.resumedFrom || logRecord === undefined) {
      throw new ResumeMismatchError(
        this.name,
        `${held} but ${logFile} places only ${placedByLog} on it: they are not this log's records`,
      );
    }
    let last;
    try {
      const batch = await this.chain.store.read(this.batchCount - 1);
      last = batch.records[batch.records.length - 1];
    } catch (error) {
      throw new ResumeMismatchError(
        this.name,
        `${held} and their last batch cannot be read to check they are this log's (${(error as Error).message})`,
      );
    }
    const expected = communication(logRecord);
    const same =
      last.sequence === this.resumedFrom - 1 &&
      (["timestamp", "from", "to", "bytes"] as const).every((field) => last[field] === expected[field]);
    if (!same) {
      throw new ResumeMismatchError(
        this.name,
        `${held}; record ${this.resumedFrom - 1} there is ${describeRecord(last)} but ${logFile}:${logRecord.line} (the log's record ${this.resumedFrom - 1} for this chain) is ` +
          `${describeRecord(expected)}: the chain holds another log's records (use another --dir, or the log and partition the chains were filled from)`,
      );
    }
  }

  /** Places a log record on the chain; returns its record id there. Records a previous run wrote are only numbered. */
  append(record: TrafficRecord): number {
    const position = this.placed;
    this.placed += 1;
    if (position < this.resumedFrom) return position;
    this.throwIfFailed();
    const written = this.writer.append(communication(record));
    this.pendingSince ??= this.settings.clock.now();
    this.appended += 1;
    return written.sequence;
  }

  /** Sends the pending records as a batch; waits while the chain has too many batches in flight. */
  async flush(): Promise<void> {
    this.throwIfFailed();
    const count = this.writer.pending;
    this.pendingSince = undefined;
    if (count === 0) return;
    const confirmed = this.writer
      .flush()
      .then((batch) => batch!.tx.wait())
      .then((receipt: TransactionReceipt | null) => {
        if (receipt === null) throw new RecordsError(`${this.name}: a batch transaction was dropped`);
        this.gas += receipt.gasUsed;
        this.batches += 1;
        this.confirmed += count;
        this.lastConfirmedAt = this.settings.clock.now();
        this.settings.onBatchConfirmed?.({
          chain: this.name,
          records: count,
          blockNumber: receipt.blockNumber,
          gasUsed: receipt.gasUsed,
          at: this.lastConfirmedAt,
        });
      })
      .catch(async (error: unknown) => {
        this.failure ??= await describeFailure(this.chain, error);
      });
    this.inFlight.push(confirmed);
    while (this.inFlight.length > this.settings.inFlight) await this.inFlight.shift();
    this.throwIfFailed();
  }

  /** Sends what is pending and waits until every batch is confirmed. */
  async drain(): Promise<void> {
    await this.flush();
    await this.settle();
    this.throwIfFailed();
  }

  /** Waits until every batch sent has been confirmed or has failed. */
  async settle(): Promise<void> {
    while (this.inFlight.length > 0) await this.inFlight.shift();
  }

  figures(started: number): ChainSendFigures {
    const seconds = this.lastConfirmedAt === undefined ? 0 : (this.lastConfirmedAt - started) / 1000;
    const gas = Number(this.gas);
    return {
      name: this.name,
      resumedFrom: this.resumedFrom,
      records: this.confirmed,
      total: this.resumedFrom + this.confirmed,
      batches: this.batches,
      transactions: this.batches,
      gas,
      gasPerRecord: this.confirmed === 0 ? 0 : Math.round(gas / this.confirmed),
      seconds,
      recordsPerSecond: rate(this.confirmed, seconds),
    };
  }

  private throwIfFailed(): void {
    if (this.failure !== undefined) throw this.failure;
  }
}

function communication(record: TrafficRecord): Communication {
  return { timestamp: record.timestamp, from: record.from, to: record.to, bytes: record.bytes ?? 0 };
}

function describeRecord(record: Communication): string {
  return `${record.from} -> ${record.to} at ${record.timestamp} (${record.bytes} bytes)`;
}

/** A {@link ChainUnreachableError} when the chain no longer answers, else the failure itself. */
async function describeFailure(chain: RecordChain, error: unknown): Promise<Error> {
  if (chain.rpc === undefined) return error as Error;
  try {
    await rpcCall(chain.rpc, "eth_chainId", [], PROBE_TIMEOUT_MS);
    return error as Error;
  } catch (probe) {
    if (!(probe instanceof RpcError)) return error as Error;
    return new ChainUnreachableError(chain.rpc, probe.problem, {
      chain: chain.name,
      advice: RESUME_ADVICE,
      cause: error,
    });
  }
}
