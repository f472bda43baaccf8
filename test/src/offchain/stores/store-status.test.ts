import { expect } from "chai";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { startStoreCluster } from "../../../../src/offchain/stores/cluster";
import {
  CLUSTER_FILE,
  formatStoreStatus,
  removeClusterFile,
  storeStatus,
  writeClusterFile,
} from "../../../../src/offchain/stores/store-status";
import { ClusterFileError } from "../../../../src/offchain/errors";
import { expectRejects, tempDir, utf8 } from "../helpers";

describe("store status (what store:status prints)", function () {
  it("reports nodes, peer ids, blocks and addresses while running, and stopped afterwards", async function () {
    const temp = await tempDir("store-status");
    const cluster = await startStoreCluster({ dir: temp.dir, names: ["community-1", "community-2"] });
    try {
      await cluster.nodes[0].store.put(utf8("twelve bytes"));
      await writeClusterFile(cluster, "http://127.0.0.1:1234");
      const running = await storeStatus(temp.dir);
      expect(running.running).to.equal(true);
      expect(running.pid).to.equal(process.pid);
      expect(running.gateway).to.equal("http://127.0.0.1:1234");
      expect(running.nodes.map((n) => [n.name, n.peerId, n.blocks, n.bytes])).to.deep.equal([
        ["community-1", cluster.nodes[0].peerId, 1, 12],
        ["community-2", cluster.nodes[1].peerId, 0, 0],
      ]);
      expect(running.nodes[1].multiaddrs).to.deep.equal(cluster.nodes[1].multiaddrs);
      const table = formatStoreStatus(running);
      expect(table).to.contain(`running (pid ${process.pid})`);
      expect(table).to.contain(cluster.nodes[0].multiaddrs[0]);
    } finally {
      await cluster.stop();
      await removeClusterFile(temp.dir);
    }
    const stopped = await storeStatus(temp.dir);
    expect(stopped.running).to.equal(false);
    expect(stopped.nodes.map((n) => n.name)).to.deep.equal(["community-1", "community-2"]);
    expect(stopped.nodes[0].multiaddrs).to.deep.equal([]);
    expect(formatStoreStatus(stopped)).to.contain("stopped");
    await temp.dispose();
  });

  it("treats a cluster file of a dead process as stopped, and a foreign file as an error", async function () {
    const temp = await tempDir("store-status-stale");
    try {
      const file = path.join(temp.dir, CLUSTER_FILE);
      // 2^22 + 1 is above Linux's pid_max limit, so no process has it.
      await writeFile(file, JSON.stringify({ version: 1, pid: 4_194_305, startedAt: "", nodes: [] }));
      expect((await storeStatus(temp.dir)).running).to.equal(false);
      await writeFile(file, "not json");
      const error = await expectRejects(storeStatus(temp.dir), ClusterFileError);
      expect(error.file).to.equal(file);
      expect((await storeStatus(path.join(temp.dir, "nowhere"))).nodes).to.deep.equal([]);
    } finally {
      await temp.dispose();
    }
  });
});
