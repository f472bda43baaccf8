import { expect } from "chai";
import { startStoreCluster, type StoreCluster } from "../../../../src/offchain/stores/cluster";
import { StoreClusterConfigError } from "../../../../src/offchain/errors";
import { expectRejects, tempDir, text, utf8 } from "../helpers";

describe("store cluster (embedded Helia nodes, Kademlia DHT over loopback TCP)", function () {
  let temp: { dir: string; dispose: () => Promise<void> };
  let cluster: StoreCluster | undefined;

  beforeEach(async function () {
    temp = await tempDir("cluster");
  });

  afterEach(async function () {
    await cluster?.stop();
    cluster = undefined;
    await temp.dispose();
  });

  it("starts named nodes on loopback, each bootstrapped from the previous one only", async function () {
    cluster = await startStoreCluster({ dir: temp.dir, names: ["community-a", "community-b", "community-c"] });
    const [a, b, c] = cluster.nodes;
    expect(cluster.nodes.map((n) => n.name)).to.deep.equal(["community-a", "community-b", "community-c"]);
    expect(new Set([a.peerId, b.peerId, c.peerId]).size).to.equal(3);
    for (const node of cluster.nodes) {
      expect(node.multiaddrs.length).to.be.greaterThan(0);
      for (const address of node.multiaddrs) {
        expect(address).to.match(new RegExp(`^/ip4/127\\.0\\.0\\.1/tcp/\\d+/p2p/${node.peerId}$`));
      }
      expect(node.routingTableSize()).to.be.greaterThan(0);
    }
    expect(a.bootstrap).to.deep.equal([]);
    expect(b.bootstrap).to.deep.equal([a.multiaddrs[0]]);
    expect(c.bootstrap).to.deep.equal([b.multiaddrs[0]]);
    expect(cluster.node("community-b")).to.equal(b);
  });

  it("node C finds content added on node A through a provider record and fetches it", async function () {
    cluster = await startStoreCluster({ dir: temp.dir, count: 3 });
    const [a, b, c] = cluster.nodes;
    // C was told only about B; A's address is nowhere in its configuration.
    expect(c.bootstrap.join()).not.to.contain(a.peerId);

    const cid = await a.store.put(utf8("spindle temperature 71.5 C"));
    // put returns once the block is stored; the provider record is published in the background.
    await a.store.announced(cid);
    expect(await c.store.has(cid)).to.equal(false);
    expect(await b.store.has(cid)).to.equal(false);

    const providers = await c.findProviders(cid, { signal: AbortSignal.timeout(10_000) });
    expect(providers).to.include(a.peerId);

    const bytes = await c.store.get(cid, { signal: AbortSignal.timeout(10_000) });
    expect(text(bytes)).to.equal("spindle temperature 71.5 C");
    expect(await c.store.has(cid)).to.equal(true);
    expect(c.connectedPeers()).to.include(a.peerId);
  });

  it("keeps peer ids and content across a restart (key and blocks in each node's dir)", async function () {
    cluster = await startStoreCluster({ dir: temp.dir, count: 2 });
    const before = cluster.nodes.map((n) => n.peerId);
    const cid = await cluster.nodes[0].store.put(utf8("before restart"));
    await cluster.nodes[0].store.announced(cid);
    await cluster.stop();

    cluster = await startStoreCluster({ dir: temp.dir, count: 2 });
    expect(cluster.nodes.map((n) => n.peerId)).to.deep.equal(before);
    expect(await cluster.nodes[0].store.has(cid)).to.equal(true);
    const bytes = await cluster.nodes[1].store.get(cid, { signal: AbortSignal.timeout(10_000) });
    expect(text(bytes)).to.equal("before restart");
  });

  it("rejects bad cluster options with StoreClusterConfigError", async function () {
    const duplicate = await expectRejects(
      startStoreCluster({ dir: temp.dir, names: ["x", "x"] }),
      StoreClusterConfigError,
    );
    expect(duplicate.field).to.equal("names");
    const empty = await expectRejects(startStoreCluster({ dir: temp.dir, count: 0 }), StoreClusterConfigError);
    expect(empty.field).to.equal("count");
    const unsafe = await expectRejects(startStoreCluster({ dir: temp.dir, names: ["../up"] }), StoreClusterConfigError);
    expect(unsafe.reason).to.contain("../up");
    const mismatch = await expectRejects(
      startStoreCluster({ dir: temp.dir, count: 3, names: ["p", "q"] }),
      StoreClusterConfigError,
    );
    expect(mismatch.field).to.equal("count");
  });
});
