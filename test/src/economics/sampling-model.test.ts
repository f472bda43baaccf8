import { expect } from "chai";
import fc from "fast-check";
import {
  curvature,
  energyCost,
  inverseSatisfaction,
  marginalUtility,
  rateBounds,
  SAMPLING_DEFAULTS,
  SamplingParameterError,
  satisfaction,
  sellerUtility,
  validateParameters,
} from "../../../src/economics";

const P = SAMPLING_DEFAULTS;

describe("src/economics/sampling-model", () => {
  describe("the model's functions (4), (2), (5)", () => {
    it("ξ(0) = β1, ξ(999) = β1 + 3β2, and ξ⁻¹ inverts it", () => {
      expect(satisfaction(P, 0)).to.equal(0.7);
      expect(satisfaction(P, 999)).to.be.closeTo(1.0, 1e-12);
      expect(inverseSatisfaction(P, satisfaction(P, 123.4))).to.be.closeTo(123.4, 1e-9);
    });
    it("the energy bounds give rates 0 … 1000 with the paper's parameters", () => {
      expect(rateBounds(P)).to.deep.equal({ min: 0, max: 1000 });
      expect(energyCost(P, 0)).to.equal(10);
      expect(energyCost(P, 1000)).to.equal(20);
      expect(rateBounds({ ...P, ceMin: 12 }).min).to.be.closeTo(200, 1e-9);
    });
    it("one seller alone gets the whole budget less its cost", () => {
      expect(sellerUtility(P, 0, 0, 200)).to.equal(190);
    });
  });

  describe("derivatives (6) and (7)", () => {
    it("U′ and U″ match central differences of U, and U″ < 0 (concavity)", () => {
      fc.assert(
        fc.property(
          fc.double({ min: 1, max: 999, noNaN: true }),
          fc.double({ min: 0.1, max: 20, noNaN: true }),
          fc.double({ min: 10, max: 1000, noNaN: true }),
          (r, others, budget) => {
            const h = 1e-4;
            const du = (sellerUtility(P, r + h, others, budget) - sellerUtility(P, r - h, others, budget)) / (2 * h);
            const d2u =
              (marginalUtility(P, r + h, others, budget) - marginalUtility(P, r - h, others, budget)) / (2 * h);
            expect(marginalUtility(P, r, others, budget)).to.be.closeTo(du, 1e-5 * Math.max(1, Math.abs(du)));
            expect(curvature(P, r, others, budget)).to.be.closeTo(d2u, 1e-5 * Math.max(1, Math.abs(d2u)));
            expect(curvature(P, r, others, budget)).to.be.lessThan(0);
          },
        ),
        { numRuns: 200 },
      );
    });
  });

  describe("validateParameters", () => {
    const refused = (change: Partial<typeof P>, pattern: RegExp) =>
      expect(() => validateParameters({ ...P, ...change })).to.throw(SamplingParameterError, pattern);
    it("refuses β2 ≤ 0", () => {
      refused({ beta2: 0 }, /^beta2: must be > 0, got 0$/);
      refused({ beta2: -0.1 }, /^beta2: must be > 0/);
    });
    it("refuses C_eMin > C_eMax", () => refused({ ceMin: 30 }, /^ceMin: 30 is above ceMax 20$/));
    it("refuses α1, ε ≤ 0, β1 ≤ 0 and non-finite values", () => {
      refused({ alpha1: 0 }, /^alpha1: must be > 0/);
      refused({ epsilon: -1 }, /^epsilon: must be > 0/);
      refused({ beta1: 0 }, /^beta1: must be > 0/);
      refused({ uMin: Number.NaN }, /^uMin: must be a finite number/);
    });
    it("refuses a cost ceiling below the cost of sampling nothing", () =>
      refused({ ceMin: 1, ceMax: 5 }, /^ceMax: 5 is below the cost of sampling at rate 0/));
    it("accepts the paper's parameters", () => expect(validateParameters(P)).to.equal(P));
  });
});
