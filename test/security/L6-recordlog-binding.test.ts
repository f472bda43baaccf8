import { MerkleTree, recordLeaf, type ChainRecord } from "../../src/records";
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { communications } from "../src/anchor/fixtures";

async function deployWithBatch() {
  const [admin] = await ethers.getSigners();
  const log = await ethers.deployContract("RecordLog", [admin.address]);
  await log.grantRole(await log.WRITER_ROLE(), admin.address);
  const records: ChainRecord[] = communications(6).map((c, i) => ({ ...c, sequence: i }));
  const tree = MerkleTree.fromLeaves(records.map(recordLeaf));
  await log.appendBatch(tree.rootHex, 0, records.length, "ipfs://batch");
  return { log, records, tree };
}

describe("security L6: RecordLog.verify binds the leaf to the record id", () => {
  it("a valid proof of record A presented as record B of the same batch is refused", async () => {
    const { log, records, tree } = await loadFixture(deployWithBatch);
    const a = records[2];
    expect(await log.verify(a.sequence, a.timestamp, a.from, a.to, a.bytes, tree.proofHex(2))).to.equal(true);
    for (const b of [0, 1, 3, 5]) {
      expect(await log.verify(b, a.timestamp, a.from, a.to, a.bytes, tree.proofHex(2))).to.equal(false);
    }
  });
});
