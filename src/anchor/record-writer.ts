/**
 * RecordWriter: the community gateway's write path. Communications are appended one by one,
 * numbered with the chain's next sequence numbers and hashed into leaves; `flush()` builds the
 * batch's Merkle tree, stores the batch (the data a full node serves) and appends its root to
 * the RecordLog in one transaction.
 */
import type { ContractTransactionResponse, Signer } from "ethers";
import { RecordLog__factory, type RecordLog } from "../../typechain-types";
import type { BatchStore, StoredBatch } from "./batch-store";
import { AnchorError, RecordFormatError } from "./errors";
import { MerkleTree, type HexHash } from "./merkle";
import { recordLeaf, validateRecord, type ChainRecord, type Communication } from "./records";

/** Records per batch that {@link RecordWriter.write} flushes at, unless told otherwise. */
export const DEFAULT_BATCH_SIZE = 1024;
/** RecordLog's `count` is a uint32. */
const MAX_BATCH_SIZE = 2 ** 32 - 1;

/** Options of {@link RecordWriter.open}. */
export interface RecordWriterOptions {
  /** Records per batch for {@link RecordWriter.write} (default {@link DEFAULT_BATCH_SIZE}). */
  readonly batchSize?: number;
  /**
   * Publishes a stored batch and returns the location URI to write on chain (e.g. an
   * `ipfs://<CID>` after adding the file to IPFS). Default: the batch file's `file:` URI.
   */
  readonly locate?: (batch: StoredBatch, file: string) => Promise<string>;
  /** Gas limit of each `appendBatch`; set it to skip a gas estimate per batch. */
  readonly gasLimit?: bigint;
}

/** A batch the writer appended. */
export interface FlushedBatch {
  readonly batchId: number;
  readonly firstSequence: number;
  readonly count: number;
  readonly root: HexHash;
  /** The location written on chain. */
  readonly location: string;
  /** The batch file in the store. */
  readonly file: string;
  /** The `appendBatch` transaction, sent but not awaited. */
  readonly tx: ContractTransactionResponse;
}

/** The writer stopped because a batch could not be appended; reopen it to continue. */
export class RecordWriterError extends AnchorError {}

/** Appends communications to a RecordLog in batches. One writer per RecordLog at a time. */
export class RecordWriter {
  private records: ChainRecord[] = [];
  private leaves: Uint8Array[] = [];
  private queue: Promise<unknown> = Promise.resolve();
  private failure: Error | undefined;

  private constructor(
    private readonly log: RecordLog,
    private readonly store: BatchStore,
    private readonly chainId: number,
    private sequence: number,
    private batchId: number,
    private readonly options: RecordWriterOptions,
  ) {}

  /**
   * Opens a writer on the RecordLog at `recordLog`, continuing from the log's current
   * `nextSequence` and `batchCount`. `signer` must hold the log's WRITER_ROLE.
   */
  static async open(signer: Signer, recordLog: string, store: BatchStore, options: RecordWriterOptions = {}): Promise<RecordWriter> {
    const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
    if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > MAX_BATCH_SIZE) {
      throw new RecordFormatError(`batchSize must be an integer in [1, ${MAX_BATCH_SIZE}], got ${batchSize}`);
    }
    if (signer.provider === null) throw new RecordFormatError("the RecordWriter's signer must be connected to a provider");
    const log = RecordLog__factory.connect(recordLog, signer);
    const [network, nextSequence, batchCount] = await Promise.all([
      signer.provider.getNetwork(),
      log.nextSequence(),
      log.batchCount(),
    ]);
    return new RecordWriter(log, store, Number(network.chainId), Number(nextSequence), Number(batchCount), { ...options, batchSize });
  }

  /** Records appended and not flushed yet. */
  get pending(): number {
    return this.records.length;
  }

  /** The sequence number (record id) the next appended communication gets. */
  get nextSequence(): number {
    return this.sequence;
  }

  /** Numbers and hashes `communication`; returns it as the record it becomes. */
  append(communication: Communication): ChainRecord {
    this.throwIfFailed();
    const record: ChainRecord = {
      sequence: this.sequence,
      timestamp: communication.timestamp,
      from: communication.from,
      to: communication.to,
      bytes: communication.bytes,
    };
    validateRecord(record, `communication ${this.sequence}`);
    this.leaves.push(recordLeaf(record));
    this.records.push(record);
    this.sequence += 1;
    return record;
  }

  /**
   * Appends the pending records as one batch: stores it, then sends `appendBatch`. Resolves
   * once the transaction is sent (await `tx.wait()` for inclusion); undefined if nothing was
   * pending. Flushes run one after the other, in order.
   */
  flush(): Promise<FlushedBatch | undefined> {
    this.throwIfFailed();
    if (this.records.length === 0) return Promise.resolve(undefined);
    const records = this.records;
    const leaves = this.leaves;
    const batchId = this.batchId;
    this.records = [];
    this.leaves = [];
    this.batchId += 1;
    const done = this.queue.then(() => this.appendBatch(batchId, records, leaves));
    this.queue = done.catch(() => undefined);
    return done;
  }

  /** Appends every communication, flushing each full batch and the remainder. */
  async write(communications: Iterable<Communication>): Promise<FlushedBatch[]> {
    const flushed: Promise<FlushedBatch | undefined>[] = [];
    const batchSize = this.options.batchSize ?? DEFAULT_BATCH_SIZE;
    for (const communication of communications) {
      this.append(communication);
      if (this.records.length >= batchSize) flushed.push(this.flush());
    }
    flushed.push(this.flush());
    return (await Promise.all(flushed)).filter((batch): batch is FlushedBatch => batch !== undefined);
  }

  private async appendBatch(batchId: number, records: ChainRecord[], leaves: Uint8Array[]): Promise<FlushedBatch> {
    this.throwIfFailed();
    try {
      const root = MerkleTree.fromLeaves(leaves).rootHex;
      const batch: StoredBatch = {
        chainId: this.chainId,
        recordLog: await this.log.getAddress(),
        batchId,
        firstSequence: records[0].sequence,
        root,
        records,
      };
      const file = await this.store.write(batch);
      const location = this.options.locate === undefined ? this.store.locationOf(batchId) : await this.options.locate(batch, file);
      const overrides = this.options.gasLimit === undefined ? {} : { gasLimit: this.options.gasLimit };
      const tx = await this.log.appendBatch(root, batch.firstSequence, records.length, location, overrides);
      return { batchId, firstSequence: batch.firstSequence, count: records.length, root, location, file, tx };
    } catch (error) {
      this.failure = new RecordWriterError(
        `batch ${batchId} (records ${records[0].sequence}..${records[records.length - 1].sequence}) could not be appended to RecordLog ${await this.log.getAddress()}: ${(error as Error).message}`,
        { cause: error },
      );
      throw this.failure;
    }
  }

  private throwIfFailed(): void {
    if (this.failure !== undefined) {
      throw new RecordWriterError(`the writer stopped: ${this.failure.message}; open a new RecordWriter to continue from the chain's state`, { cause: this.failure });
    }
  }
}
