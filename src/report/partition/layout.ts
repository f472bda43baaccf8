/** Where the trust-graph chart draws each device: clustered by community, bridges between, the uncovered outside. */
import type { ChosenPartition } from "../../partition/document";
import { compareDeviceIds } from "../../partition/order";
import type { DeviceId } from "../../traffic/types";

/** A device's place in the trust-graph chart and the community it is drawn with. */
export interface PlacedDevice {
  id: DeviceId;
  x: number;
  y: number;
  /** 1-based index of its first chosen community; 0 when uncovered. */
  community: number;
  /** 1-based indexes of every community holding it (two or more for a bridge). */
  communities: number[];
}

// Layout in unit coordinates: community centres on a circle of radius 1, members on a small
// circle around their centre, bridges between the centres of their communities, uncovered
// devices on an outer ring. Hand-written rather than a force layout (graphology-layout-forceatlas2
// is not a dependency, and a force layout would move with every run): the same partition always
// gives the same picture, and each community reads as a cluster as in the paper's Figure 2.
const CENTRE_RADIUS = 1;
const MEMBER_RADIUS = 0.38;
const OUTER_RADIUS = 1.75;
const BRIDGE_SPREAD = 0.12;

function onCircle(
  radius: number,
  index: number,
  count: number,
  cx = 0,
  cy = 0,
  phase = -Math.PI / 2,
): [number, number] {
  const angle = phase + (2 * Math.PI * index) / Math.max(count, 1);
  return [cx + radius * Math.cos(angle), cy + radius * Math.sin(angle)];
}

/** A deterministic position for every device of `devices` from the chosen communities. */
export function layoutTrustGraph(
  devices: readonly DeviceId[],
  chosen: Pick<ChosenPartition, "communities">,
): PlacedDevice[] {
  const communities = chosen.communities;
  const m = communities.length;
  const centres = communities.map((_, i) => (m === 1 ? ([0, 0] as [number, number]) : onCircle(CENTRE_RADIUS, i, m)));
  // Keep neighbouring clusters apart when there are many communities on the circle.
  const memberRadius = m <= 1 ? MEMBER_RADIUS * 2 : Math.min(MEMBER_RADIUS, 0.9 * Math.sin(Math.PI / m));

  const held = new Map<DeviceId, number[]>();
  communities.forEach((community, i) => {
    for (const d of community) held.set(d, [...(held.get(d) ?? []), i + 1]);
  });

  const placed = new Map<DeviceId, PlacedDevice>();
  communities.forEach((community, i) => {
    const own = community.filter((d) => held.get(d)!.length === 1);
    own.forEach((d, j) => {
      const [x, y] = onCircle(memberRadius, j, own.length, centres[i][0], centres[i][1], -Math.PI / 2 + i);
      placed.set(d, { id: d, x, y, community: i + 1, communities: [i + 1] });
    });
  });

  // Bridges of the same communities are spread along the line between their centres.
  const bridgesBySet = new Map<string, DeviceId[]>();
  for (const [d, list] of held) {
    if (list.length < 2) continue;
    const key = list.join(",");
    bridgesBySet.set(key, [...(bridgesBySet.get(key) ?? []), d]);
  }
  for (const [key, bridges] of bridgesBySet) {
    const list = key.split(",").map(Number);
    const cx = list.reduce((sum, c) => sum + centres[c - 1][0], 0) / list.length;
    const cy = list.reduce((sum, c) => sum + centres[c - 1][1], 0) / list.length;
    bridges.sort(compareDeviceIds).forEach((d, j) => {
      const offset = (j - (bridges.length - 1) / 2) * BRIDGE_SPREAD;
      placed.set(d, { id: d, x: cx + offset, y: cy + offset, community: list[0], communities: list });
    });
  }

  const uncovered = devices.filter((d) => !held.has(d)).sort(compareDeviceIds);
  uncovered.forEach((d, j) => {
    const [x, y] = onCircle(OUTER_RADIUS, j, uncovered.length);
    placed.set(d, { id: d, x, y, community: 0, communities: [] });
  });

  return [...devices].sort(compareDeviceIds).map((d) => placed.get(d)!);
}
