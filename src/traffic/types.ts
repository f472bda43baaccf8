// The trust model shared by the log reader, the threshold and the partition engine
// (dividing paper III.A): devices are nodes, communication tightness is the edge strength.
import type { UndirectedGraph } from "graphology";

export type DeviceId = string;

/** One communication record, one row of the traffic log. */
export interface TrafficRecord {
  /** Unix milliseconds. */
  timestamp: number;
  from: DeviceId;
  to: DeviceId;
  bytes?: number;
  /** 1-based line in the file, header = 1. */
  line: number;
}

export interface TrustNode {
  /** Records the device takes part in. */
  records: number;
}

export interface TrustEdge {
  /** Records between the two devices, both directions. */
  count: number;
  /** Strength ω = count / spanHours (records per hour of the log's span). */
  weight: number;
}

export type TrustGraph = UndirectedGraph<TrustNode, TrustEdge>;

export interface LogSummary {
  file: string;
  records: number;
  devices: number;
  /** Last − first timestamp in hours; a span under one hour counts as one hour, so ≥ 1. */
  spanHours: number;
  firstTimestamp: number;
  lastTimestamp: number;
  /** Rows skipped with `skipInvalid`, in file order. */
  skipped: { line: number; reason: string }[];
}
