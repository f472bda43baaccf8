import { ethers } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { Wallet } from "ethers";
import type { AnalysisMarket, DataToken, Reputation } from "../../../typechain-types";
import {
  analysisMarketDomain,
  signJoin,
  signRoundAck,
  survivorsBitmap,
  type Join,
  type RoundAck,
} from "../../../src/learning/chain/typed-data";

/** `IAnalysisMarket.TaskState`, by name. */
export const TaskState = {
  None: 0n,
  Requested: 1n,
  Accepted: 2n,
  Training: 3n,
  Delivered: 4n,
  Settled: 5n,
  Cancelled: 6n,
  Reclaimed: 7n,
} as const;

export const WAD = 10n ** 18n;
export const PRICE = ethers.parseEther("100");
export const FEE_BPS = 2_000n;
/** What the consumer and the analyst each hold after {deployMarket}. */
export const FUNDS = ethers.parseEther("1000000");
/** Seconds from "now" to a task's deadline in the helpers. */
export const TASK_DURATION = 86_400n;
export const REVIEW_PERIOD = 3_600n;
export const SPEC = ethers.id("spec: hourly load forecast, 24 features");
export const POINTER = ethers.id("ipfs pointer of the model");

/** The owners sign off-chain only, so plain wallets (never funded with ETH) stand in for them. */
export function ownerWallets(count: number, label = "owner"): Wallet[] {
  return Array.from({ length: count }, (_, i) => new ethers.Wallet(ethers.id(`${label}-${i}`)));
}

/** The keys hash an owner joins with. */
export function keysHash(owner: string): string {
  return ethers.id(`secure-aggregation keys of ${owner}`);
}

/** Aggregate and model hashes of round `round` of a test run. */
export function roundHashes(round: number | bigint, label = "run"): { aggregateHash: string; modelHash: string } {
  return { aggregateHash: ethers.id(`${label} aggregate ${round}`), modelHash: ethers.id(`${label} model ${round}`) };
}

/**
 * DataToken, Reputation and AnalysisMarket; the market holds UPDATER_ROLE on the reputation.
 * `consumer`, `consumer2` and `analyst` hold {FUNDS} and approved the market for all of it.
 */
export async function deployMarket() {
  const [admin, consumer, analyst, stranger, consumer2] = await ethers.getSigners();
  const token: DataToken = await ethers.deployContract("DataToken", [admin.address]);
  await token.grantRole(await token.MINTER_ROLE(), admin.address);
  const reputation: Reputation = await ethers.deployContract("Reputation", [admin.address]);
  const market: AnalysisMarket = await ethers.deployContract("AnalysisMarket", [
    await token.getAddress(),
    await reputation.getAddress(),
    admin.address,
  ]);
  const address = await market.getAddress();
  await reputation.grantRole(await reputation.UPDATER_ROLE(), address);
  for (const s of [consumer, consumer2, analyst]) {
    await token.mint(s.address, FUNDS);
    await token.connect(s).approve(address, ethers.MaxUint256);
  }
  const { chainId } = await ethers.provider.getNetwork();
  const domain = analysisMarketDomain(address, chainId);
  return { token, reputation, market, address, chainId, domain, admin, consumer, consumer2, analyst, stranger };
}

export type MarketFixture = Awaited<ReturnType<typeof deployMarket>>;

export async function now(): Promise<bigint> {
  return BigInt(await time.latest());
}

/** `consumer` requests a task of `analyst` (defaults: the fixture's) at `price`, due in {TASK_DURATION}; returns its id. */
export async function requestTask(
  f: MarketFixture,
  opts: { price?: bigint; deadline?: bigint; consumer?: HardhatEthersSigner } = {},
): Promise<bigint> {
  const deadline = opts.deadline ?? (await now()) + TASK_DURATION;
  const consumer = opts.consumer ?? f.consumer;
  await f.market.connect(consumer).request(f.analyst.address, opts.price ?? PRICE, deadline, SPEC);
  return f.market.taskCount();
}

/** Joins of `owners` to task `taskId` (samples 100, 200, … unless given) and their signatures. */
export async function signedJoins(
  f: Pick<MarketFixture, "domain">,
  taskId: bigint,
  owners: readonly Wallet[],
  samples: readonly bigint[] = owners.map((_, i) => BigInt(100 * (i + 1))),
): Promise<{ joins: Join[]; signatures: string[] }> {
  const joins = owners.map((o, i) => ({
    taskId,
    owner: o.address,
    samples: samples[i],
    keysHash: keysHash(o.address),
  }));
  const signatures = await Promise.all(joins.map((j, i) => signJoin(owners[i], f.domain, j)));
  return { joins, signatures };
}

/** The round ack of the survivors at `indices` and each survivor's signature, lowest index first. */
export async function signedRound(
  f: Pick<MarketFixture, "domain">,
  taskId: bigint,
  round: bigint,
  owners: readonly Wallet[],
  indices: readonly number[],
  label = "run",
): Promise<{ ack: RoundAck; acks: string[] }> {
  const ack: RoundAck = {
    taskId,
    round,
    survivors: survivorsBitmap(indices, owners.length),
    ...roundHashes(round, label),
  };
  const sorted = [...indices].sort((a, b) => a - b);
  const acks = await Promise.all(sorted.map((i) => signRoundAck(owners[i], f.domain, ack)));
  return { ack, acks };
}

/** `analyst` commits the round of `signedRound`. */
export function commit(f: MarketFixture, round: { ack: RoundAck; acks: string[] }) {
  const { ack, acks } = round;
  return f.market
    .connect(f.analyst)
    .commitRound(ack.taskId, ack.round, ack.survivors, ack.aggregateHash, ack.modelHash, acks);
}

/** A task requested at {PRICE} and accepted at {FEE_BPS}. */
export async function acceptedTask(f: MarketFixture, price = PRICE): Promise<bigint> {
  const id = await requestTask(f, { price });
  await f.market.connect(f.analyst).accept(id, FEE_BPS);
  return id;
}

/** An accepted task with `owners` selected (samples 100, 200, …). */
export async function trainingTask(f: MarketFixture, owners: readonly Wallet[], price = PRICE): Promise<bigint> {
  const id = await acceptedTask(f, price);
  const { joins, signatures } = await signedJoins(f, id, owners);
  await f.market.connect(f.analyst).select(id, joins, signatures);
  return id;
}

/**
 * The contract's payment rule, re-computed: the fee rounded down, each owner's share of the pool
 * ⌊pool·w/Σw⌋, the dust to the analyst.
 */
export function expectedPayments(
  price: bigint,
  feeBps: bigint,
  weights: readonly bigint[],
): { analyst: bigint; owners: bigint[] } {
  const pool = price - (price * feeBps) / 10_000n;
  const total = weights.reduce((s, w) => s + w, 0n);
  const owners = weights.map((w) => (total === 0n ? 0n : (pool * w) / total));
  return { analyst: price - owners.reduce((s, a) => s + a, 0n), owners };
}

/** `bond` split by `weights` (rounded down), the rest to the consumer: what {reclaim} pays. */
export function expectedBondSplit(bond: bigint, weights: readonly bigint[]): { consumer: bigint; owners: bigint[] } {
  const total = weights.reduce((s, w) => s + w, 0n);
  const owners = weights.map((w) => (total === 0n ? 0n : (bond * w) / total));
  return { consumer: bond - owners.reduce((s, a) => s + a, 0n), owners };
}

/** One reputation update, re-computed as the contract does it (each product rounded down). */
export function nextScore(score: { alpha: bigint; beta: bigint }, acked: boolean): { alpha: bigint; beta: bigint } {
  const decay = 9n * 10n ** 17n;
  return {
    alpha: (score.alpha * decay) / WAD + (acked ? 4n * 10n ** 17n : 0n),
    beta: (score.beta * decay) / WAD + (acked ? 0n : 6n * 10n ** 17n),
  };
}

/** T = (α + 1) / (α + β + 2), WAD, rounded down. */
export function trust(score: { alpha: bigint; beta: bigint }): bigint {
  return ((score.alpha + WAD) * WAD) / (score.alpha + score.beta + 2n * WAD);
}
