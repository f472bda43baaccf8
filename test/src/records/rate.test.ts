import { expect } from "chai";
import { RateLimiter, RecordsOptionError, type Clock } from "../../../src/records";

/** A clock that only moves when the limiter sleeps. */
function fakeClock(): Clock & { slept: number[] } {
  let now = 1_000;
  const slept: number[] = [];
  return {
    slept,
    now: () => now,
    sleep: async (ms) => {
      slept.push(ms);
      now += ms;
    },
  };
}

describe("records/rate", () => {
  it("spaces records 1/rate seconds apart from the first, which goes at once", async () => {
    const clock = fakeClock();
    const limiter = new RateLimiter(100, clock);
    for (let i = 0; i < 4; i++) await limiter.take();
    expect(clock.slept).to.deep.equal([10, 10, 10]);
    expect(clock.now()).to.equal(1_030);
  });

  it("keeps the average: time spent elsewhere is not slept again", async () => {
    const clock = fakeClock();
    const limiter = new RateLimiter(10, clock);
    await limiter.take();
    await clock.sleep(250); // the chain took 250 ms: records 2 and 3 are already due
    clock.slept.length = 0;
    await limiter.take();
    await limiter.take();
    expect(clock.slept).to.deep.equal([]);
    await limiter.take(); // record 4 is due at 300 ms
    expect(clock.slept).to.deep.equal([50]);
  });

  it("takes several records at once and defers sleeps too short to pace", async () => {
    const clock = fakeClock();
    const limiter = new RateLimiter(1_000, clock);
    await limiter.take(3); // records 1–3: record 3 is due at 2 ms, too short to sleep for
    expect(clock.slept).to.deep.equal([]);
    await limiter.take(5); // record 8 is due at 7 ms
    expect(clock.slept).to.deep.equal([7]);
  });

  it("never waits without a rate and refuses a rate that is not positive", async () => {
    const clock = fakeClock();
    const limiter = new RateLimiter(undefined, clock);
    for (let i = 0; i < 1_000; i++) await limiter.take();
    expect(clock.slept).to.deep.equal([]);
    expect(() => new RateLimiter(0)).to.throw(
      RecordsOptionError,
      "--rate: must be a positive number of records per second, got 0",
    );
    expect(() => new RateLimiter(Number.NaN)).to.throw(RecordsOptionError, "got NaN");
  });
});
