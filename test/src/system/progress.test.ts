import { expect } from "chai";
import { STEPS, StepReporter } from "../../../src/system";

function sink(tty: boolean) {
  const out: string[] = [];
  return { out, tty, write: (text: string) => void out.push(text) };
}

describe("system/progress", () => {
  it("prints a start and a done line per step, and times it", async () => {
    const s = sink(false);
    const reporter = new StepReporter(s);
    const result = await reporter.run(
      "partition",
      "dividing",
      async () => 42,
      (n) => `${n} communities`,
    );
    expect(result).to.equal(42);
    const text = s.out.join("");
    expect(text).to.match(
      /^\[ 2\/16\] partition     dividing\n\[ 2\/16\] partition     done in \d+\.\d s: 42 communities\n$/,
    );
    expect(reporter.steps).to.have.length(1);
    expect(reporter.steps[0]).to.deep.include({ step: "partition", status: "done" });
    expect(reporter.steps[0].seconds).to.be.at.least(0);
    expect(STEPS).to.have.length(16);
  });

  it("records a failed step, says so, and rethrows its error", async () => {
    const s = sink(false);
    const reporter = new StepReporter(s);
    const failure = new Error("chain community-2 did not come up");
    const thrown = await reporter
      .run(
        "chains",
        "starting",
        async () => Promise.reject(failure),
        () => "",
      )
      .catch((e: unknown) => e);
    expect(thrown).to.equal(failure);
    expect(reporter.steps.map((t) => [t.step, t.status])).to.deep.equal([["chains", "failed"]]);
    expect(s.out.join("")).to.match(
      /\[ 3\/16\] chains        FAILED after \d+\.\d s: chain community-2 did not come up\n$/,
    );
  });

  it("on a terminal, running counts rewrite one line, cleared before the done line", async () => {
    const s = sink(true);
    const reporter = new StepReporter(s);
    await reporter.run(
      "units",
      "running",
      async (progress) => {
        progress("1 reading");
        progress("2 readings");
      },
      () => "ok",
    );
    const counts = s.out.filter((t) => t.startsWith("\r\x1b[K[ 7/16] units"));
    expect(counts.map((t) => t.replace(/\d+\.\d s/, "T"))).to.deep.equal([
      "\r\x1b[K[ 7/16] units         T  1 reading",
      "\r\x1b[K[ 7/16] units         T  2 readings",
    ]);
    expect(s.out.at(-2)).to.equal("\r\x1b[K");
    expect(s.out.at(-1)).to.match(/^\[ 7\/16\] units         done in \d+\.\d s: ok\n$/);
  });

  it("elsewhere, prints running counts at most every few seconds (none for a quick step)", async () => {
    const s = sink(false);
    await new StepReporter(s).run(
      "records",
      "sending",
      async (progress) => progress("5 records"),
      () => "done",
    );
    expect(s.out.some((t) => t.includes("5 records"))).to.equal(false);
  });
});
