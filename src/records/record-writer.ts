/**
 * RecordWriter: the community gateway's write path. Communications are appended one by one,
 * numbered with the chain's next sequence numbers and hashed into leaves; `flush()` builds the
 * batch's Merkle tree, stores the batch (the data a full node serves) and appends its root to
 * the RecordLog in one transaction.
 *
 * Two options make it fast where the sender, not the chain, is the bottleneck: `batchRoot` moves
 * the hashing off the calling thread (a worker pool), and `pipeline` keeps several batches in
 * flight — each prepared (root, store, location) as soon as it is flushed, the ready ones sent
 * together with nonces the writer manages.
 */
import { JsonRpcProvider, Transaction, type Signer, type TransactionResponse } from "ethers";
import { RecordLog__factory, type RecordLog } from "../../typechain-types";
import { sentTransaction } from "../chains/local-sender";
import type { BatchStore, StoredBatch } from "./batch-store";
import { RecordFormatError, RecordsError } from "./errors";
import { MerkleTree, type HexHash } from "./merkle";
import { DEFAULT_BATCH_SIZE } from "./defaults";
import { recordLeaf, validateRecord, type ChainRecord, type Communication } from "./record";

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
  /**
   * Computes a batch's Merkle root away from the calling thread (e.g. `BatchRootPool` of
   * src/records, worker threads). It must return the root of {@link recordLeaf} over the records,
   * in order. When set, `append` only numbers and checks a record; the hashing starts at `flush`.
   */
  readonly batchRoot?: (records: readonly ChainRecord[]) => Promise<HexHash>;
  /**
   * Most batches sent to the chain at once (default 1: one after the other, as ethers sends them).
   * Above 1, the batches ready when the chain is free go out together, in one JSON-RPC batch
   * request that the node takes in order, signed here with consecutive nonces: the writer then
   * owns the account's nonce (nothing else may send from it while it writes), needs `gasLimit`
   * (a batch's gas cannot be estimated before the one before it is mined) and a signer that signs
   * locally (a Wallet).
   */
  readonly pipeline?: number;
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
  readonly tx: TransactionResponse;
}

/** A flushed batch being prepared: its root, its file in the store and its location. */
interface PreparedBatch {
  readonly root: HexHash;
  readonly file: string;
  readonly location: string;
}

/** A flushed batch waiting for its turn to be sent (pipelined writers). */
interface QueuedBatch {
  readonly batchId: number;
  readonly records: ChainRecord[];
  readonly prepared: Promise<PreparedBatch>;
  ready: boolean;
  readonly resolve: (batch: FlushedBatch) => void;
  readonly reject: (error: Error) => void;
}

/** The writer stopped because a batch could not be appended; reopen it to continue. */
export class RecordWriterError extends RecordsError {}

/** Appends communications to a RecordLog in batches. One writer per RecordLog at a time. */
export class RecordWriter {
  private records: ChainRecord[] = [];
  private leaves: Uint8Array[] = [];
  private queue: Promise<unknown> = Promise.resolve();
  private failure: Error | undefined;
  /** Pipelined writers: batches waiting to be sent, whether a send is under way, the next nonce. */
  private readonly waiting: QueuedBatch[] = [];
  private sending = false;

  private constructor(
    private readonly log: RecordLog,
    private readonly address: string,
    private readonly signer: Signer,
    private readonly store: BatchStore,
    private readonly chainId: number,
    private sequence: number,
    private batchId: number,
    private nonce: number,
    private readonly options: RecordWriterOptions,
  ) {}

  /**
   * Opens a writer on the RecordLog at `recordLog`, continuing from the log's current
   * `nextSequence` and `batchCount`. `signer` must hold the log's WRITER_ROLE.
   */
  static async open(
    signer: Signer,
    recordLog: string,
    store: BatchStore,
    options: RecordWriterOptions = {},
  ): Promise<RecordWriter> {
    const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
    if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > MAX_BATCH_SIZE) {
      throw new RecordFormatError(`batchSize must be an integer in [1, ${MAX_BATCH_SIZE}], got ${batchSize}`);
    }
    const pipeline = options.pipeline ?? 1;
    if (!Number.isInteger(pipeline) || pipeline < 1)
      throw new RecordFormatError(`pipeline must be a positive integer, got ${pipeline}`);
    if (pipeline > 1 && options.gasLimit === undefined) {
      throw new RecordFormatError(
        `pipeline ${pipeline} needs a gasLimit: a batch's gas cannot be estimated before the batch before it is mined`,
      );
    }
    if (signer.provider === null)
      throw new RecordFormatError("the RecordWriter's signer must be connected to a provider");
    const log = RecordLog__factory.connect(recordLog, signer);
    const [network, nextSequence, batchCount, nonce] = await Promise.all([
      signer.provider.getNetwork(),
      log.nextSequence(),
      log.batchCount(),
      pipeline > 1 ? signer.getNonce("pending") : Promise.resolve(0),
    ]);
    return new RecordWriter(
      log,
      await log.getAddress(),
      signer,
      store,
      Number(network.chainId),
      Number(nextSequence),
      Number(batchCount),
      nonce,
      {
        ...options,
        batchSize,
        pipeline,
      },
    );
  }

  /** Records appended and not flushed yet. */
  get pending(): number {
    return this.records.length;
  }

  /** The sequence number (record id) the next appended communication gets. */
  get nextSequence(): number {
    return this.sequence;
  }

  /** Numbers and hashes `communication` (only numbers it with `batchRoot`); returns it as the record it becomes. */
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
    if (this.options.batchRoot === undefined) this.leaves.push(recordLeaf(record));
    this.records.push(record);
    this.sequence += 1;
    return record;
  }

  /**
   * Appends the pending records as one batch: stores it, then sends `appendBatch`. Resolves
   * once the transaction is sent (await `tx.wait()` for inclusion); undefined if nothing was
   * pending. Batches are prepared as soon as they are flushed and sent in flush order.
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
    const prepared = this.prepare(batchId, records, leaves);
    // A failed preparation is reported when the batch's turn to be sent comes.
    prepared.catch(() => undefined);
    if (this.options.pipeline === 1) {
      const done = this.queue.then(() => this.send(batchId, records, prepared));
      this.queue = done.catch(() => undefined);
      return done;
    }
    return new Promise<FlushedBatch>((resolve, reject) => {
      const queued: QueuedBatch = { batchId, records, prepared, ready: false, resolve, reject };
      const settled = () => {
        queued.ready = true;
      };
      prepared.then(settled, settled);
      this.waiting.push(queued);
      void this.pump();
    });
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

  /** The batch's root, its file in the store and its location. */
  private async prepare(batchId: number, records: ChainRecord[], leaves: Uint8Array[]): Promise<PreparedBatch> {
    const root =
      this.options.batchRoot === undefined
        ? MerkleTree.fromLeaves(leaves).rootHex
        : await this.options.batchRoot(records);
    const batch: StoredBatch = {
      chainId: this.chainId,
      recordLog: this.address,
      batchId,
      firstSequence: records[0].sequence,
      root,
      records,
    };
    const file = await this.store.write(batch);
    const location =
      this.options.locate === undefined ? this.store.locationOf(batchId) : await this.options.locate(batch, file);
    return { root, file, location };
  }

  /** Sends one prepared batch through the contract (estimating gas unless `gasLimit` is set). */
  private async send(batchId: number, records: ChainRecord[], prepared: Promise<PreparedBatch>): Promise<FlushedBatch> {
    this.throwIfFailed();
    try {
      const { root, file, location } = await prepared;
      const overrides = this.options.gasLimit === undefined ? {} : { gasLimit: this.options.gasLimit };
      const tx = await this.log.appendBatch(root, records[0].sequence, records.length, location, overrides);
      return { batchId, firstSequence: records[0].sequence, count: records.length, root, location, file, tx };
    } catch (error) {
      throw this.fail(batchId, records, error);
    }
  }

  /** Sends the waiting batches of a pipelined writer, the ready ones together, until none waits. */
  private async pump(): Promise<void> {
    if (this.sending) return;
    this.sending = true;
    try {
      while (this.waiting.length > 0) {
        // The first waiting batch goes next, ready or not; batches behind it join only if ready.
        const group = [this.waiting.shift() as QueuedBatch];
        await group[0].prepared.catch(() => undefined);
        while (group.length < (this.options.pipeline as number) && this.waiting.length > 0 && this.waiting[0].ready)
          group.push(this.waiting.shift() as QueuedBatch);
        await this.sendGroup(group);
      }
    } finally {
      this.sending = false;
    }
  }

  /**
   * Signs the group's `appendBatch` transactions with consecutive nonces and sends them in order.
   * Over JSON-RPC they go in one batch request, which the node executes in order; a node that
   * mines every transaction as it comes refuses a nonce ahead of the one it expects, so they must
   * never travel in separate requests that could overtake each other. Other providers get them
   * one after the other.
   */
  private async sendGroup(group: readonly QueuedBatch[]): Promise<void> {
    let index = 0;
    try {
      this.throwIfFailed();
      const prepared = await Promise.all(group.map((queued) => queued.prepared));
      const provider = this.signer.provider as NonNullable<Signer["provider"]>;
      const fees = await provider.getFeeData();
      const signed = await Promise.all(
        group.map((queued, i) =>
          this.signer.signTransaction({
            type: 2,
            chainId: this.chainId,
            nonce: this.nonce + i,
            to: this.address,
            data: this.log.interface.encodeFunctionData("appendBatch", [
              prepared[i].root,
              queued.records[0].sequence,
              queued.records.length,
              prepared[i].location,
            ]),
            gasLimit: this.options.gasLimit,
            maxFeePerGas: fees.maxFeePerGas,
            maxPriorityFeePerGas: fees.maxPriorityFeePerGas,
          }),
        ),
      );
      const sent = await broadcastInOrder(provider, signed, await this.signer.getAddress());
      for (; index < group.length; index += 1) {
        const outcome = sent[index];
        if (outcome instanceof Error) throw outcome;
        const { batchId, records } = group[index];
        const { root, file, location } = prepared[index];
        this.nonce += 1;
        group[index].resolve({
          batchId,
          firstSequence: records[0].sequence,
          count: records.length,
          root,
          location,
          file,
          tx: outcome,
        });
      }
    } catch (error) {
      const failed = group[index];
      const failure = this.failure ?? this.fail(failed.batchId, failed.records, error);
      for (const queued of group.slice(index)) queued.reject(failure);
    }
  }

  /** Stops the writer: the error of the batch that could not be appended. */
  private fail(batchId: number, records: ChainRecord[], error: unknown): Error {
    if (this.failure !== undefined) return this.failure;
    this.failure = new RecordWriterError(
      `batch ${batchId} (records ${records[0].sequence}..${records[records.length - 1].sequence}) could not be appended to RecordLog ${this.address}: ${(error as Error).message}`,
      { cause: error },
    );
    return this.failure;
  }

  private throwIfFailed(): void {
    if (this.failure !== undefined) {
      throw new RecordWriterError(
        `the writer stopped: ${this.failure.message}; open a new RecordWriter to continue from the chain's state`,
        { cause: this.failure },
      );
    }
  }
}

/**
 * Sends signed transactions in nonce order: one JSON-RPC batch request over a JsonRpcProvider, else
 * one after the other, stopping at the first refused. Each is its transaction, or the error it met.
 */
async function broadcastInOrder(
  provider: NonNullable<Signer["provider"]>,
  signed: readonly string[],
  from: string,
): Promise<(TransactionResponse | Error)[]> {
  const sent: (TransactionResponse | Error)[] = [];
  const oneByOne = async (raw: string) => {
    try {
      sent.push(await provider.broadcastTransaction(raw));
      return true;
    } catch (error) {
      sent.push(error as Error);
      return false;
    }
  };
  if (!(provider instanceof JsonRpcProvider)) {
    for (const raw of signed) if (!(await oneByOne(raw))) break;
    return sent;
  }
  const answers = await provider._send(
    signed.map((raw, i) => ({ method: "eth_sendRawTransaction", params: [raw], id: i + 1, jsonrpc: "2.0" as const })),
  );
  for (const [i, raw] of signed.entries()) {
    const answer = answers.find((a) => a.id === i + 1);
    if (answer !== undefined && !("error" in answer)) {
      sent.push(sentTransaction(raw, from, provider));
      continue;
    }
    // A node may run a batch's calls concurrently (a plain Hardhat node does; a commchain chain
    // takes them one at a time): if it mines every transaction as it comes, a later nonce taken
    // first is refused, not kept. A refused transaction that was not mined is sent again now that
    // those before it are in; one that was mined failed for its own sake.
    const message =
      answer === undefined
        ? `the node did not answer transaction ${i + 1} of the batch request`
        : ((answer.error as { message?: string }).message ?? JSON.stringify(answer.error));
    if ((await provider.getTransactionReceipt(Transaction.from(raw).hash as string)) !== null) {
      sent.push(new Error(message));
      break;
    }
    if (!(await oneByOne(raw))) break;
  }
  return sent;
}
