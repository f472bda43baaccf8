/**
 * Deterministic ordering of device ids and of communities, so that every output of the
 * partition engine (partition.json, reports, chains) is the same from run to run whatever the
 * iteration order of the graph it came from.
 */

// Same as `DeviceId` of src/trust/types.ts (a plain string); kept local so that this module
// does not depend on the trust graph.
type DeviceId = string;

const DIGIT_0 = 0x30;
const DIGIT_9 = 0x39;

function isDigit(code: number): boolean {
  return code >= DIGIT_0 && code <= DIGIT_9;
}

/** End (exclusive) of the run of digits or of non-digits that starts at `start`. */
function runEnd(id: string, start: number): number {
  const digits = isDigit(id.charCodeAt(start));
  let end = start + 1;
  while (end < id.length && isDigit(id.charCodeAt(end)) === digits) end++;
  return end;
}

/** Compares a.slice(i, endA) with b.slice(j, endB) by code units, without slicing. */
function compareRuns(a: string, i: number, endA: number, b: string, j: number, endB: number): number {
  const lengthA = endA - i;
  const lengthB = endB - j;
  const common = Math.min(lengthA, lengthB);
  for (let t = 0; t < common; t++) {
    const diff = a.charCodeAt(i + t) - b.charCodeAt(j + t);
    if (diff !== 0) return diff < 0 ? -1 : 1;
  }
  return lengthA === lengthB ? 0 : lengthA < lengthB ? -1 : 1;
}

/** Compares two runs of digits by the number they spell, of any length (no overflow). */
function compareDigitRuns(a: string, i: number, endA: number, b: string, j: number, endB: number): number {
  while (i < endA - 1 && a.charCodeAt(i) === DIGIT_0) i++;
  while (j < endB - 1 && b.charCodeAt(j) === DIGIT_0) j++;
  const lengthA = endA - i;
  const lengthB = endB - j;
  if (lengthA !== lengthB) return lengthA < lengthB ? -1 : 1;
  return compareRuns(a, i, endA, b, j, endB);
}

/**
 * Numeric-aware order of device ids: ids are compared run by run, a run of digits by the number
 * it spells ("2" < "10", "007" = "7"), any other run by UTF-16 code units (a shorter run that is
 * a prefix of the other first); ids equal that way ("07" and "7") fall back to plain code-unit
 * order, which makes the order total.
 *
 * Hand-written rather than `Intl.Collator({ numeric: true })`: the collator depends on the
 * locale and ICU build and calls "07" and "7" equal, and outputs must not vary by machine. It
 * compares in place, without slicing, since sorting thousands of communities calls it a lot.
 */
export function compareDeviceIds(a: DeviceId, b: DeviceId): number {
  if (a === b) return 0;
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const endA = runEnd(a, i);
    const endB = runEnd(b, j);
    const order =
      isDigit(a.charCodeAt(i)) && isDigit(b.charCodeAt(j))
        ? compareDigitRuns(a, i, endA, b, j, endB)
        : compareRuns(a, i, endA, b, j, endB);
    if (order !== 0) return order;
    i = endA;
    j = endB;
  }
  if (i < a.length || j < b.length) return i < a.length ? 1 : -1;
  return a < b ? -1 : 1;
}

/** Orders two member lists that are each sorted by `compareDeviceIds`: size descending, then member by member. */
export function compareCommunities(a: readonly DeviceId[], b: readonly DeviceId[]): number {
  if (a.length !== b.length) return b.length - a.length;
  for (let i = 0; i < a.length; i++) {
    const order = compareDeviceIds(a[i], b[i]);
    if (order !== 0) return order;
  }
  return 0;
}

/**
 * Canonical form of a set of communities: each community's members deduplicated and sorted by
 * `compareDeviceIds`; communities sorted by size descending, then by first member (then by the
 * next members, so that the order is total).
 */
export function canonicalCommunities(communities: Iterable<Iterable<DeviceId>>): DeviceId[][] {
  const result: DeviceId[][] = [];
  for (const community of communities) {
    result.push([...new Set(community)].sort(compareDeviceIds));
  }
  return result.sort(compareCommunities);
}

/**
 * Distinct ids (e.g. the nodes of a graph) ranked once by `compareDeviceIds`, so that many
 * communities of them can be put in canonical order by comparing integers instead of strings.
 */
export interface DeviceRanking {
  readonly ids: readonly DeviceId[];
  /** Indices into `ids`, in `compareDeviceIds` order. */
  readonly sorted: Int32Array;
  /** Position of `ids[i]` in that order. */
  readonly rank: Int32Array;
}

export function rankDeviceIds(ids: readonly DeviceId[]): DeviceRanking {
  const order = Array.from(ids.keys()).sort((x, y) => compareDeviceIds(ids[x], ids[y]));
  const sorted = Int32Array.from(order);
  const rank = new Int32Array(ids.length);
  for (let position = 0; position < sorted.length; position++) rank[sorted[position]] = position;
  return { ids, sorted, rank };
}

/**
 * `canonicalCommunities` for communities given as indices into `ranking.ids`: the same result,
 * computed on ranks (this is what sorts hundreds of thousands of cliques in reasonable time).
 */
export function canonicalIndexedCommunities(
  ranking: DeviceRanking,
  communities: Iterable<ArrayLike<number>>,
): DeviceId[][] {
  const { ids, sorted, rank } = ranking;
  const ranked: Int32Array[] = [];
  for (const community of communities) {
    const ranks = new Int32Array(community.length);
    for (let i = 0; i < ranks.length; i++) ranks[i] = rank[community[i]];
    ranks.sort();
    let unique = 0;
    for (let i = 0; i < ranks.length; i++) if (i === 0 || ranks[i] !== ranks[i - 1]) ranks[unique++] = ranks[i];
    ranked.push(ranks.subarray(0, unique));
  }
  ranked.sort((a, b) => {
    if (a.length !== b.length) return b.length - a.length;
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] - b[i];
    return 0;
  });
  return ranked.map((ranks) => {
    const members = new Array<DeviceId>(ranks.length);
    for (let i = 0; i < ranks.length; i++) members[i] = ids[sorted[ranks[i]]];
    return members;
  });
}

/** The ids `ranking.ids[i]` for which `keep(i)` holds, in `compareDeviceIds` order. */
export function selectDeviceIds(ranking: DeviceRanking, keep: (index: number) => boolean): DeviceId[] {
  const selected: DeviceId[] = [];
  for (const index of ranking.sorted) if (keep(index)) selected.push(ranking.ids[index]);
  return selected;
}
