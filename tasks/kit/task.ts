// Registers a commchain task. The library throws typed errors (CommchainError) whose messages name
// the bad input; Hardhat's CLI prints any other error as "An unexpected error occurred" with a stack
// trace, as if it were a bug, and a HardhatPluginError as one line. Translating in the one place
// every task is registered keeps `src/` free of Hardhat and needs no list of task names.
import { task } from "hardhat/config";
import { HardhatPluginError } from "hardhat/plugins";
import type { ActionType, ConfigurableTaskDefinition, TaskArguments } from "hardhat/types";
import { CommchainError } from "../../src/errors";

/** The plugin name Hardhat prints in front of a rejected task's message. */
const PLUGIN_NAME = "commchain";

/** `error` as the CLI should show it: a CommchainError becomes a one-line HardhatPluginError (the original as `parent`). */
export function forCli(error: unknown): unknown {
  return error instanceof CommchainError ? new HardhatPluginError(PLUGIN_NAME, error.message, error) : error;
}

/** Hardhat's `task(name, description)`, whose action's CommchainErrors reach the CLI as plain messages. */
export function commchainTask(name: string, description: string): ConfigurableTaskDefinition {
  const definition = task(name, description);
  const setAction = definition.setAction.bind(definition);
  definition.setAction = (action: ActionType<TaskArguments>) =>
    setAction(async (args, hre, runSuper) => {
      try {
        return await action(args, hre, runSuper);
      } catch (error) {
        throw forCli(error);
      }
    });
  return definition;
}
