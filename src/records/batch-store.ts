/**
 * The batch store: every batch of records a community chain's RecordLog holds, one JSON file per
 * batch under a directory. The chain keeps only each batch's Merkle root; this is what a full
 * node serves (untrusted) so that a light client can check a record against the root.
 *
 * File `<dir>/batch-<id>.json`:
 * `{ "version": 1, "chainId": 31001, "recordLog": "0x…", "batchId": 3, "firstSequence": 768,
 *    "root": "0x…", "records": [[timestamp, from, to, bytes], …] }` — record `i` has sequence
 * `firstSequence + i`. Files are written with `writeFileAtomic` (temp file in the same directory,
 * fsync, rename, fsync of the directory), so a reader never sees half a batch and a written batch
 * survives a crash.
 */
import fs from "node:fs/promises";
import path from "node:path";
import { writeFileAtomic } from "../io/atomic-write";
import { BatchStoreError } from "./errors";
import { MerkleTree, type HexHash } from "./merkle";
import { recordLeaf, validateRecord, type ChainRecord } from "./record";

/** Current batch file format version. */
export const BATCH_FILE_VERSION = 1;

/** One batch as the store keeps it. */
export interface StoredBatch {
  readonly chainId: number;
  /** Address of the RecordLog the batch was appended to. */
  readonly recordLog: string;
  readonly batchId: number;
  readonly firstSequence: number;
  /** Merkle root of the records' leaves. */
  readonly root: HexHash;
  /** The records, sequences `firstSequence ..`. */
  readonly records: readonly ChainRecord[];
}

type RecordRow = [timestamp: number, from: string, to: string, bytes: number];

interface BatchFile {
  version: number;
  chainId: number;
  recordLog: string;
  batchId: number;
  firstSequence: number;
  root: string;
  records: RecordRow[];
}

const ID_WIDTH = 8;

/** Folder of the chains directory holding one batch store per chain. */
export const BATCHES_FOLDER = "batches";

/** The batch store directory of chain `chainName` in chains directory `dir`: `<dir>/batches/<chain>`. */
export function batchStoreDir(dir: string, chainName: string): string {
  return path.join(dir, BATCHES_FOLDER, chainName);
}

/** A directory of batch files of one chain's RecordLog. */
export class BatchStore {
  /** @param dir the directory holding the batch files (created on first write) */
  constructor(readonly dir: string) {}

  /** The file of batch `batchId`. */
  pathOf(batchId: number): string {
    return path.resolve(this.dir, `batch-${String(batchId).padStart(ID_WIDTH, "0")}.json`);
  }

  /**
   * The location written on chain by default: a `file:` URI relative to the batch store's
   * directory (`file:batch-00000012.json`), which {@link resolveLocation} turns back into a path.
   * An absolute `file:///home/…` URI would publish the host's directory layout on chain (review L7).
   */
  locationOf(batchId: number): string {
    return `file:${path.basename(this.pathOf(batchId))}`;
  }

  /** The file a location of {@link locationOf} names, in this store's directory. */
  resolveLocation(location: string): string {
    const match = /^file:(batch-\d+\.json)$/.exec(location);
    if (match === null)
      throw new BatchStoreError(`${location}: not a batch location of this store (file:batch-<id>.json)`);
    return path.join(path.resolve(this.dir), match[1]);
  }

  /** Writes a batch atomically and returns its file. */
  async write(batch: StoredBatch): Promise<string> {
    const file = this.pathOf(batch.batchId);
    const body: BatchFile = {
      version: BATCH_FILE_VERSION,
      chainId: batch.chainId,
      recordLog: batch.recordLog,
      batchId: batch.batchId,
      firstSequence: batch.firstSequence,
      root: batch.root,
      records: batch.records.map((r) => [r.timestamp, r.from, r.to, r.bytes]),
    };
    // The shared atomic writer also fsyncs the directory after the rename (review L7): without
    // that, a power cut after `write` returned could drop the new directory entry, and the batch
    // whose root is already on chain would be missing from the store.
    await writeFileAtomic(file, JSON.stringify(body));
    return file;
  }

  /** Whether batch `batchId` is stored. */
  async has(batchId: number): Promise<boolean> {
    try {
      await fs.access(this.pathOf(batchId));
      return true;
    } catch {
      return false;
    }
  }

  /** The ids of every stored batch, ascending. */
  async list(): Promise<number[]> {
    let names: string[];
    try {
      names = await fs.readdir(this.dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw error;
    }
    return names
      .map((name) => /^batch-(\d+)\.json$/.exec(name))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => Number(m[1]))
      .sort((a, b) => a - b);
  }

  /**
   * Reads batch `batchId`; throws {@link BatchStoreError} naming the file and field if it is
   * missing or malformed, or if its records do not hash to its root.
   */
  async read(batchId: number): Promise<StoredBatch> {
    const file = this.pathOf(batchId);
    let text: string;
    try {
      text = await fs.readFile(file, "utf8");
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new BatchStoreError(
        `${file}: batch ${batchId} ${code === "ENOENT" ? "is not in the store" : `cannot be read (${code})`}`,
      );
    }
    let raw: BatchFile;
    try {
      raw = JSON.parse(text) as BatchFile;
    } catch (error) {
      throw new BatchStoreError(`${file}: not valid JSON (${(error as Error).message})`);
    }
    const fail = (field: string, problem: string): never => {
      throw new BatchStoreError(`${file}: field "${field}" ${problem}`);
    };
    if (raw.version !== BATCH_FILE_VERSION)
      fail("version", `must be ${BATCH_FILE_VERSION}, got ${JSON.stringify(raw.version)}`);
    if (raw.batchId !== batchId) fail("batchId", `must be ${batchId}, got ${JSON.stringify(raw.batchId)}`);
    if (!Number.isSafeInteger(raw.firstSequence) || raw.firstSequence < 0)
      fail("firstSequence", `must be a non-negative integer, got ${JSON.stringify(raw.firstSequence)}`);
    if (!Number.isSafeInteger(raw.chainId)) fail("chainId", `must be an integer, got ${JSON.stringify(raw.chainId)}`);
    if (typeof raw.recordLog !== "string") fail("recordLog", "must be an address");
    if (typeof raw.root !== "string" || !/^0x[0-9a-f]{64}$/.test(raw.root))
      fail("root", `must be a 32-byte lower-case hex hash, got ${JSON.stringify(raw.root)}`);
    if (!Array.isArray(raw.records) || raw.records.length === 0) fail("records", "must be a non-empty array");

    const records = raw.records.map((row, i): ChainRecord => {
      if (!Array.isArray(row) || row.length !== 4) fail(`records[${i}]`, "must be [timestamp, from, to, bytes]");
      const record = { sequence: raw.firstSequence + i, timestamp: row[0], from: row[1], to: row[2], bytes: row[3] };
      validateRecord(record, `${file}: records[${i}]`);
      return record;
    });
    const root = MerkleTree.fromLeaves(records.map(recordLeaf)).rootHex;
    if (root !== raw.root) fail("root", `is ${raw.root} but the records hash to ${root}`);
    return {
      chainId: raw.chainId,
      recordLog: raw.recordLog,
      batchId,
      firstSequence: raw.firstSequence,
      root,
      records,
    };
  }
}
