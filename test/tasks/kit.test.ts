/**
 * tasks/kit: the option parsers keep each library's typed errors and messages, paths are shown
 * relative to the working directory, Ctrl-C aborts (a second one does what the task asks), and a
 * task registered through commchainTask hands a CommchainError to the CLI as a HardhatPluginError.
 */
import path from "node:path";
import { expect } from "chai";
import hre from "hardhat";
import { HardhatPluginError } from "hardhat/plugins";
import { CommchainError } from "../../src/errors";
import { PartitionInputError } from "../../src/partition/pipeline";
import { RecordsOptionError } from "../../src/records/errors";
import { TrafficOptionsError } from "../../src/traffic/errors";
import {
  chainsDirHelp,
  forCli,
  lazyModule,
  listItems,
  onInterrupt,
  optionalCount,
  optionalList,
  optionalNumber,
  relativeToCwd,
  shown,
  TaskProgress,
  untilInterrupted,
} from "../../tasks/kit";

/** The listeners `register` adds for `signal`, to call them without sending the process a signal. */
function addedListeners(signal: NodeJS.Signals, register: () => void): (() => void)[] {
  const before = new Set(process.listeners(signal));
  register();
  return process.listeners(signal).filter((listener) => !before.has(listener)) as (() => void)[];
}

describe("tasks/kit", () => {
  describe("option parsers", () => {
    const rate = {
      option: "--rate",
      word: "unlimited",
      positive: true,
      unit: "of records per second",
      error: RecordsOptionError,
    };
    const k = { option: "--k", word: "auto", integer: true, error: PartitionInputError };
    const threshold = { option: "--threshold", word: "auto", error: PartitionInputError };

    it("reads a number, or undefined for the option's word in any case", () => {
      expect([
        optionalNumber(" Unlimited ", rate),
        optionalNumber("250", rate),
        optionalNumber("0.5", rate),
      ]).to.deep.equal([undefined, 250, 0.5]);
      expect([
        optionalNumber("AUTO", k),
        optionalNumber(" 4 ", k),
        optionalNumber("0", threshold),
        optionalNumber("-1.5", threshold),
      ]).to.deep.equal([undefined, 4, 0, -1.5]);
    });

    it("rejects anything else with the library's error, naming the option and the text as given", () => {
      expect(() => optionalNumber("fast", rate)).to.throw(
        RecordsOptionError,
        '--rate: must be "unlimited" or a positive number of records per second, got "fast"',
      );
      expect(() => optionalNumber("0", rate)).to.throw(
        RecordsOptionError,
        '--rate: must be "unlimited" or a positive number of records per second, got "0"',
      );
      expect(() => optionalNumber("", rate)).to.throw(
        RecordsOptionError,
        '--rate: must be "unlimited" or a positive number of records per second, got ""',
      );
      expect(() => optionalNumber("3.5", k)).to.throw(
        PartitionInputError,
        '--k: must be "auto" or an integer, got "3.5"',
      );
      expect(() => optionalNumber("high ", threshold)).to.throw(
        PartitionInputError,
        '--threshold: must be "auto" or a number, got "high "',
      );
      expect(() => optionalNumber("Infinity", threshold)).to.throw(
        PartitionInputError,
        '--threshold: must be "auto" or a number, got "Infinity"',
      );
    });

    it("reads counts in decimal digits only", () => {
      const groups = { option: "groups", word: "auto", error: TrafficOptionsError };
      expect([optionalCount("auto", groups), optionalCount(" 5 ", groups), optionalCount("0", groups)]).to.deep.equal([
        undefined,
        5,
        0,
      ]);
      for (const text of ["five", "-1", "1e1", "0x10", "2.0", ""]) {
        expect(() => optionalCount(text, groups)).to.throw(
          TrafficOptionsError,
          `option groups: must be "auto" or an integer ≥ 0, got "${text}"`,
        );
      }
    });

    it("splits comma-separated lists, dropping blanks", () => {
      expect(listItems(" a, b ,,c ")).to.deep.equal(["a", "b", "c"]);
      expect([listItems(undefined), listItems(" , ")]).to.deep.equal([[], []]);
      expect([optionalList("x,y"), optionalList(""), optionalList(undefined)]).to.deep.equal([
        ["x", "y"],
        undefined,
        undefined,
      ]);
    });
  });

  it("shows paths under the working directory relative to it, others as given", () => {
    const cwd = process.cwd();
    expect(shown(path.join(cwd, "out", "report.md"))).to.equal(path.join("out", "report.md"));
    expect(shown(path.join(path.dirname(cwd), "elsewhere.md"))).to.equal(path.join(path.dirname(cwd), "elsewhere.md"));
    expect([relativeToCwd(cwd), relativeToCwd(path.join(path.dirname(cwd), "x"))]).to.deep.equal([
      ".",
      path.join("..", "x"),
    ]);
  });

  it("words the chains directory option as every task did", () => {
    expect(chainsDirHelp("topology.json, batch stores")).to.equal(
      "Chains directory (topology.json, batch stores); default $COMMCHAIN_DIR or .commchain in the project",
    );
  });

  it("loads a lazy module once, on first use", () => {
    let loads = 0;
    const load = lazyModule(() => ({ loaded: ++loads }));
    expect(loads).to.equal(0);
    expect([load(), load()]).to.deep.equal([{ loaded: 1 }, { loaded: 1 }]);
  });

  describe("Ctrl-C", () => {
    it("aborts after the notice; without `again` each signal is handled once, and release stops listening", () => {
      const abort = new AbortController();
      const notices: string[] = [];
      let release = () => undefined as void;
      const [sigint] = addedListeners(
        "SIGINT",
        () => (release = onInterrupt(abort, { notice: () => notices.push("stopping") })),
      );
      expect(process.listeners("SIGINT")).to.include(sigint);
      sigint();
      expect([abort.signal.aborted, notices]).to.deep.equal([true, ["stopping"]]);
      release();
      expect(process.listeners("SIGINT")).not.to.include(sigint);
    });

    it("calls `again` on every later Ctrl-C, and listens to SIGTERM when asked", () => {
      const abort = new AbortController();
      const calls: string[] = [];
      let release = () => undefined as void;
      let sigterm: (() => void)[] = [];
      const [sigint] = addedListeners("SIGINT", () => {
        sigterm = addedListeners(
          "SIGTERM",
          () =>
            (release = onInterrupt(abort, {
              sigterm: true,
              notice: () => calls.push("notice"),
              again: () => calls.push("again"),
            })),
        );
      });
      expect(sigterm).to.have.length(1);
      sigint();
      sigint();
      sigterm[0]();
      expect(calls).to.deep.equal(["notice", "again", "again"]);
      release();
      expect([
        process.listeners("SIGINT").includes(sigint),
        process.listeners("SIGTERM").includes(sigterm[0]),
      ]).to.deep.equal([false, false]);
    });

    it("waits for a duration, then stops listening", async () => {
      const before = [process.listenerCount("SIGINT"), process.listenerCount("SIGTERM")];
      await untilInterrupted(10);
      expect([process.listenerCount("SIGINT"), process.listenerCount("SIGTERM")]).to.deep.equal(before);
    });
  });

  describe("commchainTask", () => {
    it("turns a CommchainError into a HardhatPluginError with the same message, and leaves other errors alone", () => {
      const error = new CommchainError("bad input");
      const wrapped = forCli(error);
      expect(wrapped).to.be.instanceOf(HardhatPluginError);
      expect([(wrapped as HardhatPluginError).message, (wrapped as HardhatPluginError).parent]).to.deep.equal([
        "bad input",
        error,
      ]);
      const bug = new TypeError("a bug");
      expect(forCli(bug)).to.equal(bug);
    });

    it("registers tasks whose rejections reach the CLI wrapped", async () => {
      for (const [name, args, message] of [
        [
          "gen-traffic",
          { groups: "five", out: "unused.csv" },
          'option groups: must be "auto" or an integer ≥ 0, got "five"',
        ],
        ["partition", { threshold: "high" }, '--threshold: must be "auto" or a number, got "high"'],
        [
          "records:send",
          { rate: "0" },
          '--rate: must be "unlimited" or a positive number of records per second, got "0"',
        ],
      ] as const) {
        const error = await hre.run(name, args).then(
          () => expect.fail(`${name} resolved`),
          (reason: unknown) => reason,
        );
        expect(error, name).to.be.instanceOf(HardhatPluginError);
        expect((error as HardhatPluginError).message).to.equal(message);
        expect((error as HardhatPluginError).parent).to.be.instanceOf(CommchainError);
      }
    });
  });

  describe("TaskProgress", () => {
    it("shows no bar until the first figure, takes it off on stop, and stops twice safely", () => {
      const bar = new TaskProgress("test [{bar}] {value}/{total} {stage}");
      expect(bar.shown).to.equal(false);
      bar.detail({ stage: "before any figure" });
      expect(bar.shown).to.equal(false);
      bar.show(1, 10, { stage: "read" });
      expect(bar.shown).to.equal(true);
      bar.show(2, 4, { stage: "count" });
      bar.detail({ stage: "round 1" });
      expect(bar.shown).to.equal(true);
      bar.stop();
      expect(bar.shown).to.equal(false);
      bar.stop();
      expect(bar.shown).to.equal(false);
    });
  });
});
