import { expect } from "chai";
import { ranks, spearman } from "../../../src/util/stats";

describe("util/stats", () => {
  it("ranks with ties at their mean rank", () => {
    expect(ranks([30, 10, 20, 20])).to.deep.equal([4, 1, 2.5, 2.5]);
    expect(ranks([])).to.deep.equal([]);
  });

  it("spearman: 1 for any increasing relation, −1 for decreasing, null when undefined", () => {
    expect(spearman([1, 2, 3, 4], [1, 8, 27, 64])).to.equal(1);
    expect(spearman([1, 2, 3, 4], [9, 7, 5, 1])).to.equal(-1);
    expect(spearman([1], [1])).to.equal(null);
    expect(spearman([1, 2, 3], [5, 5, 5])).to.equal(null);
    expect(() => spearman([1, 2], [1])).to.throw(RangeError);
  });

  it("spearman matches 1 − 6Σd²/(n(n²−1)) without ties", () => {
    const xs = [1, 2, 3, 4, 5];
    const ys = [2, 1, 4, 3, 5];
    // d = [1, −1, 1, −1, 0]: Σd² = 4, ρ = 1 − 24/120 = 0.8
    expect(spearman(xs, ys)).to.be.closeTo(0.8, 1e-12);
  });
});
