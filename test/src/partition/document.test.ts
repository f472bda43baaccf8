import { expect } from "chai";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import {
  type PartitionDocument,
  PartitionDocumentError,
  PartitionEmptyError,
  PartitionKeyError,
  PartitionSyntaxError,
  formatPartition,
  readPartition,
  writePartition,
} from "../../../src/partition/document";
import { PartitionError } from "../../../src/partition/errors";

function sampleDocument(): PartitionDocument {
  return {
    version: 1,
    log: { file: "traffic.csv", records: 12, devices: 5, spanHours: 2 },
    threshold: { value: 1.5, unit: "records/hour", auto: true },
    graph: {
      nodes: ["1", "2", "3", "4", "5"],
      edges: [
        ["1", "2", 2, 4],
        ["1", "3", 1.5, 3],
        ["2", "3", 1.5, 3],
        ["3", "4", 0.5, 1],
        ["4", "5", 0.5, 1],
      ],
    },
    byK: [
      { k: 3, communities: [["1", "2", "3"]], uncovered: ["4", "5"], overlapping: [] },
      { k: 4, communities: [], uncovered: ["1", "2", "3", "4", "5"], overlapping: [] },
    ],
    chosen: { k: 3, communities: [["1", "2", "3"]], interChainNodes: [], uncovered: ["4", "5"], forced: true },
    strategies: [
      {
        name: "ungrouped",
        groups: [["1", "2", "3", "4", "5"]],
        count: 60,
        cross: 0,
        storageRatio: 1,
        crossShare: 0,
        chains: 1,
        interChainNodes: 0,
      },
    ],
  };
}

describe("partition document", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), "commchain-document-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function writeRaw(value: unknown): string {
    const file = path.join(dir, "partition.json");
    writeFileSync(file, typeof value === "string" ? value : JSON.stringify(value));
    return file;
  }

  function expectError(
    value: unknown,
    type: new (...args: never[]) => PartitionDocumentError,
    key: string,
    fragment: string,
  ) {
    const file = writeRaw(value);
    let caught: unknown;
    try {
      readPartition(file);
    } catch (error) {
      caught = error;
    }
    expect(caught).to.be.instanceOf(type);
    expect(caught).to.be.instanceOf(PartitionError);
    const error = caught as PartitionDocumentError;
    expect(error.file).to.equal(file);
    expect(error.key).to.equal(key);
    expect(error.message).to.include(file).and.include(fragment);
    if (key !== "") expect(error.message).to.include(key);
  }

  it("round-trips through the atomic writer and the reader", async () => {
    const file = path.join(dir, "out", "partition.json");
    const doc = sampleDocument();
    await writePartition(file, doc);
    expect(readPartition(file)).to.deep.equal(doc);
    // only the destination is left: the temp file was renamed, not copied
    expect(readdirSync(path.dirname(file))).to.deep.equal(["partition.json"]);
    expect(readFileSync(file, "utf8")).to.equal(formatPartition(doc));
  });

  it("writes one graph edge per line and replaces an existing file whole", async () => {
    const file = path.join(dir, "partition.json");
    writeFileSync(file, "old content");
    await writePartition(file, sampleDocument());
    const text = readFileSync(file, "utf8");
    expect(text).to.include('\n      ["1","2",2,4],\n');
    expect(JSON.parse(text).log.records).to.equal(12);
  });

  it("names the file when it does not exist or is not JSON", () => {
    const missing = path.join(dir, "absent.json");
    expect(() => readPartition(missing)).to.throw(PartitionSyntaxError, `${missing}: no such file`);
    expectError('{"version": 1,', PartitionSyntaxError, "", "is not valid JSON");
  });

  it("names a missing key", () => {
    for (const key of ["version", "log", "threshold", "graph", "byK", "chosen", "strategies"] as const) {
      const doc: Record<string, unknown> = { ...sampleDocument() };
      delete doc[key];
      expectError(doc, PartitionKeyError, key, "is missing");
    }
    const doc = sampleDocument() as unknown as { log: Record<string, unknown> };
    delete doc.log.records;
    expectError(doc, PartitionKeyError, "log.records", "is missing");
  });

  it("names a key of the wrong shape", () => {
    const doc = sampleDocument();
    (doc.graph.edges[2] as unknown[]) = ["2", "3", 1.5];
    expectError(doc, PartitionKeyError, "graph.edges[2]", "must be [u, v, weight, count]");

    const wrongUnit = sampleDocument() as unknown as { threshold: { unit: string } };
    wrongUnit.threshold.unit = "records/day";
    expectError(wrongUnit, PartitionKeyError, "threshold.unit", 'must be "records/hour"');

    const wrongVersion = { ...sampleDocument(), version: 2 };
    expectError(wrongVersion, PartitionKeyError, "version", "is 2, this reader understands version 1");

    const negative = sampleDocument();
    negative.strategies[0].count = -1;
    expectError(negative, PartitionKeyError, "strategies[0].count", "must be a number ≥ 0, got -1");
  });

  it("names a device that is not in the graph", () => {
    const doc = sampleDocument();
    doc.chosen.communities[0].push("9");
    expectError(doc, PartitionKeyError, "chosen.communities[0][3]", 'device "9" is not in graph.nodes');

    const twice = sampleDocument();
    twice.graph.nodes.push("3");
    expectError(twice, PartitionKeyError, "graph.nodes[5]", 'device "3" is listed twice');
  });

  it("refuses a partition without communities", () => {
    const doc = sampleDocument();
    doc.chosen.communities = [];
    expectError(doc, PartitionEmptyError, "chosen.communities", "has no community");
  });
});
