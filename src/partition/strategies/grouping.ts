import type { DeviceId } from "../../traffic/types";

/** A named way of dividing the devices into chains (groups may overlap). */
export interface Grouping {
  /** One of DESIGN.md's strategy names: ungrouped, random-<g>-<draw>, edge-strength, louvain, community, optimized. */
  name: string;
  /** The chains, in canonical order (`canonicalCommunities`). */
  groups: DeviceId[][];
}
