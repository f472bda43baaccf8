// Property-based test of the analysis market's escrow: over random prices, fees, owners' samples,
// survivor patterns and settlement paths (cancel, reclaim while requested / accepted / training,
// confirm, finalize), an independent re-computation of the payment rule predicts every payout.
// After each task the chain must agree:
// - settled: the consumer paid exactly the price, which is the analyst's fee (dust included) plus
//   Σ the owners' payments, and the analyst got its bond back;
// - reclaimed: the consumer got its escrow back and, from a training task, the bond's dust; the
//   owners who trained got the rest of the bond; cancelled: the escrow back;
// - the market holds what it held before the task (nothing, as every task runs to its end), and
//   the total supply is unchanged;
// - every owner's reputation is the re-computed one.
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import fc from "fast-check";
import {
  POINTER,
  REVIEW_PERIOD,
  commit,
  deployMarket,
  expectedBondSplit,
  expectedPayments,
  nextScore,
  now,
  ownerWallets,
  requestTask,
  signedJoins,
  signedRound,
  trust,
} from "./fixture";

const NUM_RUNS = 30;
const MAX_OWNERS_IN_RUN = 6;
const MAX_ROUNDS = 3;
const DURATION = 10_000n;

const PATHS = ["cancel", "reclaimRequested", "reclaimAccepted", "reclaimTraining", "confirm", "finalize"] as const;
type Path = (typeof PATHS)[number];

interface Scenario {
  price: bigint;
  feeBps: bigint;
  samples: bigint[];
  /** Per round, dropout candidates (taken mod n, at most n − t of them). */
  dropouts: number[][];
  path: Path;
}

const scenarioArb: fc.Arbitrary<Scenario> = fc.record({
  // Small prices make every rounding visible; large ones check the products do not overflow.
  price: fc.oneof(
    fc.bigInt({ min: 1n, max: 50n }),
    fc.bigInt({ min: 1n, max: 10n ** 24n }),
    fc.constant(2n ** 200n + 7n),
  ),
  feeBps: fc.oneof(fc.constantFrom(0n, 5_000n), fc.bigInt({ min: 0n, max: 5_000n })),
  samples: fc.array(fc.oneof(fc.bigInt({ min: 1n, max: 1_000n }), fc.bigInt({ min: 1n, max: 2n ** 64n - 1n })), {
    minLength: 2,
    maxLength: MAX_OWNERS_IN_RUN,
  }),
  dropouts: fc.array(fc.array(fc.nat(MAX_OWNERS_IN_RUN - 1), { maxLength: 3 }), { maxLength: MAX_ROUNDS }),
  path: fc.constantFrom(...PATHS),
});

/** The survivor indices of each round: everyone but the round's dropouts, keeping at least the threshold. */
function survivorSets(n: number, dropouts: readonly number[][], path: Path): number[][] {
  const threshold = Math.floor(n / 2) + 1;
  const rounds = dropouts.map((candidates) => {
    const out = [...new Set(candidates.map((c) => c % n))].slice(0, n - threshold);
    return Array.from({ length: n }, (_, i) => i).filter((i) => !out.includes(i));
  });
  // A delivery needs a round.
  if (rounds.length === 0 && (path === "confirm" || path === "finalize")) rounds.push([...Array(n).keys()]);
  return rounds;
}

async function deployFunded() {
  const f = await deployMarket();
  // Enough for the 2^200 price in every run.
  for (const s of [f.consumer, f.analyst]) await f.token.mint(s.address, 2n ** 220n);
  return f;
}

describe("AnalysisMarket: escrow (property)", function () {
  this.timeout(600_000);

  it("pays out exactly the escrow and bond, by the payment rule, whatever the task's path", async () => {
    const f = await loadFixture(deployFunded);
    const supply = await f.token.totalSupply();
    let run = 0;
    await fc.assert(
      fc.asyncProperty(scenarioArb, async (s) => {
        const owners = ownerWallets(s.samples.length, `property-${run++}`);
        const addresses = owners.map((o) => o.address);
        const parties = [f.consumer.address, f.analyst.address, ...addresses];
        const before = await Promise.all(parties.map((a) => f.token.balanceOf(a)));
        // Relative to the run's start, so a shrunk counterexample replayed after a failure still reads true.
        const heldBefore = await f.token.balanceOf(f.address);
        const deadline = (await now()) + DURATION;
        const id = await requestTask(f, { price: s.price, deadline });
        const bond = (s.price * 1_000n) / 10_000n;
        // Expected change of each party: consumer, analyst, owners.
        let expected: bigint[];
        const rounds = survivorSets(owners.length, s.dropouts, s.path);
        const survived = owners.map((_, i) => BigInt(rounds.filter((r) => r.includes(i)).length));
        const weights = survived.map((r, i) => r * s.samples[i]);
        const nobody = owners.map(() => 0n);

        if (s.path === "cancel") {
          await f.market.connect(f.consumer).cancel(id);
          expected = [0n, 0n, ...nobody];
        } else if (s.path === "reclaimRequested") {
          await time.increaseTo(deadline);
          await f.market.connect(f.stranger).reclaim(id);
          expected = [0n, 0n, ...nobody];
        } else {
          await f.market.connect(f.analyst).accept(id, s.feeBps);
          if (s.path === "reclaimAccepted") {
            await time.increaseTo(deadline);
            await f.market.reclaim(id);
            expected = [bond, -bond, ...nobody];
          } else {
            const { joins, signatures } = await signedJoins(f, id, owners, s.samples);
            await f.market.connect(f.analyst).select(id, joins, signatures);
            for (const [r, survivors] of rounds.entries()) {
              await commit(f, await signedRound(f, id, BigInt(r + 1), owners, survivors, `property-${run}`));
            }
            if (s.path === "reclaimTraining") {
              await time.increaseTo(deadline);
              const split = expectedBondSplit(bond, weights);
              await expect(f.market.reclaim(id))
                .to.emit(f.market, "TaskReclaimed")
                .withArgs(id, s.price + split.consumer, bond - split.consumer);
              expected = [split.consumer, -bond, ...split.owners];
            } else {
              await f.market.connect(f.analyst).deliver(id, (await f.market.task(id)).modelHash, POINTER);
              const pay = expectedPayments(s.price, s.feeBps, weights);
              const preview = await f.market.paymentsPreview(id);
              expect([...preview.amounts]).to.deep.equal(pay.owners);
              let settle;
              if (s.path === "confirm") settle = f.market.connect(f.consumer).confirm(id);
              else {
                await time.increase(REVIEW_PERIOD);
                settle = f.market.connect(f.stranger).finalize(id);
              }
              const ownersPaid = pay.owners.reduce((sum, a) => sum + a, 0n);
              await expect(settle).to.emit(f.market, "TaskSettled").withArgs(id, pay.analyst, ownersPaid, bond);
              // The consumer's escrow is exactly the analyst's fee (with the dust) plus the owners' payments.
              expect(pay.analyst + ownersPaid).to.equal(s.price);
              expected = [-s.price, pay.analyst, ...pay.owners];
            }
          }
        }

        const after = await Promise.all(parties.map((a) => f.token.balanceOf(a)));
        expect(after.map((b, i) => b - before[i])).to.deep.equal(expected);
        expect(await f.token.balanceOf(f.address)).to.equal(heldBefore);
        expect(await f.token.totalSupply()).to.equal(supply);
        // Only a task that reached select committed its rounds.
        const trained = s.path === "confirm" || s.path === "finalize" || s.path === "reclaimTraining";
        for (const [i, address] of addresses.entries()) {
          let score = { alpha: 0n, beta: 0n };
          for (const r of trained ? rounds : []) score = nextScore(score, r.includes(i));
          expect(await f.reputation.trustOf(address)).to.equal(trust(score));
        }
      }),
      { numRuns: NUM_RUNS },
    );
    expect(await f.token.balanceOf(f.address)).to.equal(0n);
    expect(await f.market.taskCount()).to.equal(BigInt(run));
  });
});
