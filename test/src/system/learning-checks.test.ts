import { expect } from "chai";
import { coalitionChecks } from "../../../src/system/coalition";
import { FEDERATED_CHECK, learningChecks } from "../../../src/system/learning";
import { coalitionFacts, learningFacts } from "./learning-facts";

const failed = (checks: { name: string; passed: boolean }[]) => checks.filter((c) => !c.passed).map((c) => c.name);

describe("system: the run's checks of federated learning and the coalition game", () => {
  it("pass on consistent facts, all required", () => {
    const checks = [...learningChecks(learningFacts()), ...coalitionChecks(coalitionFacts())];
    expect(checks.map((c) => [c.required, c.passed])).to.deep.equal(Array(6).fill([true, true]));
  });

  it("fail a round below the threshold, an unconserved escrow and a model that trails", () => {
    const below = learningFacts();
    (below.service.rounds[0] as unknown as { survivors: string[] }).survivors = ["01", "02"];
    expect(failed(learningChecks(below))).to.deep.equal([
      "every federated-learning round was committed on chain with its survivors' acknowledgements, dropouts survived",
    ]);
    const leak = learningFacts();
    (leak.service.payments as { conserved: boolean }).conserved = false;
    expect(failed(learningChecks(leak))).to.deep.equal([
      "the analysis escrow paid exactly the analyst's fee and the data owners' shares",
    ]);
    const unproven = learningFacts();
    (unproven.service.payments.provenFromMain as { proven: number }).proven = 1;
    expect(failed(learningChecks(unproven))).to.deep.equal([
      "every data owner of another community proved its payment from the main chain's anchor",
    ]);
    // Federated at accuracy 0.85, AUC 0.9, balanced accuracy 0.8 (learningFacts).
    const trails = learningFacts();
    (trails.service.accuracy.centralized as { accuracy: number }).accuracy = 0.871;
    const ranksWorse = learningFacts();
    (ranksWorse.service.accuracy.centralized as { auc: number }).auc = 0.921;
    const alone = learningFacts();
    (alone.service.accuracy.soloMean as { balancedAccuracy: number }).balancedAccuracy = 0.8;
    for (const facts of [trails, ranksWorse, alone])
      expect(failed(learningChecks(facts))).to.deep.equal([FEDERATED_CHECK]);
    // 2 points behind, not more: still passes.
    const close = learningFacts();
    (close.service.accuracy.centralized as { accuracy: number }).accuracy = 0.869;
    (close.service.accuracy.centralized as { auc: number }).auc = 0.919;
    expect(failed(learningChecks(close))).to.deep.equal([]);
    const none = learningFacts();
    (none.service as unknown as { rounds: unknown[] }).rounds = [];
    expect(failed(learningChecks(none))).to.have.length(1);
  });

  it("fail an uncertified or cycling partition, and a round without a winner or with the reward not paid out", () => {
    const uncertified = coalitionFacts();
    (uncertified as { certified: boolean }).certified = false;
    const cycle = coalitionFacts();
    (cycle as { status: string }).status = "cycle";
    for (const facts of [uncertified, cycle])
      expect(failed(coalitionChecks(facts))).to.deep.equal([
        "the miners' coalition partition is Dhp-stable (certificate: no Pareto merge or split, no miner gains by leaving)",
      ]);
    const noWinner = coalitionFacts();
    (noWinner.round as { winner: number }).winner = 0;
    const unpaid = coalitionFacts();
    (unpaid.round as { conserved: boolean }).conserved = false;
    for (const facts of [noWinner, unpaid])
      expect(failed(coalitionChecks(facts))).to.deep.equal([
        "the CoalitionRewards round drew a winner from committed seeds and paid its members the whole reward by capacity",
      ]);
  });
});
