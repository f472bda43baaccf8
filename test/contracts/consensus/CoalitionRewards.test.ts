import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { ContractTransactionResponse } from "ethers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { CoalitionMinerMock } from "../../../typechain-types";
import { REWARD, deadlines, deployRewards, openRound, registerCoalition } from "./fixture";
import {
  GAMMAS,
  Gamma,
  SQRT_SCALE,
  UNIT,
  ZERO_HASH,
  commitmentOf,
  drawWinner,
  hashMembers,
  isqrt,
  sharesOf,
  signCoalition,
  signMembership,
  weightOf,
  type Member,
} from "./helpers";

const MAX_MEMBERS = 32;
const MAX_COALITIONS = 128;
const UINT96_MAX = 2n ** 96n - 1n;
const SEED = ethers.keccak256(ethers.toUtf8Bytes("seed"));

/** The next block's timestamp, fixed to `t`. */
async function at(t: bigint): Promise<bigint> {
  await time.setNextBlockTimestamp(t);
  return t;
}

function seedOf(label: string): string {
  return ethers.keccak256(ethers.toUtf8Bytes(label));
}

async function gasOf(tx: Promise<ContractTransactionResponse>): Promise<bigint> {
  const receipt = await (await tx).wait();
  if (receipt === null) throw new Error("transaction has no receipt");
  return receipt.gasUsed;
}

/** A round (γ = 1.5) with one coalition of miners 0–2, capacities 1.0, 2.0 and 3.5. */
async function deployRegistered() {
  const f = await deployRewards();
  const r = await openRound(f);
  const miners = f.miners.slice(0, 3);
  const capacities = [1n * UNIT, 2n * UNIT, 3_500n];
  const coalition = await registerCoalition(f, r.round, miners, capacities);
  return { ...f, ...r, coalition, coalitionMiners: miners };
}

/** {deployRegistered} with the coalition committed to {SEED}. */
async function deployCommitted() {
  const f = await deployRegistered();
  await f.rewards.connect(f.coalitionMiners[0]!).commit(f.round, f.coalition, commitmentOf(f.round, f.coalition, SEED));
  return f;
}

/** {deployCommitted} with the seed revealed, at `commitEnd`. */
async function deployRevealed() {
  const f = await deployCommitted();
  await at(f.commitEnd);
  await f.rewards.reveal(f.round, f.coalition, SEED);
  return f;
}

/** A round drawn with one revealing coalition, which therefore won. */
async function deployDrawn() {
  const f = await deployRevealed();
  await time.increaseTo(f.revealEnd);
  await f.rewards.draw(f.round);
  return f;
}

/** Three coalitions of 3, 4 and 5 miners (γ = 1.5), every one committed. */
async function deployThree() {
  const f = await deployRewards();
  const r = await openRound(f);
  const groups = [f.miners.slice(0, 3), f.miners.slice(3, 7), f.miners.slice(7, 12)];
  const capacities = [
    [1_000n, 2_500n, 9_999n],
    [4_000n, 1_234n, 7_777n, 3_001n],
    [2_000n, 2_000n, 2_000n, 1_001n, 5_555n],
  ];
  const gas: Record<string, bigint[]> = { register: [], commit: [], reveal: [], draw: [] };
  const coalitions: { id: bigint; members: Member[]; seed: string }[] = [];
  for (const [i, group] of groups.entries()) {
    const { members, signatures } = await signCoalition(f.domain, r.round, group, capacities[i]!);
    gas.register!.push(await gasOf(f.rewards.connect(f.stranger).register(r.round, members, signatures)));
    coalitions.push({ id: BigInt(i + 1), members, seed: seedOf(`coalition ${i + 1}`) });
  }
  for (const [i, c] of coalitions.entries()) {
    const member = groups[i]![0]!;
    gas.commit!.push(await gasOf(f.rewards.connect(member).commit(r.round, c.id, commitmentOf(r.round, c.id, c.seed))));
  }
  return { ...f, ...r, groups, coalitions, gas };
}

describe("CoalitionRewards", function () {
  describe("deployment", function () {
    it("rejects a zero admin", async () => {
      const factory = await ethers.getContractFactory("CoalitionRewards");
      await expect(factory.deploy(ethers.ZeroAddress))
        .to.be.revertedWithCustomError(factory, "RewardsInvalidAddress")
        .withArgs(ethers.ZeroAddress);
    });

    it("gives the admin DEFAULT_ADMIN_ROLE, exposes its constants and has no round", async () => {
      const { rewards, admin, opener } = await loadFixture(deployRewards);
      expect(await rewards.hasRole(await rewards.DEFAULT_ADMIN_ROLE(), admin.address)).to.equal(true);
      expect(await rewards.hasRole(await rewards.ROUND_ROLE(), opener.address)).to.equal(true);
      expect([
        await rewards.GAMMA_1(),
        await rewards.GAMMA_1_5(),
        await rewards.GAMMA_2(),
        await rewards.MAX_MEMBERS(),
        await rewards.MAX_COALITIONS(),
        await rewards.SQRT_SCALE(),
        await rewards.MAX_COALITION_CAPACITY(),
      ]).to.deep.equal([10n, 15n, 20n, 32n, 128n, SQRT_SCALE, 32n * UINT96_MAX]);
      expect(await rewards.MEMBERSHIP_TYPEHASH()).to.equal(
        ethers.id("Membership(uint256 round,bytes32 membersHash,address miner,uint96 capacity)"),
      );
      expect(await rewards.roundCount()).to.equal(0n);
    });
  });

  describe("openRound", function () {
    it("holds the reward, records the round and emits RoundOpened", async () => {
      const f = await loadFixture(deployRewards);
      const d = await deadlines();
      const tx = f.rewards
        .connect(f.opener)
        .openRound(d.registerEnd, d.commitEnd, d.revealEnd, Gamma.Two, { value: REWARD });
      await expect(tx).to.changeEtherBalances([f.opener, f.rewards], [-REWARD, REWARD]);
      await expect(tx)
        .to.emit(f.rewards, "RoundOpened")
        .withArgs(1n, f.opener.address, REWARD, d.registerEnd, d.commitEnd, d.revealEnd, Gamma.Two);
      const r = await f.rewards.round(1n);
      expect([
        r.reward,
        r.opener,
        r.registerEnd,
        r.commitEnd,
        r.revealEnd,
        r.gamma,
        r.drawn,
        r.coalitionCount,
        r.winner,
        r.randomness,
      ]).to.deep.equal([
        REWARD,
        f.opener.address,
        d.registerEnd,
        d.commitEnd,
        d.revealEnd,
        20n,
        false,
        0n,
        0n,
        ZERO_HASH,
      ]);
      expect(await f.rewards.roundCount()).to.equal(1n);
    });

    it("accepts each of γ = 1, 1.5 and 2 and numbers rounds 1, 2, 3", async () => {
      const f = await loadFixture(deployRewards);
      for (const [i, gamma] of GAMMAS.entries()) {
        const r = await openRound(f, gamma);
        expect(r.round).to.equal(BigInt(i + 1));
        expect((await f.rewards.round(r.round)).gamma).to.equal(BigInt(gamma));
      }
    });

    it("needs ROUND_ROLE", async () => {
      const f = await loadFixture(deployRewards);
      const d = await deadlines();
      await expect(
        f.rewards.connect(f.stranger).openRound(d.registerEnd, d.commitEnd, d.revealEnd, Gamma.One, { value: 1n }),
      )
        .to.be.revertedWithCustomError(f.rewards, "AccessControlUnauthorizedAccount")
        .withArgs(f.stranger.address, await f.rewards.ROUND_ROLE());
    });

    it("refuses a zero reward", async () => {
      const f = await loadFixture(deployRewards);
      const d = await deadlines();
      await expect(
        f.rewards.connect(f.opener).openRound(d.registerEnd, d.commitEnd, d.revealEnd, Gamma.One),
      ).to.be.revertedWithCustomError(f.rewards, "RewardsZeroReward");
    });

    it("refuses a γ other than 10, 15 or 20", async () => {
      const f = await loadFixture(deployRewards);
      const d = await deadlines();
      for (const gamma of [0, 1, 2, 11, 25, 255]) {
        await expect(
          f.rewards.connect(f.opener).openRound(d.registerEnd, d.commitEnd, d.revealEnd, gamma, { value: 1n }),
        )
          .to.be.revertedWithCustomError(f.rewards, "RewardsBadGamma")
          .withArgs(gamma);
      }
    });

    it("refuses deadlines not strictly increasing from the future", async () => {
      const f = await loadFixture(deployRewards);
      const start = BigInt(await time.latest()) + 10n;
      // Offsets from the block's time t: registration would already be over (0 and −1), then equal
      // or decreasing deadlines.
      for (const [i, [register, commit, reveal]] of [
        [0n, 1n, 2n],
        [-1n, 1n, 2n],
        [5n, 5n, 6n],
        [5n, 6n, 6n],
        [7n, 6n, 8n],
      ].entries()) {
        const t = await at(start + BigInt(i));
        const [registerEnd, commitEnd, revealEnd] = [t + register!, t + commit!, t + reveal!];
        await expect(f.rewards.connect(f.opener).openRound(registerEnd, commitEnd, revealEnd, Gamma.One, { value: 1n }))
          .to.be.revertedWithCustomError(f.rewards, "RewardsBadDeadlines")
          .withArgs(t, registerEnd, commitEnd, revealEnd);
      }
    });
  });

  describe("register", function () {
    it("records the coalition, its members and their coalition; emits CoalitionRegistered", async () => {
      const f = await loadFixture(deployRewards);
      const r = await openRound(f);
      const miners = f.miners.slice(0, 3);
      const { members, signatures } = await signCoalition(f.domain, r.round, miners, [1_000n, 2_000n, 3_500n]);
      const hash = hashMembers(members);
      const total = members.reduce((s, m) => s + m.capacity, 0n);
      await expect(f.rewards.connect(f.stranger).register(r.round, members, signatures))
        .to.emit(f.rewards, "CoalitionRegistered")
        .withArgs(r.round, 1n, hash, total);
      const c = await f.rewards.coalition(r.round, 1n);
      expect([c.membersHash, c.totalCapacity, c.memberCount, c.revealed, c.commitment, c.seed]).to.deep.equal([
        hash,
        6_500n,
        3n,
        false,
        ZERO_HASH,
        ZERO_HASH,
      ]);
      const stored = await f.rewards.membersOf(r.round, 1n);
      expect(stored.map((m) => [m.miner, m.capacity])).to.deep.equal(members.map((m) => [m.miner, m.capacity]));
      for (const m of members) expect(await f.rewards.coalitionOf(r.round, m.miner)).to.equal(1n);
      expect(await f.rewards.coalitionOf(r.round, f.stranger.address)).to.equal(0n);
      expect((await f.rewards.round(r.round)).coalitionCount).to.equal(1n);
    });

    it("hashes members and builds the signed digest as the helpers do", async () => {
      const f = await loadFixture(deployRewards);
      const members: Member[] = [{ miner: f.miners[0]!.address, capacity: 42n }];
      const hash = hashMembers(members);
      expect(await f.rewards.hashMembers(members)).to.equal(hash);
      const sig = await signMembership(f.miners[0]!, f.domain, 7n, hash, f.miners[0]!.address, 42n);
      expect(
        ethers.recoverAddress(await f.rewards.membershipDigest(7n, hash, f.miners[0]!.address, 42n), sig),
      ).to.equal(f.miners[0]!.address);
    });

    it("accepts a contract miner's ERC-1271 signature", async () => {
      const f = await loadFixture(deployRewards);
      const r = await openRound(f);
      const mock: CoalitionMinerMock = await ethers.deployContract("CoalitionMinerMock", [f.address]);
      const members: Member[] = [{ miner: await mock.getAddress(), capacity: UNIT }];
      const hash = hashMembers(members);
      await mock.approveDigest(await f.rewards.membershipDigest(r.round, hash, members[0]!.miner, UNIT));
      await expect(f.rewards.register(r.round, members, ["0x"]))
        .to.emit(f.rewards, "CoalitionRegistered")
        .withArgs(r.round, 1n, hash, UNIT);
    });

    it("refuses an unknown round", async () => {
      const f = await loadFixture(deployRegistered);
      for (const round of [0n, f.round + 1n]) {
        await expect(f.rewards.register(round, [], []))
          .to.be.revertedWithCustomError(f.rewards, "RewardsUnknownRound")
          .withArgs(round);
      }
    });

    it("refuses a coalition from registerEnd on", async () => {
      const f = await loadFixture(deployRegistered);
      const { members, signatures } = await signCoalition(f.domain, f.round, [f.miners[5]!], [UNIT]);
      await at(f.registerEnd);
      await expect(f.rewards.register(f.round, members, signatures))
        .to.be.revertedWithCustomError(f.rewards, "RewardsTooLate")
        .withArgs(f.round, f.registerEnd, f.registerEnd);
    });

    it("accepts a coalition one second before registerEnd", async () => {
      const f = await loadFixture(deployRegistered);
      const { members, signatures } = await signCoalition(f.domain, f.round, [f.miners[5]!], [UNIT]);
      await at(f.registerEnd - 1n);
      await expect(f.rewards.register(f.round, members, signatures)).to.emit(f.rewards, "CoalitionRegistered");
    });

    it("needs one signature per member", async () => {
      const f = await loadFixture(deployRegistered);
      const { members, signatures } = await signCoalition(f.domain, f.round, f.miners.slice(5, 7), [UNIT, UNIT]);
      await expect(f.rewards.register(f.round, members, signatures.slice(1)))
        .to.be.revertedWithCustomError(f.rewards, "RewardsSignatureCountMismatch")
        .withArgs(2n, 1n);
    });

    it("refuses an empty coalition", async () => {
      const f = await loadFixture(deployRegistered);
      await expect(f.rewards.register(f.round, [], []))
        .to.be.revertedWithCustomError(f.rewards, "RewardsEmptyCoalition")
        .withArgs(f.round);
    });

    it(`refuses more than ${MAX_MEMBERS} members`, async () => {
      const f = await loadFixture(deployRegistered);
      const members = Array.from({ length: MAX_MEMBERS + 1 }, (_, i) => ({
        miner: ethers.toBeHex(i + 1, 20),
        capacity: UNIT,
      }));
      await expect(
        f.rewards.register(
          f.round,
          members,
          members.map(() => "0x"),
        ),
      )
        .to.be.revertedWithCustomError(f.rewards, "RewardsTooManyMembers")
        .withArgs(BigInt(MAX_MEMBERS + 1), BigInt(MAX_MEMBERS));
    });

    it(`accepts ${MAX_MEMBERS} members`, async () => {
      const f = await loadFixture(deployRegistered);
      const wallets = Array.from({ length: MAX_MEMBERS }, (_, i) => new ethers.Wallet(seedOf(`wide ${i}`)));
      const { members, signatures } = await signCoalition(
        f.domain,
        f.round,
        wallets,
        wallets.map(() => UNIT),
      );
      await expect(f.rewards.register(f.round, members, signatures))
        .to.emit(f.rewards, "CoalitionRegistered")
        .withArgs(f.round, 2n, hashMembers(members), BigInt(MAX_MEMBERS) * UNIT);
    });

    it(`refuses a coalition past the ${MAX_COALITIONS}th of a round`, async () => {
      const f = await loadFixture(deployRewards);
      const now = BigInt(await time.latest());
      // One block a registration: the registration phase must outlast 128 of them.
      await f.rewards.connect(f.opener).openRound(now + 1_000n, now + 1_001n, now + 1_002n, Gamma.One, { value: 1n });
      const r = { round: 1n };
      const wallets = Array.from({ length: MAX_COALITIONS + 1 }, (_, i) => new ethers.Wallet(seedOf(`solo ${i}`)));
      const signed = await Promise.all(wallets.map((w) => signCoalition(f.domain, r.round, [w], [UNIT])));
      for (const s of signed.slice(0, MAX_COALITIONS)) await f.rewards.register(r.round, s.members, s.signatures);
      expect((await f.rewards.round(r.round)).coalitionCount).to.equal(BigInt(MAX_COALITIONS));
      const last = signed[MAX_COALITIONS]!;
      await expect(f.rewards.register(r.round, last.members, last.signatures))
        .to.be.revertedWithCustomError(f.rewards, "RewardsTooManyCoalitions")
        .withArgs(r.round, BigInt(MAX_COALITIONS));
    });

    it("refuses members not sorted strictly ascending, duplicates and the zero address", async () => {
      const f = await loadFixture(deployRegistered);
      const [x, y] = [f.miners[5]!, f.miners[6]!];
      const [low, high] = BigInt(x.address) < BigInt(y.address) ? [x, y] : [y, x];
      // Each list signed as given, so only the order is wrong.
      const signedAs = async (list: HardhatEthersSigner[]) => {
        const members = list.map((s) => ({ miner: s.address, capacity: UNIT }));
        const hash = hashMembers(members);
        const signatures = await Promise.all(
          list.map((s) => signMembership(s, f.domain, f.round, hash, s.address, UNIT)),
        );
        return [members, signatures] as const;
      };
      await expect(f.rewards.register(f.round, ...(await signedAs([high, low]))))
        .to.be.revertedWithCustomError(f.rewards, "RewardsMembersNotSorted")
        .withArgs(high.address, low.address);
      await expect(f.rewards.register(f.round, ...(await signedAs([low, low]))))
        .to.be.revertedWithCustomError(f.rewards, "RewardsMembersNotSorted")
        .withArgs(low.address, low.address);
      await expect(f.rewards.register(f.round, [{ miner: ethers.ZeroAddress, capacity: UNIT }], ["0x"]))
        .to.be.revertedWithCustomError(f.rewards, "RewardsMembersNotSorted")
        .withArgs(ethers.ZeroAddress, ethers.ZeroAddress);
      await expect(f.rewards.register(f.round, ...(await signedAs([low, high])))).to.emit(
        f.rewards,
        "CoalitionRegistered",
      );
    });

    it("refuses a zero capacity", async () => {
      const f = await loadFixture(deployRegistered);
      const { members, signatures } = await signCoalition(f.domain, f.round, f.miners.slice(5, 7), [UNIT, 0n]);
      const zero = members.find((m) => m.capacity === 0n)!;
      await expect(f.rewards.register(f.round, members, signatures))
        .to.be.revertedWithCustomError(f.rewards, "RewardsZeroCapacity")
        .withArgs(zero.miner);
    });

    it("refuses a miner already in a coalition of the round, but not of another round", async () => {
      const f = await loadFixture(deployRegistered);
      const taken = f.coalitionMiners[1]!;
      const { members, signatures } = await signCoalition(f.domain, f.round, [taken, f.miners[5]!], [UNIT, UNIT]);
      await expect(f.rewards.register(f.round, members, signatures))
        .to.be.revertedWithCustomError(f.rewards, "RewardsAlreadyInCoalition")
        .withArgs(f.round, taken.address, f.coalition);
      const next = await openRound(f);
      await expect(registerCoalition(f, next.round, [taken], [UNIT])).to.not.be.reverted;
      expect(await f.rewards.coalitionOf(next.round, taken.address)).to.equal(1n);
    });

    it("refuses a signature by another account, for another coalition, capacity or round", async () => {
      const f = await loadFixture(deployRegistered);
      const [x, y] = [f.miners[5]!, f.miners[6]!];
      const { members, signatures } = await signCoalition(f.domain, f.round, [x, y], [UNIT, 2n * UNIT]);
      const hash = hashMembers(members);
      const [first, second] = members as [Member, Member];
      const signerOf = (m: Member) => (m.miner === x.address ? x : y);
      const wrong = [
        // the second member signs the first's membership
        signMembership(signerOf(second), f.domain, f.round, hash, first.miner, first.capacity),
        // the first member signed a coalition of itself alone
        signMembership(signerOf(first), f.domain, f.round, hashMembers([first]), first.miner, first.capacity),
        // … another capacity
        signMembership(signerOf(first), f.domain, f.round, hash, first.miner, first.capacity + 1n),
        // … another round
        signMembership(signerOf(first), f.domain, f.round + 1n, hash, first.miner, first.capacity),
      ];
      for (const sig of wrong) {
        await expect(f.rewards.register(f.round, members, [await sig, signatures[1]!]))
          .to.be.revertedWithCustomError(f.rewards, "RewardsBadSignature")
          .withArgs(first.miner);
      }
      await expect(f.rewards.register(f.round, members, [signatures[0]!, signatures[0]!]))
        .to.be.revertedWithCustomError(f.rewards, "RewardsBadSignature")
        .withArgs(second.miner);
    });
  });

  describe("commit", function () {
    it("records a member's commitment and emits SeedCommitted", async () => {
      const f = await loadFixture(deployRegistered);
      const commitment = commitmentOf(f.round, f.coalition, SEED);
      expect(await f.rewards.commitmentOf(f.round, f.coalition, SEED)).to.equal(commitment);
      await at(f.commitEnd - 1n);
      await expect(f.rewards.connect(f.coalitionMiners[2]!).commit(f.round, f.coalition, commitment))
        .to.emit(f.rewards, "SeedCommitted")
        .withArgs(f.round, f.coalition, f.coalitionMiners[2]!.address, commitment);
      expect((await f.rewards.coalition(f.round, f.coalition)).commitment).to.equal(commitment);
    });

    it("refuses an unknown round", async () => {
      const f = await loadFixture(deployRegistered);
      await expect(f.rewards.connect(f.coalitionMiners[0]!).commit(9n, 1n, SEED))
        .to.be.revertedWithCustomError(f.rewards, "RewardsUnknownRound")
        .withArgs(9n);
    });

    it("refuses a commitment from commitEnd on", async () => {
      const f = await loadFixture(deployRegistered);
      await at(f.commitEnd);
      await expect(f.rewards.connect(f.coalitionMiners[0]!).commit(f.round, f.coalition, SEED))
        .to.be.revertedWithCustomError(f.rewards, "RewardsTooLate")
        .withArgs(f.round, f.commitEnd, f.commitEnd);
    });

    it("refuses an unknown coalition", async () => {
      const f = await loadFixture(deployRegistered);
      for (const id of [0n, 2n]) {
        await expect(f.rewards.connect(f.coalitionMiners[0]!).commit(f.round, id, SEED))
          .to.be.revertedWithCustomError(f.rewards, "RewardsUnknownCoalition")
          .withArgs(f.round, id);
      }
    });

    it("refuses a non-member, including a member of another coalition", async () => {
      const f = await loadFixture(deployRegistered);
      const other = f.miners[5]!;
      const otherId = await registerCoalition(f, f.round, [other], [UNIT]);
      for (const caller of [f.stranger, other]) {
        await expect(f.rewards.connect(caller).commit(f.round, f.coalition, SEED))
          .to.be.revertedWithCustomError(f.rewards, "RewardsNotMember")
          .withArgs(f.round, f.coalition, caller.address);
      }
      await expect(f.rewards.connect(other).commit(f.round, otherId, SEED)).to.emit(f.rewards, "SeedCommitted");
    });

    it("refuses a zero commitment", async () => {
      const f = await loadFixture(deployRegistered);
      await expect(f.rewards.connect(f.coalitionMiners[0]!).commit(f.round, f.coalition, ZERO_HASH))
        .to.be.revertedWithCustomError(f.rewards, "RewardsZeroCommitment")
        .withArgs(f.round, f.coalition);
    });

    it("refuses a second commitment, by any member", async () => {
      const f = await loadFixture(deployCommitted);
      for (const m of f.coalitionMiners) {
        await expect(f.rewards.connect(m).commit(f.round, f.coalition, seedOf("another")))
          .to.be.revertedWithCustomError(f.rewards, "RewardsAlreadyCommitted")
          .withArgs(f.round, f.coalition);
      }
    });
  });

  describe("reveal", function () {
    it("records the seed from commitEnd on, by anyone, and emits SeedRevealed", async () => {
      const f = await loadFixture(deployCommitted);
      await at(f.commitEnd);
      await expect(f.rewards.connect(f.stranger).reveal(f.round, f.coalition, SEED))
        .to.emit(f.rewards, "SeedRevealed")
        .withArgs(f.round, f.coalition, SEED);
      const c = await f.rewards.coalition(f.round, f.coalition);
      expect([c.revealed, c.seed]).to.deep.equal([true, SEED]);
    });

    it("accepts a reveal one second before revealEnd", async () => {
      const f = await loadFixture(deployCommitted);
      await at(f.revealEnd - 1n);
      await expect(f.rewards.reveal(f.round, f.coalition, SEED)).to.emit(f.rewards, "SeedRevealed");
    });

    it("refuses an unknown round", async () => {
      const f = await loadFixture(deployCommitted);
      await expect(f.rewards.reveal(0n, f.coalition, SEED))
        .to.be.revertedWithCustomError(f.rewards, "RewardsUnknownRound")
        .withArgs(0n);
    });

    it("refuses a reveal before commitEnd", async () => {
      const f = await loadFixture(deployCommitted);
      const t = await at(f.commitEnd - 1n);
      await expect(f.rewards.reveal(f.round, f.coalition, SEED))
        .to.be.revertedWithCustomError(f.rewards, "RewardsTooEarly")
        .withArgs(f.round, t, f.commitEnd);
    });

    it("refuses a reveal from revealEnd on", async () => {
      const f = await loadFixture(deployCommitted);
      await at(f.revealEnd);
      await expect(f.rewards.reveal(f.round, f.coalition, SEED))
        .to.be.revertedWithCustomError(f.rewards, "RewardsTooLate")
        .withArgs(f.round, f.revealEnd, f.revealEnd);
    });

    it("refuses an unknown coalition", async () => {
      const f = await loadFixture(deployCommitted);
      await time.increaseTo(f.commitEnd);
      await expect(f.rewards.reveal(f.round, 2n, SEED))
        .to.be.revertedWithCustomError(f.rewards, "RewardsUnknownCoalition")
        .withArgs(f.round, 2n);
    });

    it("refuses a coalition that never committed", async () => {
      const f = await loadFixture(deployRegistered);
      await time.increaseTo(f.commitEnd);
      await expect(f.rewards.reveal(f.round, f.coalition, SEED))
        .to.be.revertedWithCustomError(f.rewards, "RewardsNoCommitment")
        .withArgs(f.round, f.coalition);
    });

    it("refuses a second reveal", async () => {
      const f = await loadFixture(deployRevealed);
      await expect(f.rewards.reveal(f.round, f.coalition, SEED))
        .to.be.revertedWithCustomError(f.rewards, "RewardsAlreadyRevealed")
        .withArgs(f.round, f.coalition);
    });

    it("refuses a seed that does not match the commitment", async () => {
      const f = await loadFixture(deployCommitted);
      await time.increaseTo(f.commitEnd);
      const expected = commitmentOf(f.round, f.coalition, SEED);
      const wrong = seedOf("wrong");
      await expect(f.rewards.reveal(f.round, f.coalition, wrong))
        .to.be.revertedWithCustomError(f.rewards, "RewardsCommitmentMismatch")
        .withArgs(f.round, f.coalition, expected, commitmentOf(f.round, f.coalition, wrong));
    });

    it("refuses a commitment copied from another coalition: the coalition id is bound into it", async () => {
      const f = await loadFixture(deployRegistered);
      const other = await registerCoalition(f, f.round, [f.miners[5]!], [UNIT]);
      // Coalition 1 copies what coalition 2 would commit to for the same seed.
      const copied = commitmentOf(f.round, other, SEED);
      await f.rewards.connect(f.coalitionMiners[0]!).commit(f.round, f.coalition, copied);
      await time.increaseTo(f.commitEnd);
      await expect(f.rewards.reveal(f.round, f.coalition, SEED))
        .to.be.revertedWithCustomError(f.rewards, "RewardsCommitmentMismatch")
        .withArgs(f.round, f.coalition, copied, commitmentOf(f.round, f.coalition, SEED));
    });
  });

  describe("draw", function () {
    it("refuses an unknown round", async () => {
      const f = await loadFixture(deployRevealed);
      await expect(f.rewards.draw(5n)).to.be.revertedWithCustomError(f.rewards, "RewardsUnknownRound").withArgs(5n);
    });

    it("refuses a draw before revealEnd", async () => {
      const f = await loadFixture(deployRevealed);
      const t = await at(f.revealEnd - 1n);
      await expect(f.rewards.draw(f.round))
        .to.be.revertedWithCustomError(f.rewards, "RewardsTooEarly")
        .withArgs(f.round, t, f.revealEnd);
    });

    it("refuses a second draw", async () => {
      const f = await loadFixture(deployDrawn);
      await expect(f.rewards.draw(f.round))
        .to.be.revertedWithCustomError(f.rewards, "RewardsAlreadyDrawn")
        .withArgs(f.round);
    });

    it("credits the opener back when no coalition registered", async () => {
      const f = await loadFixture(deployRewards);
      const r = await openRound(f);
      await time.increaseTo(r.revealEnd);
      const tx = f.rewards.connect(f.stranger).draw(r.round);
      await expect(tx).to.emit(f.rewards, "RoundDrawn").withArgs(r.round, 0n, ZERO_HASH);
      await expect(tx).to.emit(f.rewards, "RewardCredited").withArgs(r.round, f.opener.address, REWARD);
      expect(await f.rewards.creditOf(f.opener.address)).to.equal(REWARD);
      const round = await f.rewards.round(r.round);
      expect([round.drawn, round.winner, round.randomness]).to.deep.equal([true, 0n, ZERO_HASH]);
    });

    it("credits the opener back when coalitions committed but none revealed", async () => {
      const f = await loadFixture(deployCommitted);
      await registerCoalition(f, f.round, [f.miners[5]!], [UNIT]);
      await time.increaseTo(f.revealEnd);
      const tx = f.rewards.draw(f.round);
      await expect(tx).to.emit(f.rewards, "RoundDrawn").withArgs(f.round, 0n, ZERO_HASH);
      await expect(tx).to.emit(f.rewards, "RewardCredited").withArgs(f.round, f.opener.address, REWARD);
      for (const m of f.coalitionMiners) expect(await f.rewards.creditOf(m.address)).to.equal(0n);
    });

    it("excludes a coalition that did not reveal: the only revealer wins whatever its weight", async () => {
      const f = await loadFixture(deployCommitted);
      const big = f.miners.slice(5, 10);
      const bigId = await registerCoalition(
        f,
        f.round,
        big,
        big.map(() => UINT96_MAX),
      );
      await f.rewards.connect(big[0]!).commit(f.round, bigId, commitmentOf(f.round, bigId, seedOf("big")));
      await time.increaseTo(f.commitEnd);
      await f.rewards.reveal(f.round, f.coalition, SEED);
      await time.increaseTo(f.revealEnd);
      const randomness = ethers.keccak256(SEED);
      await expect(f.rewards.draw(f.round)).to.emit(f.rewards, "RoundDrawn").withArgs(f.round, f.coalition, randomness);
      for (const m of big) expect(await f.rewards.creditOf(m.address)).to.equal(0n);
    });

    it("the ticket picks the coalition whose interval holds it, at the boundary too", async () => {
      // Two coalitions of capacity 0.001 under γ = 1: weights 1 and 1, intervals [0, 1) and [1, 2),
      // so an even randomness picks coalition 1 and an odd one coalition 2.
      for (const parity of [0n, 1n]) {
        const f = await loadFixture(deployRewards);
        const r = await openRound(f, Gamma.One);
        const first = seedOf("first");
        let second = seedOf("second 0");
        for (let i = 1; BigInt(ethers.keccak256(ethers.concat([first, second]))) % 2n !== parity; ++i) {
          second = seedOf(`second ${i}`);
        }
        for (const [i, seed] of [first, second].entries()) {
          const id = await registerCoalition(f, r.round, [f.miners[i]!], [1n]);
          await f.rewards.connect(f.miners[i]!).commit(r.round, id, commitmentOf(r.round, id, seed));
        }
        await time.increaseTo(r.commitEnd);
        await f.rewards.reveal(r.round, 1n, first);
        await f.rewards.reveal(r.round, 2n, second);
        await time.increaseTo(r.revealEnd);
        const randomness = ethers.keccak256(ethers.concat([first, second]));
        await expect(f.rewards.draw(r.round))
          .to.emit(f.rewards, "RoundDrawn")
          .withArgs(r.round, parity + 1n, randomness);
      }
    });

    it("a whole round of three coalitions: the replica's winner, its members paid by capacity, dust to the first", async () => {
      const f = await loadFixture(deployThree);
      await time.increaseTo(f.commitEnd);
      for (const c of f.coalitions) f.gas.reveal!.push(await gasOf(f.rewards.reveal(f.round, c.id, c.seed)));
      await time.increaseTo(f.revealEnd);
      const expected = drawWinner(
        f.coalitions.map((c) => ({
          id: c.id,
          totalCapacity: c.members.reduce((s, m) => s + m.capacity, 0n),
          seed: c.seed,
        })),
        Gamma.OneAndHalf,
      );
      expect(expected.randomness).to.equal(ethers.keccak256(ethers.concat(f.coalitions.map((c) => c.seed))));
      const tx = f.rewards.connect(f.stranger).draw(f.round);
      await expect(tx).to.emit(f.rewards, "RoundDrawn").withArgs(f.round, expected.winner, expected.randomness);
      const winner = f.coalitions[Number(expected.winner) - 1]!;
      const shares = sharesOf(
        REWARD,
        winner.members.map((m) => m.capacity),
      );
      for (const [i, m] of winner.members.entries()) {
        await expect(tx).to.emit(f.rewards, "RewardCredited").withArgs(f.round, m.miner, shares[i]!);
        expect(await f.rewards.creditOf(m.miner)).to.equal(shares[i]!);
      }
      expect(shares.reduce((s, x) => s + x, 0n)).to.equal(REWARD);
      // The reward leaves dust, which went to the first member.
      const total = winner.members.reduce((s, m) => s + m.capacity, 0n);
      expect(shares[0]! - (REWARD * winner.members[0]!.capacity) / total).to.be.greaterThan(0n);
      for (const c of f.coalitions.filter((c) => c.id !== expected.winner)) {
        for (const m of c.members) expect(await f.rewards.creditOf(m.miner)).to.equal(0n);
      }
      const round = await f.rewards.round(f.round);
      expect([round.drawn, round.winner, round.randomness]).to.deep.equal([true, expected.winner, expected.randomness]);

      // Every credited member withdraws its share; the contract ends empty.
      const signerOf = new Map(f.groups.flat().map((s) => [s.address, s]));
      for (const [i, m] of winner.members.entries()) {
        const w = f.rewards.connect(signerOf.get(m.miner)!).withdraw();
        await expect(w).to.changeEtherBalances([m.miner, f.rewards], [shares[i]!, -shares[i]!]);
        await expect(w).to.emit(f.rewards, "Withdrawn").withArgs(m.miner, shares[i]!);
        expect(await f.rewards.creditOf(m.miner)).to.equal(0n);
      }
      expect(await ethers.provider.getBalance(f.address)).to.equal(0n);
    });
  });

  describe("withdraw", function () {
    it("refuses an account with nothing credited, and a second withdrawal", async () => {
      const f = await loadFixture(deployDrawn);
      await expect(f.rewards.connect(f.stranger).withdraw())
        .to.be.revertedWithCustomError(f.rewards, "RewardsNothingToWithdraw")
        .withArgs(f.stranger.address);
      const first = f.coalitionMiners[0]!;
      await f.rewards.connect(first).withdraw();
      await expect(f.rewards.connect(first).withdraw())
        .to.be.revertedWithCustomError(f.rewards, "RewardsNothingToWithdraw")
        .withArgs(first.address);
    });

    /** A round opened by a contract opener, drawn with no coalition: the mock is credited the reward. */
    async function deployMockCredited() {
      const f = await deployRewards();
      const mock: CoalitionMinerMock = await ethers.deployContract("CoalitionMinerMock", [f.address]);
      await f.rewards.grantRole(await f.rewards.ROUND_ROLE(), await mock.getAddress());
      const d = await deadlines();
      await mock.openRound(d.registerEnd, d.commitEnd, d.revealEnd, Gamma.One, { value: REWARD });
      await time.increaseTo(d.revealEnd);
      await f.rewards.draw(1n);
      return { ...f, mock };
    }

    it("keeps the credit when the recipient refuses the ETH", async () => {
      const f = await loadFixture(deployMockCredited);
      await f.mock.setOnReceive(1); // Refuse
      await expect(f.mock.withdraw())
        .to.be.revertedWithCustomError(f.rewards, "RewardsWithdrawFailed")
        .withArgs(await f.mock.getAddress(), REWARD);
      expect(await f.rewards.creditOf(await f.mock.getAddress())).to.equal(REWARD);
    });

    it("a recipient re-entering withdraw gets nothing twice", async () => {
      const f = await loadFixture(deployMockCredited);
      await f.mock.setOnReceive(2); // Reenter
      // The inner withdraw hits the guard, so the send fails as a whole and the credit stays.
      await expect(f.mock.withdraw())
        .to.be.revertedWithCustomError(f.rewards, "RewardsWithdrawFailed")
        .withArgs(await f.mock.getAddress(), REWARD);
      expect(await f.rewards.creditOf(await f.mock.getAddress())).to.equal(REWARD);
      await f.mock.setOnReceive(0); // Accept
      await expect(f.mock.withdraw()).to.changeEtherBalances([f.mock, f.rewards], [REWARD, -REWARD]);
    });

    it("pays a contract miner that won by ERC-1271 membership", async () => {
      const f = await loadFixture(deployRewards);
      const r = await openRound(f, Gamma.Two);
      const mock: CoalitionMinerMock = await ethers.deployContract("CoalitionMinerMock", [f.address]);
      const members: Member[] = [{ miner: await mock.getAddress(), capacity: UNIT }];
      await mock.approveDigest(
        await f.rewards.membershipDigest(r.round, hashMembers(members), members[0]!.miner, UNIT),
      );
      await f.rewards.register(r.round, members, ["0x"]);
      await mock.commit(r.round, 1n, commitmentOf(r.round, 1n, SEED));
      await time.increaseTo(r.commitEnd);
      await f.rewards.reveal(r.round, 1n, SEED);
      await time.increaseTo(r.revealEnd);
      await expect(f.rewards.draw(r.round))
        .to.emit(f.rewards, "RewardCredited")
        .withArgs(r.round, members[0]!.miner, REWARD);
      await expect(mock.withdraw()).to.changeEtherBalances([mock, f.rewards], [REWARD, -REWARD]);
    });
  });

  describe("weightOf", function () {
    it("is D, D·⌊√(D·1e18)⌋ and D² for γ = 1, 1.5 and 2, as the replica", async () => {
      const { rewards } = await loadFixture(deployRewards);
      for (const d of [0n, 1n, 999n, UNIT, 4_000n, 10_000n, 32n * UINT96_MAX]) {
        expect(await rewards.weightOf(d, Gamma.One)).to.equal(d);
        expect(await rewards.weightOf(d, Gamma.OneAndHalf)).to.equal(d * isqrt(d * SQRT_SCALE));
        expect(await rewards.weightOf(d, Gamma.Two)).to.equal(d * d);
        for (const g of GAMMAS) expect(await rewards.weightOf(d, g)).to.equal(weightOf(d, g));
      }
      // 4.0 units: 4000 · √(4000·1e18) = 4000 · 63,245,553,203 (√4000 = 63.245553203…).
      expect(await rewards.weightOf(4_000n, Gamma.OneAndHalf)).to.equal(4_000n * 63_245_553_203n);
    });

    it("gives winning chances in the ratio D^γ", async () => {
      const { rewards } = await loadFixture(deployRewards);
      const [a, b] = [2_000n, 8_000n]; // a coalition four times the capacity of another
      for (const [g, ratio] of [
        [Gamma.One, 4],
        [Gamma.OneAndHalf, 8],
        [Gamma.Two, 16],
      ] as const) {
        const wa = await rewards.weightOf(a, g);
        const wb = await rewards.weightOf(b, g);
        expect(Number(wb) / Number(wa)).to.be.closeTo(ratio, ratio * 1e-9);
      }
    });

    it("refuses a bad γ and a capacity above MAX_COALITION_CAPACITY", async () => {
      const { rewards } = await loadFixture(deployRewards);
      await expect(rewards.weightOf(UNIT, 12)).to.be.revertedWithCustomError(rewards, "RewardsBadGamma").withArgs(12);
      const max = 32n * UINT96_MAX;
      await expect(rewards.weightOf(max + 1n, Gamma.Two))
        .to.be.revertedWithCustomError(rewards, "RewardsCapacityTooLarge")
        .withArgs(max + 1n, max);
    });
  });

  describe("views", function () {
    it("round, coalition and membersOf refuse unknown ids", async () => {
      const f = await loadFixture(deployRegistered);
      await expect(f.rewards.round(2n)).to.be.revertedWithCustomError(f.rewards, "RewardsUnknownRound").withArgs(2n);
      await expect(f.rewards.coalition(2n, 1n))
        .to.be.revertedWithCustomError(f.rewards, "RewardsUnknownRound")
        .withArgs(2n);
      await expect(f.rewards.coalition(f.round, 2n))
        .to.be.revertedWithCustomError(f.rewards, "RewardsUnknownCoalition")
        .withArgs(f.round, 2n);
      await expect(f.rewards.membersOf(f.round, 0n))
        .to.be.revertedWithCustomError(f.rewards, "RewardsUnknownCoalition")
        .withArgs(f.round, 0n);
    });
  });

  // "[gas]" in the title keeps these out of `npm run coverage` (.solcover.js), as the other gas tests.
  describe("gas [gas]", function () {
    /** Bounds well above the measured figures (docs/contracts.md), so a regression fails. */
    const MAX_GAS = { register: 400_000n, commit: 60_000n, reveal: 60_000n, draw: 200_000n } as const;

    it("register (3–5 members), commit, reveal and draw of a round of three coalitions stay within bounds", async () => {
      const f = await loadFixture(deployThree);
      await time.increaseTo(f.commitEnd);
      for (const c of f.coalitions) f.gas.reveal!.push(await gasOf(f.rewards.reveal(f.round, c.id, c.seed)));
      await time.increaseTo(f.revealEnd);
      f.gas.draw!.push(await gasOf(f.rewards.draw(f.round)));
      const sizes = f.groups.map((g) => g.length);
      console.log(`      gas register (${sizes.join(", ")} members): ${f.gas.register!.join(", ")}`);
      console.log(`      gas commit: ${f.gas.commit!.join(", ")}; reveal: ${f.gas.reveal!.join(", ")}`);
      console.log(`      gas draw (3 coalitions): ${f.gas.draw!.join(", ")}`);
      for (const [kind, max] of Object.entries(MAX_GAS)) {
        for (const g of f.gas[kind]!) expect(g).to.be.at.most(max);
      }
    });
  });
});
