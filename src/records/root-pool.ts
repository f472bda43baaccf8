/**
 * A pool of worker threads computing batch Merkle roots, for RecordWriter's `batchRoot` option:
 * hashing a record leaf (four keccak-256 permutations) is the sender's main cost, and in workers
 * it runs beside the main thread, which then only numbers records and talks to the chains.
 *
 * Workers run this module's sibling `root-worker` file: the compiled `.js` in a build, or the
 * `.ts` source through ts-node (transpile only) under Hardhat and ts-node, as tests and tasks run.
 */
import path from "node:path";
import { Worker } from "node:worker_threads";
import type { HexHash } from "./merkle";
import type { ChainRecord } from "./record";
import { RecordsError, RecordsOptionError } from "./errors";
import type { RootAnswer, RootJob } from "./root-worker";

interface Pending {
  readonly resolve: (root: HexHash) => void;
  readonly reject: (error: Error) => void;
}

interface PoolWorker {
  readonly worker: Worker;
  readonly pending: Map<number, Pending>;
  /** Records sent to it and not answered yet: the least loaded worker gets the next batch. */
  load: number;
}

/** Worker threads answering Merkle roots of record batches. */
export class BatchRootPool {
  private nextId = 0;
  private closed = false;

  private constructor(private readonly workers: readonly PoolWorker[]) {}

  /** Starts `size` worker threads (at least one). */
  static start(size: number): BatchRootPool {
    if (!Number.isSafeInteger(size) || size < 1)
      throw new RecordsOptionError("--workers", `a root pool needs at least one worker, got ${size}`);
    const extension = path.extname(__filename);
    const file = path.join(__dirname, `root-worker${extension}`);
    // Under ts-node the worker must load it too; transpiling only, as Hardhat does, keeps its start quick.
    const typescript = extension === ".ts";
    const workers = Array.from({ length: size }, (): PoolWorker => {
      const worker = new Worker(
        file,
        typescript
          ? {
              execArgv: [...process.execArgv, "--require", require.resolve("ts-node/register")],
              env: { ...process.env, TS_NODE_TRANSPILE_ONLY: "true" },
            }
          : {},
      );
      // An idle worker must not keep the process alive; one with work does (see `root`).
      worker.unref();
      return { worker, pending: new Map(), load: 0 };
    });
    const pool = new BatchRootPool(workers);
    for (const entry of workers) pool.listen(entry);
    return pool;
  }

  /** Number of worker threads. */
  get size(): number {
    return this.workers.length;
  }

  /** The Merkle root of the records' leaves (RecordWriter's `batchRoot`). */
  root(records: readonly ChainRecord[]): Promise<HexHash> {
    if (this.closed) return Promise.reject(new RecordsError("the batch root pool is closed"));
    const entry = this.workers.reduce((best, w) => (w.load < best.load ? w : best));
    const id = this.nextId++;
    return new Promise<HexHash>((resolve, reject) => {
      if (entry.pending.size === 0) entry.worker.ref();
      entry.pending.set(id, { resolve, reject });
      entry.load += records.length;
      const job: RootJob = { id, records };
      entry.worker.postMessage(job);
    }).finally(() => {
      entry.load -= records.length;
      if (entry.pending.size === 0) entry.worker.unref();
    });
  }

  /** Stops every worker; roots still being computed fail. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.workers.map((entry) => entry.worker.terminate()));
  }

  private listen(entry: PoolWorker): void {
    entry.worker.on("message", (answer: RootAnswer) => {
      const pending = entry.pending.get(answer.id);
      if (pending === undefined) return;
      entry.pending.delete(answer.id);
      if ("root" in answer) pending.resolve(answer.root as HexHash);
      else pending.reject(new RecordsError(`a worker could not hash a batch: ${answer.error}`));
    });
    const failAll = (problem: string) => {
      for (const pending of entry.pending.values()) pending.reject(new RecordsError(`a batch root worker ${problem}`));
      entry.pending.clear();
    };
    entry.worker.on("error", (error) => failAll(`failed: ${error.message}`));
    entry.worker.on("exit", (code) => failAll(`exited (code ${code})`));
  }
}
