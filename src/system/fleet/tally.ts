/**
 * The fleet's bookkeeping: the running totals, each unit's own counts, the status records with
 * their readers, and the sharing latencies, all from the events the units report.
 */
import { performance } from "node:perf_hooks";
import { getAddress } from "ethers";
import type { DeviceId } from "../../chains/topology";
import type { IoTUnitEvents } from "../../iot";
import { WRITE_STEPS, type SharingStep } from "../../offchain";
import type { FleetCounts, SharedStatusRecord, UnitRun } from "./model";

/** A status record while the run goes on: its readers change. */
interface RecordEntry extends Omit<SharedStatusRecord, "sealedFor" | "readers" | "revoked"> {
  readonly sealedFor: string[];
  readonly readers: Set<string>;
  readonly revoked: Set<string>;
}

/** An upload the unit reported, waiting for its EPR record to be mined. */
interface PendingUpload {
  readonly cid: string;
  readonly contentHash: string;
  readonly sequence: number;
  readonly sealedFor: string[];
  readonly writeMs: number;
}

const IPFS_URI_SCHEME = /^ipfs:\/\//;

export class FleetTally {
  readonly counts: FleetCounts = {
    readingsTaken: 0,
    readingsApplied: 0,
    batches: 0,
    serviceRequests: 0,
    partOrders: 0,
    statusRecords: 0,
    authorizations: 0,
    revocations: 0,
    reverted: 0,
  };
  readonly writeStepsMs = Object.fromEntries(WRITE_STEPS.map((s) => [s, [] as number[]])) as unknown as Record<
    SharingStep,
    number[]
  >;
  readonly shareLatencyMs: number[] = [];
  readonly queuedShareLatencyMs: number[] = [];
  private readonly uploadStarted = new Map<string, number>();
  private readonly recordSent = new Map<string, number>();
  private readonly entries = new Map<string, RecordEntry>();
  private readonly pendingUploads = new Map<string, PendingUpload>();

  constructor(private readonly onProgress?: (counts: FleetCounts) => void) {}

  /** Passes a copy of the running totals on. */
  report(): void {
    this.onProgress?.({ ...this.counts });
  }

  /** The unit of `device` starts sealing snapshot `sequence` (the queued share latency counts from here). */
  uploadStarting(device: DeviceId, sequence: number): void {
    this.uploadStarted.set(`${device}#${sequence}`, performance.now());
  }

  /** The status records so far, with their readers, by chain, device and record id. */
  records(): SharedStatusRecord[] {
    return [...this.entries.values()]
      .map((r) => ({ ...r, readers: [...r.readers], revoked: [...r.revoked] }))
      .sort((a, b) => a.chain.localeCompare(b.chain) || a.device.localeCompare(b.device) || a.recordId - b.recordId);
  }

  /** Counts what the unit reports, and keeps its records and their readers. */
  watch(run: UnitRun): void {
    const { counts } = this;
    const f = run.figures;
    const key = (epr: string, id: bigint | number) => `${getAddress(epr)}#${id}`;
    const on = <K extends keyof IoTUnitEvents>(event: K, listener: (...args: IoTUnitEvents[K]) => void) =>
      run.unit.on(event, listener as never);
    on("readingsApplied", (e) => {
      f.readings += e.readings;
      f.batches += 1;
      counts.readingsApplied += e.readings;
      counts.batches += 1;
      this.report();
    });
    on("serviceRequested", () => {
      f.serviceRequests += 1;
      counts.serviceRequests += 1;
    });
    on("partOrdered", () => {
      f.partOrders += 1;
      counts.partOrders += 1;
    });
    on("statusUploaded", (upload) => {
      this.pendingUploads.set(`${run.device}#${upload.nonce}`, {
        cid: upload.cid,
        contentHash: upload.contentHash,
        sequence: upload.sequence,
        sealedFor: upload.readers,
        writeMs: run.writeMs,
      });
    });
    run.unit.queue.on("sent", (entry) => {
      if (entry.kind === "record" && !this.recordSent.has(`${run.device}#${entry.nonce}`))
        this.recordSent.set(`${run.device}#${entry.nonce}`, performance.now());
    });
    on("recordAdded", (e) => {
      const now = performance.now();
      const upload = this.pendingUploads.get(`${run.device}#${e.nonce}`);
      const started = this.uploadStarted.get(`${run.device}#${upload?.sequence}`);
      const sent = this.recordSent.get(`${run.device}#${e.nonce}`);
      // Steps 1–2 as the paper times them: sealing and storing the data, then its record from
      // sent to mined. The unit's own backlog (reading batches queued before the record) is
      // what the queued figure adds.
      if (upload !== undefined && sent !== undefined) this.shareLatencyMs.push(upload.writeMs + (now - sent));
      if (started !== undefined) this.queuedShareLatencyMs.push(now - started);
      this.entries.set(key(e.epr, e.recordId), {
        device: run.device,
        chain: run.chain,
        epr: getAddress(e.epr),
        recordId: Number(e.recordId),
        cid: upload?.cid ?? e.uri.replace(IPFS_URI_SCHEME, ""),
        contentHash: e.contentHash,
        sequence: upload?.sequence ?? 0,
        sealedFor: upload?.sealedFor ?? [],
        readers: new Set(),
        revoked: new Set(),
      });
      f.statusRecords += 1;
      counts.statusRecords += 1;
    });
    on("readerAuthorized", (e) => {
      this.entries.get(key(e.epr, e.recordId))?.readers.add(getAddress(e.reader));
      f.authorizations += 1;
      counts.authorizations += 1;
    });
    on("readerRevoked", (e) => {
      const record = this.entries.get(key(e.epr, e.recordId));
      record?.readers.delete(getAddress(e.reader));
      record?.revoked.add(getAddress(e.reader));
      f.revocations += 1;
      counts.revocations += 1;
    });
    on("reverted", (info) => {
      f.reverted += 1;
      counts.reverted += 1;
      run.failures.push(`transaction ${info.nonce} (${info.kind}) reverted: ${info.reason}`);
    });
    on("failure", ({ operation, error }) => run.failures.push(`${operation}: ${error.message}`));
  }
}
