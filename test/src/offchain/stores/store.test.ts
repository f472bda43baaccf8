import { expect } from "chai";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { CID } from "multiformats/cid";
import { base32upper } from "multiformats/bases/base32";
import { openHeliaStore, heliaPaths } from "../../../../src/offchain/stores/helia-store";
import { openKuboStore } from "../../../../src/offchain/stores/kubo-store";
import { ContentStoreUnavailableError, StoreClusterConfigError } from "../../../../src/offchain/errors";
import { openContentStore } from "../../../../src/offchain/stores/open-store";
import { HeliaStore } from "../../../../src/offchain/stores/helia-store";
import { KuboStore } from "../../../../src/offchain/stores/kubo-store";
import { describeContentStore } from "./content-store-suite";
import { deadUrl, startFakeKubo } from "./fake-kubo";
import { expectRejects, tempDir, utf8 } from "../helpers";

/** The file blockstore-fs keeps a block in (its default NextToLast sharding: base32 multihash). */
function blockFile(blocksDir: string, cid: string): string {
  const name = base32upper.encoder.encode(CID.parse(cid).multihash.bytes);
  return path.join(blocksDir, name.slice(-2), `${name}.data`);
}

describeContentStore("Helia with a filesystem blockstore", async () => {
  const temp = await tempDir("helia-store");
  return {
    open: () => openHeliaStore({ dir: temp.dir }),
    // Overwrites the block file on disk, as a failing disk or a meddling user would.
    tamper: async (cid, bytes) => {
      const file = blockFile(heliaPaths(temp.dir).blocks, cid);
      await readFile(file); // throws if the layout assumption is wrong, rather than testing nothing
      await writeFile(file, bytes);
    },
    dispose: temp.dispose,
  };
});

describeContentStore("Kubo RPC client against a fake Kubo endpoint", async () => {
  const kubo = await startFakeKubo();
  return {
    open: () => openKuboStore({ url: kubo.url }),
    tamper: async (cid, bytes) => kubo.tamper(cid, bytes),
    dispose: kubo.close,
  };
});

describe("KuboStore", function () {
  it("talks to Kubo only through its RPC routes", async function () {
    const kubo = await startFakeKubo();
    try {
      const store = await openKuboStore({ url: kubo.url });
      const cid = await store.put(utf8("via rpc"));
      await store.get(cid);
      await store.has(cid);
      await store.pin(cid);
      await store.isPinned(cid);
      await store.unpin(cid);
      await store.close();
      expect(kubo.calls).to.deep.equal([
        "version",
        "block/put",
        "block/get",
        "block/stat",
        "pin/add",
        "pin/ls",
        "pin/rm",
      ]);
    } finally {
      await kubo.close();
    }
  });

  it("fails fast with ContentStoreUnavailableError naming the URL when no daemon runs", async function () {
    const url = await deadUrl();
    const error = await expectRejects(openKuboStore({ url }), ContentStoreUnavailableError);
    expect(error.url).to.equal(url);
    expect(error.message).to.contain(url);
    expect(error.reason).to.match(/ECONNREFUSED/);
  });

  it("reports a daemon that went away as ContentStoreUnavailableError, not as missing content", async function () {
    const kubo = await startFakeKubo();
    const store = await openKuboStore({ url: kubo.url });
    const cid = await store.put(utf8("then the daemon stopped"));
    await kubo.close();
    const error = await expectRejects(store.get(cid), ContentStoreUnavailableError);
    expect(error.url).to.equal(kubo.url);
  });
});

describe("openContentStore", function () {
  it("opens Kubo when given an RPC URL, the Helia store in a directory otherwise", async function () {
    const kubo = await startFakeKubo();
    const temp = await tempDir("open-store");
    try {
      const viaKubo = await openContentStore({ ipfsApi: kubo.url, dir: temp.dir });
      expect(viaKubo).to.be.instanceOf(KuboStore);
      expect(viaKubo.name).to.equal(`kubo:${kubo.url}`);
      await viaKubo.close();
      const viaHelia = await openContentStore({ dir: temp.dir });
      expect(viaHelia).to.be.instanceOf(HeliaStore);
      await viaHelia.close();
      const error = await expectRejects(openContentStore({}), StoreClusterConfigError);
      expect(error.field).to.equal("dir");
    } finally {
      await kubo.close();
      await temp.dispose();
    }
  });
});
