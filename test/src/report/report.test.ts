import { expect } from "chai";
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { PartitionDocument } from "../../../src/partition/document";
import { formatInteger, markdownTable } from "../../../src/report/kit/markdown";
import { renderSvg } from "../../../src/report/kit/vega";
import { MAX_CHARTED_DEVICES, storageSpec, trustGraphSpec } from "../../../src/report/partition/charts";
import { layoutTrustGraph } from "../../../src/report/partition/layout";
import { writePartitionOutputs } from "../../../src/report/partition/outputs";
import { renderReport } from "../../../src/report/partition/report";

// Nine devices: communities A = {1,2,3,4} and B = {4,5,6,7}, device 4 bridges them, devices 8
// and 9 are uncovered.
function sampleDocument(): PartitionDocument {
  const ids = ["1", "2", "3", "4", "5", "6", "7", "8", "9"];
  const strategy = (
    name: string,
    groups: string[][],
    count: number,
    cross: number,
    chains: number,
    interChainNodes = 0,
  ) => ({
    name,
    groups,
    count,
    cross,
    storageRatio: count / 900,
    crossShare: count === 0 ? 0 : cross / count,
    chains,
    interChainNodes,
  });
  return {
    version: 1,
    log: { file: "plant.csv", records: 100, devices: 9, spanHours: 4 },
    threshold: { value: 2, unit: "records/hour", auto: true },
    graph: {
      nodes: ids,
      edges: [
        ["1", "2", 3, 12],
        ["1", "8", 0.5, 2],
        ["4", "5", 2, 8],
        ["7", "9", 1, 4],
      ],
    },
    byK: [
      {
        k: 3,
        communities: [
          ["1", "2", "3", "4"],
          ["4", "5", "6", "7"],
        ],
        uncovered: ["8", "9"],
        overlapping: ["4"],
      },
      {
        k: 4,
        communities: [
          ["1", "2", "3", "4"],
          ["4", "5", "6", "7"],
        ],
        uncovered: ["8", "9"],
        overlapping: ["4"],
      },
      { k: 5, communities: [], uncovered: ids, overlapping: [] },
    ],
    chosen: {
      k: 4,
      communities: [
        ["1", "2", "3", "4"],
        ["4", "5", "6", "7"],
      ],
      interChainNodes: ["4"],
      uncovered: ["8", "9"],
      forced: false,
    },
    strategies: [
      strategy("ungrouped", [ids], 900, 0, 1),
      strategy("random-3-1", [], 500, 400, 3),
      strategy("random-3-2", [], 300, 100, 3),
      strategy("louvain", [], 250, 30, 2),
      strategy("community", [], 240, 20, 4, 1),
      strategy("optimized", [], 230, 25, 2, 1),
    ],
    optimization: {
      start: "community",
      startCount: 240,
      repairedCount: 260,
      minChainSize: 4,
      rounds: 2,
      moves: { repaired: 2, moved: 1 },
    },
  };
}

describe("report", () => {
  describe("markdown", () => {
    it("aligns columns and escapes pipes", () => {
      expect(markdownTable(["a", "b"], [["x|y", "2"]], ["left", "right"])).to.equal(
        "| a | b |\n| --- | ---: |\n| x\\|y | 2 |",
      );
      expect(formatInteger(2141348)).to.equal("2,141,348");
    });
  });

  describe("report.md", () => {
    const report = renderReport(sampleDocument());

    it("puts the paper's Table I figures beside ours", () => {
      expect(report).to.include("| ungrouped | 1 | 0 | 900 | 0 | 1.000 | 0.0% | Ungrouped | Null | 2,141,348 | 0 |");
      expect(report).to.include(
        "| community | 4 | 1 | 240 | 20 | 0.267 | 8.3% | By community structure (5 groups) | 2 | 509,960 | 84,444 |",
      );
      expect(report).to.include("| louvain | 2 | 0 | 250 | 30 | 0.278 | 12.0% | — (not in the paper) |  |  |  |");
    });

    it("gives Table II per method family, random as the mean of its draws", () => {
      // random: (500 + 300) / 2 / 900 = 0.444; mean cross share (0.8 + 0.333) / 2 = 56.7%
      expect(report).to.include(
        "| Random dividing chain | 0.33 | random (mean) | 0.444 | Fast / Concurrent | Fast, but 56.7% of storage is cross-chain look-ups | Concurrent (3 chains) |",
      );
      expect(report).to.include(
        "| Non-dividing chain | 1 | ungrouped | 1.000 | Slow / Sequential processing | Slow (every device stores every record) | Sequential processing |",
      );
      expect(report).to.include(
        "| Dividing on community structure | 0.23 | community | 0.267 | Fast / Good concurrent | Fast (8.3% of storage cross-chain) | Good concurrent (4 chains) |",
      );
    });

    it("lists byK, the chosen partition, its bridges, the uncovered devices and the threshold", () => {
      expect(report).to.include("| 4 | 2 | 7 | 2 | 1 | **chosen** |");
      expect(report).to.include("| 5 | 0 | 0 | 9 | 0 |  |");
      expect(report).to.include("| community-2 | 4 | 4, 5, 6, 7 |");
      expect(report).to.include("Inter-chain devices (in two or more communities): 4 (communities 1, 2).");
      expect(report).to.include("Uncovered devices (each a chain of its own): 8, 9.");
      expect(report).to.include("T = 2 records/hour (automatic");
      expect(report).to.include("2 of 4 device pairs communicate at or above it");
      expect(report).to.include("That is 10 record copies (4.2%) below the community partition.");
    });
  });

  describe("layout", () => {
    const doc = sampleDocument();
    const placed = layoutTrustGraph(doc.graph.nodes, doc.chosen);

    it("places every device once, deterministically", () => {
      expect(placed.map((p) => p.id)).to.deep.equal(doc.graph.nodes);
      expect(layoutTrustGraph([...doc.graph.nodes].reverse(), doc.chosen)).to.deep.equal(placed);
    });

    it("puts a bridge between its communities and uncovered devices on the outer ring", () => {
      const bridge = placed.find((p) => p.id === "4")!;
      expect(bridge.communities).to.deep.equal([1, 2]);
      // centres: community 1 at the top (0, -1), community 2 at the bottom (0, 1): midpoint (0, 0)
      expect(bridge.x).to.be.closeTo(0, 1e-9);
      expect(bridge.y).to.be.closeTo(0, 1e-9);
      for (const id of ["8", "9"]) {
        const p = placed.find((q) => q.id === id)!;
        expect(p.community).to.equal(0);
        expect(Math.hypot(p.x, p.y)).to.be.closeTo(1.75, 1e-9);
      }
    });
  });

  describe("charts", () => {
    it("draws edges at or above the threshold solid and below it dashed", () => {
      const spec = trustGraphSpec(sampleDocument()) as unknown as {
        layer: { data: { values: { strength?: string; id?: string }[] } }[];
      };
      expect(spec.layer[0].data.values.map((e) => e.strength)).to.have.members([
        "≥ threshold",
        "≥ threshold",
        "< threshold",
        "< threshold",
      ]);
      expect(spec.layer[1].data.values.map((n) => n.id)).to.deep.equal(sampleDocument().graph.nodes);
    });

    it("summarises communities instead of devices on large graphs", () => {
      const doc = sampleDocument();
      doc.graph.nodes = Array.from({ length: MAX_CHARTED_DEVICES + 1 }, (_, i) => String(i + 1));
      const spec = trustGraphSpec(doc) as unknown as { title: { text: string } };
      expect(spec.title.text).to.equal("Trust graph summary: the 2 largest of 2 communities");
    });

    it("renders specs to SVG headless", async () => {
      const svg = await renderSvg(storageSpec(sampleDocument()));
      expect(svg).to.match(/^<svg /);
      for (const name of ["ungrouped", "community", "optimized"])
        expect(svg).to.match(new RegExp(`<text[^>]*>${name}</text>`));
    });
  });

  describe("outputs", () => {
    let dir: string;
    beforeEach(() => {
      dir = mkdtempSync(path.join(os.tmpdir(), "commchain-report-"));
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    it("writes the four files together", async () => {
      const out = path.join(dir, "out");
      const written = await writePartitionOutputs(out, sampleDocument());
      expect(Object.values(written).map((f) => path.basename(f))).to.deep.equal([
        "partition.json",
        "report.md",
        "trust-graph.svg",
        "storage.svg",
      ]);
      expect(readdirSync(out).sort()).to.deep.equal(["partition.json", "report.md", "storage.svg", "trust-graph.svg"]);
    });

    it("writes none of them when the directory cannot be made", async () => {
      const blocked = path.join(dir, "blocked");
      writeFileSync(blocked, "a file where the directory should be");
      let caught: unknown;
      try {
        await writePartitionOutputs(path.join(blocked, "out"), sampleDocument());
      } catch (error) {
        caught = error;
      }
      expect((caught as NodeJS.ErrnoException).code).to.equal("ENOTDIR");
      expect(readdirSync(dir)).to.deep.equal(["blocked"]);
      expect(existsSync(path.join(blocked, "out"))).to.equal(false);
    });
  });
});
