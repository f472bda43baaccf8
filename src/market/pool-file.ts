/**
 * The orderer's pool on disk: an append-only NDJSON file, one `{"add": entry}` line per submitted
 * High entry and one `{"settled": dataHash}` line when a batch registered it or the registry
 * refused it. Each line is fdatasync'ed before the caller hears of it, so a crash leaves at most a
 * torn last line (dropped on load, its entry never acknowledged). On open, the entries added and
 * not settled are the pool again; one a batch registered just before a crash is refused as
 * `OwnershipAlreadyRegistered` when sent again and settled then.
 */
import fs from "node:fs";
import { MarketError } from "./errors";
import type { SignedEntry } from "./registration";

/** The pool file is not one this module wrote. */
export class PoolFileError extends MarketError {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly problem: string,
  ) {
    super(`${file}:${line}: ${problem}`);
  }
}

const BIGINT_FIELDS = ["timestamp", "fee", "nonce", "deadline"] as const;

/** The NDJSON line of `signed` (bigints as decimal strings): `{"add": …}`. */
export function encodeSignedEntry(signed: SignedEntry): string {
  const entry: Record<string, unknown> = { ...signed.entry };
  for (const field of BIGINT_FIELDS) entry[field] = signed.entry[field].toString();
  const permit =
    signed.permit === undefined
      ? undefined
      : { ...signed.permit, value: signed.permit.value.toString(), deadline: signed.permit.deadline.toString() };
  return JSON.stringify({ add: { entry, signature: signed.signature, permit } });
}

/** The entry of an `add` line's value; throws {@link PoolFileError} naming `file` and `line`. */
export function decodeSignedEntry(value: unknown, file: string, line: number): SignedEntry {
  const add = value as { entry?: Record<string, unknown>; signature?: unknown; permit?: Record<string, unknown> };
  if (typeof add?.entry !== "object" || add.entry === null || typeof add.signature !== "string")
    throw new PoolFileError(file, line, "an add line needs an entry and a signature");
  const entry: Record<string, unknown> = { ...add.entry };
  for (const field of BIGINT_FIELDS) {
    if (typeof entry[field] !== "string") throw new PoolFileError(file, line, `entry.${field} is not a decimal string`);
    entry[field] = BigInt(entry[field] as string);
  }
  const permit =
    add.permit === undefined
      ? undefined
      : { ...add.permit, value: BigInt(add.permit.value as string), deadline: BigInt(add.permit.deadline as string) };
  return { entry, signature: add.signature, permit } as unknown as SignedEntry;
}

/** The pool file of an orderer, open for appending. */
export class PoolFile {
  private constructor(
    readonly file: string,
    private readonly fd: number,
  ) {}

  /** Opens (or creates) `file`; returns it and the entries still pending in it, in submission order. */
  static open(file: string): { pool: PoolFile; pending: SignedEntry[] } {
    const text = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "";
    const lines = text.split("\n");
    // The last piece is "" after a complete file, or a torn line never acknowledged.
    const complete = lines.slice(0, -1);
    const pending = new Map<string, SignedEntry>();
    complete.forEach((raw, i) => {
      let value: { add?: unknown; settled?: unknown };
      try {
        value = JSON.parse(raw) as typeof value;
      } catch {
        throw new PoolFileError(file, i + 1, "is not JSON");
      }
      if (value.add !== undefined) {
        const signed = decodeSignedEntry(value.add, file, i + 1);
        pending.set(signed.entry.dataHash, signed);
      } else if (typeof value.settled === "string") pending.delete(value.settled);
      else throw new PoolFileError(file, i + 1, 'is neither an "add" nor a "settled" line');
    });
    const kept = complete.join("\n") + (complete.length > 0 ? "\n" : "");
    if (kept.length !== text.length) fs.writeFileSync(file, kept);
    const fd = fs.openSync(file, "a");
    return { pool: new PoolFile(file, fd), pending: [...pending.values()] };
  }

  /** Records a submitted entry, durably. */
  add(signed: SignedEntry): void {
    this.append(encodeSignedEntry(signed));
  }

  /** Records that `dataHash` left the pool (registered or refused), durably. */
  settle(dataHash: string): void {
    this.append(JSON.stringify({ settled: dataHash }));
  }

  close(): void {
    fs.closeSync(this.fd);
  }

  private append(line: string): void {
    fs.writeSync(this.fd, `${line}\n`);
    fs.fdatasyncSync(this.fd);
  }
}
