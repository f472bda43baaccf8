/** offchain/stores/format: the line per node store:up prints. */
import { expect } from "chai";
import { formatStoreNodes } from "../../../../src/offchain/stores/format";

describe("offchain/stores/format", () => {
  it("prints each node's name, peer id and addresses", () => {
    const nodes = [
      {
        name: "community-1",
        peerId: "12D3KooWA",
        multiaddrs: ["/ip4/127.0.0.1/tcp/4001/p2p/12D3KooWA", "/ip4/127.0.0.1/tcp/4002/p2p/12D3KooWA"],
      },
      { name: "node-2", peerId: "12D3KooWB", multiaddrs: [] },
    ];
    expect(formatStoreNodes(nodes).split("\n")).to.deep.equal([
      "community-1      12D3KooWA  /ip4/127.0.0.1/tcp/4001/p2p/12D3KooWA /ip4/127.0.0.1/tcp/4002/p2p/12D3KooWA",
      "node-2           12D3KooWB  ",
    ]);
  });
});
