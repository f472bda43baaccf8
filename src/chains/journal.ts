import fs from "node:fs";
import path from "node:path";
import { syncDirectorySync } from "../io/atomic-write";
import { acquireLockFile, lockFileOf, releaseLockFile } from "../io/lock-file";
import { JournalError, JournalLockedError, JournalWriteError } from "./errors";

/** The file name of a chain's block journal inside its data directory. */
export const JOURNAL_FILE = "journal.ndjson";

/** First record of a journal: block 0 of the chain it belongs to. */
export interface JournalGenesis {
  kind: "genesis";
  version: 1;
  chainId: number;
  hash: string;
  timestamp: number;
}

/** One mined block with everything needed to mine it again identically. */
export interface JournalBlock {
  kind: "block";
  number: number;
  hash: string;
  parentHash: string;
  timestamp: number;
  prevRandao: string;
  /** Hex quantity, wei. */
  baseFeePerGas: string;
  coinbase: string;
  gasLimit: number;
  /** The signed transactions in block order, each its EIP-2718 serialisation. */
  transactions: string[];
}

export type JournalRecord = JournalGenesis | JournalBlock;

/** What a journal file holds. */
export interface JournalContents {
  genesis?: JournalGenesis;
  blocks: JournalBlock[];
  /**
   * An unterminated last line, left by a process killed while appending. Its request never
   * returned, so nothing acknowledged is lost by dropping it.
   */
  torn?: { line: number; bytes: number };
  /** Bytes of complete lines (the length the file is truncated to when the torn tail is dropped). */
  validBytes: number;
}

const HASH = /^0x[0-9a-f]{64}$/;
const HEX = /^0x[0-9a-fA-F]*$/;

/** Bytes read per system call while streaming a journal: its size bounds the memory a scan needs. */
const READ_CHUNK_BYTES = 1 << 16;

/** What a scan of a journal found besides its records. */
export interface JournalTail {
  /** See {@link JournalContents.torn}. */
  torn?: { line: number; bytes: number };
  /** See {@link JournalContents.validBytes}. */
  validBytes: number;
  /** The number of complete lines. */
  lines: number;
}

/**
 * The complete lines of a file, streamed `READ_CHUNK_BYTES` at a time (a journal grows without
 * bound; only the current chunk and line are in memory). Returns what follows the last newline.
 */
function* fileLines(file: string): Generator<{ text: string; line: number }, JournalTail | undefined> {
  let fd: number;
  try {
    fd = fs.openSync(file, "r");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  try {
    const chunk = Buffer.alloc(READ_CHUNK_BYTES);
    // Bytes of the current, not yet terminated line (a line may span chunks).
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    let validBytes = 0;
    let line = 0;
    for (;;) {
      const read = fs.readSync(fd, chunk, 0, chunk.length, null);
      if (read === 0) break;
      let from = 0;
      for (let at = chunk.indexOf(0x0a, from); at >= 0 && at < read; at = chunk.indexOf(0x0a, from)) {
        pending.push(chunk.subarray(from, at));
        const bytes = Buffer.concat(pending);
        validBytes += pendingBytes + (at - from) + 1;
        pending = [];
        pendingBytes = 0;
        from = at + 1;
        yield { text: bytes.toString("utf8"), line: ++line };
      }
      if (from < read) {
        // Copied: the chunk buffer is reused by the next read.
        pending.push(Buffer.from(chunk.subarray(from, read)));
        pendingBytes += read - from;
      }
    }
    const tail: JournalTail = { validBytes, lines: line };
    if (pendingBytes > 0) tail.torn = { line: line + 1, bytes: pendingBytes };
    return tail;
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * The records of a journal in order, streamed: each complete line is parsed and checked as it is
 * read. Records end with "\n"; a last fragment without one (a torn append, or the zero bytes a
 * crash can leave after the last newline) is not a record and is reported in the returned tail.
 * Any complete line that is not a valid record in sequence is an error naming the line: that is
 * corruption, not an interrupted append.
 */
export function* journalRecords(file: string): Generator<JournalRecord, JournalTail> {
  const lines = fileLines(file);
  let blocks = 0;
  for (;;) {
    const next = lines.next();
    if (next.done === true) return next.value ?? { validBytes: 0, lines: 0 };
    const { text, line } = next.value;
    let record: JournalRecord;
    try {
      record = JSON.parse(text) as JournalRecord;
    } catch {
      throw new JournalError(file, line, "is not a JSON record");
    }
    if (line === 1) {
      checkGenesis(record, file);
    } else {
      checkBlock(record, file, line);
      const expected = blocks + 1;
      if ((record as JournalBlock).number !== expected)
        throw new JournalError(
          file,
          line,
          `holds block ${(record as JournalBlock).number} where block ${expected} belongs`,
        );
      blocks = expected;
    }
    yield record;
  }
}

/** The blocks of a journal in order, streamed (see {@link journalRecords}). */
export function* journalBlocks(file: string): Generator<JournalBlock, void> {
  for (const record of journalRecords(file)) if (record.kind === "block") yield record;
}

/** What a journal holds, without its blocks: what opening it for appending needs. */
export interface JournalSummary extends JournalTail {
  genesis?: JournalGenesis;
  /** The number of blocks after the genesis record. */
  blockCount: number;
  /** The last block, if any. */
  head?: JournalBlock;
}

/** Scans a journal (streamed, one record in memory at a time) without changing it. */
export function summarizeJournal(file: string): JournalSummary {
  const records = journalRecords(file);
  const summary: Omit<JournalSummary, keyof JournalTail> = { blockCount: 0 };
  for (;;) {
    const next = records.next();
    if (next.done === true) return { ...summary, ...next.value };
    const record = next.value;
    if (record.kind === "genesis") summary.genesis = record;
    else {
      summary.blockCount = record.number;
      summary.head = record;
    }
  }
}

/**
 * Reads a whole journal without changing it, every block in memory (for inspection and tests;
 * a chain start streams it instead, see {@link summarizeJournal} and {@link journalBlocks}).
 * Exact as {@link journalRecords} is on torn tails and corrupt lines.
 */
export function readJournal(file: string): JournalContents {
  const records = journalRecords(file);
  const contents: JournalContents = { blocks: [], validBytes: 0 };
  for (;;) {
    const next = records.next();
    if (next.done === true) {
      contents.validBytes = next.value.validBytes;
      if (next.value.torn !== undefined) contents.torn = next.value.torn;
      return contents;
    }
    if (next.value.kind === "genesis") contents.genesis = next.value;
    else contents.blocks.push(next.value);
  }
}

function checkGenesis(record: JournalRecord, file: string): void {
  const r = record as unknown as Record<string, unknown>;
  if (
    r?.kind !== "genesis" ||
    r.version !== 1 ||
    !Number.isSafeInteger(r.chainId) ||
    typeof r.hash !== "string" ||
    !HASH.test(r.hash) ||
    !Number.isSafeInteger(r.timestamp)
  ) {
    throw new JournalError(
      file,
      1,
      'must be the genesis record {kind: "genesis", version: 1, chainId, hash, timestamp}',
    );
  }
}

function checkBlock(record: JournalRecord, file: string, line: number): void {
  const r = record as unknown as Record<string, unknown>;
  const problems: string[] = [];
  if (r?.kind !== "block") problems.push('kind is not "block"');
  for (const key of ["number", "timestamp", "gasLimit"])
    if (!Number.isSafeInteger(r?.[key])) problems.push(`${key} is not an integer`);
  for (const key of ["hash", "parentHash", "prevRandao"])
    if (typeof r?.[key] !== "string" || !HASH.test(r[key] as string)) problems.push(`${key} is not a 32-byte hash`);
  for (const key of ["baseFeePerGas", "coinbase"])
    if (typeof r?.[key] !== "string" || !HEX.test(r[key] as string)) problems.push(`${key} is not hex`);
  if (
    !Array.isArray(r?.transactions) ||
    !(r.transactions as unknown[]).every((tx) => typeof tx === "string" && HEX.test(tx))
  ) {
    problems.push("transactions is not a list of hex strings");
  }
  if (problems.length > 0) throw new JournalError(file, line, `is not a block record: ${problems.join(", ")}`);
}

/** The file system calls a {@link JournalWriter} appends with; tests inject failing ones (ENOSPC). */
export interface JournalFs {
  writeSync(fd: number, buffer: Uint8Array, offset: number): number;
  fdatasyncSync(fd: number): void;
  ftruncateSync(fd: number, length: number): void;
}

const NODE_FS: JournalFs = {
  writeSync: (fd, buffer, offset) => fs.writeSync(fd, buffer, offset),
  fdatasyncSync: (fd) => fs.fdatasyncSync(fd),
  ftruncateSync: (fd, length) => fs.ftruncateSync(fd, length),
};

/** The lock file beside a journal that names the one process appending to it. */
export function journalLockFile(file: string): string {
  return lockFileOf(file);
}

/** Takes the single-writer lock of a journal (see {@link acquireLockFile}); a live holder is a {@link JournalLockedError}. */
export function acquireJournalLock(file: string, isGone?: (pid: number) => boolean): void {
  acquireLockFile(file, (lock, pid) => new JournalLockedError(file, lock, pid), { isGone });
}

/** Releases a journal's lock if this process holds it. */
export function releaseJournalLock(file: string): void {
  releaseLockFile(file);
}

/** Options of {@link JournalWriter.open}. */
export interface JournalOpenOptions {
  /** The append calls (default node:fs). */
  fs?: JournalFs;
  /** Whether a pid has exited, for stale-lock detection (default: /proc). */
  isGone?: (pid: number) => boolean;
}

/**
 * Appends records to a journal, each batch flushed to disk before `append` returns, so a block is
 * durable before the request that mined it is answered. The writer holds the journal's lock file
 * from `open` to `close`: one writer per journal.
 */
export class JournalWriter {
  private fd: number;
  /** Bytes known to be on disk: where a failed append is cut back to. */
  private size: number;
  private failure: JournalWriteError | undefined;
  private closed = false;

  private constructor(
    readonly file: string,
    fd: number,
    size: number,
    private readonly io: JournalFs,
  ) {
    this.fd = fd;
    this.size = size;
  }

  /**
   * Takes the journal's lock, then opens it for appending after dropping a torn last line (see
   * {@link journalRecords}), and returns the writer and a summary of what the journal held.
   */
  static open(file: string, options: JournalOpenOptions = {}): { writer: JournalWriter; contents: JournalSummary } {
    acquireJournalLock(file, options.isGone);
    try {
      const contents = summarizeJournal(file);
      const existed = fs.existsSync(file);
      if (contents.torn !== undefined) fs.truncateSync(file, contents.validBytes);
      const fd = fs.openSync(file, "a");
      if (contents.torn !== undefined) fs.fsyncSync(fd);
      if (!existed) syncDirectorySync(path.dirname(file));
      return { writer: new JournalWriter(file, fd, contents.validBytes, options.fs ?? NODE_FS), contents };
    } catch (error) {
      releaseJournalLock(file);
      throw error;
    }
  }

  /** The error that stopped this writer, if an append failed. */
  get failed(): JournalWriteError | undefined {
    return this.failure;
  }

  /**
   * Appends the records as lines and waits for the disk. A write or flush that fails (ENOSPC,
   * EIO) cuts the file back to what was on disk before, so no record the caller is told failed
   * comes back on the next start, and stops the writer: every later append fails with the same
   * error, because the chain in memory is now ahead of its journal.
   */
  append(records: readonly JournalRecord[]): void {
    if (this.failure !== undefined) throw this.failure;
    if (records.length === 0) return;
    const bytes = Buffer.from(records.map((record) => `${JSON.stringify(record)}\n`).join(""));
    try {
      // Only this process appends (the lock), so a kill can tear at most the last line of the batch.
      let written = 0;
      while (written < bytes.length) written += this.io.writeSync(this.fd, bytes, written);
      this.io.fdatasyncSync(this.fd);
    } catch (error) {
      try {
        this.io.ftruncateSync(this.fd, this.size);
      } catch {
        // Best effort: a tail left behind is dropped or rejected by the next start's scan.
      }
      this.failure = new JournalWriteError(this.file, error as Error);
      throw this.failure;
    }
    this.size += bytes.length;
  }

  /** Closes the journal and releases its lock. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    fs.closeSync(this.fd);
    releaseJournalLock(this.file);
  }
}
