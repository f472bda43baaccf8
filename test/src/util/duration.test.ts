import { DurationError } from "../../../src/util/errors";
import { expect } from "chai";
import { parseDuration } from "../../../src/util/duration";

describe("util/duration", () => {
  it("reads milliseconds, seconds, minutes and hours", () => {
    expect(parseDuration("250")).to.equal(250);
    expect(parseDuration("500ms")).to.equal(500);
    expect(parseDuration("1s")).to.equal(1_000);
    expect(parseDuration("1.5s")).to.equal(1_500);
    expect(parseDuration(" 2m ")).to.equal(120_000);
    expect(parseDuration("1h")).to.equal(3_600_000);
  });

  it("rejects anything else, naming the option", () => {
    for (const bad of ["", "fast", "1d", "-1s", "1 s s"]) {
      expect(() => parseDuration(bad, "--interval")).to.throw(
        DurationError,
        /^--interval must be a number with an optional unit ms, s, m or h/,
      );
    }
    expect(() => parseDuration("0s", "--interval")).to.throw(DurationError, /^--interval must be positive, got "0s"$/);
  });
});
