import { expect } from "chai";
import fc from "fast-check";
import {
  addShares,
  interpolateAt,
  randomFieldElement,
  reconstruct,
  scaleShare,
  secureSum,
  share,
  SHARE_FIELD_ORDER as P,
  type Share,
} from "../../../src/crypto/prime-shamir";
import { InvalidThresholdError, ShareError } from "../../../src/crypto/errors";

function subsets<T>(items: readonly T[], k: number): T[][] {
  if (k === 0) return [[]];
  return items.flatMap((item, i) => subsets(items.slice(i + 1), k - 1).map((rest) => [item, ...rest]));
}

describe("prime-field Shamir sharing and secure sum (BPIIoT V.A–B, formulas 2–6)", function () {
  it("any t+1 of n shares reconstruct the secret (formulas 2–4)", function () {
    const secret = 123_456_789_012_345_678_901_234_567_890n;
    const shares = share(secret, 6, 3);
    expect(shares.map((s) => s.x)).to.deep.equal([1n, 2n, 3n, 4n, 5n, 6n]);
    for (const subset of subsets(shares, 4)) expect(reconstruct(subset, 3)).to.equal(secret);
    expect(reconstruct(shares, 3)).to.equal(secret);
  });

  it("t shares are consistent with every secret: a forged (t+1)-th share can make them say anything", function () {
    const secret = 1_700n;
    const shares = share(secret, 5, 2);
    const known = shares.slice(0, 2); // what t = 2 colluding holders see
    const candidates = [0n, secret, secret + 1n, randomFieldElement(), P - 1n];
    for (const candidate of candidates) {
      // The degree-2 polynomial through (0, candidate) and the two known shares…
      const forgedY = interpolateAt([{ x: 0n, y: candidate }, ...known], 5n);
      // …is a sharing of `candidate` that agrees with everything the two holders know.
      expect(reconstruct([...known, { x: 5n, y: forgedY }])).to.equal(candidate);
    }
    // With a random third share, the "secret" is a random value.
    const a = reconstruct([...known, { x: 5n, y: randomFieldElement() }]);
    const b = reconstruct([...known, { x: 5n, y: randomFieldElement() }]);
    expect(a).not.to.equal(b);
    expect(reconstruct([...known, shares[4]])).to.equal(secret);
  });

  it("adds and scales shares holder by holder (formulas 5 and 6)", function () {
    const s1 = 172n;
    const s2 = 165n;
    const a = share(s1, 4, 1);
    const b = share(s2, 4, 1);
    const sums = a.map((ai, i) => addShares(ai, b[i]));
    expect(reconstruct([sums[0], sums[3]])).to.equal(s1 + s2);
    const scaled = a.map((ai) => scaleShare(ai, 3n));
    expect(reconstruct([scaled[1], scaled[2]])).to.equal(3n * s1);
    // Sums wrap around the field order.
    const near = share(P - 1n, 3, 1);
    const one = share(1n, 3, 1);
    expect(reconstruct(near.map((s, i) => addShares(s, one[i])).slice(0, 2))).to.equal(0n);
  });

  it("computes a secure sum of the devices' heights, from any t+1 node sums", function () {
    const heights = [172n, 165n, 181n, 158n, 190n];
    const result = secureSum(heights, { t: 2 });
    expect(result.total).to.equal(866n);
    expect(result.reconstructedFrom).to.deep.equal([1n, 2n, 3n]);
    expect(secureSum(heights, { t: 2, from: [2, 4, 5] }).total).to.equal(866n);
    // Node j received exactly one share of every party's input, all at its own x, and its sum
    // is their sum.
    result.received.forEach((shares: Share[], j: number) => {
      expect(shares.length).to.equal(heights.length);
      for (const s of shares) expect(s.x).to.equal(BigInt(j + 1));
      expect(result.nodeSums[j]).to.deep.equal(shares.reduce(addShares));
    });
    // t node sums alone do not pin the total down.
    expect(() => reconstruct(result.nodeSums.slice(0, 2), 2)).to.throw(ShareError, /t\+1 = 3/);
  });

  it("secureSum equals the true sum mod p for random inputs and schemes (property)", function () {
    fc.assert(
      fc.property(
        fc.array(fc.bigInt({ min: 0n, max: P - 1n }), { minLength: 1, maxLength: 6 }),
        fc.integer({ min: 1, max: 3 }),
        fc.nat({ max: 3 }),
        (inputs, t, extraNodes) => {
          const n = Math.max(inputs.length, t + 1) + extraNodes;
          const expected = inputs.reduce((sum, x) => (sum + x) % P, 0n);
          expect(secureSum(inputs, { t, n }).total).to.equal(expected);
        },
      ),
      { numRuns: 60 },
    );
  });

  it("refuses secrets outside the field, bad schemes and mismatched shares", function () {
    expect(() => share(-1n, 3, 1)).to.throw(ShareError, /not in \[0, p\)/);
    expect(() => share(P, 3, 1)).to.throw(ShareError);
    expect(() => share(5n, 2, 2)).to.throw(InvalidThresholdError, /t\+1 = 3/);
    const [a, b] = share(5n, 3, 1);
    expect(() => addShares(a, b)).to.throw(ShareError, /holder 1 to the share of holder 2/);
    expect(() => reconstruct([a, a])).to.throw(ShareError, /appears twice/);
    expect(() => secureSum([1n, 2n], { t: 1, from: [3] })).to.throw(ShareError, /node 3/);
    expect(() => secureSum([], { t: 1 })).to.throw(ShareError, /at least one party/);
  });
});
