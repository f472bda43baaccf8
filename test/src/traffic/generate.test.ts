import { expect } from "chai";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { applyThreshold, autoThreshold } from "../../../src/partition/threshold";
import { TrafficOptionsError } from "../../../src/traffic/errors";
import {
  deviceIds,
  generateTraffic,
  planTraffic,
  resolveTrafficOptions,
  TRAFFIC_LOG_HEADER,
  writeTrafficLog,
  type TrafficOptions,
} from "../../../src/traffic/generate";
import { pairKey } from "../../../src/traffic/graph";
import { readTrafficLog } from "../../../src/traffic/log";
import type { TrustGraph } from "../../../src/traffic/types";

const SMALL: TrafficOptions = { devices: 30, records: 3000, seed: 7 };
const HOUR = 3_600_000;

let dir: string;

/** Connected components as sorted member lists (a few lines; no components package is installed). */
function components(graph: TrustGraph): string[][] {
  const seen = new Set<string>();
  const result: string[][] = [];
  graph.forEachNode((startNode) => {
    if (seen.has(startNode)) return;
    const members: string[] = [];
    const queue = [startNode];
    seen.add(startNode);
    while (queue.length > 0) {
      const node = queue.pop() as string;
      members.push(node);
      graph.forEachNeighbor(node, (neighbor) => {
        if (!seen.has(neighbor)) {
          seen.add(neighbor);
          queue.push(neighbor);
        }
      });
    }
    result.push(members.sort());
  });
  return result;
}

describe("traffic/generate", () => {
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "commchain-gen-"));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  describe("options", () => {
    it("fills the paper's defaults", () => {
      expect(resolveTrafficOptions()).to.deep.equal({
        devices: 44,
        records: 48_667,
        groups: 5,
        overlap: 2,
        background: 4,
        spanHours: 10,
        start: Date.UTC(2024, 0, 1),
        seed: 1,
      });
      // cells of about 9 devices and bridges for 40% of the cells at any size
      expect(resolveTrafficOptions({ devices: 10_000 })).to.include({ groups: 1111, overlap: 444 });
      expect(resolveTrafficOptions({ devices: 3 })).to.include({ groups: 1, overlap: 0 });
    });

    it("names the option that cannot work", () => {
      const cases: [TrafficOptions, string][] = [
        [{ devices: 2 }, "option devices: must be an integer ≥ 3, got 2"],
        [{ devices: 44.5 }, "option devices: must be an integer ≥ 3, got 44.5"],
        [{ devices: 10, groups: 4 }, "option groups: 4 cells of at least 3 devices need 12 devices, there are 10"],
        [{ devices: 10, groups: 1, overlap: 1 }, "option overlap: bridges need at least 2 cells, there is 1"],
        [
          { devices: 12, groups: 3, overlap: 6 },
          "option overlap: 6 bridges are too many for 12 devices in 3 cells (at most 5)",
        ],
        [{ records: 0 }, "option records: must be an integer ≥ 1, got 0"],
        [{ background: -1 }, "option background: must be a number ≥ 0 of light partners per device, got -1"],
        [{ spanHours: 0 }, "option spanHours: must be a positive number of hours, got 0"],
        [{ start: -5 }, "option start: must be an integer ≥ 0, got -5"],
        [{ seed: 0.5 }, "option seed: must be an integer, got 0.5"],
      ];
      for (const [options, message] of cases) {
        expect(() => planTraffic(options), message).to.throw(TrafficOptionsError, message);
      }
      // 44 devices in 5 cells have 192 cell pairs (2 records each at least) and 88 light pairs.
      expect(() => planTraffic({ records: 400 })).to.throw(
        TrafficOptionsError,
        "option records: 400 records are too few for 44 devices in 5 cells: the planted structure needs at least 472",
      );
      expect(planTraffic({ records: 472 }).heartbeat).to.equal(2);
    });
  });

  describe("the log", () => {
    it("is byte-identical for the same seed and differs for another", async () => {
      const a = path.join(dir, "a.csv");
      const b = path.join(dir, "b.csv");
      const c = path.join(dir, "c.csv");
      await writeTrafficLog(a, SMALL);
      await writeTrafficLog(b, SMALL);
      await writeTrafficLog(c, { ...SMALL, seed: 8 });
      const [textA, textB, textC] = await Promise.all([a, b, c].map((file) => readFile(file, "utf8")));
      expect(textA).to.equal(textB);
      expect(textA).not.to.equal(textC);
      expect(textA.length).to.be.greaterThan(50_000);
    });

    it("has exactly the requested records, formatted ids, every device, sorted timestamps spanning the span", async () => {
      const file = path.join(dir, "exact.csv");
      const plan = await writeTrafficLog(file, { devices: 120, records: 12_345, seed: 3, spanHours: 6, start: 1_000 });
      const lines = (await readFile(file, "utf8")).split("\n");
      expect(lines[0]).to.equal(TRAFFIC_LOG_HEADER);
      expect(lines[lines.length - 1]).to.equal(""); // trailing newline
      const rows = lines.slice(1, -1).map((line) => line.split(","));
      expect(rows).to.have.length(12_345);
      // plain checks per row and one assertion each: chai per row would be slow on 12,345 rows
      const seen = new Set<string>();
      const badIds: string[] = [];
      const unsorted: number[] = [];
      const selfRows: number[] = [];
      let previous = -Infinity;
      rows.forEach(([timestamp, from, to, bytes], row) => {
        if (!/^\d{3}$/.test(from) || !/^\d{3}$/.test(to)) badIds.push(`${from},${to}`);
        if (from === to || !(Number(bytes) >= 64)) selfRows.push(row);
        if (Number(timestamp) < previous) unsorted.push(row);
        previous = Number(timestamp);
        seen.add(from).add(to);
      });
      expect(badIds).to.deep.equal([]);
      expect(selfRows).to.deep.equal([]);
      expect(unsorted).to.deep.equal([]);
      expect([...seen].sort()).to.deep.equal(deviceIds(120));
      expect(deviceIds(120).slice(0, 2)).to.deep.equal(["001", "002"]);
      expect(Number(rows[0][0])).to.equal(1_000);
      expect(Number(rows[rows.length - 1][0])).to.equal(1_000 + 6 * HOUR);
      expect(plan.pairs.reduce((sum, pair) => sum + pair.count, 0)).to.equal(12_345);
    });

    it("yields from generateTraffic the rows it writes, with their lines", async () => {
      const file = path.join(dir, "rows.csv");
      await writeTrafficLog(file, SMALL);
      const lines = (await readFile(file, "utf8")).split("\n");
      let count = 0;
      const differing: number[] = [];
      for (const record of generateTraffic(SMALL)) {
        count += 1;
        if (`${record.timestamp},${record.from},${record.to},${record.bytes}` !== lines[record.line - 1])
          differing.push(record.line);
      }
      expect(count).to.equal(3000);
      expect(differing).to.deep.equal([]);
    });

    it("reads back into exactly the planned pair counts", async () => {
      const file = path.join(dir, "pairs.csv");
      const plan = await writeTrafficLog(file, SMALL);
      const { graph, summary } = await readTrafficLog(file);
      expect(summary).to.include({ records: 3000, devices: 30, spanHours: 10 });
      const planned = new Map(plan.pairs.map((pair) => [pairKey(pair.a, pair.b), pair.count]));
      const read = new Map(graph.mapEdges((_edge, { count }, a, b) => [pairKey(a, b), count] as const));
      expect(read).to.deep.equal(planned);
    });

    it("writes atomically: creates the directory, leaves no temporary file, nothing on bad options", async () => {
      const nested = path.join(dir, "nested", "deeper");
      const file = path.join(nested, "traffic.csv");
      let progress: [number, number] = [0, 0];
      await writeTrafficLog(file, {
        ...SMALL,
        records: 25_000,
        onProgress: (written, total) => (progress = [written, total]),
      });
      expect(progress).to.deep.equal([25_000, 25_000]);
      expect(await readdir(nested)).to.deep.equal(["traffic.csv"]);
      const before = await readFile(file, "utf8");
      let error: unknown;
      try {
        await writeTrafficLog(file, { ...SMALL, records: 10 });
      } catch (caught) {
        error = caught;
      }
      expect(error).to.be.instanceOf(TrafficOptionsError);
      expect(await readdir(nested)).to.deep.equal(["traffic.csv"]);
      expect(await readFile(file, "utf8")).to.equal(before);
    });
  });

  describe("the default workload", () => {
    // The paper's experiment: 44 devices, 48,667 records; 5 cells, 2 bridge devices.
    let file: string;
    before(async () => {
      file = path.join(dir, "default.csv");
    });

    it("plants 5 cells with 2 bridges chaining three of them, quiet devices, hubs and loners", () => {
      const plan = planTraffic();
      expect(plan.groups).to.have.length(5);
      expect(plan.bridges).to.have.length(2);
      for (const members of plan.groups) expect(members.length).to.be.within(5, 13);
      const memberships = new Map<string, number>();
      for (const members of plan.groups)
        for (const device of members) memberships.set(device, (memberships.get(device) ?? 0) + 1);
      expect(memberships.size).to.equal(44);
      expect(
        [...memberships]
          .filter(([, cells]) => cells === 2)
          .map(([device]) => device)
          .sort(),
      ).to.deep.equal(plan.bridges);
      expect(plan.quiet.length).to.be.greaterThan(0);
      expect(plan.hubs.length).to.be.greaterThan(0);
      expect(plan.loners.length).to.be.greaterThan(0);
      const light = plan.pairs.filter((pair) => pair.kind === "light");
      expect(light.length).to.equal(88); // 44 devices × 4 partners / 2
      expect(Math.max(...light.map((pair) => pair.count))).to.be.below(plan.heartbeat);
      expect(Math.min(...plan.pairs.filter((pair) => pair.kind === "cell").map((pair) => pair.count))).to.equal(
        plan.heartbeat,
      );
    });

    it("thresholds, once read back, into exactly the planted cells: complete cliques, 3 components", async () => {
      const plan = await writeTrafficLog(file);
      const { graph, summary } = await readTrafficLog(file);
      expect(summary).to.include({ records: 48_667, devices: 44, spanHours: 10 });
      const threshold = autoThreshold(graph);
      expect(threshold).to.equal(plan.heartbeat / 10);
      const kept = applyThreshold(graph, threshold);
      // every cell is a complete clique above the threshold …
      let cellEdges = 0;
      const cellPairs = new Set<string>();
      for (const members of plan.groups) {
        for (let i = 0; i < members.length; i += 1) {
          for (let j = i + 1; j < members.length; j += 1) {
            expect(kept.hasEdge(members[i], members[j]), `${members[i]}–${members[j]}`).to.equal(true);
            if (!cellPairs.has(pairKey(members[i], members[j]))) cellEdges += 1;
            cellPairs.add(pairKey(members[i], members[j]));
          }
        }
      }
      // … and nothing else is: light traffic falls under it
      expect(kept.size).to.equal(cellEdges);
      // the bridges chain three cells into one component, the two others stand alone
      const parts = components(kept)
        .map((members) => members.length)
        .sort((x, y) => x - y);
      expect(parts).to.have.length(3);
      const chained = plan.groups.filter((members) => members.some((d) => plan.bridges.includes(d)));
      expect(chained).to.have.length(3);
      expect(parts[2]).to.equal(new Set(chained.flat()).size);
    });
  });
});
