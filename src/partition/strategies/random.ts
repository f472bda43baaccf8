import type { DeviceId } from "../../traffic/types";
import { PartitionError } from "../errors";
import { canonicalCommunities, compareDeviceIds } from "../order";
import type { Grouping } from "./grouping";
import { createRandom } from "../../util/random";

/** Room for this many draws per group count in the PRNG stream numbers (Louvain uses stream 0). */
const DRAWS_PER_GROUP_COUNT = 1000;

/** A random grouping was asked for more groups than there are devices, or fewer than one. */
export class GroupCountError extends PartitionError {
  constructor(
    readonly groupCount: number,
    readonly devices: number,
  ) {
    super(`random grouping: cannot divide ${devices} devices into ${groupCount} groups (need 1 ≤ groups ≤ devices)`);
  }
}

/** The strategy name of draw `draw` (1-based) of a random grouping into `groupCount` groups. */
export function randomStrategyName(groupCount: number, draw: number): string {
  return `random-${groupCount}-${draw}`;
}

/**
 * A balanced random partition (the paper's "random grouping", Table I): the devices shuffled
 * (Fisher–Yates on the project's seeded PRNG) and dealt into `groupCount` groups
 * whose sizes differ by at most one.
 */
export function randomGrouping(devices: readonly DeviceId[], groupCount: number, draw: number, seed: number): Grouping {
  if (!Number.isInteger(groupCount) || groupCount < 1 || groupCount > devices.length)
    throw new GroupCountError(groupCount, devices.length);
  // One PRNG stream per (group count, draw), so every draw is independent yet follows from the
  // seed; the shuffled list is canonically sorted first so the caller's order does not matter.
  const order = createRandom(seed, groupCount * DRAWS_PER_GROUP_COUNT + draw).shuffle(
    [...devices].sort(compareDeviceIds),
  );
  const groups: DeviceId[][] = Array.from({ length: groupCount }, () => []);
  order.forEach((device, i) => groups[i % groupCount].push(device));
  return { name: randomStrategyName(groupCount, draw), groups: canonicalCommunities(groups) };
}

/** Every random grouping of Table I: for each group count, `draws` seeded draws. */
export function randomGroupings(
  devices: readonly DeviceId[],
  groupCounts: readonly number[],
  draws: number,
  seed: number,
): Grouping[] {
  return groupCounts.flatMap((g) => Array.from({ length: draws }, (_, i) => randomGrouping(devices, g, i + 1, seed)));
}
