import { expect } from "chai";
import { PartitionFileError } from "../../../src/chains/errors";
import { communityChainName, MAIN_CHAIN, planTopology } from "../../../src/chains/plan";
import { validateTopology } from "../../../src/chains/topology";

const DEVICES = ["a", "b", "c", "d", "e"];
const COMMUNITIES = [
  ["a", "b", "c"],
  ["c", "d", "e"],
];

describe("src/chains/plan", () => {
  it("plans a main chain and one chain per community with consecutive chain ids", () => {
    const topology = planTopology(DEVICES, COMMUNITIES, {
      mainChainId: 31000,
      ports: [8600, 8601, 8602],
      partition: "/p.json",
    });
    expect(validateTopology(topology)).to.deep.equal(topology);
    expect(topology).to.deep.equal({
      version: 1,
      devices: DEVICES,
      partition: "/p.json",
      main: {
        name: MAIN_CHAIN,
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
          members: ["a", "b", "c"],
          contracts: {},
          external: false,
          port: 8601,
          pid: null,
          dataDir: "community-1",
        },
        {
          name: "community-2",
          chainId: 31002,
          rpc: "http://127.0.0.1:8602",
          members: ["c", "d", "e"],
          contracts: {},
          external: false,
          port: 8602,
          pid: null,
          dataDir: "community-2",
        },
      ],
    });
    expect(communityChainName(7)).to.equal("community-7");
  });

  it("marks chains run elsewhere as external with their own RPC and chain id", () => {
    const topology = planTopology(DEVICES, COMMUNITIES, {
      mainChainId: 31000,
      ports: [8600, 8601, 8602],
      external: { main: { rpc: "http://127.0.0.1:8545", chainId: 1337 } },
    });
    expect(topology.main).to.deep.equal({
      name: "main",
      chainId: 1337,
      rpc: "http://127.0.0.1:8545",
      members: [],
      contracts: {},
      external: true,
    });
    expect(topology.communities[0].chainId).to.equal(31001);
  });

  it("rejects a partition without communities, a member outside graph.nodes and an unknown external chain", () => {
    expect(() => planTopology(DEVICES, [], { mainChainId: 1, ports: [1], partition: "p.json" })).to.throw(
      PartitionFileError,
      "p.json: chosen.communities: has no community, so there is no chain to run",
    );
    expect(() => planTopology(DEVICES, [["a", "x"]], { mainChainId: 1, ports: [1, 2], partition: "p.json" })).to.throw(
      PartitionFileError,
      'p.json: chosen.communities[0][1]: device "x" is not in graph.nodes',
    );
    expect(() =>
      planTopology(DEVICES, COMMUNITIES, {
        mainChainId: 1,
        ports: [1, 2, 3],
        external: { "community-3": { rpc: "http://h:1", chainId: 5 } },
      }),
    ).to.throw(PartitionFileError, "external chain community-3 is not one of main, community-1, community-2");
    expect(() => planTopology(DEVICES, COMMUNITIES, { mainChainId: 0, ports: [1, 2, 3] })).to.throw(
      PartitionFileError,
      "main chain id must be a positive integer, got 0",
    );
  });
});
