import { expect } from "chai";
import { DEFAULT_PRICE_RATIO, SAMPLING_DEFAULTS, SamplingParameterError, uniformPricing } from "../../../src/economics";

const P = SAMPLING_DEFAULTS;

describe("src/economics/uniform-pricing", () => {
  it("at p = B/6: rates 1000 (n ≤ 5), 999 (6), 36.3 (7), 2.2 (8), 0 (n ≥ 9) for every budget", () => {
    for (const budget of [200, 300, 400]) {
      const rate = (n: number) => uniformPricing(P, budget, n, budget * DEFAULT_PRICE_RATIO).rates[0];
      for (let n = 1; n <= 5; n++) expect(rate(n)).to.equal(1000);
      expect(rate(6)).to.be.closeTo(999, 1e-6);
      expect(rate(7)).to.be.closeTo(36.3, 0.05);
      expect(rate(8)).to.be.closeTo(2.2, 0.05);
      for (let n = 9; n <= 15; n++) expect(rate(n)).to.equal(0);
    }
  });
  it("profit at B = 200: 13.33 (n ≤ 5), 13.34 (6), 18.21 (7), 14.98 (8), 13.33 (n ≥ 9)", () => {
    const profit = (n: number) => uniformPricing(P, 200, n, 200 / 6).profits[0];
    for (let n = 1; n <= 5; n++) expect(profit(n)).to.be.closeTo(13.33, 0.01);
    // The spec rounds n = 6 with n ≤ 5; at r = 999 it is p·1 − 19.99 = 13.343.
    expect(profit(6)).to.be.closeTo(13.343, 0.001);
    expect(profit(7)).to.be.closeTo(18.21, 0.01);
    expect(profit(8)).to.be.closeTo(14.98, 0.01);
    for (let n = 9; n <= 15; n++) expect(profit(n)).to.be.closeTo(13.33, 0.01);
  });
  it("reports what the buyer overspends when rates are clamped up to the floor", () => {
    const few = uniformPricing(P, 200, 3, 200 / 6);
    expect(few.overspend).to.equal(0);
    const many = uniformPricing(P, 200, 12, 200 / 6);
    // ξ(0) = 0.7 > B/(n·p) = 0.5: each seller delivers more satisfaction than the budget buys.
    expect(many.spend).to.be.closeTo(12 * (200 / 6) * 0.7, 1e-9);
    expect(many.overspend).to.be.closeTo(many.spend - 200, 1e-9);
  });
  it("refuses zero sellers, a non-positive price or budget", () => {
    expect(() => uniformPricing(P, 200, 0, 10)).to.throw(
      SamplingParameterError,
      /^sellers: must be a whole number ≥ 1, got 0$/,
    );
    expect(() => uniformPricing(P, 200, 2, 0)).to.throw(SamplingParameterError, /^price: must be a positive number/);
    expect(() => uniformPricing(P, -1, 2, 1)).to.throw(SamplingParameterError, /^budget: must be a positive number/);
    expect(() => uniformPricing({ ...P, beta2: 0 }, 200, 2, 10)).to.throw(SamplingParameterError, /^beta2/);
  });
});
