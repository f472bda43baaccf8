import { expect } from "chai";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { TopologyError } from "../../src/chains/errors";
import { validateTopology } from "../../src/chains/topology";
import { PartitionKeyError, validatePartition } from "../../src/partition/document";
import * as fleet from "../../src/system/fleet";
import { TrafficRecordError } from "../../src/traffic/errors";
import { readTrafficLog } from "../../src/traffic/log";
import { rejection } from "../helpers/rejection";

// Review L1: ids from traffic.csv and partition.json were only checked for control characters,
// and fleet.ts joined them into the run directory, so `../../x` wrote outside it; ids over 64
// bytes failed late, at Register.register.

const T0 = Date.UTC(2024, 0, 1);

const REFUSED: { name: string; id: string; problem: RegExp }[] = [
  { name: "a climb out of the directory", id: "../../x", problem: /path separator/ },
  { name: "a slash", id: "a/b", problem: /path separator/ },
  { name: "a backslash", id: "a\\b", problem: /path separator/ },
  { name: "the parent directory", id: "..", problem: /relative directory/ },
  { name: "the current directory", id: ".", problem: /relative directory/ },
  { name: "65 bytes", id: "x".repeat(65), problem: /65 bytes.*64/ },
  { name: "66 bytes in 33 two-byte characters", id: "é".repeat(33), problem: /66 bytes.*64/ },
  { name: "a control character", id: "a\u0001b", problem: /control character/ },
];

const ACCEPTED = ["pump-1", "1", "x".repeat(64), "é".repeat(32), "a.b", "...", "machine_7.line-2"];

/** A minimal valid partition document over `nodes` (every node in one community). */
function partitionOf(nodes: string[]): unknown {
  return {
    version: 1,
    log: { file: "traffic.csv", records: 1, devices: nodes.length, spanHours: 1 },
    threshold: { value: 1, unit: "records/hour", auto: true },
    graph: { nodes, edges: [] },
    byK: [],
    chosen: { k: 2, communities: [nodes], interChainNodes: [], uncovered: [], forced: true },
    strategies: [],
  };
}

describe("security L1: device ids cannot escape the run directory or exceed Register's limit", () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "commchain-L1-"));
  });
  after(async () => rm(dir, { recursive: true, force: true }));

  async function logWith(id: string, name: string): Promise<string> {
    const file = path.join(dir, `${name}.csv`);
    // The bad id is on line 3, in the "to" column, after a good row.
    await writeFile(file, `timestamp,from,to\n${T0},a,b\n${T0 + 1},a,"${id}"\n`);
    return file;
  }

  describe("the traffic log reader", () => {
    REFUSED.forEach(({ name, id, problem }, i) => {
      it(`refuses ${name} with file:line, field and id in the message`, async () => {
        const file = await logWith(id, `refused-${i}`);
        const error = await rejection(readTrafficLog(file));
        expect(error).to.be.instanceOf(TrafficRecordError);
        expect(error.message).to.contain(`${file}:3:`);
        expect(error.message).to.contain('field "to"');
        expect(error.message).to.contain(JSON.stringify(id));
        expect(error.message).to.match(problem);
      });
    });

    it("accepts a 64-byte id and ordinary ids", async () => {
      const file = path.join(dir, "accepted.csv");
      await writeFile(file, ["timestamp,from,to", ...ACCEPTED.map((id, i) => `${T0 + i},hub,"${id}"`)].join("\n"));
      const { graph } = await readTrafficLog(file);
      for (const id of ACCEPTED) expect(graph.hasNode(id), id).to.equal(true);
    });
  });

  describe("partition.json reading", () => {
    REFUSED.forEach(({ name, id, problem }) => {
      it(`refuses ${name} naming the file and the field path`, () => {
        let caught: unknown;
        try {
          validatePartition(partitionOf(["a", id]), "/runs/partition.json");
        } catch (error) {
          caught = error;
        }
        expect(caught).to.be.instanceOf(PartitionKeyError);
        const error = caught as PartitionKeyError;
        expect(error.file).to.equal("/runs/partition.json");
        expect(error.key).to.equal("graph.nodes[1]");
        expect(error.message).to.contain("/runs/partition.json: graph.nodes[1]:");
        expect(error.message).to.match(problem);
      });
    });

    it("accepts a 64-byte id and ordinary ids", () => {
      const document = validatePartition(partitionOf(ACCEPTED), "partition.json");
      expect(document.graph.nodes).to.deep.equal(ACCEPTED);
    });
  });

  describe("topology.json reading", () => {
    const topologyOf = (devices: string[]) => ({
      version: 1,
      devices,
      main: {
        name: "main",
        chainId: 31000,
        rpc: "http://127.0.0.1:8600",
        members: [],
        contracts: {},
        external: false,
        port: 8600,
        pid: null,
        dataDir: "main",
      },
      communities: [
        {
          name: "community-1",
          chainId: 31001,
          rpc: "http://127.0.0.1:8601",
          members: devices,
          contracts: {},
          external: false,
          port: 8601,
          pid: null,
          dataDir: "community-1",
        },
      ],
    });

    REFUSED.forEach(({ name, id, problem }) => {
      it(`refuses ${name} naming the file and the field path`, () => {
        expect(() => validateTopology(topologyOf(["a", id]), "topology.json"))
          .to.throw(TopologyError, "topology.json")
          .with.property("message")
          .that.matches(problem)
          .and.contains("devices[1]");
      });
    });

    it("accepts a 64-byte id and ordinary ids", () => {
      expect(validateTopology(topologyOf(ACCEPTED), "topology.json").devices).to.deep.equal(ACCEPTED);
    });
  });

  describe("the fleet's unit state directories", () => {
    REFUSED.forEach(({ name, id, problem }) => {
      it(`refuses ${name} before joining it to the state directory`, () => {
        expect(() => fleet.unitStateDir("/runs/r1/units", id)).to.throw(problem);
      });
    });

    it("puts a 64-byte id and ordinary ids directly under the state directory", () => {
      for (const id of ACCEPTED) {
        const dirOf = fleet.unitStateDir("/runs/r1/units", id);
        expect(path.dirname(dirOf)).to.equal("/runs/r1/units");
        expect(path.basename(dirOf)).to.equal(id);
      }
    });
  });
});
