import type { DeviceId } from "../../trust/types";
import { PartitionError } from "../errors";
import { canonicalCommunities, compareDeviceIds } from "../order";
import type { Grouping } from "./grouping";
import { deriveSeed, seededRandom } from "./rng";

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
 * (Fisher–Yates, seeded from `seed` and the strategy name) and dealt into `groupCount` groups
 * whose sizes differ by at most one.
 */
export function randomGrouping(devices: readonly DeviceId[], groupCount: number, draw: number, seed: number): Grouping {
  if (!Number.isInteger(groupCount) || groupCount < 1 || groupCount > devices.length) throw new GroupCountError(groupCount, devices.length);
  const name = randomStrategyName(groupCount, draw);
  const random = seededRandom(deriveSeed(seed, name));
  // Shuffle a canonically sorted copy so that the result does not depend on the caller's order.
  const order = [...devices].sort(compareDeviceIds);
  for (let i = order.length - 1; i > 0; i -= 1) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  const groups: DeviceId[][] = Array.from({ length: groupCount }, () => []);
  order.forEach((device, i) => groups[i % groupCount].push(device));
  return { name, groups: canonicalCommunities(groups) };
}

/** Every random grouping of Table I: for each group count, `draws` seeded draws. */
export function randomGroupings(devices: readonly DeviceId[], groupCounts: readonly number[], draws: number, seed: number): Grouping[] {
  return groupCounts.flatMap((g) => Array.from({ length: draws }, (_, i) => randomGrouping(devices, g, i + 1, seed)));
}
