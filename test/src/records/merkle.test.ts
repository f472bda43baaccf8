import { expect } from "chai";
import { ethers } from "hardhat";
import fc from "fast-check";
import { SimpleMerkleTree, StandardMerkleTree } from "@openzeppelin/merkle-tree";
import {
  MerkleTree,
  RECORD_LEAF_TYPES,
  RecordFormatError,
  fromHex,
  hashPair,
  processProof,
  recordLeaf,
  recordLeafValues,
  toHex,
  verifyProof,
  type ChainRecord,
} from "../../../src/records";
import { communications } from "../anchor/fixtures";

function records(count: number, first = 0): ChainRecord[] {
  return communications(count, first).map((c, i) => ({ ...c, sequence: first + i }));
}

describe("anchor/merkle", () => {
  it("builds the same root and proofs as @openzeppelin/merkle-tree for 1..20, 33 and 256 leaves", () => {
    for (const size of [...Array.from({ length: 20 }, (_, i) => i + 1), 33, 256]) {
      const batch = records(size);
      const ours = MerkleTree.fromLeaves(batch.map(recordLeaf));
      const oz = StandardMerkleTree.of(batch.map(recordLeafValues), [...RECORD_LEAF_TYPES], { sortLeaves: false });
      expect(ours.rootHex, `root of ${size}`).to.equal(oz.root);
      expect(ours.size).to.equal(size);
      // every proof of the small trees, a spread of the big one (OpenZeppelin's getProof is slow)
      for (let i = 0; i < size; i += size > 33 ? 15 : 1) {
        expect(ours.proofHex(i), `proof ${i} of ${size}`).to.deep.equal(oz.getProof(i));
        expect(toHex(ours.leaf(i))).to.equal(oz.leafHash(recordLeafValues(batch[i])));
      }
    }
  });

  it("matches SimpleMerkleTree on arbitrary leaves, and every proof verifies", () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ minLength: 32, maxLength: 32 }), { minLength: 1, maxLength: 70 }),
        (leaves) => {
          const ours = MerkleTree.fromLeaves(leaves);
          const oz = SimpleMerkleTree.of(leaves, { sortLeaves: false });
          expect(ours.rootHex).to.equal(oz.root);
          leaves.forEach((leaf, i) => {
            expect(verifyProof(ours.root, leaf, ours.proof(i))).to.equal(true);
            expect(toHex(processProof(leaf, ours.proof(i)))).to.equal(oz.root);
          });
        },
      ),
      { numRuns: 60 },
    );
  });

  it("rejects a tampered leaf or sibling", () => {
    const batch = records(9);
    const tree = MerkleTree.fromLeaves(batch.map(recordLeaf));
    const proof = tree.proof(4);
    expect(verifyProof(tree.root, recordLeaf(batch[4]), proof)).to.equal(true);
    expect(verifyProof(tree.root, recordLeaf({ ...batch[4], bytes: batch[4].bytes + 1 }), proof)).to.equal(false);
    const tampered = proof.map((node) => node.slice());
    tampered[1][31] ^= 1;
    expect(verifyProof(tree.root, recordLeaf(batch[4]), tampered)).to.equal(false);
    expect(verifyProof(tree.root, recordLeaf(batch[4]), proof.slice(1))).to.equal(false);
  });

  it("hashes pairs commutatively, as OpenZeppelin's Hashes.commutativeKeccak256", () => {
    const a = fromHex(ethers.id("a"));
    const b = fromHex(ethers.id("b"));
    expect(toHex(hashPair(a, b))).to.equal(toHex(hashPair(b, a)));
    const [low, high] = ethers.id("a") < ethers.id("b") ? [a, b] : [b, a];
    expect(toHex(hashPair(a, b))).to.equal(ethers.keccak256(ethers.concat([low, high])));
  });

  it("agrees with OpenZeppelin MerkleProof on chain", async () => {
    const [admin] = await ethers.getSigners();
    const log = await ethers.deployContract("RecordLog", [admin.address]);
    await log.grantRole(await log.WRITER_ROLE(), admin.address);
    const batch = records(37);
    const tree = MerkleTree.fromLeaves(batch.map(recordLeaf));
    await log.appendBatch(tree.rootHex, 0, batch.length, "ipfs://batch");
    for (let i = 0; i < batch.length; i++) {
      const r = batch[i];
      expect(await log.verify(r.sequence, r.timestamp, r.from, r.to, r.bytes, tree.proofHex(i))).to.equal(true);
    }
    const r = batch[4];
    expect(await log.verify(3, r.timestamp, r.from, r.to, r.bytes, tree.proofHex(3))).to.equal(false);
  });

  it("refuses an empty tree, a leaf of the wrong size and an index outside the tree", () => {
    expect(() => MerkleTree.fromLeaves([])).to.throw(RecordFormatError, /at least one leaf/);
    expect(() => MerkleTree.fromLeaves([new Uint8Array(32), new Uint8Array(31)])).to.throw(
      RecordFormatError,
      /leaf 1 must be 32 bytes, got 31/,
    );
    const tree = MerkleTree.fromLeaves([new Uint8Array(32)]);
    expect(tree.proof(0)).to.deep.equal([]);
    expect(() => tree.proof(1)).to.throw(RecordFormatError, /leaf index 1 is outside the tree's 1 leaves/);
    expect(() => fromHex("0x123", "root")).to.throw(RecordFormatError, /root must be 0x-prefixed hex/);
  });
});
