import {
  BatchStore,
  MerkleTree,
  RecordFormatError,
  RecordWriter,
  RecordWriterError,
  recordLeaf,
} from "../../../src/records";
import { chainProvider } from "../../../src/chains";
import path from "node:path";
import { expect } from "chai";
import { ethers } from "hardhat";
import { deployRecordLog } from "../../../src/anchor";
import { JsonRpcServer } from "hardhat/internal/hardhat-network/jsonrpc/server";
import { normalizeHardhatNetworkAccountsConfig } from "hardhat/internal/core/providers/util";
import hre from "hardhat";
import { communications, expectReject, inProcessChain, tempDir } from "../anchor/fixtures";

describe("anchor/record-writer", () => {
  let dir: string;
  let cleanup: () => void;
  beforeEach(() => ({ dir, cleanup } = tempDir()));
  afterEach(() => cleanup());

  async function setup() {
    const [admin, writer, stranger] = await ethers.getSigners();
    const log = await deployRecordLog(admin, [writer.address]);
    const store = new BatchStore(path.join(dir, "community-1"));
    return { log, address: await log.getAddress(), store, writer, stranger };
  }

  it("numbers, stores and appends a batch in one transaction", async () => {
    const { log, address, store, writer } = await setup();
    const rw = await RecordWriter.open(writer, address, store);
    expect(rw.nextSequence).to.equal(0);
    const appended = communications(5).map((c) => rw.append(c));
    expect(appended.map((r) => r.sequence)).to.deep.equal([0, 1, 2, 3, 4]);
    expect(rw.pending).to.equal(5);

    const flushed = (await rw.flush())!;
    const root = MerkleTree.fromLeaves(appended.map(recordLeaf)).rootHex;
    expect(flushed).to.include({
      batchId: 0,
      firstSequence: 0,
      count: 5,
      root,
      location: store.locationOf(0),
      file: store.pathOf(0),
    });
    await expect(flushed.tx)
      .to.emit(log, "BatchAppended")
      .withArgs(0n, root, 0n, 5n, store.locationOf(0), writer.address);
    expect(rw.pending).to.equal(0);
    expect((await store.read(0)).records).to.deep.equal(appended);
    expect((await log.batch(0)).root).to.equal(root);
    expect(await rw.flush()).to.equal(undefined);
  });

  it("writes many communications in batches of batchSize, and a reopened writer continues", async () => {
    const { log, address, store, writer } = await setup();
    const rw = await RecordWriter.open(writer, address, store, { batchSize: 1000 });
    const batches = await rw.write(communications(2500));
    expect(batches.map((b) => [b.batchId, b.firstSequence, b.count])).to.deep.equal([
      [0, 0, 1000],
      [1, 1000, 1000],
      [2, 2000, 500],
    ]);
    await Promise.all(batches.map((b) => b.tx.wait()));
    expect(await log.nextSequence()).to.equal(2500n);
    expect(await store.list()).to.deep.equal([0, 1, 2]);

    const again = await RecordWriter.open(writer, address, store, { batchSize: 1000 });
    expect(again.nextSequence).to.equal(2500);
    const [next] = await again.write(communications(3, 2500));
    expect([next.batchId, next.firstSequence, next.count]).to.deep.equal([3, 2500, 3]);
    await next.tx.wait();
    expect(await log.batchCount()).to.equal(4n);
  });

  it("writes the location a publisher returns", async () => {
    const { log, address, store, writer } = await setup();
    const published: number[] = [];
    const rw = await RecordWriter.open(writer, address, store, {
      gasLimit: 500_000n,
      locate: async (batch, file) => {
        expect(file).to.equal(store.pathOf(batch.batchId));
        published.push(batch.batchId);
        return `ipfs://cid-of-batch-${batch.batchId}`;
      },
    });
    rw.append(communications(1)[0]);
    await (await rw.flush())!.tx.wait();
    expect(published).to.deep.equal([0]);
    expect((await log.batch(0)).location).to.equal("ipfs://cid-of-batch-0");
  });

  it("stops with a RecordWriterError when the log refuses a batch", async () => {
    const { address, store, stranger } = await setup();
    const rw = await RecordWriter.open(stranger, address, store);
    communications(3).forEach((c) => rw.append(c));
    await expectReject(
      rw.flush(),
      RecordWriterError,
      /batch 0 \(records 0\.\.2\) could not be appended to RecordLog 0x[0-9a-fA-F]{40}: .*AccessControlUnauthorizedAccount/,
    );
    expect(() => rw.append(communications(1)[0])).to.throw(RecordWriterError, /open a new RecordWriter/);
  });

  it("rejects a bad communication without consuming a sequence number, and a bad batch size", async () => {
    const { address, store, writer } = await setup();
    const rw = await RecordWriter.open(writer, address, store);
    expect(() => rw.append({ timestamp: -5, from: "01", to: "02", bytes: 0 })).to.throw(
      RecordFormatError,
      /communication 0: field "timestamp"/,
    );
    expect(rw.nextSequence).to.equal(0);
    expect(rw.pending).to.equal(0);
    await expectReject(
      RecordWriter.open(writer, address, store, { batchSize: 0 }),
      RecordFormatError,
      /batchSize must be an integer/,
    );
  });

  describe("batchRoot and pipeline", () => {
    /** A writer account that signs locally (pipelining needs one), funded and holding WRITER_ROLE. */
    async function localWriter() {
      const { log, address, store } = await setup();
      const [admin] = await ethers.getSigners();
      const wallet = ethers.Wallet.createRandom().connect(ethers.provider);
      await (await admin.sendTransaction({ to: wallet.address, value: ethers.parseEther("10") })).wait();
      await (await log.grantRole(await log.WRITER_ROLE(), wallet.address)).wait();
      return { log, address, store, wallet };
    }

    it("takes batch roots from batchRoot, hashing nothing itself", async () => {
      const { log, address, store, writer } = await setup();
      const asked: number[][] = [];
      const rw = await RecordWriter.open(writer, address, store, {
        batchRoot: async (records) => {
          asked.push(records.map((r) => r.sequence));
          return MerkleTree.fromLeaves(records.map(recordLeaf)).rootHex;
        },
      });
      const appended = communications(3).map((c) => rw.append(c));
      const flushed = (await rw.flush())!;
      await flushed.tx.wait();
      expect(asked).to.deep.equal([[0, 1, 2]]);
      expect((await log.batch(0)).root)
        .to.equal(MerkleTree.fromLeaves(appended.map(recordLeaf)).rootHex)
        .and.to.equal(flushed.root);
    });

    it("keeps several batches in flight: sent in flush order with the nonces it manages, each its own transaction", async () => {
      const { log, address, store, wallet } = await localWriter();
      const rw = await RecordWriter.open(wallet, address, store, { batchSize: 10, pipeline: 4, gasLimit: 500_000n });
      const batches = await rw.write(communications(95));
      expect(batches.map((b) => [b.batchId, b.firstSequence, b.count])).to.deep.equal(
        Array.from({ length: 10 }, (_, i) => [i, 10 * i, i === 9 ? 5 : 10]),
      );
      const receipts = await Promise.all(batches.map((b) => b.tx.wait()));
      expect(batches.map((b) => b.tx.nonce)).to.deep.equal([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      expect(receipts.every((r) => r!.status === 1)).to.equal(true);
      expect(await log.nextSequence()).to.equal(95n);
      for (const batch of batches) expect((await log.batch(batch.batchId)).root).to.equal(batch.root);

      // a reopened pipelined writer continues from the account's nonce and the log's counters
      const again = await RecordWriter.open(wallet, address, store, { batchSize: 10, pipeline: 4, gasLimit: 500_000n });
      const [next] = await again.write(communications(3, 95));
      expect([next.batchId, next.firstSequence, next.tx.nonce]).to.deep.equal([10, 95, 10]);
      await next.tx.wait();
      expect(await log.nextSequence()).to.equal(98n);
    });

    it("over HTTP, sends the batches ready together as one JSON-RPC batch request, and again in order those a node took out of order", async () => {
      const chain = await inProcessChain(31_777);
      const server = new JsonRpcServer({ hostname: "127.0.0.1", port: 0, provider: chain.eip1193 });
      const { port } = await server.listen();
      const provider = chainProvider({ rpc: `http://127.0.0.1:${port}`, chainId: 31_777, name: "http" });
      const grouped: number[] = [];
      const send = provider._send.bind(provider);
      provider._send = async (payload) => {
        if (Array.isArray(payload)) grouped.push(payload.filter((p) => p.method === "eth_sendRawTransaction").length);
        return send(payload);
      };
      try {
        const key = normalizeHardhatNetworkAccountsConfig(hre.config.networks.hardhat.accounts)[1].privateKey;
        const wallet = new ethers.Wallet(key, provider);
        const log = await deployRecordLog(await chain.signer(0), [wallet.address]);
        const rw = await RecordWriter.open(wallet, await log.getAddress(), new BatchStore(path.join(dir, "http")), {
          batchSize: 5,
          pipeline: 8,
          gasLimit: 500_000n,
        });
        const batches = await rw.write(communications(60));
        const receipts = await Promise.all(batches.map((b) => b.tx.wait()));
        expect(Math.max(...grouped)).to.be.greaterThan(1);
        // a plain Hardhat node runs a batch's calls concurrently: later nonces it took first were refused and sent again
        expect(grouped.reduce((a, b) => a + b, 0)).to.be.at.least(12);
        expect(batches.map((b) => b.tx.nonce)).to.deep.equal([...Array(12).keys()]);
        expect(receipts.map((r) => r!.blockNumber)).to.satisfy((blocks: number[]) =>
          blocks.every((b, i) => i === 0 || b > blocks[i - 1]),
        );
        expect(await log.nextSequence()).to.equal(60n);
      } finally {
        provider.destroy();
        await server.close();
      }
    });

    it("fails every batch of a pipelined writer the log refuses, naming the first", async () => {
      const { address, store } = await setup();
      const [admin] = await ethers.getSigners();
      const stranger = ethers.Wallet.createRandom().connect(ethers.provider);
      await (await admin.sendTransaction({ to: stranger.address, value: ethers.parseEther("1") })).wait();
      const rw = await RecordWriter.open(stranger, address, store, { batchSize: 2, pipeline: 3, gasLimit: 500_000n });
      const flushes = [0, 1, 2].map((i) => {
        communications(2, 2 * i).forEach((c) => rw.append(c));
        return rw.flush();
      });
      const outcomes = await Promise.allSettled(flushes);
      const reasons = outcomes.map((o) => (o.status === "rejected" ? (o.reason as Error).message : "sent"));
      for (const reason of reasons)
        expect(reason).to.match(
          /^batch 0 \(records 0\.\.1\) could not be appended to RecordLog 0x[0-9a-fA-F]{40}: .*AccessControlUnauthorizedAccount/,
        );
    });

    it("needs a gas limit and a positive pipeline", async () => {
      const { address, store, writer } = await setup();
      await expectReject(
        RecordWriter.open(writer, address, store, { pipeline: 2 }),
        RecordFormatError,
        /^pipeline 2 needs a gasLimit: a batch's gas cannot be estimated before the batch before it is mined$/,
      );
      await expectReject(
        RecordWriter.open(writer, address, store, { pipeline: 0, gasLimit: 1n }),
        RecordFormatError,
        /^pipeline must be a positive integer, got 0$/,
      );
    });
  });
});
