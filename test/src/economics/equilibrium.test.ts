import { expect } from "chai";
import fc from "fast-check";
import {
  bestResponse,
  InfeasibleParticipationError,
  iterateBestResponses,
  marginalUtility,
  maxDeviationGain,
  PAPER_RAW_RATES,
  rateBounds,
  SAMPLING_DEFAULTS,
  SamplingParameterError,
  solveEquilibrium,
  symmetricRate,
} from "../../../src/economics";

const P = SAMPLING_DEFAULTS;
const BOUNDS = rateBounds(P);

/** The spec's reference table (specs/digital-twin-market.md §4(d)): r* / U* per seller. */
const REFERENCE: Record<number, Record<number, [number, number]>> = {
  200: {
    1: [0, 190],
    2: [230.87, 87.69],
    6: [131.26, 22.02],
    7: [116.27, 17.41],
    10: [86.43, 9.14],
    15: [60.49, 2.73],
  },
  300: {
    1: [0, 290],
    2: [340.66, 136.59],
    6: [193.79, 38.06],
    7: [171.71, 31.14],
    10: [127.72, 18.72],
    15: [89.51, 9.11],
  },
  400: {
    1: [0, 390],
    2: [448.9, 185.51],
    6: [255.43, 54.11],
    7: [226.34, 44.88],
    10: [168.41, 28.32],
    15: [118.1, 15.49],
  },
};

describe("src/economics/equilibrium", () => {
  describe("the reference table", () => {
    for (const [budget, rows] of Object.entries(REFERENCE)) {
      for (const [n, [rate, utility]] of Object.entries(rows)) {
        it(`B = ${budget}, n = ${n}: r* = ${rate}, U* = ${utility} (±0.01) for every seller`, () => {
          const e = solveEquilibrium(P, Number(budget), PAPER_RAW_RATES.slice(0, Number(n)));
          expect(e.rates).to.have.length(Number(n));
          for (const r of e.rates) expect(r).to.be.closeTo(rate, 0.01);
          for (const u of e.utilities) expect(u).to.be.closeTo(utility, 0.01);
        });
      }
    }
  });

  describe("the certificate", () => {
    for (const budget of [200, 300, 400]) {
      it(`B = ${budget}: three starts agree within 1e-6, no grid deviation gains 1e-9, closed form = iteration, for n = 1 … 15`, () => {
        for (let n = 1; n <= 15; n++) {
          const e = solveEquilibrium(P, budget, PAPER_RAW_RATES.slice(0, n));
          const c = e.certificate;
          expect(c.gridPoints).to.equal(10_001);
          expect(c.startDisagreement).to.be.at.most(1e-6);
          expect(c.maxDeviationGain).to.be.at.most(1e-9);
          expect(c.closedFormGap).to.be.at.most(1e-6);
          expect(c.kktResidual).to.be.at.most(1e-6);
          expect(c.holds).to.equal(true);
          // U_min and C_eMax never bind for 2 ≤ n ≤ 15 (spec §4(d)).
          if (n >= 2) for (const m of e.multipliers) expect(m).to.deep.equal({ mu1: 0, mu2: 0, mu3: 0 });
        }
      });
    }
    it("starting anywhere reaches the same point (fast-check over starts)", () => {
      const reference = solveEquilibrium(P, 300, PAPER_RAW_RATES.slice(0, 8)).rates;
      fc.assert(
        fc.property(
          fc.array(fc.double({ min: 0, max: 1000, noNaN: true }), { minLength: 8, maxLength: 8 }),
          (start) => {
            const { rates } = iterateBestResponses(
              P,
              300,
              start.map(() => BOUNDS),
              start,
              { tolerance: 1e-10, maxIterations: 10_000 },
            );
            rates.forEach((r, i) => expect(r).to.be.closeTo(reference[i], 1e-6));
          },
        ),
        { numRuns: 50 },
      );
    });
    it("a single seller samples at the lowest rate, with μ2 = 1 from (9)", () => {
      const e = solveEquilibrium(P, 200, [500]);
      expect(e.rates).to.deep.equal([0]);
      expect(e.multipliers).to.deep.equal([{ mu1: 0, mu2: 1, mu3: 0 }]);
    });
    it("a binding rate ceiling gets a positive μ1 that satisfies (9)", () => {
      // A rich buyer and a cheap cost push the rate to C_eMax.
      const rich = { ...P, alpha1: 0.0001, ceMax: 10.05 };
      const e = solveEquilibrium(rich, 10_000, [1, 2]);
      const top = rateBounds(rich).max;
      for (const r of e.rates) expect(r).to.be.closeTo(top, 1e-9);
      for (const m of e.multipliers) expect(m.mu1).to.be.greaterThan(0);
      expect(e.certificate.holds).to.equal(true);
    });
    it("a rate off the equilibrium is caught by the deviation grid", () => {
      const e = solveEquilibrium(P, 200, PAPER_RAW_RATES.slice(0, 4));
      const off = [...e.rates];
      off[2] += 50;
      expect(
        maxDeviationGain(
          P,
          off,
          200,
          off.map(() => BOUNDS),
          10_001,
        ),
      ).to.be.greaterThan(0.01);
    });
    it("with raw rates as caps the game is asymmetric: no closed form, the certificate still holds", () => {
      const e = solveEquilibrium(P, 400, [50, 1000, 1000, 120], { rawAsCap: true });
      expect(e.rates[0]).to.be.closeTo(50, 1e-9);
      expect(e.rates[3]).to.be.closeTo(120, 1e-9);
      expect(e.multipliers[0].mu1).to.be.greaterThan(0);
      expect(e.certificate.closedFormRate).to.equal(null);
      expect(e.certificate.holds).to.equal(true);
    });
  });

  describe("best responses and the closed form", () => {
    it("the best response zeroes U′ inside the bounds", () => {
      const r = bestResponse(P, 3.2, 300, BOUNDS);
      expect(marginalUtility(P, r, 3.2, 300)).to.be.closeTo(0, 1e-9);
    });
    it("the closed form solves the symmetric first-order condition", () => {
      const r = symmetricRate(P, 5, 250, BOUNDS);
      expect(marginalUtility(P, r, 4 * (0.7 + 0.1 * Math.log10(1 + r)), 250)).to.be.closeTo(0, 1e-9);
    });
    it("any parameters, not only the paper's: the certificate holds (fast-check)", () => {
      fc.assert(
        fc.property(
          fc.record({
            beta1: fc.double({ min: 0.1, max: 2, noNaN: true }),
            beta2: fc.double({ min: 0.01, max: 1, noNaN: true }),
            alpha1: fc.double({ min: 0.001, max: 0.1, noNaN: true }),
            budget: fc.double({ min: 20, max: 2000, noNaN: true }),
            n: fc.integer({ min: 2, max: 12 }),
          }),
          ({ beta1, beta2, alpha1, budget, n }) => {
            const p = { ...P, beta1, beta2, alpha1, uMin: -1e9 };
            const e = solveEquilibrium(p, budget, PAPER_RAW_RATES.slice(0, n), { gridPoints: 2001 });
            expect(e.certificate.holds, JSON.stringify(e.certificate)).to.equal(true);
          },
        ),
        { numRuns: 40 },
      );
    });
    it("a wide rate range (α1 = 0.001: rates up to 10,000) still converges and is certified", () => {
      // fast-check found this one: with an absolute stopping tolerance it never stopped.
      const p = { ...P, beta1: 2, beta2: 1, alpha1: 0.001, uMin: -1e9 };
      const e = solveEquilibrium(p, 214.8899660747731, PAPER_RAW_RATES.slice(0, 9));
      expect(e.certificate.holds).to.equal(true);
    });
  });

  describe("errors", () => {
    it("refuses zero sellers", () => {
      expect(() => solveEquilibrium(P, 200, [])).to.throw(
        SamplingParameterError,
        /^sellers: must be at least 1, got 0$/,
      );
    });
    it("refuses a negative raw rate and a non-positive budget, naming them", () => {
      expect(() => solveEquilibrium(P, 200, [1, -2])).to.throw(
        SamplingParameterError,
        /^rawRates\[1\]: must be a rate ≥ 0, got -2$/,
      );
      expect(() => solveEquilibrium(P, 0, [1])).to.throw(SamplingParameterError, /^budget: must be a positive number/);
    });
    it("U_min = 100 at B = 200, n = 15 is infeasible, naming the seller", () => {
      let error: unknown;
      try {
        solveEquilibrium({ ...P, uMin: 100 }, 200, PAPER_RAW_RATES);
      } catch (e) {
        error = e;
      }
      expect(error).to.be.instanceOf(InfeasibleParticipationError);
      const infeasible = error as InfeasibleParticipationError;
      expect(infeasible.seller).to.equal(1);
      expect(infeasible.utility).to.be.closeTo(2.73, 0.01);
      expect(infeasible.message).to.match(
        /^seller 1 of 15 \(budget 200\) cannot reach U_min = 100: its best utility at the equilibrium is 2\.7\d{3}; lower --u-min or pass --exclude-infeasible/,
      );
    });
    it("--exclude-infeasible drops sellers until the rest participate", () => {
      const e = solveEquilibrium({ ...P, uMin: 100 }, 200, PAPER_RAW_RATES, { excludeInfeasible: true });
      expect(e.sellers).to.deep.equal([1]);
      expect(e.excluded).to.have.length(14);
      expect(e.utilities[0]).to.equal(190);
      const some = solveEquilibrium({ ...P, uMin: 20 }, 200, PAPER_RAW_RATES, { excludeInfeasible: true });
      expect(some.sellers).to.have.length(6);
      for (const u of some.utilities) expect(u).to.be.at.least(20);
    });
  });
});
