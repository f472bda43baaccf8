// Property-based test of the coalition reward: over random rounds (γ, reward, coalitions of random
// miners and capacities, seeds, which coalitions reveal, who withdraws), played one after another
// on one deployment, the chain must agree with the TypeScript replica (helpers.ts):
// - the winner and randomness are the replica's draw from the same revealed seeds;
// - the round credits exactly its reward: the winner's members by capacity (dust to the first),
//   or the opener when nobody revealed, and nobody else;
// - the contract's balance is always the sum of the credits not yet withdrawn.
// And weightOf is strictly increasing in the capacity for every γ, and equals the replica.
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import fc from "fast-check";
import { deployRewards, openRound } from "./fixture";
import type { RewardsFixture } from "./fixture";
import { GAMMAS, drawWinner, sharesOf, signCoalition, weightOf, type DrawEntry, type GammaCode } from "./helpers";

const NUM_RUNS = 30;
const WEIGHT_RUNS = 100;
const MAX_COALITIONS = 4;
const MAX_SIZE = 4;
const UINT96_MAX = 2n ** 96n - 1n;
const MAX_COALITION_CAPACITY = 32n * UINT96_MAX;

const CAPACITIES = MAX_COALITIONS * MAX_SIZE;
/** The members' capacities of a round, all in one regime. */
const capacitiesArb = fc.oneof(
  // the model's d_m ∈ [1, 10]
  fc.array(fc.bigInt({ min: 1_000n, max: 10_000n }), { minLength: CAPACITIES, maxLength: CAPACITIES }),
  // tiny: the total weight is small, so tickets often land on interval boundaries
  fc.array(fc.bigInt({ min: 1n, max: 2n }), { minLength: CAPACITIES, maxLength: CAPACITIES }),
  // anything a uint96 holds
  fc.array(fc.bigInt({ min: 1n, max: UINT96_MAX }), { minLength: CAPACITIES, maxLength: CAPACITIES }),
);
const seedArb = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => ethers.hexlify(b));

const roundArb = fc.record({
  gamma: fc.constantFrom(...GAMMAS),
  // Small rewards make dust likely; the opener's 10,000 ETH cover NUM_RUNS rounds of 10 ETH.
  reward: fc.oneof(fc.bigInt({ min: 1n, max: 1_000n }), fc.bigInt({ min: 1n, max: 10n ** 19n })),
  sizes: fc.array(fc.integer({ min: 1, max: MAX_SIZE }), { minLength: 1, maxLength: MAX_COALITIONS }),
  // A random order of the miners; coalitions take consecutive runs of it.
  order: fc.shuffledSubarray([...Array(CAPACITIES).keys()], { minLength: CAPACITIES, maxLength: CAPACITIES }),
  capacities: capacitiesArb,
  seeds: fc.array(seedArb, { minLength: MAX_COALITIONS, maxLength: MAX_COALITIONS }),
  reveals: fc.array(
    fc.oneof({ weight: 3, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
    {
      minLength: MAX_COALITIONS,
      maxLength: MAX_COALITIONS,
    },
  ),
  withdraws: fc.array(fc.boolean(), { minLength: 20, maxLength: 20 }),
});

/** Every account the contract can credit in these rounds: the opener and the miners. */
function accounts(f: RewardsFixture) {
  return [f.opener, ...f.miners];
}

async function credits(f: RewardsFixture): Promise<bigint[]> {
  return Promise.all(accounts(f).map((a) => f.rewards.creditOf(a.address)));
}

async function expectBalanceIsCredits(f: RewardsFixture): Promise<void> {
  const sum = (await credits(f)).reduce((s, c) => s + c, 0n);
  expect(await ethers.provider.getBalance(f.address)).to.equal(sum);
}

describe("CoalitionRewards: draw and payouts (property)", function () {
  this.timeout(300_000);

  it("draws the replica's winner, credits exactly the reward and holds exactly the credits, round after round", async () => {
    const f = await loadFixture(deployRewards);
    expect(f.miners.length).to.be.at.least(CAPACITIES);
    await fc.assert(
      fc.asyncProperty(roundArb, async (a) => {
        const r = await openRound(f, a.gamma as GammaCode, a.reward);
        const entries: (DrawEntry & { members: { miner: string; capacity: bigint }[] })[] = [];
        let next = 0;
        for (const [i, size] of a.sizes.entries()) {
          const picked = a.order.slice(next, next + size);
          next += size;
          const miners = picked.map((m) => f.miners[m]!);
          const capacities = picked.map((m) => a.capacities[m]!);
          const { members, signatures } = await signCoalition(f.domain, r.round, miners, capacities);
          await f.rewards.connect(f.stranger).register(r.round, members, signatures);
          const id = BigInt(i + 1);
          const seed = a.seeds[i]!;
          await f.rewards.connect(miners[0]!).commit(r.round, id, await f.rewards.commitmentOf(r.round, id, seed));
          entries.push({
            id,
            totalCapacity: capacities.reduce((s, c) => s + c, 0n),
            seed: a.reveals[i] ? seed : undefined,
            members,
          });
        }
        await time.increaseTo(r.commitEnd);
        for (const e of entries) if (e.seed !== undefined) await f.rewards.reveal(r.round, e.id, e.seed);
        await time.increaseTo(r.revealEnd);

        const before = await credits(f);
        await f.rewards.draw(r.round);
        const after = await credits(f);

        const expected = drawWinner(entries, a.gamma as GammaCode);
        const round = await f.rewards.round(r.round);
        expect([round.winner, round.randomness]).to.deep.equal([expected.winner, expected.randomness]);

        const credited = new Map<string, bigint>();
        if (expected.winner === 0n) credited.set(f.opener.address, a.reward);
        else {
          const winner = entries.find((e) => e.id === expected.winner)!;
          const shares = sharesOf(
            a.reward,
            winner.members.map((m) => m.capacity),
          );
          winner.members.forEach((m, i) => credited.set(m.miner, shares[i]!));
        }
        const deltas = after.map((c, i) => c - before[i]!);
        expect(deltas).to.deep.equal(accounts(f).map((acc) => credited.get(acc.address) ?? 0n));
        expect(deltas.reduce((s, d) => s + d, 0n)).to.equal(a.reward);
        await expectBalanceIsCredits(f);

        for (const [i, acc] of accounts(f).entries()) {
          if (a.withdraws[i] && after[i]! > 0n) await f.rewards.connect(acc).withdraw();
        }
        await expectBalanceIsCredits(f);
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it("weightOf is strictly increasing in the capacity for every γ, and equals the replica", async () => {
    const { rewards } = await loadFixture(deployRewards);
    const capacity = fc.oneof(
      fc.bigInt({ min: 0n, max: 100_000n }),
      fc.bigInt({ min: 0n, max: MAX_COALITION_CAPACITY }),
    );
    await fc.assert(
      fc.asyncProperty(capacity, capacity, fc.constantFrom(...GAMMAS), async (x, y, gamma) => {
        const [lo, hi] = x < y ? [x, y] : [y, x];
        const [wLo, wHi] = await Promise.all([rewards.weightOf(lo, gamma), rewards.weightOf(hi, gamma)]);
        expect([wLo, wHi]).to.deep.equal([weightOf(lo, gamma), weightOf(hi, gamma)]);
        if (lo < hi) expect(wLo < wHi).to.equal(true);
        else expect(wLo).to.equal(wHi);
      }),
      { numRuns: WEIGHT_RUNS },
    );
  });
});
