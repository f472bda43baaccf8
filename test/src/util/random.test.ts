import { expect } from "chai";
import { createRandom } from "../../../src/util/random";

describe("util/random", () => {
  it("repeats the same stream for the same seed and stream", () => {
    const a = createRandom(42);
    const b = createRandom(42);
    const draws = Array.from({ length: 100 }, () => a.next());
    expect(Array.from({ length: 100 }, () => b.next())).to.deep.equal(draws);
    for (const value of draws) expect(value).to.be.at.least(0).and.below(1);
  });

  it("differs for another seed, another stream, or seeds that differ above 2^32", () => {
    const first = (seed: number, stream?: number): number[] => {
      const random = createRandom(seed, stream);
      return Array.from({ length: 8 }, () => random.next());
    };
    expect(first(1)).not.to.deep.equal(first(2));
    expect(first(1, 0)).not.to.deep.equal(first(1, 1));
    expect(first(5)).not.to.deep.equal(first(5 + 2 ** 32));
  });

  it("spreads integers evenly and shuffles into a permutation", () => {
    const random = createRandom(9);
    const buckets = new Array<number>(10).fill(0);
    for (let i = 0; i < 100_000; i += 1) buckets[random.int(10)] += 1;
    // each bucket expects 10,000 (sd ≈ 95); 600 is over six standard deviations
    for (const bucket of buckets) expect(bucket).to.be.within(9_400, 10_600);
    const shuffled = random.shuffle(Array.from({ length: 50 }, (_, i) => i));
    expect([...shuffled].sort((x, y) => x - y)).to.deep.equal(Array.from({ length: 50 }, (_, i) => i));
    expect(shuffled).not.to.deep.equal(Array.from({ length: 50 }, (_, i) => i));
  });

  it("refuses a seed that is not a safe integer", () => {
    expect(() => createRandom(1.5)).to.throw(RangeError, "seed must be a safe integer, got 1.5");
  });
});
