/**
 * An IoT unit's status snapshots, from the readings' summary to the EPRs: sealed for each EPR's
 * current readers, stored and pinned off-chain, their pointer, hash and object commitment queued
 * as the device's record (`addRecordWithReaders`). An upload is a durable intent first (review
 * L3): a crash or a failed store between the store and the queue loses no snapshot, it is
 * finished on the next open or upload.
 *
 * Uploads run under the sharing lock they share with the reader changes (`ReaderAccess`).
 */
import { getAddress } from "ethers";
import type { StepListener } from "../../offchain";
import { objectCommitment, objectDigest } from "../attestation";
import { IoTConfigError } from "../errors";
import type { ReceiptEvents } from "../receipt-events";
import { decodeStatus, encodeStatus, statusQuery } from "../status";
import { statusRecordCall } from "../status-record";
import type { UploadIntent } from "../unit-state";
import type { UnitContext } from "./context";
import type { ReaderAccess } from "./reader-access";
import type { ReadingPipeline } from "./reading-pipeline";
import type { SerialLock } from "./serial-lock";
import type { StatusUpload } from "./types";

export class StatusSharing {
  constructor(
    private readonly ctx: UnitContext,
    private readonly lock: SerialLock,
    private readonly readings: ReadingPipeline,
    private readonly access: ReaderAccess,
  ) {}

  /**
   * Uploads a status snapshot of the readings since the last upload to each relationship (or
   * those in `eprs`): sealed for that EPR's current readers, stored and pinned, its pointer and
   * hash queued as one transaction by the device, `EPR.addRecordWithReaders`, which authorizes
   * the EPR's third-party readers on the record it adds (readers over the contract's per-record
   * bound get an `authorize` each once it is mined). Resolves with one upload per EPR (none when
   * no reading came in).
   */
  uploadStatus(options: { eprs?: readonly string[]; onStep?: StepListener } = {}): Promise<StatusUpload[]> {
    const sharing = this.ctx.options.sharing;
    const keyrings = this.ctx.keyrings;
    if (sharing === undefined || keyrings === undefined)
      return Promise.reject(new IoTConfigError("sharing", "the unit was opened without a store and relationships"));
    return this.lock(async () => {
      // The readings a snapshot summarizes reach the chain before its record does.
      await this.readings.flush();
      if (this.readings.accumulator.count === 0 && this.ctx.state.pendingUpload() === undefined) return [];
      // A reader that moved its identity since the last upload gets nothing under its old key.
      await this.access.followIdentitiesQuietly("following readers' identities before an upload");
      // A snapshot a crash or a failed store left unfinished goes first, under its own sequence.
      const resumed = await this.finishPendingUpload(options.onStep);
      if (this.readings.accumulator.count === 0) return resumed;
      const eprs = (options.eprs ?? keyrings.eprs).map((e) => keyrings.relationship(e).epr);
      // Review L3: the snapshot exists only in memory until here, and `store.put` and the
      // record's enqueue are two steps, so a crash between them lost it. It is now saved as an
      // intent (with the upload count, one write) before anything reaches the store, and the
      // accumulator starts afresh only then; the intent is finished on the next open or upload.
      // Finishing re-seals and re-puts the snapshot (a fresh object key, so a new CID) rather
      // than remembering the first CID: the envelope a crash left in the store is merely an
      // orphan, and no half-done state (put but not pinned, pinned but not queued) needs a case.
      const intent = await this.ctx.state.startUpload(
        (sequence) =>
          new TextDecoder().decode(
            encodeStatus(
              this.readings.accumulator.snapshot({ device: this.ctx.address, machine: this.ctx.machine, sequence })!,
            ),
          ),
        eprs,
      );
      this.readings.accumulator.reset();
      return [...resumed, ...(await this.carryOutUpload(intent, options.onStep))];
    });
  }

  /** Finishes an upload a crash or a failed store left (on open): a failure is reported, not thrown. */
  async resumeQuietly(): Promise<void> {
    if (this.ctx.keyrings === undefined || this.ctx.state.pendingUpload() === undefined) return;
    try {
      await this.lock(() => this.finishPendingUpload());
    } catch (error) {
      this.ctx.emit("failure", { operation: "finishing an interrupted status upload", error: error as Error });
    }
  }

  /** Finishes the upload intent left by a crash or a failed store, if any; resolves with its uploads. */
  private async finishPendingUpload(onStep?: StepListener): Promise<StatusUpload[]> {
    const intent = this.ctx.state.pendingUpload();
    if (intent === undefined) return [];
    const uploads = await this.carryOutUpload(intent, onStep);
    this.ctx.emit("uploadResumed", {
      sequence: intent.sequence,
      eprs: intent.eprs,
      queued: uploads.map((u) => u.nonce),
    });
    return uploads;
  }

  /**
   * Seals, stores and pins the intent's snapshot for each of its EPRs whose record is not queued
   * yet, queues the record, and removes the intent. Resolves with the uploads it queued now.
   */
  private async carryOutUpload(intent: UploadIntent, onStep?: StepListener): Promise<StatusUpload[]> {
    const sharing = this.ctx.options.sharing!;
    const keyrings = this.ctx.requireKeyrings();
    const plaintext = new TextEncoder().encode(intent.status);
    const snapshot = decodeStatus(plaintext);
    const query = statusQuery(snapshot);
    const sequence = intent.sequence;
    const queued = new Set(
      this.ctx.queue
        .entries()
        .filter((e) => e.kind === "record" && e.meta.sequence === sequence)
        .map((e) => getAddress(e.meta.epr as string)),
    );
    const uploads: StatusUpload[] = [];
    const current = new Set(keyrings.eprs.map((e) => getAddress(e)));
    for (const epr of intent.eprs) {
      // An EPR dropped from the unit's relationships since a crash gets nothing: the unit holds no keyring for it.
      if (queued.has(epr) || !current.has(epr)) continue;
      const { provider } = keyrings.relationship(epr);
      const shared = await keyrings.keyring(epr).write(sharing.store, plaintext, onStep);
      await sharing.store.pin(shared.cid);
      // The digest of the bytes as the store holds them, read back: what a verifier that fetches
      // the object will compute.
      const digest = objectDigest(await sharing.store.get(shared.cid));
      const commitment = objectCommitment(digest);
      const uri = `ipfs://${shared.cid}`;
      const thirdParties = shared.readers.filter((a) => a !== this.ctx.address && a !== provider.address);
      const call = statusRecordCall(
        { query, contentHash: shared.plaintextHash, uri, objectCommitment: commitment, thirdParties },
        this.ctx.gas,
      );
      const entry = await this.ctx.queue.enqueue({
        kind: "record",
        to: epr,
        data: call.data,
        gasLimit: call.gasLimit,
        // Every third party the snapshot was sealed for; the settle hook authorizes those the
        // transaction did not (see `ReaderAccess.settleReaders`).
        meta: {
          epr,
          cid: shared.cid,
          contentHash: shared.plaintextHash,
          objectCommitment: commitment,
          sequence,
          authorize: thirdParties,
        },
      });
      const upload: StatusUpload = {
        epr,
        cid: shared.cid,
        uri,
        contentHash: shared.plaintextHash,
        objectDigest: digest,
        objectCommitment: commitment,
        query,
        sequence,
        readers: shared.readers,
        nonce: entry.nonce,
        snapshot,
      };
      uploads.push(upload);
      this.ctx.emit("statusUploaded", upload);
    }
    await this.ctx.state.finishUpload();
    return uploads;
  }

  /** Settle handler: the records a transaction added. */
  readonly settle = (_settled: unknown, events: ReceiptEvents): void => {
    for (const e of events.records) this.ctx.emit("recordAdded", e);
  };
}
