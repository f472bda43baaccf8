// Security review L7 (the parts of this stream): prime-shamir accepted t = 0, which makes every
// share equal the secret, and the `file:` location written on chain for a record batch was an
// absolute host path. Run against a9c0a2f these fail: share(secret, 3, 0) returned three copies
// of the secret, and the location was file:///<absolute path>.
import { expect } from "chai";
import { share } from "../../src/crypto/prime-shamir";
import { InvalidThresholdError } from "../../src/crypto/errors";
import { BatchStore } from "../../src/records/batch-store";
import { MerkleTree } from "../../src/records/merkle";
import { recordLeaf } from "../../src/records/record";
import fsp from "node:fs/promises";
import os from "node:os";
import path from "node:path";

describe("security L7: prime-field Shamir refuses degenerate thresholds", function () {
  it("refuses t = 0, which would hand every holder the secret", function () {
    expect(() => share(42n, 3, 0)).to.throw(InvalidThresholdError, /t must be at least 1/);
  });

  it("refuses t >= n (fewer holders than t+1 could never reconstruct)", function () {
    expect(() => share(42n, 3, 3)).to.throw(InvalidThresholdError, /n must be at least t\+1/);
  });

  it("still shares with 1 <= t < n, and no single share is the secret", function () {
    const shares = share(42n, 3, 1);
    expect(shares.map((s) => s.x)).to.deep.equal([1n, 2n, 3n]);
    expect(shares.some((s) => s.y === 42n)).to.equal(false);
  });
});

describe("security L7: batch locations on chain name no host path", function () {
  it("writes a location relative to the batch store, without the store's absolute directory", function () {
    const dir = "/home/operator/secret-project/.commchain/batches";
    const location = new BatchStore(dir).locationOf(3);
    expect(location).to.not.contain("/home/operator");
    expect(location).to.match(/^file:batch-0+3\.json$/);
  });
});

// Review L7: BatchStore.write renamed its temp file into place but never fsynced the directory,
// so after a power cut the batch (whose root is already on chain) could be missing. Run against
// 7c073a0 this fails: the log holds the rename and no directory sync.
describe("security L7: a written batch's directory entry is flushed after the rename", function () {
  const originalOpen = fsp.open;
  const originalRename = fsp.rename;
  let dir: string;
  let log: string[];

  beforeEach(async function () {
    dir = await fsp.mkdtemp(path.join(os.tmpdir(), "commchain-L7-"));
    log = [];
    // Every fs/promises call the store and the atomic writer make goes through these properties,
    // so wrapping them records the order of renames and directory syncs without a fake file system.
    fsp.rename = async (from, to) => {
      await originalRename(from, to);
      log.push(`rename ${path.basename(String(to))}`);
    };
    fsp.open = async (file, ...rest) => {
      const handle = await originalOpen(file, ...rest);
      if ((await handle.stat()).isDirectory()) {
        const sync = handle.sync.bind(handle);
        handle.sync = async () => {
          await sync();
          log.push(`sync directory ${String(file)}`);
        };
      }
      return handle;
    };
  });

  afterEach(async function () {
    fsp.open = originalOpen;
    fsp.rename = originalRename;
    await fsp.rm(dir, { recursive: true, force: true });
  });

  it("fsyncs the store's directory after renaming the batch file into place", async function () {
    const store = new BatchStore(path.join(dir, "batches", "c1"));
    const record = { sequence: 0, timestamp: 1_700_000_000_000, from: "a", to: "b", bytes: 1 };
    const root = MerkleTree.fromLeaves([recordLeaf(record)]).rootHex;
    const file = await store.write({
      chainId: 31001,
      recordLog: "0x" + "11".repeat(20),
      batchId: 0,
      firstSequence: 0,
      root,
      records: [record],
    });

    const renamed = log.indexOf(`rename ${path.basename(file)}`);
    const synced = log.indexOf(`sync directory ${path.dirname(file)}`);
    expect(renamed, log.join("; ")).to.be.at.least(0);
    expect(synced, log.join("; ")).to.be.greaterThan(renamed);
    expect((await store.read(0)).root).to.equal(root);
  });
});
