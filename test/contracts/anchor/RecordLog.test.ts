import { MerkleTree, recordLeaf, toHex, type ChainRecord } from "../../../src/records";
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { batchRangeSlot, batchRootSlot, countersSlot } from "../../../src/records/record-log-layout";
import { RECORD_LEAF_TYPES, recordLeafValues } from "../../../src/records/record";

const LOCATION = "ipfs://bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi";
/** A realistic file: location, as a batch store under a project directory writes it. */
const FILE_LOCATION = "file:///home/operator/plant-7/.commchain/batches/community-12/batch-00004711.json";

function records(first: number, count: number): ChainRecord[] {
  return Array.from({ length: count }, (_, i) => ({
    sequence: first + i,
    timestamp: 1_700_000_000_000 + 1_000 * (first + i),
    from: String((i % 44) + 1).padStart(2, "0"),
    to: String(((i + 7) % 44) + 1).padStart(2, "0"),
    bytes: 64 + ((first + i) % 1_500),
  }));
}

function tree(batch: ChainRecord[]): MerkleTree {
  return MerkleTree.fromLeaves(batch.map(recordLeaf));
}

async function deployRecordLog() {
  const [admin, writer, stranger] = await ethers.getSigners();
  const log = await ethers.deployContract("RecordLog", [admin.address]);
  await log.grantRole(await log.WRITER_ROLE(), writer.address);
  return { log, admin, writer, stranger };
}

/** Three batches of 3, 1 and 5 records (ids 0..8). */
async function deployWithBatches() {
  const base = await deployRecordLog();
  const batches = [records(0, 3), records(3, 1), records(4, 5)];
  for (const [i, batch] of batches.entries()) {
    await base.log
      .connect(base.writer)
      .appendBatch(tree(batch).rootHex, batch[0].sequence, batch.length, `${LOCATION}/${i}`);
  }
  return { ...base, batches };
}

describe("RecordLog", () => {
  describe("deployment", () => {
    it("gives the admin the admin role only and starts empty", async () => {
      const { log, admin } = await loadFixture(deployRecordLog);
      expect(await log.hasRole(await log.DEFAULT_ADMIN_ROLE(), admin.address)).to.equal(true);
      expect(await log.hasRole(await log.WRITER_ROLE(), admin.address)).to.equal(false);
      expect(await log.WRITER_ROLE()).to.equal(ethers.id("WRITER_ROLE"));
      expect(await log.MAX_LOCATION_LENGTH()).to.equal(256n);
      expect(await log.nextSequence()).to.equal(0n);
      expect(await log.batchCount()).to.equal(0n);
    });

    it("keeps its state at the ERC-7201 slot of commchain.storage.RecordLog", async () => {
      const { log } = await loadFixture(deployRecordLog);
      const inner = BigInt(ethers.id("commchain.storage.RecordLog")) - 1n;
      const slot = BigInt(ethers.keccak256(ethers.AbiCoder.defaultAbiCoder().encode(["uint256"], [inner]))) & ~0xffn;
      expect(BigInt(await log.RECORD_LOG_STORAGE_SLOT())).to.equal(slot);
    });
  });

  describe("appendBatch", () => {
    it("stores the batch, advances the counters and emits BatchAppended", async () => {
      const { log, writer } = await loadFixture(deployRecordLog);
      const batch = records(0, 4);
      const root = tree(batch).rootHex;
      await expect(log.connect(writer).appendBatch(root, 0, 4, LOCATION))
        .to.emit(log, "BatchAppended")
        .withArgs(0n, root, 0n, 4n, LOCATION, writer.address);
      const stored = await log.batch(0);
      expect(stored.root).to.equal(root);
      expect(stored.firstSequence).to.equal(0n);
      expect(stored.count).to.equal(4n);
      expect(stored.location).to.equal(LOCATION);
      expect(await log.nextSequence()).to.equal(4n);
      expect(await log.batchCount()).to.equal(1n);

      const next = records(4, 2);
      await expect(log.connect(writer).appendBatch(tree(next).rootHex, 4, 2, FILE_LOCATION))
        .to.emit(log, "BatchAppended")
        .withArgs(1n, tree(next).rootHex, 4n, 2n, FILE_LOCATION, writer.address);
      expect(await log.nextSequence()).to.equal(6n);
      expect(await log.batchCount()).to.equal(2n);
    });

    it("lays out root, range and counters where the light client reads them", async () => {
      const { log, batches } = await loadFixture(deployWithBatches);
      const address = await log.getAddress();
      for (const [id, batch] of batches.entries()) {
        expect(await ethers.provider.getStorage(address, batchRootSlot(id))).to.equal(tree(batch).rootHex);
        const range = BigInt(await ethers.provider.getStorage(address, batchRangeSlot(id)));
        expect(range).to.equal(BigInt(batch[0].sequence) | (BigInt(batch.length) << 64n));
      }
      expect(BigInt(await ethers.provider.getStorage(address, countersSlot()))).to.equal(9n | (3n << 64n));
    });

    it("reverts for a caller without WRITER_ROLE", async () => {
      const { log, admin, stranger } = await loadFixture(deployRecordLog);
      for (const caller of [admin, stranger]) {
        await expect(log.connect(caller).appendBatch(ethers.id("root"), 0, 1, LOCATION))
          .to.be.revertedWithCustomError(log, "AccessControlUnauthorizedAccount")
          .withArgs(caller.address, await log.WRITER_ROLE());
      }
    });

    it("reverts unless the first sequence is the next one", async () => {
      const { log, writer } = await loadFixture(deployWithBatches);
      await expect(log.connect(writer).appendBatch(ethers.id("root"), 8, 1, LOCATION))
        .to.be.revertedWithCustomError(log, "RecordLogSequenceMismatch")
        .withArgs(9n, 8n);
      await expect(log.connect(writer).appendBatch(ethers.id("root"), 10, 1, LOCATION))
        .to.be.revertedWithCustomError(log, "RecordLogSequenceMismatch")
        .withArgs(9n, 10n);
    });

    it("reverts for an empty batch, a zero root and a missing or too long location", async () => {
      const { log, writer } = await loadFixture(deployWithBatches);
      await expect(log.connect(writer).appendBatch(ethers.id("root"), 9, 0, LOCATION))
        .to.be.revertedWithCustomError(log, "RecordLogEmptyBatch")
        .withArgs(3n);
      await expect(log.connect(writer).appendBatch(ethers.ZeroHash, 9, 1, LOCATION))
        .to.be.revertedWithCustomError(log, "RecordLogZeroRoot")
        .withArgs(3n);
      await expect(log.connect(writer).appendBatch(ethers.id("root"), 9, 1, ""))
        .to.be.revertedWithCustomError(log, "RecordLogInvalidLocation")
        .withArgs(0n, 256n);
      await expect(log.connect(writer).appendBatch(ethers.id("root"), 9, 1, "x".repeat(257)))
        .to.be.revertedWithCustomError(log, "RecordLogInvalidLocation")
        .withArgs(257n, 256n);
      await expect(log.connect(writer).appendBatch(ethers.id("root"), 9, 1, "x".repeat(256))).to.emit(
        log,
        "BatchAppended",
      );
    });

    it("stops accepting batches from a writer whose role is revoked", async () => {
      const { log, admin, writer } = await loadFixture(deployRecordLog);
      await log.connect(admin).revokeRole(await log.WRITER_ROLE(), writer.address);
      await expect(log.connect(writer).appendBatch(ethers.id("root"), 0, 1, LOCATION)).to.be.revertedWithCustomError(
        log,
        "AccessControlUnauthorizedAccount",
      );
    });
  });

  describe("views", () => {
    it("batch reverts for an id not appended yet", async () => {
      const { log } = await loadFixture(deployWithBatches);
      await expect(log.batch(3)).to.be.revertedWithCustomError(log, "RecordLogUnknownBatch").withArgs(3n, 3n);
    });

    it("batchOf finds the batch of every record and reverts beyond the last", async () => {
      const { log, batches } = await loadFixture(deployWithBatches);
      for (const [id, batch] of batches.entries()) {
        for (const record of batch) expect(await log.batchOf(record.sequence)).to.equal(BigInt(id));
      }
      await expect(log.batchOf(9)).to.be.revertedWithCustomError(log, "RecordLogUnknownRecord").withArgs(9n, 9n);
    });

    it("batchOf reverts on an empty log", async () => {
      const { log } = await loadFixture(deployRecordLog);
      await expect(log.batchOf(0)).to.be.revertedWithCustomError(log, "RecordLogUnknownRecord").withArgs(0n, 0n);
    });

    it("leafHash equals the off-chain leaf and OpenZeppelin's StandardMerkleTree leaf", async () => {
      const { log } = await loadFixture(deployRecordLog);
      const record: ChainRecord = {
        sequence: 2 ** 40,
        timestamp: Date.UTC(2024, 0, 1),
        from: "pump-ä-7",
        to: "x".repeat(70),
        bytes: 0,
      };
      const oz = StandardMerkleTree.of([recordLeafValues(record)], [...RECORD_LEAF_TYPES]);
      const onChain = await log.leafHash(record.sequence, record.timestamp, record.from, record.to, record.bytes);
      expect(onChain).to.equal(toHex(recordLeaf(record)));
      expect(onChain).to.equal(oz.leafHash(recordLeafValues(record)));
    });

    it("verify accepts every record's off-chain proof (OpenZeppelin MerkleProof) and rejects others", async () => {
      const { log, batches } = await loadFixture(deployWithBatches);
      for (const batch of batches) {
        const t = tree(batch);
        for (const [i, record] of batch.entries()) {
          expect(
            await log.verify(record.sequence, record.timestamp, record.from, record.to, record.bytes, t.proofHex(i)),
          ).to.equal(true);
        }
      }
      const big = batches[2];
      const t = tree(big);
      // a record's proof against another record's id (another batch), and a tampered leaf
      const other = big[1];
      expect(await log.verify(0, other.timestamp, other.from, other.to, other.bytes, t.proofHex(1))).to.equal(false);
      expect(
        await log.verify(other.sequence, other.timestamp, other.from, other.to, other.bytes + 1, t.proofHex(1)),
      ).to.equal(false);
      await expect(log.verify(9, big[0].timestamp, big[0].from, big[0].to, big[0].bytes, []))
        .to.be.revertedWithCustomError(log, "RecordLogUnknownRecord")
        .withArgs(9n, 9n);
    });
  });

  describe("gas", () => {
    it("costs at most 1,000 gas per record at batch size 256", async () => {
      const { log, writer } = await loadFixture(deployRecordLog);
      const perRecord: Record<number, number> = {};
      let next = 0;
      for (const size of [1, 64, 256]) {
        const batch = records(next, size);
        const receipt = await (
          await log.connect(writer).appendBatch(tree(batch).rootHex, next, size, FILE_LOCATION)
        ).wait();
        perRecord[size] = Number(receipt!.gasUsed) / size;
        next += size;
      }
      console.log(
        `      RecordLog gas per record (location ${FILE_LOCATION.length} bytes): ${JSON.stringify(perRecord)}`,
      );
      expect(perRecord[256]).to.be.at.most(1_000);
      expect(perRecord[1]).to.be.greaterThan(perRecord[64]);
      expect(perRecord[64]).to.be.greaterThan(perRecord[256]);
    });
  });
});
