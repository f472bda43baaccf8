/**
 * The durable part of the transaction queue: an append-only NDJSON file, one JSON object a line.
 *
 *   {"type":"queue", "version":1, "chainId":…, "account":"0x…", "baseNonce":7}   first line
 *   {"type":"tx", "nonce":7, "kind":"readings", "to":…, "data":…, "hash":…, "raw":…, …}
 *   {"type":"resign", "nonce":7, "hash":…, "raw":…, "maxFeePerGas":…, …}         same nonce, new fees
 *   {"type":"done", "nonce":7, "hash":…, "status":"applied", "blockNumber":…}
 *
 * Why this shape: a line is appended (every byte of it: a short write is continued) and made
 * durable with `fdatasync` before the caller hears of it, so a crash leaves at most the last line half-written, and that line was
 * never acknowledged: it is dropped (and the file truncated to the last whole line) on the next
 * open. Any other damage is an error naming the line. Nonces are the entries' ids: `tx` lines
 * carry consecutive nonces from `baseNonce`, so the file also persists the account's nonce
 * counter. `done` lines come in nonce order (the sender settles strictly in order), so the done
 * entries are always a prefix; `compact()` drops that prefix by writing a new file beside the old
 * one and renaming it over (atomic on POSIX), never by editing in place. One process at a time
 * holds a queue: `open` takes `<queue>.lock` (see src/io/lock-file.ts) until `close`.
 */
import { mkdir, open, readFile, truncate, type FileHandle } from "node:fs/promises";
import path from "node:path";
import { getAddress, keccak256 } from "ethers";
import { writeFileAtomic } from "../io/atomic-write";
import { acquireLockFile, releaseLockFile } from "../io/lock-file";
import { QueueClosedError, QueueConflictError, QueueFormatError, QueueLockedError, QueueWriteError } from "./errors";

/** The unit's files (queue, state) are its own: readable by its user only. */
export const UNIT_FILE_MODE = { mode: 0o600 } as const;

export const QUEUE_FORMAT_VERSION = 1;

/** A JSON value, as entries carry it in `meta`. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** The first line of a queue file. */
export interface QueueHeader {
  type: "queue";
  version: typeof QUEUE_FORMAT_VERSION;
  chainId: number;
  /** Checksummed address of the only account that sends these transactions. */
  account: string;
  /** The nonce of the first `tx` line that follows. */
  baseNonce: number;
}

/** A signed transaction, as appended when it is enqueued. Amounts are decimal strings. */
export interface TxLine {
  type: "tx";
  nonce: number;
  /** What the transaction does, for events and follow-ups ("readings", "record", …). */
  kind: string;
  to: string;
  data: string;
  value: string;
  gasLimit: string;
  maxFeePerGas: string;
  maxPriorityFeePerGas: string;
  hash: string;
  raw: string;
  /** Unix milliseconds of the enqueue. */
  enqueuedAt: number;
  meta?: { [key: string]: JsonValue };
}

/** The same nonce signed again with other fees (the first signature's fees were too low). */
export interface ResignLine {
  type: "resign";
  nonce: number;
  hash: string;
  raw: string;
  maxFeePerGas: string;
  maxPriorityFeePerGas: string;
}

/** How a mined entry ended. */
export type SettledStatus = "applied" | "reverted";

/** An entry was mined (its receipt seen) and handled. */
export interface DoneLine {
  type: "done";
  nonce: number;
  /** The hash that was mined (one of the entry's hashes). */
  hash: string;
  status: SettledStatus;
  blockNumber: number;
  reason?: string;
}

export type QueueLine = QueueHeader | TxLine | ResignLine | DoneLine;

/** One signature of an entry's transaction. */
export interface SignedTransaction {
  hash: string;
  raw: string;
  maxFeePerGas: bigint;
  maxPriorityFeePerGas: bigint;
}

/** An entry of the queue in memory: its `tx` line with every signature made for its nonce. */
export interface QueueEntry {
  readonly nonce: number;
  readonly kind: string;
  readonly to: string;
  readonly data: string;
  readonly value: bigint;
  readonly gasLimit: bigint;
  readonly enqueuedAt: number;
  readonly meta: { [key: string]: JsonValue };
  /**
   * Every signature made for this nonce, oldest first; the last is the one sent. They share the
   * nonce, so at most one of them can ever be mined.
   */
  readonly signatures: SignedTransaction[];
  done?: { hash: string; status: SettledStatus; blockNumber: number; reason?: string };
}

/** The hashes of every signature of an entry. */
export function entryHashes(entry: QueueEntry): string[] {
  return entry.signatures.map((s) => s.hash);
}

/** The signature of an entry that is sent (the latest). */
export function currentSignature(entry: QueueEntry): SignedTransaction {
  return entry.signatures[entry.signatures.length - 1];
}

/** What `QueueFile.open` found besides the entries. */
export interface QueueOpenReport {
  /** Whether the file was created by this call. */
  created: boolean;
  /** The torn last line dropped, if any: its 1-based line number and length in bytes. */
  torn?: { line: number; bytes: number };
}

const HEX = /^0x[0-9a-fA-F]*$/;
const HASH = /^0x[0-9a-fA-F]{64}$/;
const DECIMAL = /^(0|[1-9][0-9]*)$/;

function fail(file: string, line: number, reason: string): never {
  throw new QueueFormatError(file, line, reason);
}

function expectField<T>(
  file: string,
  line: number,
  value: Record<string, unknown>,
  field: string,
  check: (v: unknown) => v is T,
  what: string,
): T {
  const v = value[field];
  if (!check(v)) fail(file, line, `field "${field}" must be ${what}, got ${JSON.stringify(v)}`);
  return v;
}

const isNonNegativeInteger = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;
const isString = (v: unknown): v is string => typeof v === "string";
const isHex = (v: unknown): v is string => typeof v === "string" && HEX.test(v);
const isHash = (v: unknown): v is string => typeof v === "string" && HASH.test(v);
const isDecimal = (v: unknown): v is string => typeof v === "string" && DECIMAL.test(v);
const isAddress = (v: unknown): v is string => typeof v === "string" && /^0x[0-9a-fA-F]{40}$/.test(v);

/** Parses and validates one line; `lineNo` is 1-based, for messages. */
export function parseQueueLine(file: string, lineNo: number, text: string): QueueLine {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    fail(file, lineNo, `not JSON (${(err as Error).message})`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) fail(file, lineNo, "not a JSON object");
  const v = value as Record<string, unknown>;
  switch (v.type) {
    case "queue": {
      if (v.version !== QUEUE_FORMAT_VERSION)
        fail(
          file,
          lineNo,
          `unsupported version ${JSON.stringify(v.version)} (this SDK writes ${QUEUE_FORMAT_VERSION})`,
        );
      expectField(file, lineNo, v, "chainId", isNonNegativeInteger, "a chain id");
      expectField(file, lineNo, v, "account", isAddress, "an address");
      expectField(file, lineNo, v, "baseNonce", isNonNegativeInteger, "a nonce");
      return v as unknown as QueueHeader;
    }
    case "tx": {
      expectField(file, lineNo, v, "nonce", isNonNegativeInteger, "a nonce");
      expectField(file, lineNo, v, "kind", isString, "a string");
      expectField(file, lineNo, v, "to", isAddress, "an address");
      expectField(file, lineNo, v, "data", isHex, "hex");
      for (const field of ["value", "gasLimit", "maxFeePerGas", "maxPriorityFeePerGas"])
        expectField(file, lineNo, v, field, isDecimal, "a decimal string");
      expectField(file, lineNo, v, "hash", isHash, "a 32-byte hash");
      expectField(file, lineNo, v, "raw", isHex, "hex");
      expectField(file, lineNo, v, "enqueuedAt", isNonNegativeInteger, "Unix milliseconds");
      if (v.meta !== undefined && (typeof v.meta !== "object" || v.meta === null || Array.isArray(v.meta)))
        fail(file, lineNo, `field "meta" must be an object`);
      return v as unknown as TxLine;
    }
    case "resign": {
      expectField(file, lineNo, v, "nonce", isNonNegativeInteger, "a nonce");
      expectField(file, lineNo, v, "hash", isHash, "a 32-byte hash");
      expectField(file, lineNo, v, "raw", isHex, "hex");
      for (const field of ["maxFeePerGas", "maxPriorityFeePerGas"])
        expectField(file, lineNo, v, field, isDecimal, "a decimal string");
      return v as unknown as ResignLine;
    }
    case "done": {
      expectField(file, lineNo, v, "nonce", isNonNegativeInteger, "a nonce");
      expectField(file, lineNo, v, "hash", isHash, "a 32-byte hash");
      if (v.status !== "applied" && v.status !== "reverted")
        fail(file, lineNo, `field "status" must be "applied" or "reverted", got ${JSON.stringify(v.status)}`);
      expectField(file, lineNo, v, "blockNumber", isNonNegativeInteger, "a block number");
      if (v.reason !== undefined) expectField(file, lineNo, v, "reason", isString, "a string");
      return v as unknown as DoneLine;
    }
    default:
      fail(file, lineNo, `unknown line type ${JSON.stringify(v.type)}`);
  }
}

function signatureOf(line: TxLine | ResignLine): SignedTransaction {
  return {
    hash: line.hash,
    raw: line.raw,
    maxFeePerGas: BigInt(line.maxFeePerGas),
    maxPriorityFeePerGas: BigInt(line.maxPriorityFeePerGas),
  };
}

function entryOf(line: TxLine): QueueEntry {
  return {
    nonce: line.nonce,
    kind: line.kind,
    to: line.to,
    data: line.data,
    value: BigInt(line.value),
    gasLimit: BigInt(line.gasLimit),
    enqueuedAt: line.enqueuedAt,
    meta: line.meta ?? {},
    signatures: [signatureOf(line)],
  };
}

/** The `tx` line of an entry (its first signature); later signatures are `resign` lines. */
function txLineOf(entry: QueueEntry): TxLine {
  const first = entry.signatures[0];
  const line: TxLine = {
    type: "tx",
    nonce: entry.nonce,
    kind: entry.kind,
    to: entry.to,
    data: entry.data,
    value: entry.value.toString(),
    gasLimit: entry.gasLimit.toString(),
    maxFeePerGas: first.maxFeePerGas.toString(),
    maxPriorityFeePerGas: first.maxPriorityFeePerGas.toString(),
    hash: first.hash,
    raw: first.raw,
    enqueuedAt: entry.enqueuedAt,
  };
  if (Object.keys(entry.meta).length > 0) line.meta = entry.meta;
  return line;
}

function resignLineOf(nonce: number, signature: SignedTransaction): ResignLine {
  return {
    type: "resign",
    nonce,
    hash: signature.hash,
    raw: signature.raw,
    maxFeePerGas: signature.maxFeePerGas.toString(),
    maxPriorityFeePerGas: signature.maxPriorityFeePerGas.toString(),
  };
}

/** Checks that a line's signed bytes hash to its hash (catches a damaged line that still parses). */
function checkSignatureHash(file: string, lineNo: number, line: TxLine | ResignLine): void {
  if (keccak256(line.raw).toLowerCase() !== line.hash.toLowerCase())
    fail(file, lineNo, `field "raw" does not hash to ${line.hash}`);
}

const serialize = (line: QueueLine): string => `${JSON.stringify(line)}\n`;

/**
 * One queue file, open for appending. All writes are serialized, so lines never interleave and
 * `compact()` never races an append.
 */
/** The calls a queue appends with; injectable so tests can make the disk fail or write short. */
export interface QueueFs {
  /** Writes `buffer` from `offset` at the end of the file; resolves to the bytes written (maybe fewer). */
  write(handle: FileHandle, buffer: Buffer, offset: number): Promise<number>;
  datasync(handle: FileHandle): Promise<void>;
  truncate(handle: FileHandle, length: number): Promise<void>;
}

const NODE_QUEUE_FS: QueueFs = {
  write: async (handle, buffer, offset) => (await handle.write(buffer, offset, buffer.length - offset)).bytesWritten,
  datasync: (handle) => handle.datasync(),
  truncate: (handle, length) => handle.truncate(length),
};

/** Options of {@link QueueFile.open}. */
export interface QueueFileOptions {
  /** The append calls (default node:fs). */
  fs?: QueueFs;
  /** Whether a pid has exited, for stale-lock detection (default: /proc, or ps). */
  isGone?: (pid: number) => boolean;
}

/**
 * The queue file as one class of about 330 lines, on purpose: the lock, the byte count known to be
 * on disk, the append-then-fdatasync path, the cut-back on a failed append and compaction all
 * guard one invariant (a line is either whole on disk or not there), so they share one handle and
 * one offset. Parsing is apart (`parseQueueLine` above).
 */
export class QueueFile {
  private handle: FileHandle | undefined;
  /** Bytes known to be on disk: where a failed append is cut back to. */
  private size: number;
  private failure: QueueWriteError | undefined;
  private tail: Promise<unknown> = Promise.resolve();
  private readonly byNonce = new Map<number, QueueEntry>();
  private firstPending: number;
  private next: number;
  private doneSinceCompaction = 0;
  private closed = false;

  private constructor(
    readonly file: string,
    readonly header: QueueHeader,
    handle: FileHandle,
    entries: QueueEntry[],
    size: number,
    private readonly io: QueueFs,
  ) {
    this.handle = handle;
    this.size = size;
    for (const entry of entries) this.byNonce.set(entry.nonce, entry);
    this.next = header.baseNonce + entries.length;
    const pending = entries.find((e) => e.done === undefined);
    this.firstPending = pending?.nonce ?? this.next;
    this.doneSinceCompaction = entries.filter((e) => e.done !== undefined).length;
  }

  /**
   * Opens `file`, or creates it with `create` as its header when it does not exist (without
   * `create`, a missing file is an error: the caller must ask the chain for the nonce first).
   * A torn last line is dropped and the file truncated to its last whole line. The queue's lock
   * is held from here to `close`: a queue another live process holds is a `QueueLockedError`.
   */
  static async open(
    file: string,
    create?: { chainId: number; account: string; baseNonce: number },
    options: QueueFileOptions = {},
  ): Promise<{ queue: QueueFile; report: QueueOpenReport }> {
    if (create !== undefined) await mkdir(path.dirname(file), { recursive: true });
    try {
      acquireLockFile(file, (lock, pid) => new QueueLockedError(file, lock, pid), { isGone: options.isGone });
    } catch (err) {
      // No directory, so no queue: the same answer as a missing file.
      if ((err as NodeJS.ErrnoException).code === "ENOENT" && create === undefined) {
        throw new QueueConflictError(file, "does not exist and no chain id and starting nonce were given to create it");
      }
      throw err;
    }
    try {
      return await QueueFile.openLocked(file, create, options.fs ?? NODE_QUEUE_FS);
    } catch (err) {
      releaseLockFile(file);
      throw err;
    }
  }

  private static async openLocked(
    file: string,
    create: { chainId: number; account: string; baseNonce: number } | undefined,
    io: QueueFs,
  ): Promise<{ queue: QueueFile; report: QueueOpenReport }> {
    let text: string | undefined;
    try {
      text = await readFile(file, "utf8");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
    }
    if (text === undefined || text === "") {
      if (create === undefined) {
        throw new QueueConflictError(file, "does not exist and no chain id and starting nonce were given to create it");
      }
      const header: QueueHeader = {
        type: "queue",
        version: QUEUE_FORMAT_VERSION,
        chainId: create.chainId,
        account: getAddress(create.account),
        baseNonce: create.baseNonce,
      };
      const text = serialize(header);
      await writeFileAtomic(file, text, UNIT_FILE_MODE);
      const handle = await open(file, "a");
      return { queue: new QueueFile(file, header, handle, [], Buffer.byteLength(text), io), report: { created: true } };
    }

    const { header, entries, torn, keepBytes } = QueueFile.parse(file, text);
    if (torn !== undefined) {
      // The torn line was never acknowledged (acknowledgement follows fdatasync of the whole
      // line), so dropping it loses nothing a caller was told about.
      await truncate(file, keepBytes);
    }
    const handle = await open(file, "a");
    return { queue: new QueueFile(file, header, handle, entries, keepBytes, io), report: { created: false, torn } };
  }

  /** Parses a whole queue file; exported through `open` only, static for tests of the format. */
  static parse(
    file: string,
    text: string,
  ): { header: QueueHeader; entries: QueueEntry[]; torn?: { line: number; bytes: number }; keepBytes: number } {
    const lines = text.split("\n");
    // `text` ends with "\n" when the last line is whole: split leaves one empty string after it.
    const last = lines.pop() ?? "";
    let torn: { line: number; bytes: number } | undefined;
    if (last !== "") torn = { line: lines.length + 1, bytes: Buffer.byteLength(last) };
    const keepBytes = Buffer.byteLength(text) - (torn?.bytes ?? 0);
    if (lines.length === 0) fail(file, 1, "the header line is missing or torn");

    const header = parseQueueLine(file, 1, lines[0]);
    if (header.type !== "queue")
      fail(file, 1, `the first line must be the queue header, found a "${header.type}" line`);
    const entries: QueueEntry[] = [];
    let firstPendingIndex = 0;
    for (let i = 1; i < lines.length; i++) {
      const lineNo = i + 1;
      const line = parseQueueLine(file, lineNo, lines[i]);
      switch (line.type) {
        case "queue":
          fail(file, lineNo, "a second header line");
          break;
        case "tx": {
          const expected = header.baseNonce + entries.length;
          if (line.nonce !== expected)
            fail(file, lineNo, `nonce ${line.nonce} breaks the sequence: expected ${expected}`);
          checkSignatureHash(file, lineNo, line);
          entries.push(entryOf(line));
          break;
        }
        case "resign": {
          const entry = entries[line.nonce - header.baseNonce];
          if (entry === undefined) fail(file, lineNo, `re-signs nonce ${line.nonce}, which has no entry`);
          if (entry.done !== undefined) fail(file, lineNo, `re-signs nonce ${line.nonce}, which is done`);
          checkSignatureHash(file, lineNo, line);
          entry.signatures.push(signatureOf(line));
          break;
        }
        case "done": {
          const entry = entries[firstPendingIndex];
          if (entry === undefined || entry.nonce !== line.nonce) {
            fail(
              file,
              lineNo,
              `marks nonce ${line.nonce} done out of order (the first pending entry is ${entry === undefined ? "none" : entry.nonce})`,
            );
          }
          if (!entryHashes(entry).includes(line.hash))
            fail(
              file,
              lineNo,
              `marks nonce ${line.nonce} done with hash ${line.hash}, which is none of its signatures`,
            );
          entry.done = { hash: line.hash, status: line.status, blockNumber: line.blockNumber, reason: line.reason };
          firstPendingIndex++;
          break;
        }
      }
    }
    return { header, entries, torn, keepBytes };
  }

  /** The nonce the next enqueued transaction gets. */
  get nextNonce(): number {
    return this.next;
  }

  /** Entries not yet done, in nonce order. */
  pending(): QueueEntry[] {
    const result: QueueEntry[] = [];
    for (let n = this.firstPending; n < this.next; n++) result.push(this.byNonce.get(n)!);
    return result;
  }

  /** The first entry not yet done, if any. */
  firstPendingEntry(): QueueEntry | undefined {
    return this.byNonce.get(this.firstPending);
  }

  /** Every entry still in the file (done ones until the next compaction), in nonce order. */
  entries(): QueueEntry[] {
    return [...this.byNonce.values()].sort((a, b) => a.nonce - b.nonce);
  }

  /** Done entries dropped at the next compaction. */
  get doneCount(): number {
    return this.doneSinceCompaction;
  }

  /**
   * Appends a new entry; resolves once its line is on disk. `sign(nonce)` produces the signed
   * transaction for the nonce the entry gets; it runs inside the file's lock, so nonces are
   * handed out in the order lines are written.
   */
  append(
    draft: Omit<QueueEntry, "nonce" | "signatures" | "done">,
    sign: (nonce: number) => Promise<SignedTransaction>,
  ): Promise<QueueEntry> {
    return this.locked(async () => {
      const nonce = this.next;
      const signed = await sign(nonce);
      const entry: QueueEntry = { ...draft, nonce, signatures: [signed] };
      await this.write(serialize(txLineOf(entry)));
      this.byNonce.set(nonce, entry);
      this.next = nonce + 1;
      return entry;
    });
  }

  /** Records a new signature of a pending entry's nonce (new fees); it becomes the one sent. */
  resign(nonce: number, signed: SignedTransaction): Promise<void> {
    return this.locked(async () => {
      const entry = this.pendingEntry(nonce);
      await this.write(serialize(resignLineOf(nonce, signed)));
      entry.signatures.push(signed);
    });
  }

  /** Marks the first pending entry done; `nonce` must be it (entries settle in order). */
  markDone(
    nonce: number,
    done: { hash: string; status: SettledStatus; blockNumber: number; reason?: string },
  ): Promise<void> {
    return this.locked(async () => {
      if (nonce !== this.firstPending) {
        throw new QueueConflictError(
          this.file,
          `cannot mark nonce ${nonce} done before nonce ${this.firstPending}: entries settle in order`,
        );
      }
      const entry = this.pendingEntry(nonce);
      if (!entryHashes(entry).includes(done.hash)) {
        throw new QueueConflictError(
          this.file,
          `nonce ${nonce} was mined as ${done.hash}, which is none of its signatures`,
        );
      }
      const line: DoneLine = {
        type: "done",
        nonce,
        hash: done.hash,
        status: done.status,
        blockNumber: done.blockNumber,
      };
      if (done.reason !== undefined) line.reason = done.reason;
      await this.write(serialize(line));
      entry.done = { ...done };
      this.firstPending = nonce + 1;
      this.doneSinceCompaction++;
    });
  }

  /**
   * Rewrites the file without its done entries: header with `baseNonce` = the first pending
   * nonce, then each pending entry's `tx` line and its `resign` lines. Atomic: a crash leaves
   * the old file or the new one.
   */
  compact(): Promise<void> {
    return this.locked(async () => {
      const pending = this.pending();
      const header: QueueHeader = { ...this.header, baseNonce: this.firstPending };
      let text = serialize(header);
      for (const entry of pending) {
        // Every signature stays: any of them may be the one the chain mines.
        text += serialize(txLineOf(entry));
        for (const signature of entry.signatures.slice(1)) text += serialize(resignLineOf(entry.nonce, signature));
      }
      await this.handle?.close();
      this.handle = undefined;
      await writeFileAtomic(this.file, text, UNIT_FILE_MODE);
      this.handle = await open(this.file, "a");
      this.size = Buffer.byteLength(text);
      for (const [nonce, entry] of this.byNonce) if (entry.done !== undefined) this.byNonce.delete(nonce);
      Object.assign(this.header, header);
      this.doneSinceCompaction = 0;
    });
  }

  /** Closes the file; later calls reject with `QueueClosedError`. Idempotent. */
  close(): Promise<void> {
    return this.locked(async () => {
      const handle = this.handle;
      this.handle = undefined;
      if (this.closed) return;
      this.closed = true;
      try {
        await handle?.close();
      } finally {
        releaseLockFile(this.file);
      }
    }, true);
  }

  private pendingEntry(nonce: number): QueueEntry {
    const entry = this.byNonce.get(nonce);
    if (entry === undefined || entry.done !== undefined)
      throw new QueueConflictError(this.file, `nonce ${nonce} is not a pending entry`);
    return entry;
  }

  /**
   * Appends `text` and waits for the disk. A write or flush that fails (ENOSPC, EIO) cuts the
   * file back to what was on disk before and rejects: the caller was not told the line is there,
   * and it is not. If even the cut fails, the file may end in part of the line, so this queue
   * takes no more lines (a next line would be glued to it); reopening drops the partial line.
   */
  private async write(text: string): Promise<void> {
    const handle = this.handle;
    if (handle === undefined) throw new QueueClosedError(this.file);
    if (this.failure !== undefined) throw this.failure;
    const bytes = Buffer.from(text);
    try {
      let written = 0;
      while (written < bytes.length) written += await this.io.write(handle, bytes, written);
      // fdatasync: the appended bytes and the file size are durable; the caller may now rely on it.
      await this.io.datasync(handle);
    } catch (err) {
      try {
        await this.io.truncate(handle, this.size);
      } catch {
        this.failure = new QueueWriteError(this.file, err as Error);
        throw this.failure;
      }
      throw err;
    }
    this.size += bytes.length;
  }

  private locked<T>(run: () => Promise<T>, allowClosed = false): Promise<T> {
    const result = this.tail.then(() => {
      if (this.closed && !allowClosed) throw new QueueClosedError(this.file);
      return run();
    });
    this.tail = result.catch(() => undefined);
    return result;
  }
}
