// Streaming reader of the traffic log (DESIGN.md "Traffic log"): CSV with a header naming
// `timestamp`, `from`, `to` and optionally `bytes`, in any order, extra columns ignored.
// The file is never read whole and rows are never kept, so millions of rows stay cheap.
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { CsvError, parse } from "csv-parse";
import { checkDeviceId } from "./device-id";
import { TrafficLogError, TrafficLogSyntaxError, TrafficRecordError, TrafficError } from "./errors";
import { buildTrustGraph, PairCounter, spanHoursOf } from "./graph";
import type { LogSummary, TrafficRecord, TrustGraph } from "./types";

export interface StreamTrafficLogOptions {
  /** Skip rows with a bad field (reported through `onSkip`) instead of throwing. */
  skipInvalid?: boolean;
  /** Called for every skipped row with its line and what is wrong. */
  onSkip?: (line: number, reason: string) => void;
  /** Called as the file is read, with bytes read so far and the file size. */
  onProgress?: (bytesRead: number, totalBytes: number) => void;
}

export interface ReadTrafficLogOptions {
  skipInvalid?: boolean;
  onProgress?: (bytesRead: number, totalBytes: number) => void;
}

/** The columns the log must have, and the optional one. */
export const REQUIRED_COLUMNS = ["timestamp", "from", "to"] as const;
export const OPTIONAL_COLUMNS = ["bytes"] as const;

type Column = (typeof REQUIRED_COLUMNS)[number] | (typeof OPTIONAL_COLUMNS)[number];

const DIGITS = /^\d+$/;
// ISO-8601 calendar date, optionally with time (T or space), fraction and zone.
const ISO_8601 =
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?([Zz]|[+-]\d{2}(?::?\d{2})?)?$/;

/**
 * Parses a log timestamp: Unix milliseconds (digits only) or ISO-8601. An ISO time without a
 * zone is read as UTC, not local time as `Date.parse` would, so one log means the same on
 * every machine. Returns Unix milliseconds, or a description of what is wrong.
 */
export function parseTimestamp(text: string): number | string {
  if (DIGITS.test(text)) {
    const ms = Number(text);
    return Number.isSafeInteger(ms) ? ms : `"${text}" is too large for Unix milliseconds`;
  }
  const match = ISO_8601.exec(text);
  if (match === null) return `"${text}" is neither Unix milliseconds nor an ISO-8601 date-time`;
  const [, y, mo, d, h = "0", mi = "0", s = "0", fraction = "", zone = "Z"] = match;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  const ms = Number(fraction.padEnd(3, "0").slice(0, 3));
  const local = Date.UTC(year, month - 1, day, hour, minute, second, ms);
  const check = new Date(local);
  // Date.UTC rolls 2024-02-30 over to March; a date that does not round-trip does not exist.
  if (
    check.getUTCFullYear() !== year ||
    check.getUTCMonth() !== month - 1 ||
    check.getUTCDate() !== day ||
    hour > 23 ||
    minute > 59 ||
    second > 59
  ) {
    return `"${text}" is not a valid date-time`;
  }
  let offsetMinutes = 0;
  if (zone !== "Z" && zone !== "z") {
    const sign = zone[0] === "-" ? -1 : 1;
    const digits = zone.slice(1).replace(":", "");
    const zoneHours = Number(digits.slice(0, 2));
    const zoneMinutes = digits.length > 2 ? Number(digits.slice(2)) : 0;
    if (zoneHours > 23 || zoneMinutes > 59) return `"${text}" has an invalid zone offset`;
    offsetMinutes = sign * (zoneHours * 60 + zoneMinutes);
  }
  return local - offsetMinutes * 60_000;
}

/** Reads the header row: the index of each known column, or a clear error. */
function columnIndexes(file: string, header: string[]): Record<Column, number | undefined> {
  const names = header.map((name) => name.trim().toLowerCase());
  const indexes: Partial<Record<Column, number>> = {};
  for (const column of [...REQUIRED_COLUMNS, ...OPTIONAL_COLUMNS]) {
    const first = names.indexOf(column);
    if (first >= 0 && names.indexOf(column, first + 1) >= 0) {
      throw new TrafficLogError(file, `header names column "${column}" twice`);
    }
    if (first >= 0) indexes[column] = first;
  }
  const missing = REQUIRED_COLUMNS.filter((column) => indexes[column] === undefined);
  if (missing.length === REQUIRED_COLUMNS.length) {
    throw new TrafficLogError(
      file,
      `missing header: line 1 must name the columns timestamp,from,to[,bytes], got "${header.join(",")}"`,
    );
  }
  if (missing.length > 0) {
    throw new TrafficLogError(
      file,
      `header lacks required column${missing.length > 1 ? "s" : ""} ${missing.map((c) => `"${c}"`).join(", ")} (got "${header.join(",")}")`,
    );
  }
  return { timestamp: indexes.timestamp, from: indexes.from, to: indexes.to, bytes: indexes.bytes };
}

/** Validates one data row; returns the record or throws a `TrafficRecordError` naming the field. */
function toRecord(
  file: string,
  line: number,
  row: string[],
  columns: Record<Column, number | undefined>,
): TrafficRecord {
  const field = (column: Column): string => {
    const index = columns[column] as number;
    if (index >= row.length) {
      throw new TrafficRecordError(
        file,
        line,
        column,
        `is missing (the row has ${row.length} columns, the header more)`,
      );
    }
    return row[index].trim();
  };
  const timestampText = field("timestamp");
  if (timestampText === "") throw new TrafficRecordError(file, line, "timestamp", "is empty");
  const timestamp = parseTimestamp(timestampText);
  if (typeof timestamp === "string") throw new TrafficRecordError(file, line, "timestamp", timestamp);
  const device = (column: "from" | "to"): string => {
    const id = field(column);
    if (id === "") throw new TrafficRecordError(file, line, column, "is empty: a device id is required");
    const problem = checkDeviceId(id);
    if (problem !== undefined) throw new TrafficRecordError(file, line, column, problem);
    return id;
  };
  const from = device("from");
  const to = device("to");
  if (from === to) throw new TrafficRecordError(file, line, "to", `is "${to}", the same device as "from"`);
  const record: TrafficRecord = { timestamp, from, to, line };
  if (columns.bytes !== undefined && columns.bytes < row.length) {
    const bytesText = row[columns.bytes].trim();
    if (bytesText !== "") {
      const bytes = Number(bytesText);
      if (!DIGITS.test(bytesText) || !Number.isSafeInteger(bytes)) {
        throw new TrafficRecordError(file, line, "bytes", `"${bytesText}" is not a non-negative integer`);
      }
      record.bytes = bytes;
    }
  }
  return record;
}

interface ParsedRow {
  record: string[];
  info: { lines: number };
}

/**
 * Turns the parsed CSV rows of one log into records: the first row is the header, every
 * other row is validated. Synchronous, so both readers below share it and the per-row cost
 * stays a function call (no promise per row in `readTrafficLog`).
 */
class RowReader {
  private columns: Record<Column, number | undefined> | undefined;
  records = 0;
  skipped = 0;

  constructor(
    private readonly file: string,
    private readonly opts: StreamTrafficLogOptions,
  ) {}

  /** The record of a data row, or undefined for the header and for a skipped row. */
  read({ record: row, info }: ParsedRow): TrafficRecord | undefined {
    if (this.columns === undefined) {
      this.columns = columnIndexes(this.file, row);
      return undefined;
    }
    try {
      const record = toRecord(this.file, info.lines, row, this.columns);
      this.records += 1;
      return record;
    } catch (error) {
      if (!(error instanceof TrafficRecordError) || this.opts.skipInvalid !== true) throw error;
      this.skipped += 1;
      this.opts.onSkip?.(error.line, error.reason);
      return undefined;
    }
  }

  /** Throws if the log had no header or no valid record. */
  finish(): void {
    if (this.columns === undefined) throw new TrafficLogError(this.file, "empty log: no header and no records");
    if (this.records === 0) {
      throw new TrafficLogError(
        this.file,
        this.skipped === 0
          ? "empty log: the header has no records after it"
          : `no valid records: all ${this.skipped} rows were skipped as invalid`,
      );
    }
  }
}

/** Opens the log as a stream of parsed CSV rows, reporting progress by bytes read. */
async function openRows(
  file: string,
  opts: StreamTrafficLogOptions,
): Promise<{ rows: AsyncIterable<ParsedRow>; close: () => void }> {
  let totalBytes: number;
  try {
    const info = await stat(file);
    if (!info.isFile()) throw new TrafficLogError(file, "is not a file");
    totalBytes = info.size;
  } catch (error) {
    if (error instanceof TrafficLogError) throw error;
    throw new TrafficLogError(file, `cannot be read (${(error as Error).message})`);
  }
  const input = createReadStream(file);
  if (opts.onProgress !== undefined) {
    const onProgress = opts.onProgress;
    input.on("data", () => onProgress(input.bytesRead, totalBytes));
  }
  const parser = input.pipe(parse({ info: true, bom: true, relax_column_count: true, skip_empty_lines: true }));
  // A read error (e.g. the file vanished) must reach the parser's iterator, or it would hang.
  input.on("error", (error) => parser.destroy(error));
  return { rows: parser as AsyncIterable<ParsedRow>, close: () => input.destroy() };
}

/** Rethrows a parse or read failure as the log's own typed error. */
function logFailure(file: string, error: unknown): never {
  if (error instanceof CsvError) {
    const line = (error as CsvError & { lines?: number }).lines ?? 0;
    throw new TrafficLogSyntaxError(file, line, `CSV does not parse: ${error.message}`);
  }
  if (error instanceof TrafficError) throw error;
  throw new TrafficLogError(file, `cannot be read (${(error as Error).message})`);
}

/**
 * Streams the records of a traffic log, validating every row. A bad row throws a
 * `TrafficRecordError` (file, line, field) unless `skipInvalid`; CSV that does not parse
 * throws `TrafficLogSyntaxError`; a missing header, a missing required column or a log with
 * no records throws `TrafficLogError`.
 */
export async function* streamTrafficLog(
  file: string,
  opts: StreamTrafficLogOptions = {},
): AsyncIterable<TrafficRecord> {
  const { rows, close } = await openRows(file, opts);
  const reader = new RowReader(file, opts);
  try {
    for await (const row of rows) {
      const record = reader.read(row);
      if (record !== undefined) yield record;
    }
  } catch (error) {
    logFailure(file, error);
  } finally {
    close();
  }
  reader.finish();
}

/**
 * Reads a whole traffic log into the trust graph (every device a node, every pair with ≥ 1
 * record an undirected edge with `count` and `weight` = records per hour of the span) and
 * a summary. Nodes come in order of first appearance. Memory grows with the number of
 * device pairs, not of rows.
 */
export async function readTrafficLog(
  file: string,
  opts: ReadTrafficLogOptions = {},
): Promise<{ graph: TrustGraph; summary: LogSummary }> {
  const counter = new PairCounter();
  const skipped: LogSummary["skipped"] = [];
  let first = Infinity;
  let last = -Infinity;
  const streamOpts: StreamTrafficLogOptions = {
    skipInvalid: opts.skipInvalid,
    onProgress: opts.onProgress,
    onSkip: (line, reason) => skipped.push({ line, reason }),
  };
  const { rows, close } = await openRows(file, streamOpts);
  const reader = new RowReader(file, streamOpts);
  try {
    for await (const row of rows) {
      const record = reader.read(row);
      if (record === undefined) continue;
      if (record.timestamp < first) first = record.timestamp;
      if (record.timestamp > last) last = record.timestamp;
      counter.add(record.from, record.to);
    }
  } catch (error) {
    logFailure(file, error);
  } finally {
    close();
  }
  reader.finish();
  const spanHours = spanHoursOf(first, last);
  const graph = buildTrustGraph(counter.pairs(), spanHours, counter.devices());
  return {
    graph,
    summary: {
      file,
      records: reader.records,
      devices: graph.order,
      spanHours,
      firstTimestamp: first,
      lastTimestamp: last,
      skipped,
    },
  };
}
