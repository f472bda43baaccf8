/**
 * The last step, shutdown: everything on the cleanup stack stopped, newest first. Unlike the
 * steps of the table it runs whatever happened before (success, failure, Ctrl-C).
 */
import fs from "node:fs";
import { topologyPath } from "../../chains/topology";
import { StepFailedError } from "../errors";
import type { StartOptions } from "../options";
import type { RunPaths } from "../run-dir";
import type { CleanupStack } from "./cleanups";
import { relative } from "./text";

export const SHUTDOWN_STEP = "shutdown";

export const shutdownStep = {
  name: SHUTDOWN_STEP,
  title: (stack: CleanupStack) => `stopping ${stack.pending.join(", ") || "nothing"}`,
  /** Resolves with how many were stopped; throws {@link StepFailedError} naming each that failed, after trying all. */
  async run(stack: CleanupStack): Promise<number> {
    const { stopped, problems } = await stack.stopAll();
    if (problems.length > 0) throw new StepFailedError(SHUTDOWN_STEP, problems.join("; "));
    return stopped;
  },
  summary: (stopped: number, options: StartOptions, paths: RunPaths) =>
    `${stopped} stopped${options.keepChains && fs.existsSync(topologyPath(paths.chains)) ? `; chains left running (stop them: npx hardhat chains:down --dir ${relative(paths.chains)})` : ""}`,
} as const;
