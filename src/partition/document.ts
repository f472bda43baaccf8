import { readFileSync } from "node:fs";
import { writeFileAtomic } from "../io/atomic-write";
import { checkDeviceId } from "../traffic/device-id";
import { PartitionError } from "./errors";
import type { KCliqueLevel } from "./percolation";
import type { StorageCost } from "./storage";

// partition.json: the output of the partition engine and the input of `chains:up` and the report.
// The keys DESIGN.md fixes are required here; the optional ones are additions of this module.

/** A device id as it appears in the traffic log (same as `DeviceId` of src/trust/types.ts). */
type DeviceId = string;

/** The format version this module writes and reads. */
export const PARTITION_VERSION = 1;

/** The unit of edge strengths and thresholds: records between two devices per hour of the log's span. */
export const STRENGTH_UNIT = "records/hour";

/** One pair of devices with at least one record: `[u, v, weight (records/hour), count (records)]`. */
export type PartitionEdge = [u: DeviceId, v: DeviceId, weight: number, count: number];

export interface PartitionLog {
  file: string;
  records: number;
  devices: number;
  spanHours: number;
  /** Rows skipped with `--skip-invalid` (absent when none were skipped). */
  skipped?: number;
}

export interface PartitionThreshold {
  value: number;
  unit: typeof STRENGTH_UNIT;
  /** true when the value came from the automatic threshold, false when the user gave it. */
  auto: boolean;
  /** Devices exempt from the "every device keeps an edge" rule (Algorithm 1, step 2). */
  exempt?: DeviceId[];
}

export interface PartitionGraph {
  nodes: DeviceId[];
  /** Every pair with at least one record, above and below the threshold. */
  edges: PartitionEdge[];
}

/** The k-clique communities at one k, as clique percolation gives them. */
export type PartitionLevel = KCliqueLevel;

export interface ChosenPartition {
  k: number;
  /** One chain per community. */
  communities: DeviceId[][];
  /** Devices in two or more communities (bridges). */
  interChainNodes: DeviceId[];
  /** Devices in no community (each runs as a chain of its own). */
  uncovered: DeviceId[];
  /** true when k was given with `--k`, false when it was the largest k covering every non-exempt device. */
  forced?: boolean;
}

/** One grouping strategy evaluated with the storage model (formula 1): its groups and their cost. */
export interface StrategyOutcome extends StorageCost {
  name: string;
  groups: DeviceId[][];
}

/** How the `optimized` strategy got its groups (an addition to DESIGN.md's keys). */
export interface OptimizationSummary {
  /** The strategy it started from and that strategy's count. */
  start: string;
  startCount: number;
  /** Count once every chain had at least `minChainSize` devices, before improving moves. */
  repairedCount: number;
  minChainSize: number;
  rounds: number;
  /** Accepted moves by kind (repaired, moved, joined, dropped, merged). */
  moves: Record<string, number>;
}

/** The settings of the run that are not in the other sections (an addition to DESIGN.md's keys). */
export interface PartitionSettings {
  seed: number;
  intensity?: number;
}

export interface PartitionDocument {
  version: typeof PARTITION_VERSION;
  log: PartitionLog;
  threshold: PartitionThreshold;
  graph: PartitionGraph;
  byK: PartitionLevel[];
  chosen: ChosenPartition;
  strategies: StrategyOutcome[];
  optimization?: OptimizationSummary;
  options?: PartitionSettings;
}

/** A partition file that cannot be used; `file` is the file and `key` the JSON path of the problem. */
export class PartitionDocumentError extends PartitionError {
  constructor(
    readonly file: string,
    readonly key: string,
    readonly problem: string,
  ) {
    super(`${file}: ${key === "" ? "" : `${key}: `}${problem}`);
  }
}

/** The file cannot be read or is not JSON. */
export class PartitionSyntaxError extends PartitionDocumentError {}

/** A key is missing or holds a value of the wrong shape. */
export class PartitionKeyError extends PartitionDocumentError {}

/** The file is well formed but its chosen partition has no community, so there is no chain to run. */
export class PartitionEmptyError extends PartitionDocumentError {}

// ---------------------------------------------------------------------------------------------
// Writing

// Arrays of scalars stay on one line and arrays of such arrays get one element per line, so a
// 10,000-device graph stays a readable file of one edge per line instead of six lines per edge.
function isScalar(value: unknown): boolean {
  return value === null || typeof value !== "object";
}

function formatValue(value: unknown, indent: string): string {
  if (isScalar(value)) return JSON.stringify(value);
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    if (value.length === 0) return "[]";
    if (value.every(isScalar)) return JSON.stringify(value);
    return `[\n${value.map((v) => inner + formatValue(v, inner)).join(",\n")}\n${indent}]`;
  }
  const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
  if (entries.length === 0) return "{}";
  return `{\n${entries.map(([k, v]) => `${inner}${JSON.stringify(k)}: ${formatValue(v, inner)}`).join(",\n")}\n${indent}}`;
}

/** The text of a partition file (JSON, newline-terminated). */
export function formatPartition(doc: PartitionDocument): string {
  return `${formatValue(doc, "")}\n`;
}

/** Writes `doc` to `file` atomically (temp file in the same directory, then rename). */
export async function writePartition(file: string, doc: PartitionDocument): Promise<void> {
  await writeFileAtomic(file, formatPartition(doc));
}

// ---------------------------------------------------------------------------------------------
// Reading and validation

type Json = unknown;

class Validator {
  constructor(readonly file: string) {}

  fail(key: string, problem: string): never {
    throw new PartitionKeyError(this.file, key, problem);
  }

  object(value: Json, key: string): Record<string, Json> {
    if (value === undefined) this.fail(key, "is missing");
    if (value === null || typeof value !== "object" || Array.isArray(value))
      this.fail(key, `must be an object, got ${describe(value)}`);
    return value as Record<string, Json>;
  }

  array(value: Json, key: string): Json[] {
    if (value === undefined) this.fail(key, "is missing");
    if (!Array.isArray(value)) this.fail(key, `must be an array, got ${describe(value)}`);
    return value;
  }

  string(value: Json, key: string): string {
    if (value === undefined) this.fail(key, "is missing");
    if (typeof value !== "string" || value === "") this.fail(key, `must be a non-empty string, got ${describe(value)}`);
    return value;
  }

  boolean(value: Json, key: string): boolean {
    if (value === undefined) this.fail(key, "is missing");
    if (typeof value !== "boolean") this.fail(key, `must be true or false, got ${describe(value)}`);
    return value;
  }

  number(value: Json, key: string, min = 0): number {
    if (value === undefined) this.fail(key, "is missing");
    if (typeof value !== "number" || !Number.isFinite(value) || value < min)
      this.fail(key, `must be a number ≥ ${min}, got ${describe(value)}`);
    return value;
  }

  integer(value: Json, key: string, min = 0): number {
    const n = this.number(value, key, min);
    if (!Number.isInteger(n)) this.fail(key, `must be an integer ≥ ${min}, got ${describe(value)}`);
    return n;
  }

  /** A list of device ids; `known` (when given) is the set of devices of the graph. */
  devices(value: Json, key: string, known?: ReadonlySet<string>): DeviceId[] {
    const list = this.array(value, key);
    list.forEach((id, i) => {
      this.string(id, `${key}[${i}]`);
      // Checked here too, not only in the log reader: a hand-edited partition.json names the
      // devices whose state directories and on-chain identities the run creates.
      const problem = checkDeviceId(id as string);
      if (problem !== undefined) this.fail(`${key}[${i}]`, `device id ${problem}`);
      if (known !== undefined && !known.has(id as string))
        this.fail(`${key}[${i}]`, `device ${JSON.stringify(id)} is not in graph.nodes`);
    });
    return list as DeviceId[];
  }

  groups(value: Json, key: string, known: ReadonlySet<string>): DeviceId[][] {
    const list = this.array(value, key);
    list.forEach((group, i) => {
      if (this.devices(group, `${key}[${i}]`, known).length === 0) this.fail(`${key}[${i}]`, "is an empty group");
    });
    return list as DeviceId[][];
  }
}

function describe(value: Json): string {
  if (value === undefined) return "nothing";
  if (Array.isArray(value)) return "an array";
  if (value === null) return "null";
  if (typeof value === "object") return "an object";
  const text = JSON.stringify(value);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

/**
 * Validates a parsed partition document: every key DESIGN.md fixes is present with the right
 * shape, every device named anywhere is a node of `graph`, and the chosen partition has at least
 * one community. `file` is only used to name the source in errors.
 */
export function validatePartition(value: Json, file: string): PartitionDocument {
  const v = new Validator(file);
  const root = v.object(value, "(root)");

  const version = v.integer(root.version, "version", 1);
  if (version !== PARTITION_VERSION)
    v.fail("version", `is ${version}, this reader understands version ${PARTITION_VERSION}`);

  const log = v.object(root.log, "log");
  v.string(log.file, "log.file");
  v.integer(log.records, "log.records");
  v.integer(log.devices, "log.devices");
  v.number(log.spanHours, "log.spanHours");
  if (log.skipped !== undefined) v.integer(log.skipped, "log.skipped");

  const threshold = v.object(root.threshold, "threshold");
  v.number(threshold.value, "threshold.value");
  if (threshold.unit !== STRENGTH_UNIT) {
    v.fail(
      "threshold.unit",
      threshold.unit === undefined ? "is missing" : `must be "${STRENGTH_UNIT}", got ${describe(threshold.unit)}`,
    );
  }
  v.boolean(threshold.auto, "threshold.auto");

  const graph = v.object(root.graph, "graph");
  const nodes = v.devices(graph.nodes, "graph.nodes");
  const known = new Set(nodes);
  if (known.size !== nodes.length) {
    const seen = new Set<string>();
    nodes.forEach((id, i) => {
      if (seen.has(id)) v.fail(`graph.nodes[${i}]`, `device ${JSON.stringify(id)} is listed twice`);
      seen.add(id);
    });
  }
  if (threshold.exempt !== undefined) v.devices(threshold.exempt, "threshold.exempt", known);
  v.array(graph.edges, "graph.edges").forEach((edge, i) => {
    const key = `graph.edges[${i}]`;
    const e = v.array(edge, key);
    if (e.length !== 4) v.fail(key, `must be [u, v, weight, count], got ${e.length} elements`);
    v.devices([e[0], e[1]], key, known);
    v.number(e[2], `${key}[2]`);
    v.integer(e[3], `${key}[3]`, 1);
  });

  v.array(root.byK, "byK").forEach((level, i) => {
    const key = `byK[${i}]`;
    const l = v.object(level, key);
    v.integer(l.k, `${key}.k`, 2);
    // A level's communities may be empty: the last level of byK is the first k with no community.
    v.groups(l.communities, `${key}.communities`, known);
    v.devices(l.uncovered, `${key}.uncovered`, known);
    v.devices(l.overlapping, `${key}.overlapping`, known);
  });

  const chosen = v.object(root.chosen, "chosen");
  v.integer(chosen.k, "chosen.k", 2);
  const communities = v.groups(chosen.communities, "chosen.communities", known);
  if (communities.length === 0)
    throw new PartitionEmptyError(file, "chosen.communities", "has no community, so there is no chain to run");
  v.devices(chosen.interChainNodes, "chosen.interChainNodes", known);
  v.devices(chosen.uncovered, "chosen.uncovered", known);
  if (chosen.forced !== undefined) v.boolean(chosen.forced, "chosen.forced");

  v.array(root.strategies, "strategies").forEach((strategy, i) => {
    const key = `strategies[${i}]`;
    const s = v.object(strategy, key);
    v.string(s.name, `${key}.name`);
    v.groups(s.groups, `${key}.groups`, known);
    v.number(s.count, `${key}.count`);
    v.number(s.cross, `${key}.cross`);
    v.number(s.storageRatio, `${key}.storageRatio`);
    v.number(s.crossShare, `${key}.crossShare`);
    v.integer(s.chains, `${key}.chains`);
    v.integer(s.interChainNodes, `${key}.interChainNodes`);
  });

  if (root.optimization !== undefined) {
    const o = v.object(root.optimization, "optimization");
    v.string(o.start, "optimization.start");
    v.number(o.startCount, "optimization.startCount");
    v.number(o.repairedCount, "optimization.repairedCount");
    v.integer(o.minChainSize, "optimization.minChainSize", 1);
  }
  if (root.options !== undefined) v.integer(v.object(root.options, "options").seed, "options.seed");

  return root as unknown as PartitionDocument;
}

/** Parses and validates the text of a partition file; `file` names the source in errors. */
export function parsePartition(text: string, file: string): PartitionDocument {
  let value: Json;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new PartitionSyntaxError(file, "", `is not valid JSON (${(error as Error).message})`);
  }
  return validatePartition(value, file);
}

/**
 * Reads and validates a partition file (`partition.json`). Throws `PartitionSyntaxError` when the
 * file cannot be read or parsed, `PartitionKeyError` naming the key when a key is missing or wrong,
 * `PartitionEmptyError` when the chosen partition has no community.
 */
export function readPartition(file: string): PartitionDocument {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new PartitionSyntaxError(
      file,
      "",
      code === "ENOENT" ? "no such file" : `cannot be read (${(error as Error).message})`,
    );
  }
  return parsePartition(text, file);
}
