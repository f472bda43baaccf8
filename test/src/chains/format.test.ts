/** chains/format: the lines chains:up and chains:down print. */
import { expect } from "chai";
import { formatChainsDown, formatChainsUp, type ChainsUpResult } from "../../../src/chains";

describe("chains/format", () => {
  it("prints a line per chain started, then the topology file", () => {
    const result = {
      topologyFile: "/c/topology.json",
      topology: undefined as unknown as ChainsUpResult["topology"],
      chains: [
        { name: "main", chainId: 31000, rpc: "http://127.0.0.1:8600", pid: 4242, action: "started" as const },
        { name: "community-1", chainId: 31001, rpc: "http://10.0.0.5:8545", pid: null, action: "external" as const },
      ],
    };
    expect(formatChainsUp(result).split("\n")).to.deep.equal([
      "main           31000    http://127.0.0.1:8600    started (pid 4242)",
      "community-1    31001    http://10.0.0.5:8545     external",
      "topology: /c/topology.json",
    ]);
  });

  it("prints a line per chain stopped", () => {
    expect(
      formatChainsDown([
        { name: "main", pid: 4242, outcome: "stopped" },
        { name: "community-1", pid: null, outcome: "external" },
      ]).split("\n"),
    ).to.deep.equal(["main           stopped (pid 4242)", "community-1    external"]);
  });
});
