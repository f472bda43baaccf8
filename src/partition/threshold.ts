// The communication-tightness threshold T of the dividing paper (Algorithm 1, steps 1–2):
// edges weaker than T are dropped, and T must leave every device (but the exempt ones, the
// paper's "individual special devices") at least one edge.
import { UndirectedGraph } from "graphology";
import { ThresholdError } from "../traffic/errors";
import type { DeviceId, TrustEdge, TrustGraph, TrustNode } from "../traffic/types";

/** A device that cannot be covered: it has no edge at all (nothing any threshold can keep). */
export class IsolatedDeviceError extends ThresholdError {
  constructor(readonly devices: DeviceId[]) {
    super(
      `device${devices.length > 1 ? "s" : ""} ${devices.map((d) => `"${d}"`).join(", ")} ` +
        `${devices.length > 1 ? "have" : "has"} no edge at all, so no threshold can keep ` +
        `${devices.length > 1 ? "them" : "it"} connected: exempt ${devices.length > 1 ? "them" : "it"}`,
    );
  }
}

/** A threshold leaves non-exempt devices without any edge. */
export class ThresholdDisconnectsError extends ThresholdError {
  constructor(
    readonly threshold: number,
    readonly disconnected: DeviceId[],
    readonly devices: number,
  ) {
    super(
      disconnected.length === devices
        ? `threshold ${threshold} disconnects every device: no edge has weight ≥ ${threshold}`
        : `threshold ${threshold} disconnects ${disconnected.length} of ${devices} devices ` +
            `(no edge of weight ≥ ${threshold}): ${listDevices(disconnected)}`,
    );
  }
}

const LISTED_DEVICES = 20;

function listDevices(devices: DeviceId[]): string {
  const shown = devices.slice(0, LISTED_DEVICES).join(", ");
  return devices.length > LISTED_DEVICES ? `${shown}, … (${devices.length - LISTED_DEVICES} more)` : shown;
}

function exemptSet(graph: TrustGraph, exempt: Iterable<DeviceId>): Set<DeviceId> {
  const set = new Set(exempt);
  const unknown = [...set].filter((device) => !graph.hasNode(device));
  if (unknown.length > 0) {
    throw new ThresholdError(
      `exempt device${unknown.length > 1 ? "s" : ""} ${unknown.map((d) => `"${d}"`).join(", ")} not in the trust graph`,
    );
  }
  return set;
}

function checkThreshold(threshold: number): void {
  if (!Number.isFinite(threshold) || threshold < 0) {
    throw new ThresholdError(`threshold must be a non-negative number of records/hour, got ${threshold}`);
  }
}

/** The weight of each device's strongest edge (0 for a device with no edge). */
export function strongestEdges(graph: TrustGraph): Map<DeviceId, number> {
  const strongest = new Map<DeviceId, number>();
  graph.forEachNode((device) => strongest.set(device, 0));
  graph.forEachEdge((_edge, { weight }, source, target) => {
    if (weight > (strongest.get(source) as number)) strongest.set(source, weight);
    if (weight > (strongest.get(target) as number)) strongest.set(target, weight);
  });
  return strongest;
}

/**
 * The largest threshold T such that every device not in `exempt` keeps at least one edge
 * of weight ≥ T: the minimum over those devices of their strongest edge.
 *
 * @throws IsolatedDeviceError if a non-exempt device has no edge at all
 * @throws ThresholdError if no device is left once the exempt ones are set aside, or an exempt id is unknown
 */
export function autoThreshold(graph: TrustGraph, exempt: Iterable<DeviceId> = []): number {
  const skip = exemptSet(graph, exempt);
  const strongest = strongestEdges(graph);
  let threshold = Infinity;
  const isolated: DeviceId[] = [];
  for (const [device, weight] of strongest) {
    if (skip.has(device)) continue;
    if (weight <= 0) isolated.push(device);
    else if (weight < threshold) threshold = weight;
  }
  if (isolated.length > 0) throw new IsolatedDeviceError(isolated);
  if (threshold === Infinity) {
    throw new ThresholdError(
      `no threshold can be chosen: the trust graph has ${graph.order} device${graph.order === 1 ? "" : "s"}, ` +
        `${skip.size} exempt, and no other device`,
    );
  }
  return threshold;
}

/** A copy of the graph with every node (and its attributes) and only the edges of weight ≥ threshold. */
export function applyThreshold(graph: TrustGraph, threshold: number): TrustGraph {
  checkThreshold(threshold);
  const kept: TrustGraph = new UndirectedGraph<TrustNode, TrustEdge>();
  graph.forEachNode((device, attributes) => kept.addNode(device, { ...attributes }));
  graph.forEachEdge((edge, attributes, source, target) => {
    if (attributes.weight >= threshold) kept.addEdgeWithKey(edge, source, target, { ...attributes });
  });
  return kept;
}

/** The devices (graph order) left without any edge of weight ≥ threshold, exempt ones excluded. */
export function disconnectedDevices(graph: TrustGraph, threshold: number, exempt: Iterable<DeviceId> = []): DeviceId[] {
  checkThreshold(threshold);
  const skip = exemptSet(graph, exempt);
  const disconnected: DeviceId[] = [];
  for (const [device, weight] of strongestEdges(graph)) {
    if (!skip.has(device) && !(weight >= threshold && weight > 0)) disconnected.push(device);
  }
  return disconnected;
}

/**
 * Checks that a (user-given) threshold keeps every non-exempt device connected, and throws
 * a `ThresholdDisconnectsError` naming the devices it would cut off otherwise.
 */
export function assertThresholdConnects(graph: TrustGraph, threshold: number, exempt: Iterable<DeviceId> = []): void {
  const exemptIds = [...exempt];
  const disconnected = disconnectedDevices(graph, threshold, exemptIds);
  if (disconnected.length > 0) {
    throw new ThresholdDisconnectsError(threshold, disconnected, graph.order - new Set(exemptIds).size);
  }
}
