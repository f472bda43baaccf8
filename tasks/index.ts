// Every Hardhat task of the project; hardhat.config.ts imports this file. One line per task file.
import { task } from "hardhat/config";
import { HardhatPluginError } from "hardhat/plugins";
import { CommchainError } from "../src/errors";
import "./gen-traffic";
import "./partition";
import "./store";
import "./chain-node";
import "./chains";
import "./anchor";
import "./deploy";
import "./records";
import "./economics";
import "./start";
import "./accounts";

/** The project's tasks, whose rejections of bad input the CLI should print as plain messages. */
export const COMMCHAIN_TASKS = [
  "gen-traffic", "partition",
  "chains:up", "chains:status", "chains:down", "chain-node",
  "deploy:all", "records:send", "records:verify", "anchor", "verify:record",
  "store:up", "store:status", "store:put", "store:get",
  "economics:sampling",
  "start", "accounts:new",
] as const;

// The library throws typed errors (CommchainError) whose messages name the bad input. Hardhat's
// CLI prints any other error as "An unexpected error occurred" with a stack trace, as if it were
// a bug; a HardhatPluginError it prints as one line. Translating here, once, keeps `src/` free of
// Hardhat and every task thin; the original error stays reachable as `parent`.
for (const name of COMMCHAIN_TASKS) {
  task(name).setAction(async (args, _hre, runSuper) => {
    try {
      return await runSuper(args);
    } catch (error) {
      if (error instanceof CommchainError) throw new HardhatPluginError("commchain", error.message, error);
      throw error;
    }
  });
}
