/**
 * The sharing policy of one data owner (a device): who may read what it writes from now on.
 *
 * Every object gets its own fresh data key (see `envelope.ts`), wrapped only for the readers in
 * the keyring when the object is sealed. Revoking a reader therefore rotates the key for all
 * data written after the revocation: the revoked reader holds no wrapped key for it, while data
 * written before stays readable with the key it was given then (it may have kept a copy anyway).
 * Every change of the reader set starts a new epoch, recorded in each envelope, so an auditor
 * can tell which policy an object was sealed under.
 *
 * The owner is always a reader and cannot be revoked: a device must read back its own data.
 */
import { getAddress } from "ethers";
import { readFile } from "node:fs/promises";
import type { ContentStore } from "../stores/store";
import { readerKey, sealEnvelope, type Envelope, type ReaderKey, type StepListener } from "./envelope";
import { writeFileAtomic } from "../../io/atomic-write";
import { KeyringFormatError, OwnerRevocationError, UnknownReaderError } from "../errors";
import { writeSharedRecord, type SharedRecord } from "./shared-record";

/** The persisted form of a keyring (`SharingKeyring.save`). */
export interface KeyringState {
  version: 1;
  epoch: number;
  /** The owner's uncompressed public key. */
  owner: string;
  /** Uncompressed public keys of the other current readers. */
  readers: string[];
}

export class SharingKeyring {
  private readonly owner: ReaderKey;
  private readonly others = new Map<string, ReaderKey>();
  private currentEpoch: number;

  /** `owner`: the data owner's public key (e.g. `wallet.signingKey.publicKey`). */
  constructor(owner: string | Uint8Array, epoch = 0) {
    this.owner = readerKey(owner);
    this.currentEpoch = epoch;
  }

  /** The policy epoch: 0 at creation, +1 on every reader added or revoked. */
  get epoch(): number {
    return this.currentEpoch;
  }

  /** The owner's address. */
  get ownerAddress(): string {
    return this.owner.address;
  }

  /** The current readers, owner first. */
  readers(): ReaderKey[] {
    return [this.owner, ...this.others.values()];
  }

  /** Whether `address` is a current reader. */
  isReader(address: string): boolean {
    const checksummed = getAddress(address);
    return checksummed === this.owner.address || this.others.has(checksummed);
  }

  /** Authorizes a reader by public key for data written from now on; returns it. No-op if present. */
  addReader(publicKey: string | Uint8Array): ReaderKey {
    const reader = readerKey(publicKey);
    if (!this.isReader(reader.address)) {
      this.others.set(reader.address, reader);
      this.currentEpoch += 1;
    }
    return reader;
  }

  /**
   * Revokes a reader: nothing sealed after this call is wrapped for it. Throws
   * `UnknownReaderError` for an address that is not a reader, `OwnerRevocationError` for the owner.
   */
  revokeReader(address: string): void {
    const checksummed = getAddress(address);
    if (checksummed === this.owner.address) throw new OwnerRevocationError(checksummed);
    if (!this.others.delete(checksummed)) throw new UnknownReaderError(checksummed);
    this.currentEpoch += 1;
  }

  /** Seals `plaintext` for the current readers under a fresh data key. */
  seal(plaintext: Uint8Array): Envelope {
    return sealEnvelope(plaintext, this.readers(), this.currentEpoch);
  }

  /** Seals `plaintext` for the current readers and stores the envelope; returns CID and hash. */
  write(store: ContentStore, plaintext: Uint8Array, onStep?: StepListener): Promise<SharedRecord> {
    return writeSharedRecord(store, plaintext, this.readers(), { epoch: this.currentEpoch, onStep });
  }

  toJSON(): KeyringState {
    return {
      version: 1,
      epoch: this.currentEpoch,
      owner: this.owner.publicKey,
      readers: [...this.others.values()].map((r) => r.publicKey),
    };
  }

  static fromJSON(state: KeyringState): SharingKeyring {
    if (state?.version !== 1) throw new KeyringFormatError("version", `unsupported ${JSON.stringify(state?.version)}`);
    if (!Number.isSafeInteger(state.epoch) || state.epoch < 0)
      throw new KeyringFormatError("epoch", `${JSON.stringify(state.epoch)} is not a non-negative integer`);
    if (!Array.isArray(state.readers)) throw new KeyringFormatError("readers", "expected an array of public keys");
    const keyring = new SharingKeyring(state.owner, state.epoch);
    for (const publicKey of state.readers) {
      const reader = readerKey(publicKey);
      keyring.others.set(reader.address, reader);
    }
    return keyring;
  }

  /** Writes the keyring to `file` atomically (public keys only: it holds no secret). */
  async save(file: string): Promise<void> {
    await writeFileAtomic(file, JSON.stringify(this.toJSON(), null, 2) + "\n");
  }

  static async load(file: string): Promise<SharingKeyring> {
    let state: KeyringState;
    try {
      state = JSON.parse(await readFile(file, "utf8")) as KeyringState;
    } catch (err) {
      throw new KeyringFormatError(`file ${file}`, `not JSON (${(err as Error).message})`);
    }
    return SharingKeyring.fromJSON(state);
  }
}
