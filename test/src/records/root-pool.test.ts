import { MerkleTree, recordLeaf, type ChainRecord } from "../../../src/records";
import { expect } from "chai";
import { BatchRootPool, RecordsError, RecordsOptionError } from "../../../src/records";
import { communications } from "../anchor/fixtures";

function records(count: number, first = 0): ChainRecord[] {
  return communications(count, first).map((c, i) => ({ ...c, sequence: first + i }));
}

describe("records/root-pool: batch roots in worker threads", function () {
  this.timeout(120_000);
  let pool: BatchRootPool;
  before(() => (pool = BatchRootPool.start(2)));
  after(() => pool.close());

  it("answers the same roots as the writer's own Merkle tree, for many batches at once", async () => {
    const batches = [1, 2, 3, 255, 1024, 7].map((size, i) => records(size, 1000 * i));
    const roots = await Promise.all(batches.map((batch) => pool.root(batch)));
    expect(roots).to.deep.equal(batches.map((batch) => MerkleTree.fromLeaves(batch.map(recordLeaf)).rootHex));
    expect(pool.size).to.equal(2);
  });

  it("reports a batch the workers cannot hash", async () => {
    let error: unknown;
    try {
      await pool.root([]);
    } catch (e) {
      error = e;
    }
    expect(error)
      .to.be.instanceOf(RecordsError)
      .with.property("message", "a worker could not hash a batch: a Merkle tree needs at least one leaf, got none");
  });

  it("needs a worker, and refuses work once closed", async () => {
    expect(() => BatchRootPool.start(0)).to.throw(
      RecordsOptionError,
      "--workers: a root pool needs at least one worker, got 0",
    );
    const closed = BatchRootPool.start(1);
    await closed.close();
    let error: unknown;
    try {
      await closed.root(records(1));
    } catch (e) {
      error = e;
    }
    expect(error).to.be.instanceOf(RecordsError).with.property("message", "the batch root pool is closed");
  });
});
