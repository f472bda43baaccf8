import type Graph from "graphology-types";
import type { DeviceId } from "../../traffic/types";
import { canonicalCommunities } from "../order";
import type { Grouping } from "./grouping";

/**
 * The paper's "grouping by edge strength": the connected components of the thresholded graph
 * (only edges of strength ≥ T), so a device whose every edge is below T is a group of its own.
 * Hand-written breadth-first search: graphology-components is not a dependency of the project.
 */
export function edgeStrengthGrouping(thresholded: Graph): Grouping {
  const seen = new Set<DeviceId>();
  const groups: DeviceId[][] = [];
  thresholded.forEachNode((start) => {
    if (seen.has(start)) return;
    seen.add(start);
    const component = [start];
    for (let i = 0; i < component.length; i += 1) {
      thresholded.forEachNeighbor(component[i], (neighbor) => {
        if (seen.has(neighbor)) return;
        seen.add(neighbor);
        component.push(neighbor);
      });
    }
    groups.push(component);
  });
  return { name: "edge-strength", groups: canonicalCommunities(groups) };
}
