// Security review M5 (a): the store nodes had no libp2p pre-shared key, so anyone who could reach a
// node's TCP port could join, and fetch any CID (all of them are public on chain) over bitswap,
// around the gateway's gate. The stranger below is a node of the project's own code started
// outside the cluster, which before the fix was all it took (run against a9c0a2f: it connects and
// fetches).
import { expect } from "chai";
import { readFile, stat } from "node:fs/promises";
import path from "node:path";
import {
  startStoreCluster,
  startStoreNode,
  type StoreCluster,
  type StoreNode,
} from "../../src/offchain/stores/cluster";
import { ContentNotFoundError } from "../../src/offchain/errors";
import { expectRejects, tempDir, text, utf8 } from "../src/offchain/helpers";

/** How long the stranger looks for the block before the test calls it not found. */
const STRANGER_GET_MS = 3_000;

describe("security M5: the store network is private (libp2p pre-shared key)", function () {
  let temp: { dir: string; dispose: () => Promise<void> };
  let cluster: StoreCluster | undefined;
  const extra: StoreNode[] = [];

  beforeEach(async function () {
    temp = await tempDir("m5-pnet");
  });
  afterEach(async function () {
    for (const node of extra.splice(0)) await node.stop();
    await cluster?.stop();
    cluster = undefined;
    await temp.dispose();
  });

  async function communityWithObject(): Promise<{ cluster: StoreCluster; cid: string }> {
    cluster = await startStoreCluster({ dir: path.join(temp.dir, "community"), count: 2 });
    const cid = await cluster.nodes[0].store.put(utf8("ciphertext of a shared record"));
    await cluster.nodes[0].store.announced(cid);
    return { cluster, cid };
  }

  it("a stranger without the key can neither connect to a community node nor fetch a CID from it", async function () {
    const { cluster, cid } = await communityWithObject();
    const stranger = await startStoreNode({ name: "stranger", dir: path.join(temp.dir, "stranger") });
    extra.push(stranger);
    const { multiaddr } = await import("@multiformats/multiaddr");
    let connected = true;
    try {
      await (
        stranger.helia as unknown as {
          libp2p: { dial(address: unknown, options: { signal: AbortSignal }): Promise<unknown> };
        }
      ).libp2p.dial(multiaddr(cluster.nodes[0].multiaddrs[0]), { signal: AbortSignal.timeout(STRANGER_GET_MS) });
    } catch {
      connected = false;
    }
    expect(connected, "the stranger's dial succeeded").to.equal(false);
    expect(stranger.connectedPeers()).to.not.include(cluster.nodes[0].peerId);
    await expectRejects(
      stranger.store.get(cid, { signal: AbortSignal.timeout(STRANGER_GET_MS) }),
      ContentNotFoundError,
    );
  });

  it("a node given the community's key joins and fetches the CID", async function () {
    const { cluster, cid } = await communityWithObject();
    const swarmKey = await readFile(path.join(cluster.dir, "swarm.key"));
    const member = await startStoreNode({
      name: "member",
      dir: path.join(temp.dir, "member"),
      swarmKey,
      bootstrap: [cluster.nodes[0].multiaddrs[0]],
    });
    extra.push(member);
    expect(text(await member.store.get(cid, { signal: AbortSignal.timeout(15_000) }))).to.equal(
      "ciphertext of a shared record",
    );
  });

  it("the key is generated per cluster, kept with the store's data, readable by its owner only", async function () {
    const { cluster } = await communityWithObject();
    const file = path.join(cluster.dir, "swarm.key");
    expect((await stat(file)).mode & 0o777).to.equal(0o600);
    expect((await readFile(file, "utf8")).split("\n").slice(0, 2)).to.deep.equal(["/key/swarm/psk/1.0.0/", "/base16/"]);
    const other = await startStoreNode({ name: "other", dir: path.join(temp.dir, "other") });
    extra.push(other);
    expect(await readFile(path.join(other.dir, "swarm.key"), "utf8")).to.not.equal(await readFile(file, "utf8"));
  });
});
