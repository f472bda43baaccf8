import { RecordWriter, type ChainRecord } from "../../../src/records";
import { expect } from "chai";
import { ethers } from "hardhat";
import {
  FullNodeProver,
  LightClient,
  Relay,
  VerificationError,
  fetchHeader,
  verifyRecordProof,
  verifySlotProof,
  type Anchor,
  type RecordProof,
  type VerificationFailure,
} from "../../../src/anchor";
import { countersSlot } from "../../../src/records/record-log-layout";
import { community, communications, expectReject, mainHub, tempDir, type TestCommunity } from "./fixtures";

/** A copy of `proof` changed by `change` (proofs are plain JSON). */
function tampered(proof: RecordProof, change: (p: { -readonly [K in keyof RecordProof]: any }) => void): RecordProof {
  const copy = JSON.parse(JSON.stringify(proof));
  change(copy);
  return copy;
}

/** `hex` with one bit flipped in the byte at `offset` (from the end if negative). */
function flip(hex: string, offset: number): string {
  const bytes = ethers.getBytes(hex);
  bytes[offset < 0 ? bytes.length + offset : offset] ^= 0x01;
  return ethers.hexlify(bytes);
}

async function expectInvalid(promise: Promise<unknown>, reason: VerificationFailure, message: RegExp): Promise<void> {
  const error = await expectReject(promise, VerificationError, message);
  expect(error.reason).to.equal(reason);
}

describe("anchor/light-client", () => {
  let cleanup: () => void;
  let c1: TestCommunity;
  let written: ChainRecord[];
  let anchor: Anchor;
  let client: LightClient;
  let relay: Relay;
  let prover: FullNodeProver;

  /** One community chain with 3 batches (100, 37, 256 records), anchored once on the main chain. */
  before(async () => {
    const temp = tempDir();
    cleanup = temp.cleanup;
    c1 = await community("community-1", 31_001, temp.dir);
    const { hub, relayerHub } = await mainHub();
    await hub.registerChain(c1.chain.chainId, 0, (await fetchHeader(c1.chain.rpc, 0n)).hash);

    const writer = await RecordWriter.open(c1.writer, c1.recordLog, c1.store);
    written = [];
    for (const [size, seed] of [
      [100, 0],
      [37, 100],
      [256, 137],
    ]) {
      for (const c of communications(size, seed)) written.push(writer.append(c));
      await (await writer.flush())!.tx.wait();
    }
    relay = new Relay({ hub: relayerHub, chains: [{ name: c1.name, chainId: c1.chain.chainId, rpc: c1.chain.rpc }] });
    expect((await relay.round())[0].status).to.equal("anchored");

    client = await LightClient.load(hub.connect(ethers.provider));
    anchor = client.latestAnchor(c1.chain.chainId)!;
    prover = new FullNodeProver(c1.chain.rpc, c1.recordLog, c1.store);
  });
  after(() => cleanup());

  it("keeps only the main chain's anchors, as the hub holds them", async () => {
    expect(client.chains()).to.deep.equal([31_001]);
    const head = await fetchHeader(c1.chain.rpc, "latest");
    expect(anchor).to.include({
      chainId: 31_001,
      height: Number(head.number),
      blockHash: head.hash,
      stateRoot: head.stateRoot,
      parentHash: head.parentHash,
    });
    expect(client.anchorsOf(31_001)).to.have.length(1);
    expect(client.anchorsOf(31_002)).to.deep.equal([]);
  });

  it("verifies records of every batch against the anchored state root: VALID", async () => {
    for (const id of [0, 57, 99, 100, 136, 137, 300, 392]) {
      const verified = await client.verifyRecord(31_001, c1.recordLog, id, prover);
      expect(verified.record).to.deep.equal(written[id]);
      expect(verified.anchor).to.equal(anchor);
      expect(verified.batchId).to.equal(id < 100 ? 0 : id < 137 ? 1 : 2);
      expect(verified.index).to.equal(id - [0, 100, 137][verified.batchId]);
      expect(verified.root).to.equal((await c1.log.batch(verified.batchId)).root);
    }
  });

  it("verifies against an anchor older than the chain's head (eth_getProof at a past block)", async () => {
    const writer = await RecordWriter.open(c1.writer, c1.recordLog, c1.store);
    writer.append(communications(1, 999)[0]);
    await (await writer.flush())!.tx.wait();
    await c1.chain.mine(3);
    const head = Number((await fetchHeader(c1.chain.rpc, "latest")).number);
    expect(head).to.be.greaterThan(anchor.height);
    const proof = await prover.proveRecord(42, anchor.height);
    expect(proof.blockNumber).to.equal(anchor.height);
    expect((await verifyRecordProof(anchor, c1.recordLog, 42, proof)).record).to.deep.equal(written[42]);
    // the same record proven at the head does not match the older anchor's state root
    const atHead = await prover.proveRecord(42, head);
    await expectInvalid(
      verifyRecordProof(anchor, c1.recordLog, 42, { ...atHead, blockNumber: anchor.height }),
      "account-proof",
      /does not lead to chain 31001's anchored state root/,
    );
  });

  it("rejects a record written after the last anchor, and verifies it once the chain is anchored again", async () => {
    const id = 393; // written by the previous test, after the anchor
    await expectInvalid(
      client.verifyRecord(31_001, c1.recordLog, id, prover),
      "record-not-anchored",
      /^record 393 was written after the last anchor: chain 31001 held 393 records at its anchored block \d+; anchor the chain again$/,
    );
    await relay.round();
    expect(await client.sync()).to.have.length(1);
    const verified = await client.verifyRecord(31_001, c1.recordLog, id, prover);
    expect(verified.anchor.height).to.be.greaterThan(anchor.height);
    expect(verified.record.sequence).to.equal(id);
  });

  it("rejects a record never written", async () => {
    await expectInvalid(
      client.verifyRecord(31_001, c1.recordLog, 5_000, prover),
      "record-never-written",
      /^record 5000 was never written: chain 31001 held 394 records at its anchored block \d+$/,
    );
  });

  it("rejects a record of a chain that is not anchored yet", async () => {
    await expectInvalid(
      client.verifyRecord(31_002, c1.recordLog, 0, prover),
      "chain-not-anchored",
      /^chain 31002 has no checkpoint anchored on the AnchorHub yet$/,
    );
  });

  it("verifies any storage slot of the chain against the anchor, and refuses a changed value or another account", async () => {
    const slot = countersSlot();
    const verified = await client.verifySlot(c1.chain.chainId, c1.recordLog, slot, c1.chain.rpc, "RecordLog");
    const latest = client.latestAnchor(c1.chain.chainId)!;
    const at = `0x${latest.height.toString(16)}`;
    const onChain = BigInt((await c1.chain.rpc.send("eth_getStorageAt", [c1.recordLog, slot, at])) as string);
    expect(verified.value).to.equal(onChain);
    expect(verified.value).to.not.equal(0n);
    expect(verified.anchor).to.deep.equal(latest);
    const account = (await c1.chain.rpc.send("eth_getProof", [c1.recordLog, [slot], at])) as RecordProof["account"];
    const changed = JSON.parse(JSON.stringify(account));
    changed.storageProof[0].value = "0x1";
    await expectInvalid(
      verifySlotProof(latest, c1.recordLog, slot, changed, "RecordLog"),
      "storage-proof",
      /is proven to be \d+, the full node claims 1/,
    );
    await expectInvalid(
      verifySlotProof(latest, await c1.writer.getAddress(), slot, account, "DataToken"),
      "account-proof",
      /the account proof is for 0x[0-9a-fA-F]{40}, not the DataToken 0x/,
    );
  });

  describe("tampered proofs", () => {
    const id = 170;
    let proof: RecordProof;
    before(async () => {
      proof = await prover.proveRecord(id, anchor.height);
      expect((await verifyRecordProof(anchor, c1.recordLog, id, proof)).record).to.deep.equal(written[id]);
    });

    it("an account proof node changed: account-proof", async () => {
      for (const node of [0, -1]) {
        const bad = tampered(proof, (p) => {
          const nodes = p.account.accountProof;
          const at = node < 0 ? nodes.length + node : node;
          nodes[at] = flip(nodes[at], -3);
        });
        await expectInvalid(
          verifyRecordProof(anchor, c1.recordLog, id, bad),
          "account-proof",
          /account proof does not lead to chain 31001's anchored state root/,
        );
      }
      await expectInvalid(
        verifyRecordProof(
          anchor,
          c1.recordLog,
          id,
          tampered(proof, (p) => (p.account.accountProof = [])),
        ),
        "account-proof",
        /the account proof is empty/,
      );
    });

    it("a forged storage root or another account: account-proof", async () => {
      await expectInvalid(
        verifyRecordProof(
          anchor,
          c1.recordLog,
          id,
          tampered(proof, (p) => (p.account.storageHash = ethers.id("forged"))),
        ),
        "account-proof",
        /proven storage root is 0x[0-9a-f]{64}, the full node claims 0x/,
      );
      await expectInvalid(
        verifyRecordProof(
          anchor,
          c1.recordLog,
          id,
          tampered(proof, (p) => (p.account.address = ethers.ZeroAddress)),
        ),
        "account-proof",
        /the account proof is for 0x0{40}, not the RecordLog/,
      );
    });

    it("a storage proof node or value changed: storage-proof", async () => {
      const bad = tampered(proof, (p) => {
        const nodes = p.account.storageProof[0].proof;
        nodes[nodes.length - 1] = flip(nodes[nodes.length - 1], -1);
      });
      await expectInvalid(
        verifyRecordProof(anchor, c1.recordLog, id, bad),
        "storage-proof",
        /storage proof of batch 2's root \(slot 0x[0-9a-f]{64}\) does not lead to the RecordLog's storage root/,
      );
      const badValue = tampered(proof, (p) => (p.account.storageProof[1].value = "0x1"));
      await expectInvalid(
        verifyRecordProof(anchor, c1.recordLog, id, badValue),
        "storage-proof",
        /batch 2's range \(slot 0x[0-9a-f]{64}\) is proven to be \d+, the full node claims 1/,
      );
      const missing = tampered(proof, (p) => p.account.storageProof.splice(2, 1));
      await expectInvalid(
        verifyRecordProof(anchor, c1.recordLog, id, missing),
        "storage-proof",
        /no storage proof for slot 0x[0-9a-f]{64} \(the log's counters\)/,
      );
    });

    it("a Merkle proof node changed, or the record changed: merkle-proof", async () => {
      const bad = tampered(proof, (p) => (p.inclusion.leafProof[2] = flip(p.inclusion.leafProof[2], 0)));
      await expectInvalid(
        verifyRecordProof(anchor, c1.recordLog, id, bad),
        "merkle-proof",
        /^record 170's Merkle proof leads to 0x[0-9a-f]{64}, not to batch 2's root 0x[0-9a-f]{64}$/,
      );
      const short = tampered(proof, (p) => p.inclusion.leafProof.pop());
      await expectInvalid(verifyRecordProof(anchor, c1.recordLog, id, short), "merkle-proof", /Merkle proof leads to/);
      const record = tampered(proof, (p) => (p.inclusion.record.bytes += 1));
      await expectInvalid(verifyRecordProof(anchor, c1.recordLog, id, record), "merkle-proof", /Merkle proof leads to/);
      const garbage = tampered(proof, (p) => (p.inclusion.leafProof[0] = "0x1234"));
      await expectInvalid(
        verifyRecordProof(anchor, c1.recordLog, id, garbage),
        "merkle-proof",
        /Merkle proof node 0 of record 170 is not a 32-byte hash/,
      );
    });

    it("a wrong batch root: wrong-root", async () => {
      // a consistent forgery: another batch's records, proof and root, claimed for this batch
      const other = await prover.proveRecord(20, anchor.height);
      const bad = tampered(
        proof,
        (p) =>
          (p.inclusion = {
            ...other.inclusion!,
            batchId: 2,
            index: id - 137,
            record: { ...other.inclusion!.record, sequence: id },
          }),
      );
      await expectInvalid(
        verifyRecordProof(anchor, c1.recordLog, id, bad),
        "wrong-root",
        /^batch 2's root is 0x[0-9a-f]{64} at the anchored block, the full node claims 0x[0-9a-f]{64}$/,
      );
    });

    it("another record, batch or leaf index than asked for: record-mismatch", async () => {
      const otherRecord = await prover.proveRecord(171, anchor.height);
      await expectInvalid(
        verifyRecordProof(anchor, c1.recordLog, id, { ...otherRecord, recordId: id, account: proof.account }),
        "record-mismatch",
        /record 170 is leaf 33 of batch 2, the full node says 34/,
      );
      const wrongSequence = tampered(otherRecord, (p) => (p.inclusion.index = 33));
      await expectInvalid(
        verifyRecordProof(anchor, c1.recordLog, id, { ...wrongSequence, account: proof.account }),
        "record-mismatch",
        /the full node served record 171 for record 170/,
      );
      const otherBatch = await prover.proveRecord(10, anchor.height);
      await expectInvalid(
        verifyRecordProof(anchor, c1.recordLog, id, otherBatch),
        "record-mismatch",
        /^record 170 is not in batch 0, which holds records 0\.\.99$/,
      );
      await expectInvalid(
        verifyRecordProof(anchor, c1.recordLog, id, { ...proof, inclusion: null }),
        "record-mismatch",
        /the full node served no record 170/,
      );
    });

    it("a proof made at another block than the anchor: block-mismatch", async () => {
      await expectInvalid(
        verifyRecordProof(anchor, c1.recordLog, id, { ...proof, blockNumber: anchor.height - 1 }),
        "block-mismatch",
        /the proof is made at block \d+ but the anchor of chain 31001 is at block \d+/,
      );
    });
  });
});
