import type Graph from "graphology-types";
import louvain from "graphology-communities-louvain";
import { createRandom } from "../../util/random";
import type { DeviceId } from "../../traffic/types";
import { canonicalCommunities } from "../order";
import type { Grouping } from "./grouping";

/** PRNG stream of Louvain (random groupings use streams from 1000 up). */
const LOUVAIN_STREAM = 0;

/**
 * Louvain modularity communities (graphology-communities-louvain) of the weighted trust graph, a
 * non-overlapping baseline beside clique percolation. The library's randomness (node visiting
 * order) comes from a generator seeded from `seed`, so the same seed gives the same groups.
 */
export function louvainGrouping(graph: Graph, seed: number, weightAttribute = "weight"): Grouping {
  if (graph.order === 0) return { name: "louvain", groups: [] };
  const membership = louvain(graph, { getEdgeWeight: weightAttribute, rng: createRandom(seed, LOUVAIN_STREAM).next });
  const byCommunity = new Map<number, DeviceId[]>();
  for (const [device, community] of Object.entries(membership)) {
    const members = byCommunity.get(community);
    if (members === undefined) byCommunity.set(community, [device]);
    else members.push(device);
  }
  return { name: "louvain", groups: canonicalCommunities(byCommunity.values()) };
}
