import fs from "node:fs";
import path from "node:path";
import { syncDirectorySync } from "../io/atomic-write";
import { JournalError } from "./errors";

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

/**
 * Reads a journal without changing it. Records end with "\n"; a last fragment without one is
 * reported as torn. Any complete line that is not a valid record in sequence is an error naming
 * the line: that is corruption, not an interrupted append.
 */
export function readJournal(file: string): JournalContents {
  let buffer: Buffer;
  try {
    buffer = fs.readFileSync(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return { blocks: [], validBytes: 0 };
    throw error;
  }
  const end = buffer.lastIndexOf(0x0a) + 1;
  const lines = buffer.subarray(0, end).toString("utf8").split("\n");
  lines.pop();
  const contents: JournalContents = { blocks: [], validBytes: end };
  if (end < buffer.length) contents.torn = { line: lines.length + 1, bytes: buffer.length - end };
  lines.forEach((text, i) => {
    const line = i + 1;
    let record: JournalRecord;
    try {
      record = JSON.parse(text) as JournalRecord;
    } catch {
      throw new JournalError(file, line, "is not a JSON record");
    }
    if (line === 1) {
      checkGenesis(record, file);
      contents.genesis = record as JournalGenesis;
      return;
    }
    checkBlock(record, file, line);
    const block = record as JournalBlock;
    const expected = contents.blocks.length + 1;
    if (block.number !== expected) throw new JournalError(file, line, `holds block ${block.number} where block ${expected} belongs`);
    contents.blocks.push(block);
  });
  return contents;
}

function checkGenesis(record: JournalRecord, file: string): void {
  const r = record as unknown as Record<string, unknown>;
  if (r?.kind !== "genesis" || r.version !== 1 || !Number.isSafeInteger(r.chainId) || typeof r.hash !== "string" || !HASH.test(r.hash) || !Number.isSafeInteger(r.timestamp)) {
    throw new JournalError(file, 1, "must be the genesis record {kind: \"genesis\", version: 1, chainId, hash, timestamp}");
  }
}

function checkBlock(record: JournalRecord, file: string, line: number): void {
  const r = record as unknown as Record<string, unknown>;
  const problems: string[] = [];
  if (r?.kind !== "block") problems.push('kind is not "block"');
  for (const key of ["number", "timestamp", "gasLimit"]) if (!Number.isSafeInteger(r?.[key])) problems.push(`${key} is not an integer`);
  for (const key of ["hash", "parentHash", "prevRandao"]) if (typeof r?.[key] !== "string" || !HASH.test(r[key] as string)) problems.push(`${key} is not a 32-byte hash`);
  for (const key of ["baseFeePerGas", "coinbase"]) if (typeof r?.[key] !== "string" || !HEX.test(r[key] as string)) problems.push(`${key} is not hex`);
  if (!Array.isArray(r?.transactions) || !(r.transactions as unknown[]).every((tx) => typeof tx === "string" && HEX.test(tx))) {
    problems.push("transactions is not a list of hex strings");
  }
  if (problems.length > 0) throw new JournalError(file, line, `is not a block record: ${problems.join(", ")}`);
}

/**
 * Appends records to a journal, each batch flushed to disk before `append` returns, so a block is
 * durable before the request that mined it is answered.
 */
export class JournalWriter {
  private fd: number;

  private constructor(
    readonly file: string,
    fd: number,
  ) {
    this.fd = fd;
  }

  /**
   * Opens a journal for appending after dropping a torn last line (see {@link readJournal}), and
   * returns the writer and what the journal held.
   */
  static open(file: string): { writer: JournalWriter; contents: JournalContents } {
    const contents = readJournal(file);
    const existed = fs.existsSync(file);
    if (contents.torn !== undefined) fs.truncateSync(file, contents.validBytes);
    const fd = fs.openSync(file, "a");
    if (contents.torn !== undefined) fs.fsyncSync(fd);
    if (!existed) syncDirectorySync(path.dirname(file));
    return { writer: new JournalWriter(file, fd), contents };
  }

  /** Appends the records as lines and waits for the disk. */
  append(records: readonly JournalRecord[]): void {
    if (records.length === 0) return;
    const bytes = Buffer.from(records.map((record) => `${JSON.stringify(record)}\n`).join(""));
    // Only this process appends, so a kill can tear at most the last line of the batch.
    let written = 0;
    while (written < bytes.length) written += fs.writeSync(this.fd, bytes, written);
    fs.fdatasyncSync(this.fd);
  }

  close(): void {
    fs.closeSync(this.fd);
  }
}
