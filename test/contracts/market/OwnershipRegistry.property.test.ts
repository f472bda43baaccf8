// Property-based tests of R3 (paper §4.2), on chain and on the orderer's cut rule.
// On chain, over random parameters and random interleavings of Low enqueues, High submissions
// (random fees) and batches cut by src/market/orderer.ts's cutBatch:
// - every batch holds at most batchSize entries;
// - with Low entries pending, a batch takes at least ceil(q·batchSize) of them, or all;
// - a Low entry at 0-based queue position p (when enqueued) is registered at most
//   ceil((p + 1) / ceil(q·batchSize)) batches later: with the paper's 5 and 0.2, its position + 1;
// - the orderer receives exactly the fees of the High entries registered, and every one of them
//   is owned by its signer.
// Off chain, on cutBatch alone (the contract never sees what the orderer holds back): no batch
// takes fee f while a pending f' > f is left out, equal fees go first come first served, and the
// cut always fits the registry's rule.
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import fc from "fast-check";
import { cutBatch, lowQuota, lowTakenFor, type CutParams } from "../../../src/market/orderer";
import type { SignedEntry } from "../../../src/market/registration";
import { dataHash, deployRegistry, register, signedEntry } from "./fixture";

const NUM_RUNS = 15;
const MAX_ACTIONS = 14;

type Action = { kind: "low"; count: number } | { kind: "high"; fees: number[] } | { kind: "batch" };

const actionArb: fc.Arbitrary<Action> = fc.oneof(
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("low" as const), count: fc.integer({ min: 1, max: 4 }) }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("high" as const),
      fees: fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 1, maxLength: 4 }),
    }),
  },
  { weight: 3, arbitrary: fc.constant({ kind: "batch" as const }) },
);

const paramsArb = fc.record({ batchSize: fc.integer({ min: 1, max: 8 }), bps: fc.integer({ min: 1, max: 10_000 }) });

interface PooledEntry {
  readonly signed: SignedEntry;
  readonly fee: bigint;
  readonly seq: number;
}

describe("OwnershipRegistry: R3 on chain (property)", function () {
  this.timeout(600_000);

  it("bounds every batch, keeps the Low quota and the Low wait, and pays exactly the registered fees", async () => {
    await fc.assert(
      fc.asyncProperty(
        paramsArb,
        fc.array(actionArb, { minLength: 1, maxLength: MAX_ACTIONS }),
        async ({ batchSize, bps }, actions) => {
          const f = await loadFixture(deployRegistry);
          await f.registry.setBatchSize(batchSize);
          await f.registry.setQuota(bps);
          const params: CutParams = { batchSize, quota: bps / 10_000 };
          const quota = lowQuota(params);
          const owners = [f.alice, f.bob];
          let pool: PooledEntry[] = [];
          let seq = 0;
          let batches = 0;
          let feesPaid = 0n;
          // Low entries not yet registered, in queue order, with the batch count and position at enqueue.
          const lowQueue: { hash: string; batchesBefore: number; position: number }[] = [];
          const ordererBefore = await f.token.balanceOf(f.orderer.address);

          for (const action of actions) {
            if (action.kind === "low") {
              for (let i = 0; i < action.count; i++) {
                const hash = dataHash();
                await f.registry.connect(f.carol).enqueueLow(hash, await time.latest(), 0, 0);
                lowQueue.push({ hash, batchesBefore: batches, position: lowQueue.length });
              }
            } else if (action.kind === "high") {
              for (const fee of action.fees) {
                const signed = await signedEntry(f, owners[seq % 2], ethers.parseEther(String(fee)));
                pool.push({ signed, fee: signed.entry.fee, seq: seq++ });
              }
            } else {
              const pending = Number(await f.registry.lowPending());
              expect(pending).to.equal(lowQueue.length);
              const cut = cutBatch(pool, pending, params);
              if (cut.high.length + cut.lowTaken === 0) continue;
              const receipt = await (
                await register(
                  f,
                  cut.high.map((p) => p.signed),
                )
              ).wait();
              const event = receipt!.logs
                .map((log) => f.registry.interface.parseLog(log))
                .find((parsed) => parsed?.name === "BatchRegistered");
              const [batchId, , high, low, fees] = event!.args as unknown as [bigint, string, bigint, bigint, bigint];
              batches++;
              expect(batchId).to.equal(BigInt(batches));
              expect(Number(high + low)).to.be.at.most(batchSize);
              expect(Number(low)).to.equal(cut.lowTaken);
              if (pending > 0) expect(Number(low)).to.be.at.least(Math.min(pending, quota));
              for (const taken of lowQueue.splice(0, Number(low))) {
                expect((await f.registry.registration(taken.hash)).batchId).to.equal(batchId);
                expect(batches - taken.batchesBefore).to.be.at.most(Math.ceil((taken.position + 1) / quota));
              }
              for (const p of cut.high)
                expect(await f.registry.ownerOf(p.signed.entry.dataHash)).to.equal(p.signed.entry.owner);
              feesPaid += fees;
              pool = [...cut.rest];
            }
          }
          expect((await f.token.balanceOf(f.orderer.address)) - ordererBefore).to.equal(feesPaid);
          expect(Number(await f.registry.lowPending())).to.equal(lowQueue.length);
        },
      ),
      { numRuns: NUM_RUNS },
    );
  });

  it("takes as many Low entries as the orderer's rule says, for any parameters", async () => {
    await fc.assert(
      fc.asyncProperty(
        paramsArb,
        fc.integer({ min: 0, max: 10 }),
        fc.integer({ min: 0, max: 10 }),
        async ({ batchSize, bps }, pending, high) => {
          const f = await loadFixture(deployRegistry);
          await f.registry.setBatchSize(batchSize);
          await f.registry.setQuota(bps);
          for (let i = 0; i < pending; i++) await f.registry.enqueueLow(dataHash(), await time.latest(), 0, 0);
          const params = { batchSize, quota: bps / 10_000 };
          expect(Number(await f.registry.lowTaken(high))).to.equal(lowTakenFor(high, pending, params));
        },
      ),
      { numRuns: NUM_RUNS },
    );
  });
});

describe("Orderer.cutBatch: fee priority (property)", () => {
  const poolArb = fc
    .array(fc.integer({ min: 0, max: 10 }), { maxLength: 30 })
    .map((fees) => fees.map((fee, seq) => ({ fee: BigInt(fee), seq })));
  const cutParamsArb = fc.record({
    batchSize: fc.integer({ min: 1, max: 16 }),
    quota: fc.integer({ min: 1, max: 10_000 }).map((bps) => bps / 10_000),
  });

  it("never takes fee f while leaving out a pending f' > f, and serves equal fees in arrival order", () => {
    fc.assert(
      fc.property(poolArb, fc.integer({ min: 0, max: 20 }), cutParamsArb, (pool, pending, params) => {
        const cut = cutBatch(pool, pending, params);
        const minTaken = cut.high.reduce((min, e) => (e.fee < min ? e.fee : min), BigInt(Number.MAX_SAFE_INTEGER));
        for (const left of cut.rest) {
          expect(left.fee <= minTaken || cut.high.length === 0).to.equal(true);
          for (const taken of cut.high) if (taken.fee === left.fee) expect(taken.seq).to.be.below(left.seq);
        }
        for (let i = 1; i < cut.high.length; i++) expect(cut.high[i].fee <= cut.high[i - 1].fee).to.equal(true);
        expect(cut.high.length + cut.rest.length).to.equal(pool.length);
        expect(new Set([...cut.high, ...cut.rest])).to.have.lengthOf(pool.length);
      }),
    );
  });

  it("fits the registry's rule and fills the batch when it can", () => {
    fc.assert(
      fc.property(poolArb, fc.integer({ min: 0, max: 20 }), cutParamsArb, (pool, pending, params) => {
        const cut = cutBatch(pool, pending, params);
        const quota = lowQuota(params);
        expect(cut.high.length + cut.lowTaken).to.be.at.most(params.batchSize);
        expect(cut.lowTaken).to.equal(lowTakenFor(cut.high.length, pending, params));
        expect(cut.lowTaken).to.be.at.least(Math.min(pending, quota));
        // Nothing left behind while a seat is free.
        if (cut.high.length + cut.lowTaken < params.batchSize) {
          expect(cut.rest).to.have.lengthOf(0);
          expect(cut.lowTaken).to.equal(pending);
        }
      }),
    );
  });
});
