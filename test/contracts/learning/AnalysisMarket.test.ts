import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { ContractTransactionResponse } from "ethers";
import type { AnalysisMarket, ReentrantToken, Reputation } from "../../../typechain-types";
import { joinDigest, joinSigner, roundAckDigest, signJoin, signRoundAck } from "../../../src/learning/chain/typed-data";
import {
  FEE_BPS,
  FUNDS,
  POINTER,
  PRICE,
  REVIEW_PERIOD,
  SPEC,
  TASK_DURATION,
  TaskState,
  WAD,
  acceptedTask,
  commit,
  deployMarket,
  expectedBondSplit,
  expectedPayments,
  keysHash,
  nextScore,
  now,
  ownerWallets,
  requestTask,
  roundHashes,
  signedJoins,
  signedRound,
  trainingTask,
  trust,
  type MarketFixture,
} from "./fixture";

const OWNERS = ownerWallets(5);
const ALL = [0, 1, 2, 3, 4];
/** Samples of the fixture's joins: 100, 200, … */
const SAMPLES = OWNERS.map((_, i) => BigInt(100 * (i + 1)));
const BOND = (PRICE * 1_000n) / 10_000n;

/** The next block's timestamp, fixed to `t`. */
async function at(t: bigint): Promise<bigint> {
  await time.setNextBlockTimestamp(t);
  return t;
}

/** The args of every `name` event of `tx`'s receipt, in order. */
async function eventArgs(
  market: AnalysisMarket,
  tx: Promise<ContractTransactionResponse>,
  name: string,
): Promise<unknown[][]> {
  const receipt = await (await tx).wait();
  return receipt!.logs
    .map((log) => market.interface.parseLog(log))
    .filter((e) => e !== null && e.name === name)
    .map((e) => [...e!.args]);
}

async function deployRequested() {
  const f = await deployMarket();
  return { ...f, id: await requestTask(f) };
}

async function deployAccepted() {
  const f = await deployMarket();
  return { ...f, id: await acceptedTask(f) };
}

async function deployTraining() {
  const f = await deployMarket();
  return { ...f, id: await trainingTask(f, OWNERS) };
}

/** Training, round 1 committed with every owner. */
async function deployRound1() {
  const f = await deployTraining();
  const round = await signedRound(f, f.id, 1n, OWNERS, ALL);
  await commit(f, round);
  return { ...f, round };
}

async function deployDelivered() {
  const f = await deployRound1();
  await f.market.connect(f.analyst).deliver(f.id, f.round.ack.modelHash, POINTER);
  return { ...f, reviewEnds: (await f.market.task(f.id)).reviewEnds };
}

async function held(f: MarketFixture): Promise<bigint> {
  return f.token.balanceOf(f.address);
}

describe("AnalysisMarket", function () {
  describe("deployment", function () {
    it("rejects a zero token, reputation or admin", async () => {
      const [a] = await ethers.getSigners();
      const factory = await ethers.getContractFactory("AnalysisMarket");
      for (const args of [
        [ethers.ZeroAddress, a.address, a.address],
        [a.address, ethers.ZeroAddress, a.address],
        [a.address, a.address, ethers.ZeroAddress],
      ] as const) {
        await expect(factory.deploy(...args))
          .to.be.revertedWithCustomError(factory, "InvalidAddress")
          .withArgs(ethers.ZeroAddress);
      }
    });

    it("exposes its token, reputation, constants and EIP-712 domain", async () => {
      const f = await loadFixture(deployMarket);
      expect(await f.market.token()).to.equal(await f.token.getAddress());
      expect(await f.market.reputation()).to.equal(await f.reputation.getAddress());
      expect([
        await f.market.MAX_FEE_BPS(),
        await f.market.BOND_BPS(),
        await f.market.MIN_OWNERS(),
        await f.market.MAX_OWNERS(),
        await f.market.REVIEW_PERIOD(),
      ]).to.deep.equal([5_000n, 1_000n, 2n, 128n, REVIEW_PERIOD]);
      const d = await f.market.eip712Domain();
      expect([d.name, d.version, d.chainId, d.verifyingContract]).to.deep.equal([
        "commchain AnalysisMarket",
        "1",
        f.chainId,
        f.address,
      ]);
      expect(await f.market.taskCount()).to.equal(0n);
    });
  });

  describe("request", function () {
    it("escrows the price and records the task", async () => {
      const f = await loadFixture(deployMarket);
      const deadline = (await now()) + TASK_DURATION;
      const tx = f.market.connect(f.consumer).request(f.analyst.address, PRICE, deadline, SPEC);
      await expect(tx).to.changeTokenBalances(f.token, [f.consumer, f.market], [-PRICE, PRICE]);
      await expect(tx)
        .to.emit(f.market, "TaskRequested")
        .withArgs(1n, f.consumer.address, f.analyst.address, PRICE, deadline, SPEC);
      const t = await f.market.task(1n);
      expect([t.consumer, t.analyst, t.deadline, t.price, t.specHash, t.state, t.bond, t.rounds]).to.deep.equal([
        f.consumer.address,
        f.analyst.address,
        deadline,
        PRICE,
        SPEC,
        TaskState.Requested,
        0n,
        0n,
      ]);
      expect(await f.market.taskCount()).to.equal(1n);
    });

    it("rejects a zero analyst", async () => {
      const f = await loadFixture(deployMarket);
      await expect(f.market.connect(f.consumer).request(ethers.ZeroAddress, PRICE, (await now()) + 100n, SPEC))
        .to.be.revertedWithCustomError(f.market, "InvalidAddress")
        .withArgs(ethers.ZeroAddress);
    });

    it("rejects a zero price", async () => {
      const f = await loadFixture(deployMarket);
      await expect(
        f.market.connect(f.consumer).request(f.analyst.address, 0n, (await now()) + 100n, SPEC),
      ).to.be.revertedWithCustomError(f.market, "ZeroPrice");
    });

    it("rejects a deadline that is not in the future", async () => {
      const f = await loadFixture(deployMarket);
      const t = await at((await now()) + 10n);
      await expect(f.market.connect(f.consumer).request(f.analyst.address, PRICE, t, SPEC))
        .to.be.revertedWithCustomError(f.market, "DeadlinePassed")
        .withArgs(t, t);
    });

    it("needs the consumer's allowance", async () => {
      const f = await loadFixture(deployMarket);
      await expect(
        f.market.connect(f.stranger).request(f.analyst.address, PRICE, (await now()) + 100n, SPEC),
      ).to.be.revertedWithCustomError(f.token, "ERC20InsufficientAllowance");
    });
  });

  describe("cancel", function () {
    it("gives the escrow back while requested", async () => {
      const f = await loadFixture(deployRequested);
      const tx = f.market.connect(f.consumer).cancel(f.id);
      await expect(tx).to.changeTokenBalances(f.token, [f.consumer, f.market], [PRICE, -PRICE]);
      await expect(tx).to.emit(f.market, "TaskCancelled").withArgs(f.id, PRICE);
      expect((await f.market.task(f.id)).state).to.equal(TaskState.Cancelled);
    });

    it("only the consumer cancels", async () => {
      const f = await loadFixture(deployRequested);
      await expect(f.market.connect(f.analyst).cancel(f.id))
        .to.be.revertedWithCustomError(f.market, "NotConsumer")
        .withArgs(f.id, f.analyst.address);
    });

    it("not once accepted", async () => {
      const f = await loadFixture(deployAccepted);
      await expect(f.market.connect(f.consumer).cancel(f.id))
        .to.be.revertedWithCustomError(f.market, "WrongState")
        .withArgs(f.id, TaskState.Accepted);
    });

    it("an unknown task", async () => {
      const f = await loadFixture(deployRequested);
      await expect(f.market.connect(f.consumer).cancel(2n))
        .to.be.revertedWithCustomError(f.market, "UnknownTask")
        .withArgs(2n);
    });
  });

  describe("accept", function () {
    it("bonds 10 % of the price and records the fee", async () => {
      const f = await loadFixture(deployRequested);
      const tx = f.market.connect(f.analyst).accept(f.id, FEE_BPS);
      await expect(tx).to.changeTokenBalances(f.token, [f.analyst, f.market], [-BOND, BOND]);
      await expect(tx).to.emit(f.market, "TaskAccepted").withArgs(f.id, FEE_BPS, BOND);
      const t = await f.market.task(f.id);
      expect([t.state, t.feeBps, t.bond]).to.deep.equal([TaskState.Accepted, FEE_BPS, BOND]);
    });

    it("the bond rounds down: a price of 9 bonds nothing", async () => {
      const f = await loadFixture(deployMarket);
      const id = await requestTask(f, { price: 9n });
      await expect(f.market.connect(f.analyst).accept(id, 0n)).to.emit(f.market, "TaskAccepted").withArgs(id, 0n, 0n);
    });

    it("accepts the highest fee, not one above", async () => {
      const f = await loadFixture(deployRequested);
      await expect(f.market.connect(f.analyst).accept(f.id, 5_001n))
        .to.be.revertedWithCustomError(f.market, "FeeTooHigh")
        .withArgs(5_001n, 5_000n);
      await expect(f.market.connect(f.analyst).accept(f.id, 5_000n)).to.emit(f.market, "TaskAccepted");
    });

    it("only the named analyst accepts", async () => {
      const f = await loadFixture(deployRequested);
      await expect(f.market.connect(f.stranger).accept(f.id, FEE_BPS))
        .to.be.revertedWithCustomError(f.market, "NotAnalyst")
        .withArgs(f.id, f.stranger.address);
    });

    it("once", async () => {
      const f = await loadFixture(deployAccepted);
      await expect(f.market.connect(f.analyst).accept(f.id, FEE_BPS))
        .to.be.revertedWithCustomError(f.market, "WrongState")
        .withArgs(f.id, TaskState.Accepted);
    });

    it("not at the deadline", async () => {
      const f = await loadFixture(deployMarket);
      const deadline = (await now()) + 100n;
      const id = await requestTask(f, { deadline });
      await at(deadline);
      await expect(f.market.connect(f.analyst).accept(id, FEE_BPS))
        .to.be.revertedWithCustomError(f.market, "DeadlinePassed")
        .withArgs(deadline, deadline);
    });

    it("an unknown task", async () => {
      const f = await loadFixture(deployMarket);
      await expect(f.market.connect(f.analyst).accept(1n, FEE_BPS))
        .to.be.revertedWithCustomError(f.market, "UnknownTask")
        .withArgs(1n);
    });
  });

  describe("select", function () {
    it("stores the owners, their samples and keys, and a majority threshold", async () => {
      const f = await loadFixture(deployAccepted);
      const { joins, signatures } = await signedJoins(f, f.id, OWNERS);
      const addresses = OWNERS.map((o) => o.address);
      await expect(f.market.connect(f.analyst).select(f.id, joins, signatures))
        .to.emit(f.market, "OwnersSelected")
        .withArgs(f.id, addresses, 3n);
      expect(await f.market.ownersOf(f.id)).to.deep.equal(addresses);
      const t = await f.market.task(f.id);
      expect([t.state, t.threshold]).to.deep.equal([TaskState.Training, 3n]);
      for (const [i, o] of OWNERS.entries()) {
        const m = await f.market.memberOf(f.id, o.address);
        expect([m.selected, m.index, m.samples, m.roundsSurvived, m.keysHash]).to.deep.equal([
          true,
          BigInt(i),
          SAMPLES[i],
          0n,
          keysHash(o.address),
        ]);
        expect(await f.market.weightOf(f.id, o.address)).to.equal(0n);
      }
      expect((await f.market.memberOf(f.id, f.stranger.address)).selected).to.equal(false);
    });

    it("the threshold is ⌊n/2⌋ + 1: 2 of 2, 2 of 3, 3 of 4", async () => {
      const f = await loadFixture(deployMarket);
      for (const [n, threshold] of [
        [2, 2n],
        [3, 2n],
        [4, 3n],
      ] as const) {
        const id = await trainingTask(f, OWNERS.slice(0, n));
        expect((await f.market.task(id)).threshold).to.equal(threshold);
      }
    });

    it("admits MAX_OWNERS = 128 owners", async () => {
      const f = await loadFixture(deployAccepted);
      const owners = ownerWallets(128, "crowd");
      const { joins, signatures } = await signedJoins(f, f.id, owners);
      await expect(f.market.connect(f.analyst).select(f.id, joins, signatures))
        .to.emit(f.market, "OwnersSelected")
        .withArgs(
          f.id,
          owners.map((o) => o.address),
          65n,
        );
    });

    it("needs at least 2 and at most 128 joins", async () => {
      const f = await loadFixture(deployAccepted);
      const one = await signedJoins(f, f.id, OWNERS.slice(0, 1));
      await expect(f.market.connect(f.analyst).select(f.id, one.joins, one.signatures))
        .to.be.revertedWithCustomError(f.market, "TooFewOwners")
        .withArgs(1n, 2n);
      // The count is checked before any signature, so placeholders do.
      const join = one.joins[0];
      const many = Array.from({ length: 129 }, () => join);
      await expect(
        f.market.connect(f.analyst).select(
          f.id,
          many,
          many.map(() => one.signatures[0]),
        ),
      )
        .to.be.revertedWithCustomError(f.market, "TooManyOwners")
        .withArgs(129n, 128n);
    });

    it("one signature per join", async () => {
      const f = await loadFixture(deployAccepted);
      const { joins, signatures } = await signedJoins(f, f.id, OWNERS);
      await expect(f.market.connect(f.analyst).select(f.id, joins, signatures.slice(1)))
        .to.be.revertedWithCustomError(f.market, "SignatureCountMismatch")
        .withArgs(5n, 4n);
    });

    it("refuses a join for another task", async () => {
      const f = await loadFixture(deployAccepted);
      const { joins, signatures } = await signedJoins(f, f.id, OWNERS);
      const other = await signedJoins(f, f.id + 1n, OWNERS.slice(2, 3));
      joins[2] = other.joins[0];
      signatures[2] = other.signatures[0];
      await expect(f.market.connect(f.analyst).select(f.id, joins, signatures))
        .to.be.revertedWithCustomError(f.market, "WrongTask")
        .withArgs(f.id, f.id + 1n);
    });

    it("refuses an owner with no samples", async () => {
      const f = await loadFixture(deployAccepted);
      const samples = [...SAMPLES];
      samples[1] = 0n;
      const { joins, signatures } = await signedJoins(f, f.id, OWNERS, samples);
      await expect(f.market.connect(f.analyst).select(f.id, joins, signatures))
        .to.be.revertedWithCustomError(f.market, "ZeroSamples")
        .withArgs(OWNERS[1].address);
    });

    it("refuses an owner twice", async () => {
      const f = await loadFixture(deployAccepted);
      const owners = [OWNERS[0], OWNERS[1], OWNERS[0]];
      const { joins, signatures } = await signedJoins(f, f.id, owners);
      await expect(f.market.connect(f.analyst).select(f.id, joins, signatures))
        .to.be.revertedWithCustomError(f.market, "DuplicateOwner")
        .withArgs(OWNERS[0].address);
    });

    it("refuses a join not signed by its owner, or altered after signing", async () => {
      const f = await loadFixture(deployAccepted);
      const { joins, signatures } = await signedJoins(f, f.id, OWNERS);
      const forged = [...signatures];
      forged[3] = await signJoin(OWNERS[4], f.domain, joins[3]);
      await expect(f.market.connect(f.analyst).select(f.id, joins, forged))
        .to.be.revertedWithCustomError(f.market, "BadJoinSignature")
        .withArgs(OWNERS[3].address);
      const altered = [...joins];
      altered[1] = { ...joins[1], samples: joins[1].samples * 10n };
      await expect(f.market.connect(f.analyst).select(f.id, altered, signatures))
        .to.be.revertedWithCustomError(f.market, "BadJoinSignature")
        .withArgs(OWNERS[1].address);
    });

    it("refuses an owner whose trust is below MIN_TRUST", async () => {
      const f = await loadFixture(deployAccepted);
      // The admin records a dropout directly: the flow test shows the same through the market.
      await f.reputation.grantRole(await f.reputation.UPDATER_ROLE(), f.admin.address);
      await f.reputation.record(OWNERS[2].address, false);
      const low = await f.reputation.trustOf(OWNERS[2].address);
      const { joins, signatures } = await signedJoins(f, f.id, OWNERS);
      await expect(f.market.connect(f.analyst).select(f.id, joins, signatures))
        .to.be.revertedWithCustomError(f.market, "LowReputation")
        .withArgs(OWNERS[2].address, low);
    });

    it("only the analyst, while accepted, before the deadline", async () => {
      const f = await loadFixture(deployMarket);
      const deadline = (await now()) + 1_000n;
      const id = await requestTask(f, { deadline });
      const { joins, signatures } = await signedJoins(f, id, OWNERS);
      await expect(f.market.connect(f.analyst).select(id, joins, signatures))
        .to.be.revertedWithCustomError(f.market, "WrongState")
        .withArgs(id, TaskState.Requested);
      await f.market.connect(f.analyst).accept(id, FEE_BPS);
      await expect(f.market.connect(f.consumer).select(id, joins, signatures))
        .to.be.revertedWithCustomError(f.market, "NotAnalyst")
        .withArgs(id, f.consumer.address);
      await at(deadline);
      await expect(f.market.connect(f.analyst).select(id, joins, signatures))
        .to.be.revertedWithCustomError(f.market, "DeadlinePassed")
        .withArgs(deadline, deadline);
      await expect(f.market.connect(f.analyst).select(id + 1n, joins, signatures))
        .to.be.revertedWithCustomError(f.market, "UnknownTask")
        .withArgs(id + 1n);
    });

    it("once", async () => {
      const f = await loadFixture(deployTraining);
      const { joins, signatures } = await signedJoins(f, f.id, OWNERS);
      await expect(f.market.connect(f.analyst).select(f.id, joins, signatures))
        .to.be.revertedWithCustomError(f.market, "WrongState")
        .withArgs(f.id, TaskState.Training);
    });

    it("the contract's join digest is the one the library signs", async () => {
      const f = await loadFixture(deployAccepted);
      const { joins, signatures } = await signedJoins(f, f.id, OWNERS);
      expect(await f.market.joinDigest(joins[0])).to.equal(joinDigest(f.domain, joins[0]));
      expect(ethers.recoverAddress(await f.market.joinDigest(joins[0]), signatures[0])).to.equal(OWNERS[0].address);
      expect(joinSigner(f.domain, joins[0], signatures[0])).to.equal(OWNERS[0].address);
    });
  });

  describe("commitRound", function () {
    it("counts a round survived per survivor and records every owner's round on the reputation", async () => {
      const f = await loadFixture(deployTraining);
      const survivors = [0, 2, 3];
      const round = await signedRound(f, f.id, 1n, OWNERS, survivors);
      const tx = commit(f, round);
      await expect(tx)
        .to.emit(f.market, "RoundCommitted")
        .withArgs(f.id, 1n, 0b01101n, round.ack.aggregateHash, round.ack.modelHash);
      for (const [i, o] of OWNERS.entries()) {
        const acked = survivors.includes(i);
        const score = nextScore({ alpha: 0n, beta: 0n }, acked);
        expect(await f.reputation.scoreOf(o.address)).to.deep.equal([score.alpha, score.beta]);
        expect(await f.market.roundsSurvived(f.id, o.address)).to.equal(acked ? 1n : 0n);
        expect(await f.market.weightOf(f.id, o.address)).to.equal(acked ? SAMPLES[i] : 0n);
      }
      const t = await f.market.task(f.id);
      expect([t.rounds, t.modelHash]).to.deep.equal([1n, round.ack.modelHash]);
    });

    it("emits ReputationUpdated for each owner, survivors acked and the others dropped", async () => {
      const f = await loadFixture(deployTraining);
      const round = await signedRound(f, f.id, 1n, OWNERS, [1, 2, 4]);
      const receipt = await (await commit(f, round)).wait();
      const updates = receipt!.logs
        .map((log) => f.reputation.interface.parseLog(log))
        .filter((e) => e !== null && e.name === "ReputationUpdated")
        .map((e) => [e!.args.owner, e!.args.acked]);
      expect(updates).to.deep.equal(OWNERS.map((o, i) => [o.address, [1, 2, 4].includes(i)]));
    });

    it("takes the rounds in order", async () => {
      const f = await loadFixture(deployRound1);
      for (const r of [1n, 3n]) {
        const round = await signedRound(f, f.id, r, OWNERS, ALL);
        await expect(commit(f, round)).to.be.revertedWithCustomError(f.market, "WrongRound").withArgs(2n, r);
      }
      await expect(commit(f, await signedRound(f, f.id, 2n, OWNERS, ALL))).to.emit(f.market, "RoundCommitted");
    });

    it("refuses a survivor bit at or past the owners", async () => {
      const f = await loadFixture(deployTraining);
      const round = await signedRound(f, f.id, 1n, OWNERS, ALL);
      const survivors = round.ack.survivors | (1n << 5n);
      await expect(
        f.market
          .connect(f.analyst)
          .commitRound(f.id, 1n, survivors, round.ack.aggregateHash, round.ack.modelHash, round.acks),
      )
        .to.be.revertedWithCustomError(f.market, "SurvivorOutOfRange")
        .withArgs(survivors, 5n);
      const high = 1n << 255n;
      await expect(
        f.market.connect(f.analyst).commitRound(f.id, 1n, high, round.ack.aggregateHash, round.ack.modelHash, []),
      )
        .to.be.revertedWithCustomError(f.market, "SurvivorOutOfRange")
        .withArgs(high, 5n);
    });

    it("needs the threshold of survivors: 2 of 5 is too few", async () => {
      const f = await loadFixture(deployTraining);
      const round = await signedRound(f, f.id, 1n, OWNERS, [1, 3]);
      await expect(commit(f, round)).to.be.revertedWithCustomError(f.market, "TooFewAcks").withArgs(1n, 2n, 3n);
    });

    it("one ack per survivor", async () => {
      const f = await loadFixture(deployTraining);
      const round = await signedRound(f, f.id, 1n, OWNERS, [0, 1, 2]);
      await expect(commit(f, { ...round, acks: [...round.acks, round.acks[0]] }))
        .to.be.revertedWithCustomError(f.market, "AckCountMismatch")
        .withArgs(3n, 4n);
      await expect(commit(f, { ...round, acks: round.acks.slice(1) }))
        .to.be.revertedWithCustomError(f.market, "AckCountMismatch")
        .withArgs(3n, 2n);
    });

    it("refuses an ack by someone else, out of order, or of another round's content", async () => {
      const f = await loadFixture(deployTraining);
      const round = await signedRound(f, f.id, 1n, OWNERS, [0, 2, 4]);
      // The dropout signs in a survivor's place: the DA cannot pass off a dropout as a survivor.
      const forged = [...round.acks];
      forged[1] = await signRoundAck(OWNERS[1], f.domain, round.ack);
      await expect(commit(f, { ...round, acks: forged }))
        .to.be.revertedWithCustomError(f.market, "BadAckSignature")
        .withArgs(OWNERS[2].address);
      await expect(commit(f, { ...round, acks: [round.acks[1], round.acks[0], round.acks[2]] }))
        .to.be.revertedWithCustomError(f.market, "BadAckSignature")
        .withArgs(OWNERS[0].address);
      // The survivors acknowledged another model: the DA cannot commit a model they did not see.
      const other = { ...round.ack, modelHash: ethers.id("a model nobody acknowledged") };
      await expect(commit(f, { ack: other, acks: round.acks }))
        .to.be.revertedWithCustomError(f.market, "BadAckSignature")
        .withArgs(OWNERS[0].address);
    });

    it("an ack of one task does not pass for another", async () => {
      const f = await loadFixture(deployTraining);
      const second = await trainingTask(f, OWNERS);
      const round = await signedRound(f, f.id, 1n, OWNERS, ALL);
      await expect(commit(f, { ack: { ...round.ack, taskId: second }, acks: round.acks }))
        .to.be.revertedWithCustomError(f.market, "BadAckSignature")
        .withArgs(OWNERS[0].address);
    });

    it("only the analyst, while training, before the deadline", async () => {
      const f = await loadFixture(deployMarket);
      const deadline = (await now()) + 1_000n;
      const id = await requestTask(f, { deadline });
      await f.market.connect(f.analyst).accept(id, FEE_BPS);
      const round = await signedRound(f, id, 1n, OWNERS, ALL);
      await expect(commit(f, round)).to.be.revertedWithCustomError(f.market, "WrongState").withArgs(id, 2n);
      const { joins, signatures } = await signedJoins(f, id, OWNERS);
      await f.market.connect(f.analyst).select(id, joins, signatures);
      const { ack, acks } = round;
      await expect(
        f.market.connect(f.stranger).commitRound(id, 1n, ack.survivors, ack.aggregateHash, ack.modelHash, acks),
      )
        .to.be.revertedWithCustomError(f.market, "NotAnalyst")
        .withArgs(id, f.stranger.address);
      await at(deadline);
      await expect(commit(f, round))
        .to.be.revertedWithCustomError(f.market, "DeadlinePassed")
        .withArgs(deadline, deadline);
    });

    it("the contract's ack digest is the one the library signs", async () => {
      const f = await loadFixture(deployTraining);
      const { ack, acks } = await signedRound(f, f.id, 1n, OWNERS, ALL);
      expect(await f.market.roundAckDigest(ack)).to.equal(roundAckDigest(f.domain, ack));
      expect(ethers.recoverAddress(roundAckDigest(f.domain, ack), acks[4])).to.equal(OWNERS[4].address);
    });
  });

  describe("deliver", function () {
    it("carries the last round's model and starts the review", async () => {
      const f = await loadFixture(deployRound1);
      const t = await at((await now()) + 5n);
      await expect(f.market.connect(f.analyst).deliver(f.id, f.round.ack.modelHash, POINTER))
        .to.emit(f.market, "ModelDelivered")
        .withArgs(f.id, f.round.ack.modelHash, POINTER, t + REVIEW_PERIOD);
      const task = await f.market.task(f.id);
      expect([task.state, task.modelPointer, task.reviewEnds]).to.deep.equal([
        TaskState.Delivered,
        POINTER,
        t + REVIEW_PERIOD,
      ]);
    });

    it("refuses another model", async () => {
      const f = await loadFixture(deployRound1);
      const other = ethers.id("another model");
      await expect(f.market.connect(f.analyst).deliver(f.id, other, POINTER))
        .to.be.revertedWithCustomError(f.market, "ModelMismatch")
        .withArgs(f.round.ack.modelHash, other);
    });

    it("needs a round", async () => {
      const f = await loadFixture(deployTraining);
      await expect(f.market.connect(f.analyst).deliver(f.id, ethers.ZeroHash, POINTER))
        .to.be.revertedWithCustomError(f.market, "NoRounds")
        .withArgs(f.id);
    });

    it("only the analyst, while training, before the deadline", async () => {
      const f = await loadFixture(deployRound1);
      const { modelHash } = f.round.ack;
      await expect(f.market.connect(f.consumer).deliver(f.id, modelHash, POINTER))
        .to.be.revertedWithCustomError(f.market, "NotAnalyst")
        .withArgs(f.id, f.consumer.address);
      const deadline = (await f.market.task(f.id)).deadline;
      await at(deadline);
      await expect(f.market.connect(f.analyst).deliver(f.id, modelHash, POINTER))
        .to.be.revertedWithCustomError(f.market, "DeadlinePassed")
        .withArgs(deadline, deadline);
    });

    it("once", async () => {
      const f = await loadFixture(deployDelivered);
      await expect(f.market.connect(f.analyst).deliver(f.id, f.round.ack.modelHash, POINTER))
        .to.be.revertedWithCustomError(f.market, "WrongState")
        .withArgs(f.id, TaskState.Delivered);
    });
  });

  describe("confirm and finalize", function () {
    it("confirm pays the owners by weight, the analyst its fee, the dust and its bond", async () => {
      const f = await loadFixture(deployDelivered);
      // One round with everyone: weights are the samples.
      const pay = expectedPayments(PRICE, FEE_BPS, SAMPLES);
      const tx = f.market.connect(f.consumer).confirm(f.id);
      await expect(tx).to.changeTokenBalances(
        f.token,
        [f.market, f.analyst, f.consumer, ...OWNERS.map((o) => o.address)],
        [-(PRICE + BOND), pay.analyst + BOND, 0n, ...pay.owners],
      );
      await expect(tx)
        .to.emit(f.market, "TaskSettled")
        .withArgs(f.id, pay.analyst, PRICE - pay.analyst, BOND);
      expect((await f.market.task(f.id)).state).to.equal(TaskState.Settled);
      expect(await held(f)).to.equal(0n);
    });

    it("emits OwnerPaid per owner, in the owners' order", async () => {
      const f = await loadFixture(deployDelivered);
      const pay = expectedPayments(PRICE, FEE_BPS, SAMPLES);
      const paid = await eventArgs(f.market, f.market.connect(f.consumer).confirm(f.id), "OwnerPaid");
      expect(paid).to.deep.equal(OWNERS.map((o, i) => [f.id, o.address, pay.owners[i]]));
    });

    it("only the consumer confirms, only a delivered task", async () => {
      const f = await loadFixture(deployRound1);
      await expect(f.market.connect(f.consumer).confirm(f.id))
        .to.be.revertedWithCustomError(f.market, "WrongState")
        .withArgs(f.id, TaskState.Training);
      await f.market.connect(f.analyst).deliver(f.id, f.round.ack.modelHash, POINTER);
      await expect(f.market.connect(f.analyst).confirm(f.id))
        .to.be.revertedWithCustomError(f.market, "NotConsumer")
        .withArgs(f.id, f.analyst.address);
      await expect(f.market.connect(f.consumer).confirm(9n))
        .to.be.revertedWithCustomError(f.market, "UnknownTask")
        .withArgs(9n);
    });

    it("anyone finalizes from the end of the review on, not a second before", async () => {
      const f = await loadFixture(deployDelivered);
      await at(f.reviewEnds - 1n);
      await expect(f.market.connect(f.stranger).finalize(f.id))
        .to.be.revertedWithCustomError(f.market, "ReviewNotOver")
        .withArgs(f.reviewEnds - 1n, f.reviewEnds);
      await at(f.reviewEnds);
      const pay = expectedPayments(PRICE, FEE_BPS, SAMPLES);
      const tx = f.market.connect(f.stranger).finalize(f.id);
      await expect(tx).to.changeTokenBalances(
        f.token,
        [f.market, f.analyst, f.stranger, ...OWNERS.map((o) => o.address)],
        [-(PRICE + BOND), pay.analyst + BOND, 0n, ...pay.owners],
      );
      await expect(tx)
        .to.emit(f.market, "TaskSettled")
        .withArgs(f.id, pay.analyst, PRICE - pay.analyst, BOND);
    });

    it("a settled task settles once", async () => {
      const f = await loadFixture(deployDelivered);
      await f.market.connect(f.consumer).confirm(f.id);
      await expect(f.market.connect(f.consumer).confirm(f.id))
        .to.be.revertedWithCustomError(f.market, "WrongState")
        .withArgs(f.id, TaskState.Settled);
      await time.increaseTo(f.reviewEnds);
      await expect(f.market.finalize(f.id))
        .to.be.revertedWithCustomError(f.market, "WrongState")
        .withArgs(f.id, TaskState.Settled);
    });

    it("finalize: an unknown task, a task not delivered", async () => {
      const f = await loadFixture(deployRound1);
      await expect(f.market.finalize(f.id))
        .to.be.revertedWithCustomError(f.market, "WrongState")
        .withArgs(f.id, TaskState.Training);
      await expect(f.market.finalize(0n)).to.be.revertedWithCustomError(f.market, "UnknownTask").withArgs(0n);
    });

    it("paymentsPreview is what settlement pays", async () => {
      const f = await loadFixture(deployDelivered);
      const p = await f.market.paymentsPreview(f.id);
      const pay = expectedPayments(PRICE, FEE_BPS, SAMPLES);
      expect([p.analystFee, p.ownersPaid, p.bond, p.owners, p.amounts]).to.deep.equal([
        pay.analyst,
        PRICE - pay.analyst,
        BOND,
        OWNERS.map((o) => o.address),
        pay.owners,
      ]);
      const paid = await eventArgs(f.market, f.market.connect(f.consumer).confirm(f.id), "OwnerPaid");
      expect(paid.map((a) => a[2])).to.deep.equal([...p.amounts]);
    });

    it("paymentsPreview: an unknown task, a task with no round", async () => {
      const f = await loadFixture(deployTraining);
      await expect(f.market.paymentsPreview(f.id)).to.be.revertedWithCustomError(f.market, "NoRounds").withArgs(f.id);
      await expect(f.market.paymentsPreview(7n)).to.be.revertedWithCustomError(f.market, "UnknownTask").withArgs(7n);
    });
  });

  describe("reclaim", function () {
    async function pastDeadline(f: MarketFixture, id: bigint): Promise<bigint> {
      const deadline = (await f.market.task(id)).deadline;
      await time.increaseTo(deadline);
      return deadline;
    }

    it("a requested task: the escrow back to the consumer", async () => {
      const f = await loadFixture(deployRequested);
      await pastDeadline(f, f.id);
      const tx = f.market.connect(f.stranger).reclaim(f.id);
      await expect(tx).to.changeTokenBalances(f.token, [f.market, f.consumer], [-PRICE, PRICE]);
      await expect(tx).to.emit(f.market, "TaskReclaimed").withArgs(f.id, PRICE, 0n);
      expect((await f.market.task(f.id)).state).to.equal(TaskState.Reclaimed);
    });

    it("an accepted task: escrow and bond to the consumer", async () => {
      const f = await loadFixture(deployAccepted);
      await pastDeadline(f, f.id);
      const tx = f.market.connect(f.stranger).reclaim(f.id);
      await expect(tx).to.changeTokenBalances(
        f.token,
        [f.market, f.consumer, f.analyst],
        [-(PRICE + BOND), PRICE + BOND, 0n],
      );
      await expect(tx)
        .to.emit(f.market, "TaskReclaimed")
        .withArgs(f.id, PRICE + BOND, 0n);
    });

    it("a training task with no round: escrow and bond to the consumer, nothing to the owners", async () => {
      const f = await loadFixture(deployTraining);
      await pastDeadline(f, f.id);
      const tx = f.market.reclaim(f.id);
      await expect(tx).to.changeTokenBalances(
        f.token,
        [f.market, f.consumer, ...OWNERS.map((o) => o.address)],
        [-(PRICE + BOND), PRICE + BOND, ...OWNERS.map(() => 0n)],
      );
      await expect(tx)
        .to.emit(f.market, "TaskReclaimed")
        .withArgs(f.id, PRICE + BOND, 0n);
      await expect(tx).not.to.emit(f.market, "OwnerPaid");
    });

    it("a training task with rounds: the bond to the owners by weight, the dust and the escrow to the consumer", async () => {
      const f = await loadFixture(deployTraining);
      await commit(f, await signedRound(f, f.id, 1n, OWNERS, [0, 1, 2, 3]));
      await commit(f, await signedRound(f, f.id, 2n, OWNERS, [0, 2, 4]));
      const weights = [2n, 1n, 2n, 1n, 1n].map((r, i) => r * SAMPLES[i]);
      for (const [i, o] of OWNERS.entries()) expect(await f.market.weightOf(f.id, o.address)).to.equal(weights[i]);
      const split = expectedBondSplit(BOND, weights);
      expect(split.consumer).to.be.greaterThan(0n); // this bond does not split evenly: the dust exists
      await pastDeadline(f, f.id);
      const tx = f.market.reclaim(f.id);
      await expect(tx).to.changeTokenBalances(
        f.token,
        [f.market, f.consumer, f.analyst, ...OWNERS.map((o) => o.address)],
        [-(PRICE + BOND), PRICE + split.consumer, 0n, ...split.owners],
      );
      await expect(tx)
        .to.emit(f.market, "TaskReclaimed")
        .withArgs(f.id, PRICE + split.consumer, BOND - split.consumer);
      expect(await held(f)).to.equal(0n);
    });

    it("OwnerPaid per owner for the bond shares", async () => {
      const f = await loadFixture(deployRound1);
      await pastDeadline(f, f.id);
      const split = expectedBondSplit(BOND, SAMPLES);
      const paid = await eventArgs(f.market, f.market.reclaim(f.id), "OwnerPaid");
      expect(paid).to.deep.equal(OWNERS.map((o, i) => [f.id, o.address, split.owners[i]]));
    });

    it("not before the deadline", async () => {
      const f = await loadFixture(deployRound1);
      const deadline = (await f.market.task(f.id)).deadline;
      await at(deadline - 1n);
      await expect(f.market.reclaim(f.id))
        .to.be.revertedWithCustomError(f.market, "DeadlineNotPassed")
        .withArgs(deadline - 1n, deadline);
    });

    it("not a delivered, settled, cancelled or reclaimed task, nor an unknown one", async () => {
      const f = await loadFixture(deployDelivered);
      const deadline = await pastDeadline(f, f.id);
      await expect(f.market.reclaim(f.id))
        .to.be.revertedWithCustomError(f.market, "WrongState")
        .withArgs(f.id, TaskState.Delivered);
      await f.market.connect(f.consumer).confirm(f.id);
      await expect(f.market.reclaim(f.id))
        .to.be.revertedWithCustomError(f.market, "WrongState")
        .withArgs(f.id, TaskState.Settled);
      const cancelled = await requestTask(f, { deadline: deadline + 100n });
      await f.market.connect(f.consumer).cancel(cancelled);
      const reclaimed = await requestTask(f, { deadline: deadline + 100n });
      await time.increaseTo(deadline + 100n);
      await f.market.reclaim(reclaimed);
      for (const [id, state] of [
        [cancelled, TaskState.Cancelled],
        [reclaimed, TaskState.Reclaimed],
      ]) {
        await expect(f.market.reclaim(id)).to.be.revertedWithCustomError(f.market, "WrongState").withArgs(id, state);
      }
      await expect(f.market.reclaim(99n)).to.be.revertedWithCustomError(f.market, "UnknownTask").withArgs(99n);
    });
  });

  describe("task", function () {
    it("reverts for an id never issued", async () => {
      const f = await loadFixture(deployRequested);
      for (const id of [0n, 2n]) {
        await expect(f.market.task(id)).to.be.revertedWithCustomError(f.market, "UnknownTask").withArgs(id);
      }
    });
  });

  describe("the whole flow", function () {
    /**
     * Five owners, three rounds; owner 4 drops out of rounds 2 and 3. Returns the task and what
     * each owner must receive.
     */
    async function deployTrained() {
      const f = await deployMarket();
      const id = await trainingTask(f, OWNERS);
      const rounds = [ALL, [0, 1, 2, 3], [0, 1, 2, 3]];
      for (const [r, survivors] of rounds.entries()) {
        await commit(f, await signedRound(f, id, BigInt(r + 1), OWNERS, survivors));
      }
      const { modelHash } = roundHashes(3);
      await f.market.connect(f.analyst).deliver(id, modelHash, POINTER);
      const survived = [3n, 3n, 3n, 3n, 1n];
      const weights = survived.map((r, i) => r * SAMPLES[i]);
      return { ...f, id, rounds, survived, weights, reviewEnds: (await f.market.task(id)).reviewEnds };
    }

    it("request → accept → select 5 → 3 rounds, one dropout → deliver → confirm: every token accounted for", async () => {
      const f = await loadFixture(deployTrained);
      for (const [i, o] of OWNERS.entries()) {
        expect(await f.market.roundsSurvived(f.id, o.address)).to.equal(f.survived[i]);
        expect(await f.market.weightOf(f.id, o.address)).to.equal(f.weights[i]);
      }
      const pay = expectedPayments(PRICE, FEE_BPS, f.weights);
      // Σw = 3500 does not divide the pool: the dust is real, and the analyst has it.
      expect(pay.analyst).to.be.greaterThan((PRICE * FEE_BPS) / 10_000n);
      const before = await f.token.totalSupply();
      const tx = f.market.connect(f.consumer).confirm(f.id);
      await expect(tx).to.changeTokenBalances(
        f.token,
        [f.market, f.analyst, ...OWNERS.map((o) => o.address)],
        [-(PRICE + BOND), pay.analyst + BOND, ...pay.owners],
      );
      expect(pay.analyst + pay.owners.reduce((s, a) => s + a, 0n)).to.equal(PRICE);
      // The analyst's net gain is its fee and the dust; the consumer paid exactly the price.
      expect(await f.token.balanceOf(f.analyst.address)).to.equal(FUNDS + pay.analyst);
      expect(await f.token.balanceOf(f.consumer.address)).to.equal(FUNDS - PRICE);
      expect(await held(f)).to.equal(0n);
      expect(await f.token.totalSupply()).to.equal(before);
    });

    it("… → finalize after the review, by anyone, pays the same", async () => {
      const f = await loadFixture(deployTrained);
      const pay = expectedPayments(PRICE, FEE_BPS, f.weights);
      await time.increaseTo(f.reviewEnds);
      await expect(f.market.connect(f.stranger).finalize(f.id)).to.changeTokenBalances(
        f.token,
        [f.market, f.analyst, ...OWNERS.map((o) => o.address)],
        [-(PRICE + BOND), pay.analyst + BOND, ...pay.owners],
      );
      expect(await held(f)).to.equal(0n);
    });

    it("the reputation follows the rounds, and the dropout is refused by the next task", async () => {
      const f = await loadFixture(deployTrained);
      for (const [i, o] of OWNERS.entries()) {
        let score = { alpha: 0n, beta: 0n };
        for (const survivors of f.rounds) score = nextScore(score, survivors.includes(i));
        expect(await f.reputation.scoreOf(o.address)).to.deep.equal([score.alpha, score.beta]);
        expect(await f.reputation.trustOf(o.address)).to.equal(trust(score));
      }
      const low = await f.reputation.trustOf(OWNERS[4].address);
      expect(low).to.be.lessThan(WAD / 2n);
      const next = await acceptedTask(f);
      const { joins, signatures } = await signedJoins(f, next, OWNERS);
      await expect(f.market.connect(f.analyst).select(next, joins, signatures))
        .to.be.revertedWithCustomError(f.market, "LowReputation")
        .withArgs(OWNERS[4].address, low);
      const kept = await signedJoins(f, next, OWNERS.slice(0, 4));
      await expect(f.market.connect(f.analyst).select(next, kept.joins, kept.signatures)).to.emit(
        f.market,
        "OwnersSelected",
      );
    });
  });

  describe("reentrancy", function () {
    it("a token that calls back into the market during a payout is refused", async () => {
      const [admin, consumer, analyst] = await ethers.getSigners();
      const token: ReentrantToken = await ethers.deployContract("ReentrantToken");
      const reputation: Reputation = await ethers.deployContract("Reputation", [admin.address]);
      const market: AnalysisMarket = await ethers.deployContract("AnalysisMarket", [
        await token.getAddress(),
        await reputation.getAddress(),
        admin.address,
      ]);
      await token.mint(consumer.address, PRICE);
      await token.connect(consumer).approve(await market.getAddress(), PRICE);
      const deadline = (await now()) + 100n;
      await market.connect(consumer).request(analyst.address, PRICE, deadline, SPEC);
      await time.increaseTo(deadline);
      // On the refund the token re-enters reclaim: without the guard the escrow would be paid twice.
      await token.armHook(await market.getAddress(), market.interface.encodeFunctionData("reclaim", [1n]));
      await expect(market.reclaim(1n)).to.be.revertedWithCustomError(market, "ReentrancyGuardReentrantCall");
    });
  });
  // "[gas]" in the title keeps these out of `npm run coverage` (.solcover.js): instrumented
  // bytecode's gas says nothing about the deployed contract.
  describe("gas, 10 owners [gas]", function () {
    const TEN = ownerWallets(10, "gas");
    /** Measured on the deployed bytecode (solc 0.8.28, 200 runs), each bound ≈ 10 % above; docs/contracts.md quotes them. */
    const BOUNDS = {
      request: 155_000n,
      cancel: 55_000n,
      accept: 85_000n,
      select: 975_000n,
      "commitRound (first, 10 acks)": 365_000n,
      "commitRound (next, 9 acks, 1 dropout)": 330_000n,
      deliver: 70_000n,
      confirm: 430_000n,
      finalize: 240_000n,
      "reclaim (training, 2 rounds)": 240_000n,
    } as const;
    type Call = keyof typeof BOUNDS;

    async function gasOf(tx: Promise<ContractTransactionResponse>): Promise<bigint> {
      return (await (await tx).wait())!.gasUsed;
    }

    /**
     * A task of the ten trained for two rounds (all, then all but owner `dropout`, if any),
     * returning each call's gas.
     */
    async function trainTen(
      f: MarketFixture,
      dropout?: number,
    ): Promise<{ id: bigint; gas: Partial<Record<Call, bigint>> }> {
      const gas: Partial<Record<Call, bigint>> = {};
      const deadline = (await now()) + TASK_DURATION;
      gas.request = await gasOf(f.market.connect(f.consumer).request(f.analyst.address, PRICE, deadline, SPEC));
      const id = await f.market.taskCount();
      gas.accept = await gasOf(f.market.connect(f.analyst).accept(id, FEE_BPS));
      const { joins, signatures } = await signedJoins(f, id, TEN);
      gas.select = await gasOf(f.market.connect(f.analyst).select(id, joins, signatures));
      const all = [...TEN.keys()];
      gas["commitRound (first, 10 acks)"] = await gasOf(commit(f, await signedRound(f, id, 1n, TEN, all)));
      gas["commitRound (next, 9 acks, 1 dropout)"] = await gasOf(
        commit(
          f,
          await signedRound(
            f,
            id,
            2n,
            TEN,
            all.filter((i) => i !== dropout),
          ),
        ),
      );
      return { id, gas };
    }

    it("every call of a task stays within its bound", async () => {
      const f = await loadFixture(deployMarket);
      // A first task without dropouts warms the owners' reputation slots, as on a chain with a
      // history, and lifts their trust enough that each later task can drop one owner.
      await trainTen(f);
      const { id, gas } = await trainTen(f, 1);
      gas.deliver = await gasOf(f.market.connect(f.analyst).deliver(id, roundHashes(2).modelHash, POINTER));
      gas.confirm = await gasOf(f.market.connect(f.consumer).confirm(id));
      const second = await trainTen(f, 2);
      await f.market.connect(f.analyst).deliver(second.id, roundHashes(2).modelHash, POINTER);
      await time.increase(REVIEW_PERIOD);
      gas.finalize = await gasOf(f.market.finalize(second.id));
      const third = await trainTen(f, 3);
      await time.increase(TASK_DURATION);
      gas["reclaim (training, 2 rounds)"] = await gasOf(f.market.reclaim(third.id));
      const cancelled = await requestTask(f);
      gas.cancel = await gasOf(f.market.connect(f.consumer).cancel(cancelled));
      const calls = Object.keys(BOUNDS) as Call[];
      // One line per call, so `npm test` and `npm run gas` show the figures, then the bounds.
      for (const call of calls) console.log(`      gas ${call}: ${gas[call]}`);
      for (const call of calls) expect(gas[call], call).to.be.at.most(BOUNDS[call]);
    });

    it("a task of MAX_OWNERS = 128 owners selects and commits a round well inside a 30M-gas block", async () => {
      const f = await loadFixture(deployMarket);
      const crowd = ownerWallets(128, "gas-crowd");
      const id = await acceptedTask(f);
      const { joins, signatures } = await signedJoins(f, id, crowd);
      const select = await gasOf(f.market.connect(f.analyst).select(id, joins, signatures));
      const round = await gasOf(commit(f, await signedRound(f, id, 1n, crowd, [...crowd.keys()])));
      console.log(`      gas select (128 owners): ${select}`);
      console.log(`      gas commitRound (128 acks): ${round}`);
      expect(select).to.be.at.most(12_500_000n);
      expect(round).to.be.at.most(6_500_000n);
    });
  });
});
