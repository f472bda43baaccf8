import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import {
  BatchSendError,
  cutBatch,
  Level,
  Orderer,
  OrdererClosedError,
  OrdererOptionError,
  PoolFileError,
  RegistrationEntryError,
} from "../../../src/market";
import { dataHash, deployRegistry, signedEntry } from "../../contracts/market/fixture";
import { expectRejects } from "../offchain/helpers";

const CDT = (n: number) => ethers.parseEther(String(n));

describe("market: cutBatch", () => {
  const pool = [5, 1, 5, 9, 0, 3].map((fee, seq) => ({ fee: BigInt(fee), seq }));

  it("takes the best fees first, ties in arrival order, beside the Low quota", () => {
    const cut = cutBatch(pool, 3, { batchSize: 5, quota: 0.2 });
    expect(cut.high.map((e) => e.seq)).to.deep.equal([3, 0, 2, 5]);
    expect(cut.lowTaken).to.equal(1);
    expect(cut.rest.map((e) => e.seq)).to.deep.equal([1, 4]);
  });

  it("gives free seats to Low entries and takes all High ones when nothing else waits", () => {
    expect(cutBatch(pool.slice(0, 2), 9, { batchSize: 5, quota: 0.2 }).lowTaken).to.equal(3);
    const cut = cutBatch(pool.slice(0, 2), 0, { batchSize: 5, quota: 0.2 });
    expect([cut.high.length, cut.lowTaken]).to.deep.equal([2, 0]);
  });

  it("names bad parameters", () => {
    expect(() => cutBatch(pool, 0, { batchSize: 0, quota: 0.2 })).to.throw(
      OrdererOptionError,
      "batchSize: must be a positive integer, got 0",
    );
    expect(() => cutBatch(pool, 0, { batchSize: 5, quota: 0 })).to.throw(
      OrdererOptionError,
      "quota: must be in (0, 1], got 0",
    );
    expect(() => cutBatch(pool, -1, { batchSize: 5, quota: 0.2 })).to.throw(
      OrdererOptionError,
      "lowPending: must be a non-negative integer, got -1",
    );
  });
});

describe("market: Orderer service", () => {
  async function deployWithOrderer() {
    const f = await deployRegistry();
    return { ...f, registryAsOrderer: f.registry.connect(f.orderer) };
  }

  it("sends a batch as soon as batchSize entries wait, High by fee with the Low quota", async () => {
    const f = await loadFixture(deployWithOrderer);
    await f.registry.connect(f.carol).enqueueLow(dataHash(), await time.latest(), 0, 0);
    // A long timeout: only the size can cut here.
    const orderer = await Orderer.open(f.registryAsOrderer, { batchTimeout: 60_000 });
    expect(orderer.params).to.deep.equal({ batchSize: 5, quota: 0.2 });
    const fees = [1, 4, 2, 3, 9];
    const signed = [];
    for (const fee of fees) signed.push(await signedEntry(f, f.alice, CDT(fee)));
    const lowest = orderer.submit(signed[0]);
    const included = await Promise.all(signed.slice(1).map((s) => orderer.submit(s)));
    expect(included.map((i) => i.batchId)).to.deep.equal([1n, 1n, 1n, 1n]);
    // The lowest fee (1) lost its seat to the Low quota and waits for the next cut.
    expect(orderer.pending).to.equal(1);
    expect((await f.registry.registration(signed[0].entry.dataHash)).owner).to.equal(ethers.ZeroAddress);
    expect(await f.registry.lowPending()).to.equal(0n);
    await orderer.flush();
    expect((await lowest).batchId).to.equal(2n);
    expect(await f.registry.ownerOf(signed[0].entry.dataHash)).to.equal(f.alice.address);
    expect(await f.token.balanceOf(f.orderer.address)).to.equal(CDT(19));
    await orderer.close();
  });

  it("cuts a partial batch when the timeout elapses", async () => {
    const f = await loadFixture(deployWithOrderer);
    const orderer = await Orderer.open(f.registryAsOrderer, { batchTimeout: 20 });
    const one = await signedEntry(f, f.bob, CDT(2));
    const inclusion = await orderer.submit(one);
    expect(inclusion.batchId).to.equal(1n);
    expect(await f.registry.ownerOf(one.entry.dataHash)).to.equal(f.bob.address);
    await orderer.close();
  });

  it("drops the entries the registry names and registers the others", async () => {
    const f = await loadFixture(deployWithOrderer);
    const orderer = await Orderer.open(f.registryAsOrderer, { batchTimeout: 60_000 });
    const taken = dataHash();
    await f.registry.connect(f.carol).enqueueLow(taken, await time.latest(), 0, 0);
    await f.registry.connect(f.orderer).registerBatch([], []);
    const good = await signedEntry(f, f.alice, CDT(3));
    const forged = await signedEntry(f, f.alice, CDT(2), { signer: f.stranger });
    const duplicate = await signedEntry(f, f.bob, CDT(1), { dataHash: taken });
    const results = [good, forged, duplicate].map((s) => orderer.submit(s));
    // Checked below, after the cuts: mark the rejections handled now.
    for (const result of results) result.catch(() => undefined);
    // Each failed send drops one culprit; three cuts leave only the good entry.
    for (let i = 0; i < 3; i++) await orderer.flush();
    expect((await results[0]).batchId).to.equal(2n);
    const signature = await expectRejects(results[1], BatchSendError);
    expect(signature.message).to.equal(
      `entry ${forged.entry.dataHash} refused by the registry: OwnershipInvalidSignature(1, ${f.alice.address})`,
    );
    const first = await expectRejects(results[2], BatchSendError);
    expect(first.message).to.equal(
      `entry ${taken} refused by the registry: OwnershipAlreadyRegistered(${taken}, ${f.carol.address})`,
    );
    expect(await f.registry.ownerOf(good.entry.dataHash)).to.equal(f.alice.address);
    await orderer.close();
  });

  it("rejects the whole batch with the reason when no entry is named", async () => {
    const f = await loadFixture(deployWithOrderer);
    await f.token.connect(f.alice).approve(f.address, 0n);
    const orderer = await Orderer.open(f.registryAsOrderer, { batchTimeout: 60_000 });
    const pending = orderer.submit(await signedEntry(f, f.alice, CDT(1)));
    await orderer.flush();
    const error = await expectRejects(pending, BatchSendError);
    expect(error.message).to.contain("batch of 1 High entries").and.to.contain("ERC20InsufficientAllowance");
    await orderer.close();
  });

  it("puts a batch back in the pool when a Low entry arrived after the cut, and sends it again", async () => {
    const f = await loadFixture(deployWithOrderer);
    const orderer = await Orderer.open(f.registryAsOrderer, { batchTimeout: 60_000 });
    // The orderer reads an empty Low queue; a Low entry lands before its batch of 5 is sent.
    const lowPending = f.registryAsOrderer.lowPending.bind(f.registryAsOrderer);
    let raced = false;
    Object.assign(f.registryAsOrderer, {
      lowPending: async () => {
        const pending = await lowPending();
        if (!raced) {
          raced = true;
          await f.registry.connect(f.carol).enqueueLow(dataHash(), await time.latest(), 0, 0);
        }
        return pending;
      },
    });
    const signed = [];
    for (const fee of [5, 4, 3, 2, 1]) signed.push(await signedEntry(f, f.alice, CDT(fee)));
    // All five at once: the cut takes 5 High entries, which the registry refuses once the Low entry is in.
    const submitted = signed.map((s) => orderer.submit(s));
    const first = await Promise.all(submitted.slice(0, 4));
    expect(raced).to.equal(true);
    expect(first.map((i) => i.batchId)).to.deep.equal([1n, 1n, 1n, 1n]);
    expect(await f.registry.lowPending()).to.equal(0n);
    expect(orderer.pending).to.equal(1);
    const last = submitted[4];
    await orderer.flush();
    expect((await last).batchId).to.equal(2n);
    await orderer.close();
  });

  it("keeps its pool in the pool file across a restart, and forgets what was registered", async () => {
    const f = await loadFixture(deployWithOrderer);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "orderer-pool-"));
    const poolFile = path.join(dir, "pool.ndjson");
    try {
      const first = await Orderer.open(f.registryAsOrderer, { batchTimeout: 60_000, poolFile });
      const a = await signedEntry(f, f.alice, CDT(2));
      const b = await signedEntry(f, f.bob, CDT(1));
      const waiting = [first.submit(a), first.submit(b)];
      await first.close();
      for (const w of waiting) await expectRejects(w, OrdererClosedError);
      // A torn last line (a crash mid-append) is dropped.
      fs.appendFileSync(poolFile, '{"add": {"entr');
      const second = await Orderer.open(f.registryAsOrderer, { batchTimeout: 60_000, poolFile });
      expect([second.recovered, second.pending]).to.deep.equal([2, 2]);
      await second.flush();
      expect(await f.registry.ownerOf(a.entry.dataHash)).to.equal(f.alice.address);
      expect(await f.registry.ownerOf(b.entry.dataHash)).to.equal(f.bob.address);
      await second.close();
      const third = await Orderer.open(f.registryAsOrderer, { batchTimeout: 60_000, poolFile });
      expect(third.recovered).to.equal(0);
      await third.close();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("names a pool file line it cannot read", async () => {
    const f = await loadFixture(deployWithOrderer);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "orderer-pool-"));
    const poolFile = path.join(dir, "pool.ndjson");
    try {
      fs.writeFileSync(poolFile, '{"settled": "0x01"}\nnot json\n');
      const error = await expectRejects(Orderer.open(f.registryAsOrderer, { poolFile }), PoolFileError);
      expect(error.message).to.equal(`${poolFile}:2: is not JSON`);
      fs.writeFileSync(poolFile, '{"other": 1}\n');
      const shape = await expectRejects(Orderer.open(f.registryAsOrderer, { poolFile }), PoolFileError);
      expect(shape.message).to.equal(`${poolFile}:1: is neither an "add" nor a "settled" line`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("refuses Low entries, bad options and submissions after close", async () => {
    const f = await loadFixture(deployWithOrderer);
    const option = await expectRejects(Orderer.open(f.registryAsOrderer, { batchTimeout: 0 }), OrdererOptionError);
    expect(option.message).to.equal("batchTimeout: must be a positive number of ms, got 0");
    const orderer = await Orderer.open(f.registryAsOrderer, { batchTimeout: 60_000 });
    const low = await signedEntry(f, f.alice, 0n, { level: Level.Low });
    expect(() => orderer.submit(low)).to.throw(RegistrationEntryError, "only High entries go through the orderer");
    const waiting = orderer.submit(await signedEntry(f, f.alice, CDT(1)));
    await orderer.close();
    const closed = await expectRejects(waiting, OrdererClosedError);
    expect(closed.message).to.equal("the orderer is closed (1 entries left in its pool)");
    expect(() => orderer.submit(low)).to.throw(OrdererClosedError);
  });
});
