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

function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Compares two runs of digits by the number they spell, of any length (no overflow). */
function compareDigitRuns(a: string, b: string): number {
  let i = 0;
  while (i < a.length - 1 && a.charCodeAt(i) === DIGIT_0) i++;
  let j = 0;
  while (j < b.length - 1 && b.charCodeAt(j) === DIGIT_0) j++;
  const lengthA = a.length - i;
  const lengthB = b.length - j;
  if (lengthA !== lengthB) return lengthA < lengthB ? -1 : 1;
  return compareCodeUnits(a.slice(i), b.slice(j));
}

/**
 * Numeric-aware order of device ids: ids are compared run by run, a run of digits by the number
 * it spells ("2" < "10", "007" = "7"), any other run by UTF-16 code units; ids equal that way
 * ("07" and "7") fall back to plain code-unit order, which makes the order total.
 *
 * Hand-written rather than `Intl.Collator({ numeric: true })`: the collator depends on the
 * locale and ICU build and calls "07" and "7" equal, and outputs must not vary by machine.
 */
export function compareDeviceIds(a: DeviceId, b: DeviceId): number {
  if (a === b) return 0;
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const endA = runEnd(a, i);
    const endB = runEnd(b, j);
    const runA = a.slice(i, endA);
    const runB = b.slice(j, endB);
    const order =
      isDigit(a.charCodeAt(i)) && isDigit(b.charCodeAt(j))
        ? compareDigitRuns(runA, runB)
        : compareCodeUnits(runA, runB);
    if (order !== 0) return order;
    i = endA;
    j = endB;
  }
  if (i < a.length || j < b.length) return i < a.length ? 1 : -1;
  return compareCodeUnits(a, b);
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
