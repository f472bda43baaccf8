// A synthetic factory traffic log shaped as the dividing paper's experiment (IV.A): devices
// in work cells (groups) that talk heavily and at short intervals inside; light, long-interval
// traffic between cells; devices that bridge two cells; busy and quiet devices; devices that
// talk to many others and devices that talk to few; most device pairs never talk at all.
//
// Every in-cell pair exchanges at least a fixed "heartbeat" number of records (the polling
// every device in a cell does), and busy devices add event traffic on top; light traffic
// between cells always stays below the heartbeat. Quiet devices only heartbeat, so the auto
// threshold (the weakest device's strongest edge) lands exactly on the heartbeat rate and
// keeps every cell a complete clique: k-clique percolation then finds the planted cells.
import { TrafficLogError, TrafficError, TrafficOptionsError } from "./errors";
import { createRandom, type Random } from "../util/random";
import { writeFileAtomic } from "../io/atomic-write";
import type { DeviceId, TrafficRecord } from "./types";

export interface TrafficOptions {
  /** Devices, ids `1`…`N` zero-padded to the width of `N`. Default 44. */
  devices?: number;
  /** Records in the log, exactly. Default 48,667 (the paper's). */
  records?: number;
  /** Work cells with heavy traffic inside. Default `devices / 9` rounded (5 for 44 devices). */
  groups?: number;
  /** Bridge devices, each in two cells. Default 40% of the cells rounded (2 for 5 cells). */
  overlap?: number;
  /** Mean number of light-traffic partners per device outside its cells. Default 4. */
  background?: number;
  /** Hours from the first to the last record. Default 10. */
  spanHours?: number;
  /** Unix ms of the first record. Default 2024-01-01T00:00:00Z. */
  start?: number;
  /** Seed of the PRNG: same options and seed, same file byte for byte. Default 1. */
  seed?: number;
}

export type ResolvedTrafficOptions = Required<TrafficOptions>;

export const DEFAULT_TRAFFIC_OPTIONS = {
  devices: 44,
  records: 48_667,
  background: 4,
  spanHours: 10,
  start: Date.UTC(2024, 0, 1),
  seed: 1,
} as const;

/** Mean cell size of the default cell count: cells of about 5–13 devices. */
export const MEAN_GROUP_SIZE = 9;
/** Share of the cells that get a bridge device by default. */
export const DEFAULT_OVERLAP_PER_GROUP = 0.4;
/** A cell needs 3 devices to be a 3-clique, the smallest community percolation finds. */
export const MIN_GROUP_SIZE = 3;
/** Bridges chain this many cells, as the paper's third group chains three communities. */
const CELLS_PER_CHAIN = 3;

// Workload shape. Shares of devices are probabilities per device.
/** Share of the in-cell records that is heartbeat (the rest is event traffic of busy devices). */
const HEARTBEAT_SHARE = 0.5;
/** Light traffic per pair is 1 … this share of the heartbeat, so it stays under the threshold. */
const LIGHT_RATIO = 0.5;
/** Devices that only heartbeat (no event traffic). */
const QUIET_SHARE = 0.2;
/** Devices with no light partners at all: they talk to their cell only. */
const LONER_SHARE = 0.3;
/** Devices that talk lightly to many others (supervisors, gateways). */
const HUB_SHARE = 0.08;
/** How much more likely a hub is to be a light partner than an ordinary device. */
const HUB_SOCIABILITY = 6;
/** Event-traffic activity of a busy device, uniform in [min, min + range). */
const ACTIVITY_MIN = 0.25;
const ACTIVITY_RANGE = 1.75;
/** Payload sizes: small sensor readings inside a cell, larger transfers between cells. */
const CELL_BYTES_MIN = 64;
const CELL_BYTES_RANGE = 192;
const LIGHT_BYTES_MIN = 256;
const LIGHT_BYTES_RANGE = 3840;
/** Tries per wanted light pair before the sampler gives up (the graph may be too small). */
const BACKGROUND_ATTEMPTS_PER_PAIR = 30;

const MS_PER_HOUR = 3_600_000;

export type PairKind = "cell" | "light";

export interface PlannedPair {
  a: DeviceId;
  b: DeviceId;
  /** Records between a and b in the log. */
  count: number;
  kind: PairKind;
}

/** What the generator planted: the ground truth a partition should find. */
export interface TrafficPlan {
  options: ResolvedTrafficOptions;
  /** Every device id, in id order. */
  devices: DeviceId[];
  /** Members of each cell (bridges in both of theirs), in id order. */
  groups: DeviceId[][];
  /** Devices in two cells. */
  bridges: DeviceId[];
  /** Devices with heartbeat traffic only. */
  quiet: DeviceId[];
  /** Devices with many light partners. */
  hubs: DeviceId[];
  /** Devices with no light partner. */
  loners: DeviceId[];
  /** Records every in-cell pair exchanges at least; every light pair has fewer. */
  heartbeat: number;
  /** Every pair that talks: cell pairs first, then light pairs. */
  pairs: PlannedPair[];
}

function requireInteger(option: string, value: number, min: number): void {
  if (!Number.isSafeInteger(value) || value < min) {
    throw new TrafficOptionsError(option, `must be an integer ≥ ${min}, got ${value}`);
  }
}

/** Fills in the defaults and checks every option; throws `TrafficOptionsError` naming the option. */
export function resolveTrafficOptions(opts: TrafficOptions = {}): ResolvedTrafficOptions {
  const devices = opts.devices ?? DEFAULT_TRAFFIC_OPTIONS.devices;
  requireInteger("devices", devices, MIN_GROUP_SIZE);
  const groups =
    opts.groups ?? Math.max(1, Math.min(Math.floor(devices / MIN_GROUP_SIZE), Math.round(devices / MEAN_GROUP_SIZE)));
  requireInteger("groups", groups, 1);
  if (groups * MIN_GROUP_SIZE > devices) {
    throw new TrafficOptionsError(
      "groups",
      `${groups} cells of at least ${MIN_GROUP_SIZE} devices need ${groups * MIN_GROUP_SIZE} devices, there are ${devices}`,
    );
  }
  const overlap = opts.overlap ?? (groups < 2 ? 0 : Math.round(groups * DEFAULT_OVERLAP_PER_GROUP));
  requireInteger("overlap", overlap, 0);
  if (overlap > 0 && groups < 2)
    throw new TrafficOptionsError("overlap", `bridges need at least 2 cells, there is ${groups}`);
  // Each bridge is a distinct device, each cell keeps two busy devices that are not bridges,
  // and one more device stays free to be the quiet one that sets the threshold.
  const maxOverlap = Math.max(0, devices - 2 * groups - 1);
  if (overlap > maxOverlap) {
    throw new TrafficOptionsError(
      "overlap",
      `${overlap} bridges are too many for ${devices} devices in ${groups} cells (at most ${maxOverlap})`,
    );
  }
  const records = opts.records ?? DEFAULT_TRAFFIC_OPTIONS.records;
  requireInteger("records", records, 1);
  const background = opts.background ?? DEFAULT_TRAFFIC_OPTIONS.background;
  if (!Number.isFinite(background) || background < 0) {
    throw new TrafficOptionsError("background", `must be a number ≥ 0 of light partners per device, got ${background}`);
  }
  const spanHours = opts.spanHours ?? DEFAULT_TRAFFIC_OPTIONS.spanHours;
  if (!Number.isFinite(spanHours) || spanHours <= 0 || Math.round(spanHours * MS_PER_HOUR) < 1) {
    throw new TrafficOptionsError("spanHours", `must be a positive number of hours, got ${spanHours}`);
  }
  const start = opts.start ?? DEFAULT_TRAFFIC_OPTIONS.start;
  requireInteger("start", start, 0);
  if (!Number.isSafeInteger(start + Math.round(spanHours * MS_PER_HOUR))) {
    throw new TrafficOptionsError("start", `${start} + the span leaves Unix milliseconds`);
  }
  const seed = opts.seed ?? DEFAULT_TRAFFIC_OPTIONS.seed;
  if (!Number.isSafeInteger(seed)) throw new TrafficOptionsError("seed", `must be an integer, got ${seed}`);
  return { devices, records, groups, overlap, background, spanHours, start, seed };
}

/** Device ids `1`…`n`, zero-padded to the width of the largest: `01`…`44`. */
export function deviceIds(count: number): DeviceId[] {
  const width = String(count).length;
  return Array.from({ length: count }, (_, i) => String(i + 1).padStart(width, "0"));
}

/**
 * Splits `total` into integers proportional to `weights` (largest remainder, ties to the
 * lower index), so the parts add up to `total` exactly. A zero weight always gets 0.
 */
function apportion(total: number, weights: ArrayLike<number>): number[] {
  const n = weights.length;
  let sum = 0;
  for (let i = 0; i < n; i += 1) sum += weights[i];
  const parts = new Array<number>(n).fill(0);
  if (total === 0 || sum === 0) return parts;
  const remainders = new Float64Array(n);
  let given = 0;
  for (let i = 0; i < n; i += 1) {
    const quota = (total * weights[i]) / sum;
    parts[i] = Math.floor(quota);
    remainders[i] = quota - parts[i];
    given += parts[i];
  }
  const order = Array.from({ length: n }, (_, i) => i)
    .filter((i) => weights[i] > 0)
    .sort((x, y) => remainders[y] - remainders[x] || x - y);
  for (let k = 0; given < total; k = (k + 1) % order.length) {
    parts[order[k]] += 1;
    given += 1;
  }
  return parts;
}

/** Cell sizes: at least MIN_GROUP_SIZE each, the rest spread by random weights in [0.5, 1.5). */
function cellSizes(devices: number, groups: number, random: Random): number[] {
  const weights = Array.from({ length: groups }, () => 0.5 + random.next());
  return apportion(devices - groups * MIN_GROUP_SIZE, weights).map((extra) => MIN_GROUP_SIZE + extra);
}

/** Binary search in a cumulative-weight array: the index whose interval holds `target`. */
function pickCumulative(cumulative: Float64Array, target: number): number {
  let low = 0;
  let high = cumulative.length - 1;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (cumulative[mid] > target) high = mid;
    else low = mid + 1;
  }
  return low;
}

/**
 * Plans the workload: who is in which cell, who bridges, who is busy, quiet, a hub or a
 * loner, and the exact record count of every pair that talks. Deterministic in the options.
 */
export function planTraffic(opts: TrafficOptions = {}): TrafficPlan {
  const options = resolveTrafficOptions(opts);
  const { devices: n, groups: g, overlap, records, background } = options;
  const random = createRandom(options.seed, 0);
  const ids = deviceIds(n);

  // Cells: a shuffled order of the devices cut into random sizes, so cells are not id ranges.
  const order = random.shuffle(Array.from({ length: n }, (_, i) => i));
  const sizes = cellSizes(n, g, random);
  const home = new Int32Array(n);
  const cells: number[][] = [];
  let next = 0;
  for (let cell = 0; cell < g; cell += 1) {
    cells.push(order.slice(next, next + sizes[cell]));
    for (const device of cells[cell]) home[device] = cell;
    next += sizes[cell];
  }

  // Roles. Each cell keeps its first two members busy, so every cell has event traffic,
  // and bridges are drawn from the others.
  const activity = new Float64Array(n);
  const sociability = new Float64Array(n);
  for (let device = 0; device < n; device += 1) {
    activity[device] = random.next() < QUIET_SHARE ? 0 : ACTIVITY_MIN + ACTIVITY_RANGE * random.next();
    const role = random.next();
    sociability[device] = role < LONER_SHARE ? 0 : role < LONER_SHARE + HUB_SHARE ? HUB_SOCIABILITY : 1;
  }
  for (const members of cells) {
    for (const device of members.slice(0, 2)) {
      if (activity[device] === 0) activity[device] = ACTIVITY_MIN + ACTIVITY_RANGE * random.next();
    }
  }

  // Bridges chain cells three at a time (0–1, 1–2, then 3–4, 4–5, …): a bridge is a member
  // of its home cell that joins the next one, busy because it serves both.
  const joined = new Int32Array(n).fill(-1);
  const bridges: number[] = [];
  for (let b = 0; b < overlap; b += 1) {
    const chain = Math.floor(b / (CELLS_PER_CHAIN - 1));
    const from = (chain * CELLS_PER_CHAIN + (b % (CELLS_PER_CHAIN - 1))) % g;
    const to = (from + 1) % g;
    const free = (d: number): boolean => joined[d] < 0 && cells[home[d]].indexOf(d) >= 2 && !cells[to].includes(d);
    const candidates = cells[from].filter(free);
    // Fall back to any free device when the home cell has none left (many bridges, few cells).
    const pool = candidates.length > 0 ? candidates : order.filter(free);
    if (pool.length === 0)
      throw new TrafficOptionsError("overlap", `no device left to bridge cells ${from + 1} and ${to + 1}`);
    const bridge = pool[random.int(pool.length)];
    joined[bridge] = to;
    cells[to].push(bridge);
    bridges.push(bridge);
    if (activity[bridge] === 0) activity[bridge] = ACTIVITY_MIN + ACTIVITY_RANGE * random.next();
  }

  // At least one quiet device that is no bridge: its edges are all exactly the heartbeat,
  // which is what makes the auto threshold the heartbeat rate.
  if (!activity.some((a, device) => a === 0 && joined[device] < 0)) {
    // The overlap bound leaves such a device; take the last free one of the shuffled order.
    const quiet = order.findLast((d) => joined[d] < 0 && cells[home[d]].indexOf(d) >= 2) as number;
    activity[quiet] = 0;
  }

  // Cell pairs, each once even when two bridges share two cells.
  const pairA: number[] = [];
  const pairB: number[] = [];
  const seen = new Set<number>();
  for (const members of cells) {
    const sorted = [...members].sort((x, y) => x - y);
    for (let i = 0; i < sorted.length; i += 1) {
      for (let j = i + 1; j < sorted.length; j += 1) {
        const key = sorted[i] * n + sorted[j];
        if (seen.has(key)) continue;
        seen.add(key);
        pairA.push(sorted[i]);
        pairB.push(sorted[j]);
      }
    }
  }
  const cellPairs = pairA.length;

  // Light pairs between cells, drawn in proportion to both devices' sociability.
  const wanted = Math.round((n * background) / 2);
  const cumulative = new Float64Array(n);
  let total = 0;
  for (let device = 0; device < n; device += 1) {
    total += sociability[device];
    cumulative[device] = total;
  }
  const shareCell = (x: number, y: number): boolean =>
    home[x] === home[y] ||
    joined[x] === home[y] ||
    joined[y] === home[x] ||
    (joined[x] >= 0 && joined[x] === joined[y]);
  let attempts = wanted * BACKGROUND_ATTEMPTS_PER_PAIR;
  while (total > 0 && pairA.length - cellPairs < wanted && attempts > 0) {
    attempts -= 1;
    const x = pickCumulative(cumulative, random.next() * total);
    const y = pickCumulative(cumulative, random.next() * total);
    if (x === y || shareCell(x, y)) continue;
    const key = Math.min(x, y) * n + Math.max(x, y);
    if (seen.has(key)) continue;
    seen.add(key);
    pairA.push(Math.min(x, y));
    pairB.push(Math.max(x, y));
  }
  const lightPairs = pairA.length - cellPairs;

  // Record counts. The heartbeat F is the share HEARTBEAT_SHARE of the in-cell records;
  // light pairs get 1 … LIGHT_RATIO·F (< F); event traffic fills the rest in proportion to
  // the product of both devices' activity.
  const minimum = 2 * cellPairs + lightPairs;
  if (records < minimum) {
    throw new TrafficOptionsError(
      "records",
      `${records} records are too few for ${n} devices in ${g} cells: the planted structure needs at least ${minimum} ` +
        `(2 per cell pair, 1 per light pair); ask for more records, fewer devices per cell or less background`,
    );
  }
  const lightDraws = Array.from({ length: lightPairs }, () => random.next());
  let heartbeat = Math.max(
    2,
    Math.floor(
      (HEARTBEAT_SHARE * (records - 0.5 * lightPairs)) / (cellPairs + 0.5 * LIGHT_RATIO * HEARTBEAT_SHARE * lightPairs),
    ),
  );
  let lightCounts: number[];
  let events: number;
  for (;;) {
    const lightMax = Math.max(1, Math.min(heartbeat - 1, Math.floor(heartbeat * LIGHT_RATIO)));
    lightCounts = lightDraws.map((u) => 1 + Math.floor(u * lightMax));
    events = records - heartbeat * cellPairs - lightCounts.reduce((sum, c) => sum + c, 0);
    if (events >= 0) break;
    heartbeat -= 1; // the formula's estimate of the light records was short: shrink and retry
  }
  const eventWeights = new Float64Array(cellPairs);
  for (let p = 0; p < cellPairs; p += 1) eventWeights[p] = activity[pairA[p]] * activity[pairB[p]];
  const eventCounts = apportion(events, eventWeights);

  const pairs: PlannedPair[] = [];
  for (let p = 0; p < pairA.length; p += 1) {
    const cell = p < cellPairs;
    pairs.push({
      a: ids[pairA[p]],
      b: ids[pairB[p]],
      count: cell ? heartbeat + eventCounts[p] : lightCounts[p - cellPairs],
      kind: cell ? "cell" : "light",
    });
  }
  const byId = (devices: Iterable<number>): DeviceId[] => [...devices].sort((x, y) => x - y).map((d) => ids[d]);
  const all = Array.from({ length: n }, (_, d) => d);
  return {
    options,
    devices: ids,
    groups: cells.map(byId),
    bridges: byId(bridges),
    quiet: byId(all.filter((d) => activity[d] === 0)),
    hubs: byId(all.filter((d) => sociability[d] === HUB_SOCIABILITY)),
    loners: byId(all.filter((d) => sociability[d] === 0)),
    heartbeat,
    pairs,
  };
}

/**
 * The records of a plan, sorted by timestamp (ties by pair order). Each pair's records sit
 * one per equal slot of the span at a random point inside it, as periodic polling with
 * jitter does: heavy pairs get short intervals, light pairs long ones. The heaviest pair's
 * first and last records sit on the span's ends, so the log spans exactly `spanHours`.
 * Lazy: one pending timestamp per pair, merged with a binary heap, never the whole log.
 */
export function* trafficRecords(plan: TrafficPlan): Generator<TrafficRecord> {
  const { start, spanHours, seed } = plan.options;
  const spanMs = Math.round(spanHours * MS_PER_HOUR);
  const random = createRandom(seed, 1);
  const pairs = plan.pairs;
  const size = pairs.length;
  const counts = new Int32Array(size);
  for (let p = 0; p < size; p += 1) counts[p] = pairs[p].count;
  let anchor = 0;
  for (let p = 1; p < size; p += 1) if (counts[p] > counts[anchor]) anchor = p;

  const slot = (p: number, i: number): number => {
    if (p === anchor && i === 0) return start;
    if (p === anchor && i === counts[p] - 1) return start + spanMs;
    // The clamp guards the float product against rounding up onto the span's end.
    return start + Math.min(spanMs - 1, Math.floor(((i + random.next()) * spanMs) / counts[p]));
  };

  // A binary min-heap of pair indexes keyed by (pending timestamp, pair index); hand-written
  // with typed arrays because it runs once per record and must not allocate.
  const pending = new Float64Array(size);
  const emitted = new Int32Array(size);
  const heap = new Int32Array(size);
  let heapSize = size;
  const siftDown = (from: number): void => {
    let at = from;
    const item = heap[at];
    const key = pending[item];
    for (;;) {
      let child = 2 * at + 1;
      if (child >= heapSize) break;
      let childItem = heap[child];
      let childKey = pending[childItem];
      if (child + 1 < heapSize) {
        const right = heap[child + 1];
        const rightKey = pending[right];
        if (rightKey < childKey || (rightKey === childKey && right < childItem)) {
          child += 1;
          childItem = right;
          childKey = rightKey;
        }
      }
      if (childKey > key || (childKey === key && childItem > item)) break;
      heap[at] = childItem;
      at = child;
    }
    heap[at] = item;
  };
  for (let p = 0; p < size; p += 1) {
    pending[p] = slot(p, 0);
    heap[p] = p;
  }
  for (let at = (heapSize >>> 1) - 1; at >= 0; at -= 1) siftDown(at);

  let line = 2; // the header is line 1
  while (heapSize > 0) {
    const p = heap[0];
    const pair = pairs[p];
    const forward = random.next() < 0.5;
    const bytes =
      pair.kind === "cell"
        ? CELL_BYTES_MIN + random.int(CELL_BYTES_RANGE)
        : LIGHT_BYTES_MIN + random.int(LIGHT_BYTES_RANGE);
    yield { timestamp: pending[p], from: forward ? pair.a : pair.b, to: forward ? pair.b : pair.a, bytes, line };
    line += 1;
    emitted[p] += 1;
    if (emitted[p] < counts[p]) {
      pending[p] = slot(p, emitted[p]);
    } else {
      heapSize -= 1;
      heap[0] = heap[heapSize];
    }
    if (heapSize > 0) siftDown(0);
  }
}

/** The records of the workload the options describe, sorted by timestamp (see `trafficRecords`). */
export function generateTraffic(opts: TrafficOptions = {}): Iterable<TrafficRecord> {
  return trafficRecords(planTraffic(opts));
}

export const TRAFFIC_LOG_HEADER = "timestamp,from,to,bytes";

/** Records between progress reports of `writeTrafficLog`. */
const PROGRESS_EVERY = 10_000;

export interface WriteTrafficLogOptions extends TrafficOptions {
  /** Called every 10,000 records and at the end with records written and the total. */
  onProgress?: (written: number, total: number) => void;
}

/**
 * Writes the workload as a traffic log (DESIGN.md format, Unix-ms timestamps), streaming
 * and atomically: the file appears complete or not at all. Returns the plan it wrote.
 */
export async function writeTrafficLog(file: string, opts: WriteTrafficLogOptions = {}): Promise<TrafficPlan> {
  const plan = planTraffic(opts);
  const total = plan.options.records;
  const onProgress = opts.onProgress;
  function* lines(): Generator<string> {
    yield `${TRAFFIC_LOG_HEADER}\n`;
    let written = 0;
    for (const record of trafficRecords(plan)) {
      yield `${record.timestamp},${record.from},${record.to},${record.bytes}\n`;
      written += 1;
      if (onProgress !== undefined && (written % PROGRESS_EVERY === 0 || written === total)) onProgress(written, total);
    }
  }
  try {
    await writeFileAtomic(file, lines());
  } catch (error) {
    if (error instanceof TrafficError) throw error;
    throw new TrafficLogError(file, `cannot be written (${(error as Error).message})`);
  }
  return plan;
}
