import { ethers } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import type { CoalitionRewards } from "../../../typechain-types";
import { Gamma, rewardsDomain, signCoalition, type GammaCode, type MinerSigner } from "./helpers";

/** The reward of {openRound} unless told: not a multiple of anything, so payouts leave dust. */
export const REWARD = ethers.parseEther("1") + 7n;
/** Seconds from now to the end of registration, then of commits, then of reveals. */
export const PHASE = 100n;

/**
 * CoalitionRewards administered by `admin`, `opener` holding ROUND_ROLE, a `stranger` and the
 * remaining signers as `miners` (17 with hardhat's default 20 accounts).
 */
export async function deployRewards() {
  const [admin, opener, stranger, ...miners] = await ethers.getSigners();
  const rewards: CoalitionRewards = await ethers.deployContract("CoalitionRewards", [admin!.address]);
  await rewards.grantRole(await rewards.ROUND_ROLE(), opener!.address);
  const address = await rewards.getAddress();
  const chainId = (await ethers.provider.getNetwork()).chainId;
  const domain = rewardsDomain(address, chainId);
  return { rewards, address, chainId, domain, admin: admin!, opener: opener!, stranger: stranger!, miners };
}

export type RewardsFixture = Awaited<ReturnType<typeof deployRewards>>;

/** The deadlines of a round opened now: {PHASE} seconds apart. */
export async function deadlines(): Promise<{ registerEnd: bigint; commitEnd: bigint; revealEnd: bigint }> {
  const now = BigInt(await time.latest());
  return { registerEnd: now + PHASE, commitEnd: now + 2n * PHASE, revealEnd: now + 3n * PHASE };
}

/** Open a round by `f.opener` with {deadlines}; returns its id and deadlines. */
export async function openRound(f: RewardsFixture, gamma: GammaCode = Gamma.OneAndHalf, reward: bigint = REWARD) {
  const d = await deadlines();
  await f.rewards.connect(f.opener).openRound(d.registerEnd, d.commitEnd, d.revealEnd, gamma, { value: reward });
  return { round: await f.rewards.roundCount(), gamma, reward, ...d };
}

/** Register the coalition of `miners` with `capacities` in `round` (submitted by `f.stranger`); returns its id. */
export async function registerCoalition(
  f: RewardsFixture,
  round: bigint,
  miners: readonly MinerSigner[],
  capacities: readonly bigint[],
): Promise<bigint> {
  const { members, signatures } = await signCoalition(f.domain, round, miners, capacities);
  await f.rewards.connect(f.stranger).register(round, members, signatures);
  return (await f.rewards.round(round)).coalitionCount;
}
