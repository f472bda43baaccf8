import {
  BatchStore,
  BatchStoreError,
  MerkleTree,
  RecordFormatError,
  recordLeaf,
  type StoredBatch,
} from "../../../src/records";
import fs from "node:fs";
import path from "node:path";
import { expect } from "chai";
import { communications, expectReject, tempDir } from "../anchor/fixtures";

function batch(batchId: number, firstSequence: number, count: number): StoredBatch {
  const records = communications(count, firstSequence).map((c, i) => ({ ...c, sequence: firstSequence + i }));
  return {
    chainId: 31001,
    recordLog: "0x5FbDB2315678afecb367f032d93F642f64180aa3",
    batchId,
    firstSequence,
    root: MerkleTree.fromLeaves(records.map(recordLeaf)).rootHex,
    records,
  };
}

describe("anchor/batch-store", () => {
  let dir: string;
  let cleanup: () => void;
  beforeEach(() => ({ dir, cleanup } = tempDir()));
  afterEach(() => cleanup());

  it("writes a batch file and reads the same batch back", async () => {
    const store = new BatchStore(path.join(dir, "community-1"));
    const written = batch(3, 768, 50);
    const file = await store.write(written);
    expect(file).to.equal(path.join(dir, "community-1", "batch-00000003.json"));
    const raw = JSON.parse(fs.readFileSync(file, "utf8"));
    expect(raw).to.include({ version: 1, chainId: 31001, batchId: 3, firstSequence: 768, root: written.root });
    expect(raw.records[0]).to.deep.equal([
      written.records[0].timestamp,
      written.records[0].from,
      written.records[0].to,
      written.records[0].bytes,
    ]);
    expect(await store.read(3)).to.deep.equal(written);
    expect(fs.readdirSync(path.dirname(file))).to.deep.equal(["batch-00000003.json"]);
  });

  it("gives each batch a file: location relative to the store that resolves to its file", () => {
    const store = new BatchStore(dir);
    expect(store.locationOf(12)).to.equal("file:batch-00000012.json");
    expect(store.resolveLocation(store.locationOf(12))).to.equal(store.pathOf(12));
  });

  it("lists and finds stored batches", async () => {
    const store = new BatchStore(dir);
    expect(await store.list()).to.deep.equal([]);
    expect(await new BatchStore(path.join(dir, "missing")).list()).to.deep.equal([]);
    await store.write(batch(1, 10, 2));
    await store.write(batch(0, 0, 10));
    await store.write(batch(10, 12, 1));
    expect(await store.list()).to.deep.equal([0, 1, 10]);
    expect(await store.has(1)).to.equal(true);
    expect(await store.has(2)).to.equal(false);
  });

  it("replaces a batch file whole", async () => {
    const store = new BatchStore(dir);
    await store.write(batch(0, 0, 300));
    const smaller = batch(0, 0, 2);
    await store.write(smaller);
    expect(await store.read(0)).to.deep.equal(smaller);
    expect(fs.readdirSync(dir)).to.deep.equal(["batch-00000000.json"]);
  });

  it("reports a missing batch, bad JSON, a wrong id and tampered records, naming the file", async () => {
    const store = new BatchStore(dir);
    await expectReject(store.read(4), BatchStoreError, /batch-00000004\.json: batch 4 is not in the store/);

    fs.writeFileSync(store.pathOf(5), "{ not json");
    await expectReject(store.read(5), BatchStoreError, /batch-00000005\.json: not valid JSON/);

    const file = await store.write(batch(6, 0, 3));
    fs.renameSync(file, store.pathOf(7));
    await expectReject(store.read(7), BatchStoreError, /batch-00000007\.json: field "batchId" must be 7, got 6/);

    const tampered = JSON.parse(fs.readFileSync(await store.write(batch(8, 0, 3)), "utf8"));
    tampered.records[1][3] += 1;
    fs.writeFileSync(store.pathOf(8), JSON.stringify(tampered));
    await expectReject(
      store.read(8),
      BatchStoreError,
      /batch-00000008\.json: field "root" is 0x[0-9a-f]{64} but the records hash to 0x/,
    );

    tampered.records[1][1] = "";
    fs.writeFileSync(store.pathOf(8), JSON.stringify(tampered));
    await expectReject(store.read(8), RecordFormatError, /batch-00000008\.json: records\[1\]: field "from"/);
  });
});
