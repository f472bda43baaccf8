/** What the fleet of IoT units is given, what it counts and what it returns. */
import type { DeviceId, Topology } from "../../chains/topology";
import type { IoTUnit } from "../../iot";
import type { SharingStep } from "../../offchain";
import type { CommunityPlan } from "../participants";
import type { RunStores } from "../stores";

/** Options of {@link runFleet}. */
export interface FleetOptions {
  /** The chains directory (topology.json). */
  readonly chainsDir: string;
  readonly topology: Topology;
  readonly plan: readonly CommunityPlan[];
  /** Each device's EPR with its community's provider. */
  readonly eprs: Readonly<Record<DeviceId, string>>;
  readonly stores: RunStores;
  /** One state directory per unit is made under it (queue, state, keyrings). */
  readonly stateDir: string;
  readonly readingsPerDevice: number;
  readonly uploadsPerDevice: number;
  readonly readingBatch: number;
  /** The machines' count thresholds (how many parts a batch can order). */
  readonly countThreshold: number;
  readonly seed: number;
  readonly mnemonic?: string;
  readonly signal?: AbortSignal;
  readonly onProgress?: (counts: FleetCounts) => void;
}

/** Running totals of the fleet. */
export interface FleetCounts {
  readingsTaken: number;
  readingsApplied: number;
  batches: number;
  serviceRequests: number;
  partOrders: number;
  statusRecords: number;
  authorizations: number;
  revocations: number;
  reverted: number;
}

/** What one unit did. */
export interface UnitFigures {
  readonly device: DeviceId;
  readonly chain: string;
  readonly address: string;
  readonly epr: string;
  readonly readings: number;
  readonly batches: number;
  readonly serviceRequests: number;
  readonly partOrders: number;
  /**
   * DataToken received in the unit's own transactions and paid (parts), smallest unit, decimal
   * strings. Upload rewards come in the verifier's transaction: the report adds them.
   */
  readonly earned: string;
  readonly spent: string;
  /** DataToken balance at the end, decimal string. */
  readonly balance: string;
  readonly statusRecords: number;
  readonly authorizations: number;
  readonly revocations: number;
  readonly reverted: number;
  /** Background failures the unit reported (none in a healthy run). */
  readonly failures: readonly string[];
}

/** A status record a unit put in its EPR, with who may read it. */
export interface SharedStatusRecord {
  readonly device: DeviceId;
  readonly chain: string;
  readonly epr: string;
  readonly recordId: number;
  readonly cid: string;
  readonly contentHash: string;
  /** 1-based number of the device's snapshot. */
  readonly sequence: number;
  /** Addresses the data key was wrapped for (device, provider, third parties). */
  readonly sealedFor: readonly string[];
  /** Third parties authorized on chain and not revoked. */
  readonly readers: readonly string[];
  /** Third parties authorized, then revoked. */
  readonly revoked: readonly string[];
}

/** The device that revokes its community's third party, and that third party. */
export interface ReaderRotation {
  readonly device: DeviceId;
  readonly reader: string;
}

/** The fleet's outcome. */
export interface FleetResult {
  readonly units: readonly UnitFigures[];
  readonly records: readonly SharedStatusRecord[];
  readonly counts: FleetCounts;
  /**
   * Steps 1–2 of the digital-twin paper's sharing, ms per record: sealing and storing the
   * snapshot (hash, encrypt, wrap, encode, put) plus its EPR record from sent to mined.
   */
  readonly shareLatencyMs: readonly number[];
  /** Upload start → the EPR record mined, ms per record: steps 1–2 plus the wait behind the unit's queued reading batches. */
  readonly queuedShareLatencyMs: readonly number[];
  /** Duration of each write step of the uploads (hash, encrypt, wrap, encode, put), ms. */
  readonly writeStepsMs: Readonly<Record<SharingStep, readonly number[]>>;
  /** The device that revoked its community's third party, and that third party. */
  readonly rotation?: ReaderRotation;
}

/** What one unit counts of itself while it runs (the rest of its {@link UnitFigures} is read at the end). */
export type UnitCounts = {
  -readonly [
    K in keyof Omit<UnitFigures, "earned" | "spent" | "balance" | "device" | "chain" | "address" | "epr" | "failures">
  ]: number;
};

/** A running unit with what it saw. */
export interface UnitRun {
  readonly device: DeviceId;
  readonly chain: string;
  readonly epr: string;
  readonly unit: IoTUnit;
  readonly figures: UnitCounts;
  readonly failures: string[];
  /** Time spent sealing and storing the snapshot being uploaded, ms (the write steps). */
  writeMs: number;
}
