// Acceptance of the default workload (the brief's crucial criteria), checked independently of
// the partition engine: networkx's k_clique_communities on the auto-thresholded graph, and
// formula 1 of the dividing paper (DESIGN.md's storage model) written out here in a few lines.
import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { applyThreshold, autoThreshold } from "../../../src/partition/threshold";
import { writeTrafficLog } from "../../../src/traffic/generate";
import { readTrafficLog } from "../../../src/traffic/log";
import { createRandom } from "../../../src/util/random";
import type { TrustGraph } from "../../../src/traffic/types";

// Reads {"nodes": [...], "edges": [[u, v], ...]} on stdin; prints, per k from 3 up to the first
// k with no community, the communities networkx finds.
const K_CLIQUE_LEVELS = `
import json, sys
import networkx as nx
from networkx.algorithms.community import k_clique_communities
data = json.load(sys.stdin)
g = nx.Graph()
g.add_nodes_from(data["nodes"])
g.add_edges_from(data["edges"])
levels, k = [], 3
while True:
    communities = sorted(sorted(c) for c in k_clique_communities(g, k))
    levels.append({"k": k, "communities": communities})
    if not communities:
        break
    k += 1
print(json.dumps(levels))
`;

interface Level {
  k: number;
  communities: string[][];
}

function kCliqueLevels(graph: TrustGraph): Level[] {
  const input = JSON.stringify({ nodes: graph.nodes(), edges: graph.mapEdges((_e, _a, u, v) => [u, v]) });
  const run = spawnSync("python3", ["-c", K_CLIQUE_LEVELS], { input, encoding: "utf8" });
  if (run.status !== 0) throw new Error(`python3/networkx failed: ${run.stderr}`);
  return JSON.parse(run.stdout) as Level[];
}

/** Formula 1 as DESIGN.md states it: count and cross of a set of chains over the pair counts. */
function storage(graph: TrustGraph, chains: string[][]): { count: number; cross: number } {
  const chainsOf = new Map<string, number[]>(graph.mapNodes((device) => [device, []]));
  chains.forEach((members, chain) => members.forEach((device) => chainsOf.get(device)?.push(chain)));
  const size = (chain: number): number => chains[chain].length;
  let count = 0;
  let cross = 0;
  graph.forEachEdge((_edge, { count: records }, a, b) => {
    const ofA = chainsOf.get(a) as number[];
    const ofB = chainsOf.get(b) as number[];
    const shared = ofA.filter((chain) => ofB.includes(chain)).map(size);
    if (shared.length > 0) {
      count += records * Math.min(...shared);
    } else {
      // a device in no chain is a chain of its own, of size 1
      const cost =
        (ofA.length > 0 ? Math.min(...ofA.map(size)) : 1) + (ofB.length > 0 ? Math.min(...ofB.map(size)) : 1);
      count += records * cost;
      cross += records * cost;
    }
  });
  return { count, cross };
}

/** A balanced random grouping into `groups` chains. */
function randomGrouping(devices: string[], groups: number, seed: number): string[][] {
  const shuffled = createRandom(seed).shuffle([...devices]);
  return Array.from({ length: groups }, (_, g) => shuffled.filter((_d, i) => i % groups === g));
}

describe("traffic/generate: the default workload meets the partition acceptance criteria", () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "commchain-workload-"));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("covers every device by k-clique communities; their storage ratio ≤ 0.25 and cross below random groupings", async () => {
    const file = path.join(dir, "traffic.csv");
    await writeTrafficLog(file);
    const { graph, summary } = await readTrafficLog(file);
    const devices = graph.nodes();
    const thresholded = applyThreshold(graph, autoThreshold(graph));
    const levels = kCliqueLevels(thresholded);

    const covering = levels.filter((level) => new Set(level.communities.flat()).size === devices.length);
    expect(covering.length).to.be.greaterThan(0);
    const chosen = covering[covering.length - 1];
    expect(chosen.k).to.be.at.least(3);
    expect(chosen.communities).to.have.length(5);
    const memberships = chosen.communities.flat();
    expect(memberships.length - new Set(memberships).size).to.equal(2); // two bridge devices

    const community = storage(graph, chosen.communities);
    expect(storage(graph, [devices]).count).to.equal(48_667 * 44);
    expect(community.count / (summary.records * devices.length)).to.be.at.most(0.25);
    for (const groups of [3, 4, 5]) {
      for (const draw of [1, 2]) {
        const random = storage(graph, randomGrouping(devices, groups, groups * 10 + draw));
        expect(community.cross, `random-${groups}-${draw}`).to.be.below(random.cross);
      }
    }
  });
});
