import { expect } from "chai";
import {
  COALITION_DEFAULTS,
  CoalitionParameterError,
  drawMiners,
  formCoalitions,
  initialPartition,
  MAX_MOVES,
} from "../../../../src/economics";
import { oracleMoves, oracleUtilities } from "./oracle";

// The two-miner game of the model test: d = (1, 9), ξ = (0.5, 0.5), R 100, W 50, c 0.5, γ 1.
// Alone u = (−15, 87.2222), together u = (7, 87). Merging gains miner 1 22 but costs miner 2
// 0.2222 (its sensing time drops only from 5.56 to 5, not enough to pay c), so from singletons no
// merge is made. From the grand coalition the split back costs miner 1 22: no Pareto split, so the
// grand coalition is stable too, though miner 2 would gain 0.2222 by leaving. The paper's literal
// rule looks only at the part {2}, which is better off, and splits.
const TWO = [
  { id: 1, capacity: 1, powerCost: 0.5 },
  { id: 2, capacity: 9, powerCost: 0.5 },
];
const TWO_P = { reward: 100, work: 50, commCost: 0.5, gamma: 1 };

describe("src/economics/coalition/merge-split", () => {
  describe("the hand-computed two-miner game", () => {
    it("from singletons: no merge, stable at once", () => {
      const f = formCoalitions(TWO, TWO_P, { init: "singletons" });
      expect(f).to.include({ status: "stable", merges: 0, splits: 0 });
      expect(f.partition).to.deep.equal([[1], [2]]);
    });
    it("from the grand coalition: the Pareto rule keeps it (miner 1 vetoes the split)", () => {
      const f = formCoalitions(TWO, TWO_P, { init: "grand" });
      expect(f).to.include({ status: "stable", merges: 0, splits: 0 });
      expect(f.partition).to.deep.equal([[1, 2]]);
      expect(f.utilities[1]).to.be.closeTo(87, 1e-12);
    });
    it("from the grand coalition: the paper's rule splits, as the part {2} alone is better off", () => {
      const f = formCoalitions(TWO, TWO_P, { init: "grand", splitRule: "paper" });
      expect(f).to.include({ status: "stable", merges: 0, splits: 1 });
      expect(f.partition).to.deep.equal([[1], [2]]);
    });
  });

  describe("at the defaults (M = 20, seed 1)", () => {
    const miners = drawMiners(20, 1);
    const fromSingletons = formCoalitions(miners, COALITION_DEFAULTS);
    it("ends stable from singletons by merges alone, in 4 coalitions", () => {
      expect(fromSingletons).to.include({ status: "stable", merges: 16, splits: 0 });
      expect(fromSingletons.partition).to.deep.equal([
        [1, 2, 3, 4, 5, 6],
        [7, 8, 9, 10, 11],
        [12, 13, 14, 17, 18],
        [15, 16, 19, 20],
      ]);
    });
    it("ends stable from the grand coalition elsewhere (Dhp-stable partitions are not unique)", () => {
      const fromGrand = formCoalitions(miners, COALITION_DEFAULTS, { init: "grand" });
      expect(fromGrand.status).to.equal("stable");
      expect(fromGrand.splits).to.be.greaterThan(0);
      expect(fromGrand.partition).to.not.deep.equal(fromSingletons.partition);
    });
    it("returns the utilities of its partition by the model's formula", () => {
      const u = oracleUtilities(miners, COALITION_DEFAULTS, fromSingletons.partition);
      fromSingletons.utilities.forEach((x, i) => expect(x).to.be.closeTo(u[i], 1e-9));
    });
    it("is deterministic: the same game gives the same run", () => {
      expect(formCoalitions(drawMiners(20, 1), COALITION_DEFAULTS)).to.deep.equal(fromSingletons);
    });
  });

  describe("statuses", () => {
    it("stops with status limit when moves remain at the move limit", () => {
      const f = formCoalitions(drawMiners(20, 1), COALITION_DEFAULTS, { maxMoves: 3 });
      expect(f).to.include({ status: "limit", merges: 3, splits: 0 });
      expect(f.partition).to.have.length(17);
      expect(MAX_MOVES).to.equal(10_000);
    });
    it("returns cycle on a game where the paper's split rule goes round (seed 1, M 4, γ 3, from grand)", () => {
      // Found by search: 1,090 of 18,000 small games (M 3–8, γ 1–3, c 0–2) cycle under the paper's rule, none of 18,000 under Pareto's.
      const miners = drawMiners(4, 1);
      const p = { ...COALITION_DEFAULTS, gamma: 3 };
      const paper = formCoalitions(miners, p, { init: "grand", splitRule: "paper" });
      expect(paper).to.include({ status: "cycle", merges: 2, splits: 2 });
      const pareto = formCoalitions(miners, p, { init: "grand" });
      expect(pareto.status).to.equal("stable");
      expect(oracleMoves(miners, p, pareto.partition)).to.deep.equal([]);
    });
  });

  describe("starts", () => {
    it("random:k groups the miners into at most k coalitions, deterministically per seed", () => {
      const a = initialPartition(20, "random:3", 5);
      expect(a.length).to.be.within(1, 3);
      expect(a.flat().sort((x, y) => x - y)).to.deep.equal(Array.from({ length: 20 }, (_, i) => i + 1));
      expect(initialPartition(20, "random:3", 5)).to.deep.equal(a);
      const f = formCoalitions(drawMiners(20, 5), COALITION_DEFAULTS, { init: "random:3", seed: 5 });
      expect(f.start).to.deep.equal(a);
      expect(f.status).to.equal("stable");
    });
    it("refuses a bad start, split rule or move limit, naming it", () => {
      const m = drawMiners(4, 1);
      expect(() => formCoalitions(m, COALITION_DEFAULTS, { init: "random:5" as const }))
        .to.throw(CoalitionParameterError)
        .with.property("message", 'init: random:k needs 1 ≤ k ≤ 4 (the miners), got "random:5"');
      expect(() => formCoalitions(m, COALITION_DEFAULTS, { init: "all" as "grand" }))
        .to.throw(CoalitionParameterError)
        .with.property("message", 'init: must be "singletons", "grand" or "random:k", got "all"');
      expect(() => formCoalitions(m, COALITION_DEFAULTS, { splitRule: "nash" as "paper" }))
        .to.throw(CoalitionParameterError)
        .with.property("message", 'splitRule: must be "pareto" or "paper", got "nash"');
      expect(() => formCoalitions(m, COALITION_DEFAULTS, { maxMoves: -1 }))
        .to.throw(CoalitionParameterError)
        .with.property("message", "maxMoves: must be an integer ≥ 0, got -1");
    });
  });
});
