import { expect } from "chai";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import hre from "hardhat";
import { UndirectedGraph } from "graphology";
import { readPartition, type PartitionDocument } from "../../../src/partition/document";
import {
  PartitionInputError,
  partitionTrustGraph,
  runPartition,
  type PartitionRun,
} from "../../../src/partition/pipeline";
import { NoCommunityError } from "../../../src/partition/strategies/community";
import { writePartitionOutputs, type PartitionOutputs } from "../../../src/report/partition/outputs";
import { TrafficLogError, TrafficRecordError } from "../../../src/traffic/errors";
import { writeTrafficLog } from "../../../src/traffic/generate";
import type { TrustGraph } from "../../../src/traffic/types";
import { rejection } from "../../helpers/rejection";

const DESIGN_STRATEGIES = [
  "ungrouped",
  "random-3-1",
  "random-3-2",
  "random-4-1",
  "random-4-2",
  "random-5-1",
  "random-5-2",
  "edge-strength",
  "louvain",
  "community",
  "optimized",
];

function strategy(doc: PartitionDocument, name: string) {
  const found = doc.strategies.find((s) => s.name === name);
  expect(found, `strategy ${name}`).to.not.equal(undefined);
  return found!;
}

/** Parses an SVG file as XML (python's ElementTree), throwing if it is not well formed. */
function parseSvg(file: string): void {
  execFileSync("python3", [
    "-c",
    "import sys, xml.etree.ElementTree as ET; root = ET.parse(sys.argv[1]).getroot(); assert root.tag.endswith('svg'), root.tag",
    file,
  ]);
}

/** A log of `rows` ([from, to, records]) spread over two hours. */
function writeLog(file: string, rows: [string, string, number][]): void {
  const lines = ["timestamp,from,to"];
  let t = Date.UTC(2024, 0, 1);
  for (const [from, to, records] of rows) {
    for (let i = 0; i < records; i += 1) lines.push(`${(t += 60_000)},${from},${to}`);
  }
  writeFileSync(file, `${lines.join("\n")}\n`);
}

describe("partition pipeline", function () {
  let dir: string;
  before(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), "commchain-pipeline-"));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  describe("acceptance run on the gen-traffic defaults", () => {
    let run: PartitionRun;
    let doc: PartitionDocument;
    let outputs: PartitionOutputs;

    before(async () => {
      const log = path.join(dir, "traffic.csv");
      await writeTrafficLog(log);
      run = await runPartition(log);
      doc = run.document;
      outputs = await writePartitionOutputs(path.join(dir, "out"), doc);
    });

    it("prices the undivided ledger at records × devices = 48,667 × 44 = 2,141,348", () => {
      expect(doc.log).to.include({ records: 48_667, devices: 44 });
      expect(strategy(doc, "ungrouped")).to.include({ count: 2_141_348, cross: 0, storageRatio: 1, chains: 1 });
    });

    it("chooses a community partition that covers every device", () => {
      expect(doc.threshold.auto).to.equal(true);
      expect(doc.chosen.uncovered).to.deep.equal([]);
      expect(new Set(doc.chosen.communities.flat())).to.have.property("size", 44);
      const level = doc.byK.find((l) => l.k === doc.chosen.k)!;
      expect(level.uncovered).to.deep.equal([]);
      // the largest such k: the next level leaves devices out or has no community
      const next = doc.byK.find((l) => l.k === doc.chosen.k + 1)!;
      expect(next.uncovered.length).to.be.above(0);
    });

    it("stores at most a quarter of the undivided ledger, with less cross-chain storage than any random grouping", () => {
      const community = strategy(doc, "community");
      expect(community.storageRatio).to.be.at.most(0.25);
      const random = doc.strategies.filter((s) => s.name.startsWith("random-"));
      expect(random).to.have.length(6);
      for (const r of random) expect(community.cross, r.name).to.be.below(r.cross);
    });

    it("optimizes to no more than the community count, with chains of at least 4 devices", () => {
      const optimized = strategy(doc, "optimized");
      expect(optimized.count).to.be.at.most(strategy(doc, "community").count);
      for (const group of optimized.groups) expect(group.length).to.be.at.least(4);
      expect(doc.optimization).to.include({ minChainSize: 4 });
    });

    it("writes a partition.json with every key DESIGN.md fixes, which the reader validates", () => {
      const read = readPartition(outputs.partition);
      expect(read).to.deep.equal(JSON.parse(JSON.stringify(doc)));
      expect(read).to.include.keys("version", "log", "threshold", "graph", "byK", "chosen", "strategies");
      expect(read.version).to.equal(1);
      expect(read.log).to.include.keys("file", "records", "devices", "spanHours");
      expect(read.threshold).to.include({ unit: "records/hour", auto: true });
      expect(read.graph.nodes).to.have.length(44);
      // every pair with a record, above and below the threshold, and nothing else
      expect(read.graph.edges.reduce((sum, e) => sum + e[3], 0)).to.equal(48_667);
      expect(read.graph.edges.some((e) => e[2] < read.threshold.value)).to.equal(true);
      expect(read.byK[0].k).to.equal(3);
      expect(read.byK[read.byK.length - 1].communities).to.deep.equal([]);
      for (const level of read.byK.slice(0, -1)) expect(level.communities.length, `k = ${level.k}`).to.be.above(0);
      expect(read.chosen).to.include.keys("k", "communities", "interChainNodes", "uncovered");
      expect(read.strategies.map((s) => s.name)).to.deep.equal(DESIGN_STRATEGIES);
      for (const s of read.strategies) {
        expect(s).to.include.keys(
          "name",
          "groups",
          "count",
          "cross",
          "storageRatio",
          "crossShare",
          "chains",
          "interChainNodes",
        );
        expect(s.storageRatio).to.equal(s.count / 2_141_348);
      }
    });

    it("writes report.md and two SVG charts that parse and show the devices", () => {
      expect(readdirSync(path.join(dir, "out")).sort()).to.deep.equal([
        "partition.json",
        "report.md",
        "storage.svg",
        "trust-graph.svg",
      ]);
      const report = readFileSync(outputs.report, "utf8");
      expect(report).to.include(
        "| ungrouped | 1 | 0 | 2,141,348 | 0 | 1.000 | 0.0% | Ungrouped | Null | 2,141,348 | 0 |",
      );
      expect(report).to.include(`| ${doc.chosen.k} | ${doc.chosen.communities.length} | 44 | 0 |`);
      expect(report).to.include("![Trust graph](trust-graph.svg)");
      for (const file of [outputs.trustGraph, outputs.storage]) parseSvg(file);
      const graph = readFileSync(outputs.trustGraph, "utf8");
      for (const device of doc.graph.nodes) expect(graph, device).to.match(new RegExp(`<text[^>]*>${device}</text>`));
      const storage = readFileSync(outputs.storage, "utf8");
      for (const name of DESIGN_STRATEGIES) expect(storage, name).to.match(new RegExp(`<text[^>]*>${name}</text>`));
    });
  });

  describe("a small log", () => {
    // Two 4-device cells talking 10 times per pair, sharing device 4, and one weak link.
    const cell = (members: string[]) =>
      members.flatMap((a, i) => members.slice(i + 1).map((b): [string, string, number] => [a, b, 10]));
    const rows: [string, string, number][] = [
      ...cell(["1", "2", "3", "4"]),
      ...cell(["4", "5", "6", "7"]),
      ["1", "7", 1],
    ];

    it("is deterministic and follows the options", async () => {
      const log = path.join(dir, "small.csv");
      writeLog(log, rows);
      const first = await runPartition(log, { seed: 3 });
      expect((await runPartition(log, { seed: 3 })).document).to.deep.equal(first.document);
      expect(first.document.chosen).to.deep.equal({
        k: 4,
        communities: [
          ["1", "2", "3", "4"],
          ["4", "5", "6", "7"],
        ],
        interChainNodes: ["4"],
        uncovered: [],
        forced: false,
      });
      const forced = await runPartition(log, { k: 2, threshold: 0, exempt: ["7"], minChainSize: 2 });
      expect(forced.document.chosen).to.include({ k: 2, forced: true });
      expect(forced.document.chosen.communities).to.deep.equal([["1", "2", "3", "4", "5", "6", "7"]]);
      expect(forced.document.threshold).to.deep.equal({ value: 0, unit: "records/hour", auto: false, exempt: ["7"] });
      expect(forced.document.optimization).to.include({ minChainSize: 2 });
    });
  });

  describe("bad input", () => {
    it("lets the log reader's own errors through unchanged", async () => {
      const empty = path.join(dir, "empty.csv");
      writeFileSync(empty, "timestamp,from,to\n");
      await expectRejection(runPartition(empty), TrafficLogError, `${empty}: empty log`);
      const selfOnly = path.join(dir, "self.csv");
      writeFileSync(selfOnly, "timestamp,from,to\n1000,01,01\n");
      await expectRejection(runPartition(selfOnly), TrafficRecordError, `${selfOnly}:2:`);
    });

    it("refuses a graph with one device or no record, naming the log", () => {
      const summary = {
        file: "one.csv",
        records: 3,
        devices: 1,
        spanHours: 1,
        firstTimestamp: 0,
        lastTimestamp: 0,
        skipped: [],
      };
      const graph: TrustGraph = new UndirectedGraph();
      expect(() => partitionTrustGraph(graph, { ...summary, records: 0, devices: 0 })).to.throw(
        PartitionInputError,
        "one.csv: empty log",
      );
      graph.addNode("01", { records: 3 });
      expect(() => partitionTrustGraph(graph, summary)).to.throw(
        PartitionInputError,
        'one.csv: only one device ("01"): a partition needs at least two',
      );
    });

    it("names the log and the strongest edge when the threshold disconnects every device", async () => {
      const log = path.join(dir, "traffic.csv");
      await expectRejection(
        runPartition(log, { threshold: 1000 }),
        PartitionInputError,
        `${log}: threshold 1000 records/hour disconnects every device (the strongest edge is`,
      );
    });

    it("names the k and the largest usable k when --k has no community", async () => {
      const log = path.join(dir, "traffic.csv");
      await expectRejection(
        runPartition(log, { k: 40 }),
        NoCommunityError,
        `${log}: no 40-clique community at this threshold (the largest k with a community is`,
      );
    });

    it("names an unknown exempt device and bad options", async () => {
      const log = path.join(dir, "traffic.csv");
      await expectRejection(
        runPartition(log, { exempt: ["99"] }),
        PartitionInputError,
        `--exempt: "99" not a device of ${log}`,
      );
      await expectRejection(
        runPartition(log, { minChainSize: 0 }),
        PartitionInputError,
        "--min-chain-size: must be an integer ≥ 1, got 0",
      );
      await expectRejection(
        runPartition(log, { threshold: -1 }),
        PartitionInputError,
        "--threshold: must be a number ≥ 0",
      );
    });

    it("leaves nothing in the output directory when the partition task fails", async () => {
      const log = path.join(dir, "traffic.csv");
      const out = path.join(dir, "task-out");
      await expectRejection(hre.run("partition", { log, out, k: "40" }), NoCommunityError, "no 40-clique community");
      await expectRejection(
        hre.run("partition", { log, out, threshold: "many" }),
        PartitionInputError,
        '--threshold: must be "auto" or a number',
      );
      expect(existsSync(out)).to.equal(false);
    });

    it("writes the four outputs through the partition task", async () => {
      const log = path.join(dir, "small.csv");
      const out = path.join(dir, "task-ok");
      const result = (await hre.run("partition", { log, out, seed: 5 })) as {
        outputs: PartitionOutputs;
        document: PartitionDocument;
      };
      expect(readdirSync(out).sort()).to.deep.equal(["partition.json", "report.md", "storage.svg", "trust-graph.svg"]);
      expect(readPartition(result.outputs.partition).options).to.deep.equal({ seed: 5 });
    });
  });
});

async function expectRejection(
  promise: Promise<unknown>,
  type: abstract new (...args: never[]) => Error,
  fragment: string,
): Promise<void> {
  const error = await rejection(promise);
  expect(error).to.be.instanceOf(type);
  expect(error.message).to.include(fragment);
}
