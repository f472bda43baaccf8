/**
 * Where `records:send` put every record of a traffic log: `<dir>/records/placements.ndjson`, one
 * JSON line per log record, in log order:
 *
 * `{"line":2,"from":"01","to":"07","cross":true,"records":[["community-1",0],["community-2",0]]}`
 *
 * `line` is the record's line in the log (the header is line 1); `records` lists each copy as
 * [chain, record id], the id being the record's sequence number in that chain's RecordLog, which
 * is what `verify:record --chain <chain> --record <id>` takes. A record with no running chain at
 * either end has `"records":[]`. The file is written whole by each complete run (atomically).
 */
import { createReadStream } from "node:fs";
import path from "node:path";
import { createInterface } from "node:readline";
import { RecordsError } from "./errors";

/** Folder of the chains directory holding the outputs of `records:send`. */
export const RECORDS_FOLDER = "records";
/** File name of the placements inside {@link RECORDS_FOLDER}. */
export const PLACEMENTS_FILE = "placements.ndjson";
/** File name of the last run's summary inside {@link RECORDS_FOLDER}. */
export const SUMMARY_FILE = "summary.json";

/** One copy of a record: the chain and the record id there. */
export type PlacedCopy = [chain: string, recordId: number];

/** Where one record of the log went. */
export interface Placement {
  /** Line of the record in the traffic log (header = line 1). */
  readonly line: number;
  readonly from: string;
  readonly to: string;
  /** Formula 1 stores it on two chains. */
  readonly cross: boolean;
  /** Its copies on the community chains. */
  readonly records: readonly PlacedCopy[];
}

/** `<dir>/records`. */
export function recordsDir(dir: string): string {
  return path.join(dir, RECORDS_FOLDER);
}

/** `<dir>/records/placements.ndjson`. */
export function placementsPath(dir: string): string {
  return path.join(recordsDir(dir), PLACEMENTS_FILE);
}

/** `<dir>/records/summary.json`. */
export function summaryPath(dir: string): string {
  return path.join(recordsDir(dir), SUMMARY_FILE);
}

/** The placement as its line of the placements file (with the newline). */
export function formatPlacement(placement: Placement): string {
  return `${JSON.stringify({ line: placement.line, from: placement.from, to: placement.to, cross: placement.cross, records: placement.records })}\n`;
}

/** Reads the placements file line by line, checking each line's shape. */
export async function* readPlacements(file: string): AsyncIterable<Placement> {
  const input = createReadStream(file);
  const opened = new Promise<void>((resolve, reject) => {
    input.once("open", () => resolve());
    input.once("error", reject);
  });
  try {
    await opened;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new RecordsError(
      `${file}: ${code === "ENOENT" ? "does not exist (run records:send first)" : `cannot be read (${code})`}`,
    );
  }
  const lines = createInterface({ input, crlfDelay: Infinity });
  let number = 0;
  try {
    for await (const text of lines) {
      number += 1;
      if (text === "") continue;
      yield parsePlacement(text, `${file}:${number}`);
    }
  } finally {
    lines.close();
    input.destroy();
  }
}

/** The placement of log line `line`, or undefined when the file has none (a header, a skipped row). */
export async function findPlacement(file: string, line: number): Promise<Placement | undefined> {
  for await (const placement of readPlacements(file)) {
    if (placement.line === line) return placement;
    // the file is in log order: past the line, it is not there
    if (placement.line > line) return undefined;
  }
  return undefined;
}

function parsePlacement(text: string, where: string): Placement {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new RecordsError(`${where}: not a JSON placement`);
  }
  const p = value as Record<string, unknown>;
  const copies = p?.records;
  const valid =
    typeof p === "object" &&
    p !== null &&
    Number.isSafeInteger(p.line) &&
    typeof p.from === "string" &&
    typeof p.to === "string" &&
    typeof p.cross === "boolean" &&
    Array.isArray(copies) &&
    copies.every((c) => Array.isArray(c) && c.length === 2 && typeof c[0] === "string" && Number.isSafeInteger(c[1]));
  if (!valid) throw new RecordsError(`${where}: must be {line, from, to, cross, records: [[chain, id], …]}`);
  return p as unknown as Placement;
}
