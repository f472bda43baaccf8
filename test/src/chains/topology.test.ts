import { expect } from "chai";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { TopologyError } from "../../../src/chains/errors";
import {
  allChains,
  findChain,
  readTopology,
  topologyPath,
  validateTopology,
  writeTopology,
  type Topology,
} from "../../../src/chains/topology";

function sample(): Topology {
  return {
    version: 1,
    devices: ["01", "02", "03", "04"],
    partition: "out/partition.json",
    main: {
      name: "main",
      chainId: 31000,
      rpc: "http://127.0.0.1:8600",
      members: [],
      contracts: {},
      external: false,
      port: 8600,
      pid: 1234,
      dataDir: "main",
    },
    communities: [
      {
        name: "community-1",
        chainId: 31001,
        rpc: "http://127.0.0.1:8601",
        members: ["01", "02", "03"],
        contracts: { Register: "0x5FbDB2315678afecb367f032d93F642f64180aa3" },
        external: false,
        port: 8601,
        pid: null,
        dataDir: "community-1",
      },
      {
        name: "community-2",
        chainId: 1337,
        rpc: "http://10.0.0.7:8545",
        members: ["03", "04"],
        contracts: {},
        external: true,
      },
    ],
  };
}

describe("src/chains/topology", () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "commchain-topology-"));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("round-trips through writeTopology and readTopology", () => {
    const file = topologyPath(dir);
    writeTopology(file, sample());
    expect(readTopology(file)).to.deep.equal(sample());
    expect(fs.readdirSync(dir)).to.deep.equal(["topology.json"]);
    expect(allChains(readTopology(file)).map((c) => c.name)).to.deep.equal(["main", "community-1", "community-2"]);
    expect(findChain(readTopology(file), "community-2")?.chainId).to.equal(1337);
  });

  it("fills defaults for a hand-written topology with an external chain", () => {
    const topology = validateTopology({
      version: 1,
      main: { name: "main", chainId: 1337, rpc: "http://127.0.0.1:8545", external: true },
      communities: [],
    });
    expect(topology.main).to.deep.equal({
      name: "main",
      chainId: 1337,
      rpc: "http://127.0.0.1:8545",
      members: [],
      contracts: {},
      external: true,
    });
    expect(topology.devices).to.deep.equal([]);
  });

  it("replaces an existing file whole and leaves no temporary file", () => {
    const file = topologyPath(dir);
    writeTopology(file, sample());
    const changed = sample();
    changed.main.contracts.AnchorHub = "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512";
    writeTopology(file, changed);
    expect(readTopology(file).main.contracts).to.deep.equal({
      AnchorHub: "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512",
    });
    expect(fs.readdirSync(dir)).to.deep.equal(["topology.json"]);
  });

  it("never writes an invalid topology, keeping the previous file", () => {
    const file = topologyPath(dir);
    writeTopology(file, sample());
    const bad = sample();
    bad.communities[0].chainId = 31000;
    expect(() => writeTopology(file, bad)).to.throw(
      TopologyError,
      "communities[0].chainId: 31000 is also the chain id of main",
    );
    expect(readTopology(file)).to.deep.equal(sample());
  });

  it("names the file when it is missing or not JSON", () => {
    const file = topologyPath(dir);
    expect(() => readTopology(file)).to.throw(TopologyError, `${file}: does not exist`);
    fs.writeFileSync(file, "{ not json");
    expect(() => readTopology(file)).to.throw(TopologyError, `${file}: is not valid JSON`);
  });

  const cases: [string, (t: Record<string, any>) => void, string][] = [
    ["version", (t) => (t.version = 2), "version: must be 1, got 2"],
    ["main members", (t) => (t.main.members = ["01"]), "main.members: must be empty"],
    [
      "duplicate name",
      (t) => (t.communities[1].name = "community-1"),
      "communities[1].name: community-1 is also the name of communities[0]",
    ],
    [
      "duplicate port",
      (t) => {
        t.communities[0].port = 8600;
        t.communities[0].rpc = "http://127.0.0.1:8600";
      },
      "communities[0].port: 8600 is also the port of main",
    ],
    [
      "bad chain id",
      (t) => (t.communities[0].chainId = -5),
      "communities[0].chainId: must be a positive integer, got -5",
    ],
    ["bad rpc", (t) => (t.communities[1].rpc = "localhost:8545"), "communities[1].rpc: must be an http(s) URL"],
    [
      "local rpc off its port",
      (t) => (t.communities[0].rpc = "http://127.0.0.1:9999"),
      "communities[0].rpc: a local chain answers on http://127.0.0.1:8601",
    ],
    ["local chain without port", (t) => delete t.main.port, "main.port: a local chain needs a port"],
    [
      "bad address",
      (t) => (t.communities[0].contracts.Register = "0x12"),
      "communities[0].contracts.Register: must be a 0x-prefixed 20-byte address",
    ],
    [
      "duplicate member",
      (t) => (t.communities[0].members = ["01", "01"]),
      'communities[0].members[1]: "01" appears twice',
    ],
    [
      "unknown member",
      (t) => (t.communities[0].members = ["99"]),
      'communities[0].members: device "99" is not in devices',
    ],
    ["communities not a list", (t) => (t.communities = {}), "communities: must be an array"],
    ["bad pid", (t) => (t.main.pid = 0), "main.pid: must be a positive integer or null, got 0"],
    ["bad name", (t) => (t.main.name = "../main"), "main.name: must be a name of letters"],
  ];
  for (const [what, mutate, message] of cases) {
    it(`rejects ${what} naming the key`, () => {
      const topology = sample() as unknown as Record<string, any>;
      mutate(topology);
      expect(() => validateTopology(topology, "t.json")).to.throw(TopologyError, `t.json: ${message}`);
    });
  }
});
