// FedAvg on the default setting (10 owners, 20 rounds, seed 1): with secure aggregation it gives the
// plain run's models bit for bit, comes within 2 points of centralised training in balanced
// accuracy (the classes are imbalanced: about one window in ten is an onset) and beats the mean
// solo owner; dropouts up to n − t are survived, one more aborts; results are deterministic.
import { expect } from "chai";
import {
  baselines,
  federatedTraining,
  learningDataset,
  SecAggOverflowError,
  SecAggTooFewSurvivorsError,
  syntheticDeviceIds,
  type RoundResult,
} from "../../../src/learning";

describe("learning/fedavg", () => {
  const data = learningDataset(syntheticDeviceIds(10), { seed: 1 });
  const base = { owners: data.owners, holdout: data.holdout, seed: 1 };

  describe("the default setting (10 owners, 20 rounds, seed 1)", () => {
    let secure: Awaited<ReturnType<typeof federatedTraining>>;
    let plain: Awaited<ReturnType<typeof federatedTraining>>;
    const seen: RoundResult[] = [];

    before(async () => {
      secure = await federatedTraining({ ...base, rounds: 20, secure: true, onRound: (r) => void seen.push(r) });
      plain = await federatedTraining({ ...base, rounds: 20, secure: false });
    });

    it("gives the plain run's aggregates and models bit for bit under secure aggregation", () => {
      expect(secure.rounds).to.have.length(20);
      secure.rounds.forEach((r, i) => {
        expect(Buffer.from(r.aggregate).equals(Buffer.from(plain.rounds[i].aggregate)), `round ${r.round}`).to.be.true;
        expect(Array.from(r.model)).to.deep.equal(Array.from(plain.rounds[i].model));
      });
      expect(secure.metrics).to.deep.equal(plain.metrics);
    });

    it("is within 2 points of centralised training in balanced accuracy and above the mean solo owner", () => {
      const { centralized, meanSolo } = baselines(data.owners, data.holdout, { seed: 1 });
      const federated = secure.metrics.balancedAccuracy;
      expect(Math.abs(federated - centralized.metrics.balancedAccuracy)).to.be.below(0.02);
      expect(federated - meanSolo.balancedAccuracy).to.be.above(0.05);
      expect(secure.metrics.auc).to.be.above(0.95);
    });

    it("reports every round to onRound, in order, with its survivors and traffic", () => {
      expect(seen.map((r) => r.round)).to.deep.equal(Array.from({ length: 20 }, (_, i) => i + 1));
      expect(seen.every((r) => r.survivors.length === 10 && r.dropped.length === 0)).to.be.true;
      expect(seen[0].aggregate).to.have.length(14 * 4);
      // Secure: keys, shares and the masked vector, kilobytes; plain: the 14-word vector alone.
      expect(seen[0].bytesPerOwner.sent).to.be.above(1000);
      expect(plain.rounds[0].bytesPerOwner.sent).to.equal(1 + 2 + 4 + 14 * 4);
      expect(secure.survived).to.deep.equal(new Array(10).fill(20));
    });
  });

  it("survives n − t dropouts a round of both kinds, with the plain run's models bit for bit", async () => {
    const options = { ...base, rounds: 3, dropouts: 4 };
    const secure = await federatedTraining({ ...options, secure: true });
    const plain = await federatedTraining({ ...options, secure: false });
    for (const [i, r] of secure.rounds.entries()) {
      expect(r.dropped).to.have.length(2);
      expect(r.lateDropped).to.have.length(2);
      // Late dropouts sent their update: it is in the aggregate.
      expect(r.survivors).to.have.length(8);
      expect(r.survivors.filter((u) => r.dropped.includes(u))).to.deep.equal([]);
      expect(Buffer.from(r.aggregate).equals(Buffer.from(plain.rounds[i].aggregate))).to.be.true;
    }
    expect(secure.survived.reduce((a, b) => a + b, 0)).to.equal(3 * 8);
  });

  it("aborts the round with SecAggTooFewSurvivorsError at n − t + 1 dropouts, before any round is reported", async () => {
    const reported: number[] = [];
    const error = await federatedTraining({
      ...base,
      rounds: 2,
      dropouts: 5,
      secure: true,
      onRound: (r) => void reported.push(r.round),
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).to.be.instanceOf(SecAggTooFewSurvivorsError);
    expect([(error as SecAggTooFewSurvivorsError).round, (error as SecAggTooFewSurvivorsError).t]).to.deep.equal([
      1, 6,
    ]);
    expect(reported).to.deep.equal([]);
  });

  it("refuses 1,025 owners before round 1 (their 32-bit sum could wrap)", async () => {
    const owners = new Array(1025).fill(data.owners[0]);
    for (const secure of [true, false]) {
      const error = await federatedTraining({ owners, holdout: data.holdout, seed: 1, secure }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).to.be.instanceOf(SecAggOverflowError).with.property("owners", 1025);
    }
  });

  it("is deterministic per seed", async () => {
    const run = (seed: number) =>
      federatedTraining({ ...base, seed, rounds: 5, dropouts: 2, secure: false }).then((r) => r.metrics);
    expect(await run(1)).to.deep.equal(await run(1));
    expect(await run(2)).not.to.deep.equal(await run(1));
  });
});
