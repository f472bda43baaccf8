import { expect } from "chai";
import {
  COALITION_DEFAULTS,
  CoalitionParameterError,
  drawMiners,
  grandPartition,
  partitionUtilities,
  singletonPartition,
  validateCoalitionParameters,
  validateMiners,
} from "../../../../src/economics";
import { oracleUtilities } from "./oracle";

describe("src/economics/coalition/model", () => {
  describe("drawMiners", () => {
    it("draws capacities in [1, 10) and power costs in [0.5, 1.5), ids 1…M", () => {
      const miners = drawMiners(200, 7);
      expect(miners.map((m) => m.id)).to.deep.equal(Array.from({ length: 200 }, (_, i) => i + 1));
      for (const m of miners) {
        expect(m.capacity).to.be.within(1, 10);
        expect(m.powerCost).to.be.within(0.5, 1.5);
      }
    });
    it("is deterministic per seed and a prefix across M (capacity then power cost, miner by miner)", () => {
      expect(drawMiners(20, 1)).to.deep.equal(drawMiners(20, 1));
      expect(drawMiners(20, 1).slice(0, 8)).to.deep.equal(drawMiners(8, 1));
      expect(drawMiners(20, 2)[0]).to.not.deep.equal(drawMiners(20, 1)[0]);
    });
  });

  describe("utilities (equation 1)", () => {
    it("equal an independent recomputation of the formula in random partitions", () => {
      const miners = drawMiners(12, 3);
      const partitions = [
        singletonPartition(12),
        grandPartition(12),
        [[1, 5, 9], [2, 3], [4, 6, 7, 8, 10], [11], [12]],
      ];
      for (const p of [COALITION_DEFAULTS, { reward: 40, work: 10, commCost: 2, gamma: 0.7 }]) {
        for (const partition of partitions) {
          const ours = partitionUtilities(miners, p, partition);
          const theirs = oracleUtilities(miners, p, partition);
          ours.forEach((u, i) => expect(u).to.be.closeTo(theirs[i], 1e-9));
        }
      }
    });
    it("match a hand computation of two miners with γ = 1", () => {
      // d = (1, 9), ξ = (0.5, 0.5), R 100, W 50, c 0.5, γ 1.
      // Alone: Σ D^γ = 10; u1 = 100·1/10 − 0.5·50/1 = −15; u2 = 100·9/10 − 0.5·50/9 = 87.2222…
      // Together: D = 10, P = (0.1, 0.9), T = 5, C = 0.5: u1 = 10 − 0.5 − 2.5 = 7; u2 = 90 − 0.5 − 2.5 = 87.
      const miners = [
        { id: 1, capacity: 1, powerCost: 0.5 },
        { id: 2, capacity: 9, powerCost: 0.5 },
      ];
      const p = { reward: 100, work: 50, commCost: 0.5, gamma: 1 };
      const alone = partitionUtilities(miners, p, [[1], [2]]);
      expect(alone[0]).to.be.closeTo(-15, 1e-12);
      expect(alone[1]).to.be.closeTo(90 - 25 / 9, 1e-12);
      const together = partitionUtilities(miners, p, [[1, 2]]);
      expect(together[0]).to.be.closeTo(7, 1e-12);
      expect(together[1]).to.be.closeTo(87, 1e-12);
    });
  });

  describe("validation", () => {
    it("refuses parameters the model cannot use, naming them", () => {
      const bad: [Partial<typeof COALITION_DEFAULTS>, string][] = [
        [{ gamma: 0 }, "gamma: must be > 0, got 0"],
        [{ work: -1 }, "work: must be > 0, got -1"],
        [{ reward: -5 }, "reward: must be ≥ 0, got -5"],
        [{ commCost: Number.NaN }, "commCost: must be a finite number, got NaN"],
      ];
      for (const [change, message] of bad) {
        expect(() => validateCoalitionParameters({ ...COALITION_DEFAULTS, ...change }))
          .to.throw(CoalitionParameterError)
          .with.property("message", message);
      }
    });
    it("refuses given miners with a zero capacity or ids out of order", () => {
      expect(() => validateMiners([{ id: 1, capacity: 0, powerCost: 1 }]))
        .to.throw(CoalitionParameterError)
        .with.property("message", "miners: miner 1: capacity must be > 0, got 0");
      expect(() => validateMiners([{ id: 2, capacity: 1, powerCost: 1 }]))
        .to.throw(CoalitionParameterError)
        .with.property("message", "miners: miner 1 has id 2: ids must be 1…M");
    });
  });
});
