import { performance } from "node:perf_hooks";
import { readTrafficLog } from "../traffic/log";
import type { DeviceId, LogSummary, TrustGraph } from "../traffic/types";
import {
  PARTITION_VERSION,
  STRENGTH_UNIT,
  type PartitionDocument,
  type PartitionEdge,
  type PartitionLevel,
} from "./document";
import { PartitionError } from "./errors";
import { compareDeviceIds } from "./order";
import { kCliqueCommunities, percolateAll } from "./percolation";
import { evaluateStorage, pairTableFromGraph } from "./storage";
import { chooseCommunities, communityGrouping } from "./strategies/community";
import { edgeStrengthGrouping } from "./strategies/edge-strength";
import type { Grouping } from "./strategies/grouping";
import { louvainGrouping } from "./strategies/louvain";
import { DEFAULT_MIN_CHAIN_SIZE, optimizeGrouping, type OptimizedGrouping } from "./strategies/optimized";
import { randomGroupings } from "./strategies/random";
import { ungroupedGrouping } from "./strategies/ungrouped";
import { applyThreshold, autoThreshold, strongestEdges } from "./threshold";

/** The paper's Table I: random groupings into 3, 4 and 5 groups, two draws each. */
export const RANDOM_GROUP_COUNTS = [3, 4, 5] as const;
export const RANDOM_DRAWS = 2;
export const DEFAULT_SEED = 1;
/** byK starts at triangles, as Algorithm 1 does. */
export const K_MIN = 3;

/** The stages of a run, in order, as reported to `onStage` and timed in `PartitionRun.timings`. */
export type PartitionStage = "read" | "threshold" | "percolation" | "strategies" | "optimization";

export interface PartitionOptions {
  /** Edge strength threshold in records/hour; default: the automatic threshold. */
  threshold?: number;
  /** Force this k instead of the largest k covering every non-exempt device. */
  k?: number;
  /** Devices allowed to stay uncovered (and ignored by the automatic threshold). */
  exempt?: DeviceId[];
  /** Minimum chain size of the optimized strategy (default 4). */
  minChainSize?: number;
  /** Seed of the random groupings and Louvain (default 1). */
  seed?: number;
  /** Weighted clique percolation: keep only k-cliques whose geometric mean strength is ≥ this. */
  intensity?: number;
  /** Called when a stage starts. */
  onStage?: (stage: PartitionStage) => void;
  /** Called after each optimisation round with the current count. */
  onOptimizeRound?: (round: number, count: number) => void;
}

export interface ReadAndPartitionOptions extends PartitionOptions {
  /** Skip bad rows of the log instead of failing (they are counted in `log.skipped`). */
  skipInvalid?: boolean;
  /** Progress of reading the log, in bytes. */
  onReadProgress?: (bytesRead: number, totalBytes: number) => void;
}

export interface PartitionRun {
  document: PartitionDocument;
  /** The optimized strategy with its start and moves (also summarised in the document). */
  optimized: OptimizedGrouping;
  /** Milliseconds per stage. */
  timings: Partial<Record<PartitionStage, number>>;
}

/** The input of a run cannot be partitioned; the message names the input (log file or option). */
export class PartitionInputError extends PartitionError {
  constructor(
    readonly source: string,
    readonly problem: string,
  ) {
    super(`${source}: ${problem}`);
  }
}

function checkOptions(options: PartitionOptions): void {
  const { threshold, k, minChainSize, seed } = options;
  if (threshold !== undefined && !(Number.isFinite(threshold) && threshold >= 0)) {
    throw new PartitionInputError("--threshold", `must be a number ≥ 0 of ${STRENGTH_UNIT}, got ${threshold}`);
  }
  if (k !== undefined && !(Number.isInteger(k) && k >= 2))
    throw new PartitionInputError("--k", `must be an integer ≥ 2, got ${k}`);
  if (minChainSize !== undefined && !(Number.isInteger(minChainSize) && minChainSize >= 1)) {
    throw new PartitionInputError("--min-chain-size", `must be an integer ≥ 1, got ${minChainSize}`);
  }
  if (seed !== undefined && !(Number.isInteger(seed) && seed >= 0))
    throw new PartitionInputError("--seed", `must be an integer ≥ 0, got ${seed}`);
}

/** The level of a forced k below K_MIN, computed on its own (byK starts at K_MIN). */
function levelAt(
  graph: TrustGraph,
  nodes: readonly DeviceId[],
  k: number,
  intensity: number | undefined,
): PartitionLevel {
  const communities = kCliqueCommunities(graph, k, { intensity });
  const memberships = new Map<DeviceId, number>();
  for (const community of communities) for (const d of community) memberships.set(d, (memberships.get(d) ?? 0) + 1);
  return {
    k,
    communities,
    uncovered: nodes.filter((d) => !memberships.has(d)),
    overlapping: nodes.filter((d) => (memberships.get(d) ?? 0) >= 2),
  };
}

/** The graph section: `nodes` in id order, every edge once with its ends in id order, edges sorted. */
function graphSection(graph: TrustGraph, nodes: DeviceId[]): PartitionDocument["graph"] {
  // Sorting by rank compares numbers, not ids: the 100,000 edges of a large log sort in milliseconds.
  const rank = new Map(nodes.map((d, i) => [d, i]));
  const ranked: [number, number, number, number][] = [];
  graph.forEachEdge((_edge, { weight, count }, source, target) => {
    const [a, b] = [rank.get(source)!, rank.get(target)!];
    ranked.push(a < b ? [a, b, weight, count] : [b, a, weight, count]);
  });
  ranked.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
  return { nodes, edges: ranked.map(([a, b, weight, count]): PartitionEdge => [nodes[a], nodes[b], weight, count]) };
}

/**
 * The whole partition of a trust graph (after the log is read): threshold (given, or automatic:
 * Algorithm 1 steps 1–2), clique percolation for every k from 3 (byK), the chosen partition,
 * and every strategy priced by the storage model. Pure and synchronous; `summary` is the log's.
 */
export function partitionTrustGraph(
  graph: TrustGraph,
  summary: LogSummary,
  options: PartitionOptions = {},
): PartitionRun {
  checkOptions(options);
  const source = summary.file;
  if (summary.records === 0 || graph.order === 0)
    throw new PartitionInputError(source, "empty log: no communication record to partition");
  if (graph.order < 2)
    throw new PartitionInputError(
      source,
      `only one device (${JSON.stringify(graph.nodes()[0])}): a partition needs at least two`,
    );

  const timings: PartitionRun["timings"] = {};
  const timed = <T>(stage: PartitionStage, work: () => T): T => {
    options.onStage?.(stage);
    const start = performance.now();
    const result = work();
    timings[stage] = performance.now() - start;
    return result;
  };
  const devices = graph.nodes().sort(compareDeviceIds);
  const exempt = [...new Set(options.exempt ?? [])].sort(compareDeviceIds);
  const unknown = exempt.filter((d) => !graph.hasNode(d));
  if (unknown.length > 0)
    throw new PartitionInputError(
      "--exempt",
      `${unknown.map((d) => JSON.stringify(d)).join(", ")} not a device of ${source}`,
    );
  const seed = options.seed ?? DEFAULT_SEED;
  const minChainSize = options.minChainSize ?? DEFAULT_MIN_CHAIN_SIZE;

  const { threshold, thresholded } = timed("threshold", () => {
    const value = options.threshold ?? autoThreshold(graph, exempt);
    const kept = applyThreshold(graph, value);
    // A threshold that leaves some devices without an edge only leaves them uncovered (chains of
    // their own); one that leaves no edge at all leaves nothing to partition.
    if (kept.size === 0) {
      const strongest = Math.max(...strongestEdges(graph).values());
      throw new PartitionInputError(
        source,
        `threshold ${value} ${STRENGTH_UNIT} disconnects every device (the strongest edge is ${strongest} ${STRENGTH_UNIT})`,
      );
    }
    return { threshold: value, thresholded: kept };
  });

  const byK: PartitionLevel[] = timed("percolation", () =>
    percolateAll(thresholded, { kMin: K_MIN, intensity: options.intensity }),
  );

  const { chosen, groupings, table } = timed("strategies", () => {
    const levels =
      options.k !== undefined && options.k < K_MIN
        ? [levelAt(thresholded, devices, options.k, options.intensity)]
        : byK;
    const chosenPartition = chooseCommunities(levels, { k: options.k, exempt, source });
    const list: Grouping[] = [
      ungroupedGrouping(devices),
      ...randomGroupings(
        devices,
        RANDOM_GROUP_COUNTS.filter((g) => g <= devices.length),
        RANDOM_DRAWS,
        seed,
      ),
      edgeStrengthGrouping(thresholded),
      louvainGrouping(graph, seed),
      communityGrouping(chosenPartition),
    ];
    return { chosen: chosenPartition, groupings: list, table: pairTableFromGraph(graph, devices) };
  });

  const optimized = timed("optimization", () =>
    optimizeGrouping(
      table,
      groupings.filter((g) => g.name === "community" || g.name === "louvain"),
      { minChainSize, onProgress: options.onOptimizeRound },
    ),
  );

  const strategies = [...groupings, optimized].map((g) => ({
    name: g.name,
    groups: g.groups,
    ...evaluateStorage(table, g.groups),
  }));

  const document: PartitionDocument = {
    version: PARTITION_VERSION,
    log: {
      file: summary.file,
      records: summary.records,
      devices: summary.devices,
      spanHours: summary.spanHours,
      ...(summary.skipped.length > 0 ? { skipped: summary.skipped.length } : {}),
    },
    threshold: {
      value: threshold,
      unit: STRENGTH_UNIT,
      auto: options.threshold === undefined,
      ...(exempt.length > 0 ? { exempt } : {}),
    },
    graph: graphSection(graph, devices),
    byK,
    chosen,
    strategies,
    optimization: {
      start: optimized.start,
      startCount: optimized.startCount,
      repairedCount: optimized.repairedCount,
      minChainSize,
      rounds: optimized.rounds,
      moves: { ...optimized.moves },
    },
    options: { seed, ...(options.intensity !== undefined ? { intensity: options.intensity } : {}) },
  };
  return { document, optimized, timings };
}

/** Reads the traffic log (streaming) and partitions its trust graph: log → graph → … → document. */
export async function runPartition(logFile: string, options: ReadAndPartitionOptions = {}): Promise<PartitionRun> {
  checkOptions(options);
  options.onStage?.("read");
  const start = performance.now();
  const { graph, summary } = await readTrafficLog(logFile, {
    skipInvalid: options.skipInvalid,
    onProgress: options.onReadProgress,
  });
  const read = performance.now() - start;
  const run = partitionTrustGraph(graph, summary, options);
  run.timings = { read, ...run.timings };
  return run;
}
