/**
 * What an IoT unit remembers across restarts besides its transaction queue: how many status
 * snapshots it uploaded (their sequence numbers), which readers it authorized on which records
 * (so revoking a reader can withdraw every one of them), the revocations it decided but may not
 * have queued yet (durable intents, finished on the next open after a crash), the status snapshot
 * it is uploading (an intent too: written before the envelope goes to the store, removed once its
 * record is queued for every EPR), which readers moved
 * their identity to another account and how far it has followed the Register's `AccountChanged`
 * events, and the last machine settings it read from the chain (thresholds and part price, used
 * while the chain is down).
 *
 * One JSON file, rewritten durably and atomically on every change (`src/io/atomic-write.ts`).
 */
import { readFile } from "node:fs/promises";
import { getAddress } from "ethers";
import { writeFileAtomic } from "../io/atomic-write";
import { UNIT_FILE_MODE } from "./queue-file";
import { UnitStateError } from "./errors";

export const UNIT_STATE_VERSION = 1;

/** The machine's settings as last read from MaintenanceService. */
export interface MachineSettings {
  tempThreshold: number;
  tempCountThreshold: number;
  vibraThreshold: number;
  vibraCountThreshold: number;
  /** Decimal string (token units). */
  partPrice: string;
  provider: string;
}

/** The file's content. */
export interface UnitStateFile {
  version: typeof UNIT_STATE_VERSION;
  account: string;
  machine: string;
  /** Status snapshots uploaded so far (the last sequence number). */
  uploads: number;
  /** EPR → reader → record ids the unit authorized the reader on (and has not revoked). */
  authorizations: Record<string, Record<string, number[]>>;
  /**
   * Revocations decided and not known to be queued in full: EPR → reader → the record ids to
   * revoke. Written before anything else of a revocation happens, removed once every revoke is queued.
   */
  revocations?: Record<string, Record<string, number[]>>;
  /**
   * The status upload begun and not known to be queued for every EPR: written, with the upload
   * count, before anything of the upload reaches the store; removed once every record is queued.
   */
  upload?: UploadIntent;
  /** Readers that moved their identity: previous account → the account it moved to. */
  moves?: Record<string, string>;
  /** The next block whose `AccountChanged` events the unit has not looked at yet. */
  identityCursor?: number;
  settings?: MachineSettings;
}

/** A revocation intent: revoke `reader` on `records` of `epr`. */
export interface RevocationIntent {
  epr: string;
  reader: string;
  records: number[];
}

/** An upload intent: put snapshot `sequence` (its canonical JSON, `status`) on each of `eprs`. */
export interface UploadIntent {
  sequence: number;
  /** The snapshot's canonical bytes as text (`encodeStatus`), so a resumed upload has the same contentHash. */
  status: string;
  eprs: string[];
}

/** The unit's state, kept in `file`. */
export class UnitState {
  private constructor(
    readonly file: string,
    private readonly content: UnitStateFile,
  ) {}

  /** Loads `file`, or starts an empty state for `account` and `machine` when it does not exist. */
  static async open(file: string, identity: { account: string; machine: string }): Promise<UnitState> {
    const account = getAddress(identity.account);
    const machine = getAddress(identity.machine);
    let text: string | undefined;
    try {
      text = await readFile(file, "utf8");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
    }
    if (text === undefined)
      return new UnitState(file, { version: UNIT_STATE_VERSION, account, machine, uploads: 0, authorizations: {} });
    let content: UnitStateFile;
    try {
      content = JSON.parse(text) as UnitStateFile;
    } catch (err) {
      throw new UnitStateError(file, `not JSON (${(err as Error).message})`);
    }
    if (content?.version !== UNIT_STATE_VERSION)
      throw new UnitStateError(file, `unsupported version ${JSON.stringify(content?.version)}`);
    if (content.account !== account)
      throw new UnitStateError(file, `belongs to account ${content.account}, not ${account}`);
    if (content.machine !== machine)
      throw new UnitStateError(file, `belongs to machine ${content.machine}, not ${machine}`);
    if (!Number.isSafeInteger(content.uploads) || content.uploads < 0)
      throw new UnitStateError(file, `field "uploads" must be a non-negative integer`);
    if (typeof content.authorizations !== "object" || content.authorizations === null)
      throw new UnitStateError(file, `field "authorizations" must be an object`);
    for (const field of ["revocations", "moves"] as const) {
      const value = content[field];
      if (value !== undefined && (typeof value !== "object" || value === null))
        throw new UnitStateError(file, `field "${field}" must be an object`);
    }
    const upload = content.upload;
    if (
      upload !== undefined &&
      (typeof upload !== "object" ||
        upload === null ||
        !Number.isSafeInteger(upload.sequence) ||
        typeof upload.status !== "string" ||
        !Array.isArray(upload.eprs) ||
        !upload.eprs.every((e) => typeof e === "string"))
    ) {
      throw new UnitStateError(file, `field "upload" must be { sequence, status, eprs }`);
    }
    if (
      content.identityCursor !== undefined &&
      !(Number.isSafeInteger(content.identityCursor) && content.identityCursor >= 0)
    ) {
      throw new UnitStateError(file, `field "identityCursor" must be a non-negative integer`);
    }
    return new UnitState(file, content);
  }

  get uploads(): number {
    return this.content.uploads;
  }

  get settings(): MachineSettings | undefined {
    return this.content.settings;
  }

  /**
   * Begins upload number `uploads + 1`: the snapshot `statusOf(sequence)` returns (canonical
   * JSON) is saved as the upload intent together with the new count, in one write, so a crash
   * leaves either nothing of the upload or all of what is needed to finish it.
   */
  async startUpload(statusOf: (sequence: number) => string, eprs: readonly string[]): Promise<UploadIntent> {
    const sequence = this.content.uploads + 1;
    const intent: UploadIntent = { sequence, status: statusOf(sequence), eprs: eprs.map((e) => getAddress(e)) };
    this.content.uploads = sequence;
    this.content.upload = intent;
    await this.save();
    return { ...intent, eprs: [...intent.eprs] };
  }

  /** The upload begun and not finished, if any. */
  pendingUpload(): UploadIntent | undefined {
    const upload = this.content.upload;
    return upload === undefined ? undefined : { ...upload, eprs: [...upload.eprs] };
  }

  /** Forgets the finished upload intent. */
  async finishUpload(): Promise<void> {
    if (this.content.upload === undefined) return;
    delete this.content.upload;
    await this.save();
  }

  async setSettings(settings: MachineSettings): Promise<void> {
    if (JSON.stringify(settings) === JSON.stringify(this.content.settings)) return;
    this.content.settings = settings;
    await this.save();
  }

  /**
   * Remembers that `reader` was authorized on `recordId` of `epr` (idempotent). A reader that
   * moved its identity is remembered under the account it moved to: the authorization is the
   * identity's.
   */
  addAuthorization(epr: string, reader: string, recordId: number): void {
    const byReader = (this.content.authorizations[getAddress(epr)] ??= {});
    const records = (byReader[this.currentAccountOf(reader)] ??= []);
    if (!records.includes(recordId)) records.push(recordId);
  }

  /** The account `reader`'s identity is held by now, following its recorded moves. */
  currentAccountOf(reader: string): string {
    let account = getAddress(reader);
    const seen = new Set<string>();
    for (
      let next = this.content.moves?.[account];
      next !== undefined && !seen.has(next);
      next = this.content.moves?.[account]
    ) {
      seen.add(account);
      account = next;
    }
    return account;
  }

  /**
   * Records that `previous` moved its identity to `next`: its authorizations of every EPR go
   * with it (merged with any `next` holds). Not saved: call `save()`.
   */
  moveReader(previous: string, next: string): void {
    const [from, to] = [getAddress(previous), getAddress(next)];
    (this.content.moves ??= {})[from] = to;
    for (const byReader of Object.values(this.content.authorizations)) {
      const records = byReader[from];
      if (records === undefined) continue;
      delete byReader[from];
      const merged = (byReader[to] ??= []);
      for (const id of records) if (!merged.includes(id)) merged.push(id);
    }
  }

  get identityCursor(): number {
    return this.content.identityCursor ?? 0;
  }

  set identityCursor(block: number) {
    this.content.identityCursor = block;
  }

  /**
   * Turns `reader`'s authorizations on `epr` into a revocation intent (in one state, so a crash
   * leaves either the authorizations or the intent on disk); returns the intent. Not saved: call `save()`.
   */
  startRevocation(epr: string, reader: string): RevocationIntent {
    const records = this.takeAuthorizations(epr, reader);
    const byReader = ((this.content.revocations ??= {})[getAddress(epr)] ??= {});
    const pending = (byReader[getAddress(reader)] ??= []);
    for (const id of records) if (!pending.includes(id)) pending.push(id);
    return { epr: getAddress(epr), reader: getAddress(reader), records: [...pending] };
  }

  /** The revocation intents not finished yet. */
  revocations(): RevocationIntent[] {
    return Object.entries(this.content.revocations ?? {}).flatMap(([epr, byReader]) =>
      Object.entries(byReader).map(([reader, records]) => ({ epr, reader, records: [...records] })),
    );
  }

  /** Forgets a finished revocation intent. Not saved: call `save()`. */
  finishRevocation(epr: string, reader: string): void {
    const byReader = this.content.revocations?.[getAddress(epr)];
    if (byReader === undefined) return;
    delete byReader[getAddress(reader)];
    if (Object.keys(byReader).length === 0) delete this.content.revocations![getAddress(epr)];
  }

  /** The records `reader` is authorized on in `epr`, removing them from the state. */
  takeAuthorizations(epr: string, reader: string): number[] {
    const byReader = this.content.authorizations[getAddress(epr)];
    const records = byReader?.[getAddress(reader)] ?? [];
    if (byReader !== undefined) delete byReader[getAddress(reader)];
    return records;
  }

  /** The records `reader` is authorized on in `epr`. */
  authorizationsOf(epr: string, reader: string): readonly number[] {
    return this.content.authorizations[getAddress(epr)]?.[getAddress(reader)] ?? [];
  }

  async save(): Promise<void> {
    await writeFileAtomic(this.file, JSON.stringify(this.content, null, 2) + "\n", UNIT_FILE_MODE);
  }
}
