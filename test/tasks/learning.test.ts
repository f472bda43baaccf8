/**
 * `learning:run`'s own input checks, before any chain is reached. The task itself runs over the
 * chains the main job's end-to-end test keeps (test/src/system/start.test.ts, "learning:run over
 * the kept run"), which is how a user runs it.
 */
import path from "node:path";
import { expect } from "chai";
import { LearningConfigError } from "../../src/learning/errors";
import { tempDir } from "../src/anchor/fixtures";
import { rejection } from "../helpers/rejection";
import { runTask } from "../helpers/run-task";

describe("tasks/learning: learning:run's input", () => {
  it("needs exactly one of --run-dir and --dir", async () => {
    for (const args of [{}, { dir: "a", runDir: "b" }]) {
      const error = await rejection(runTask("learning:run", args));
      expect(error).to.be.instanceOf(LearningConfigError);
      expect((error as Error).message).to.equal(
        "learning option --run-dir: give either --run-dir (a kept run) or --dir (a chains directory), not both or neither",
      );
    }
  });

  it("names the topology.json a run or a chains directory lacks", async () => {
    const { dir, cleanup } = tempDir("commchain-learning-empty-");
    try {
      const run = await rejection(runTask("learning:run", { runDir: dir }));
      expect((run as Error).message).to.equal(
        `learning option --run-dir: ${path.join(dir, "chains", "topology.json")} does not exist: run npm start -- --keep-chains (or chains:up and deploy:all) first`,
      );
      const chains = await rejection(runTask("learning:run", { dir }));
      expect((chains as Error).message).to.match(/^learning option --dir: .*topology\.json does not exist/);
    } finally {
      cleanup();
    }
  });
});
