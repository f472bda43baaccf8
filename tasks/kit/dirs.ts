// The files and directories tasks work in: an option given on the command line is taken relative to the
// working directory, the default lives in the project (wherever Hardhat was started from).
import path from "node:path";
import { types } from "hardhat/config";
import type { CLIArgumentType, HardhatRuntimeEnvironment } from "hardhat/types";
import { CHAINS_DIR_ENV, chainsDir, DEFAULT_CHAINS_DIR } from "../../src/chains/networks";

/** A path from the command line (resolved against the working directory), or `fallback`. */
export function optionalPath(given: string | undefined, fallback: string): string {
  return given === undefined ? fallback : path.resolve(given);
}

/** A path from the command line, or `relative` inside the project. */
export function projectPath(given: string | undefined, hre: HardhatRuntimeEnvironment, relative: string): string {
  return optionalPath(given, path.join(hre.config.paths.root, relative));
}

/** The chains directory: `--dir`, else $COMMCHAIN_DIR, else .commchain in the project. */
export function resolveChainsDir(dir: string | undefined, hre: HardhatRuntimeEnvironment): string {
  return optionalPath(dir, chainsDir(hre.config.paths.root));
}

/** Help of a `--dir` chains directory option; `holds` says what the task reads or writes there. */
export function chainsDirHelp(holds: string): string {
  return `Chains directory (${holds}); default $${CHAINS_DIR_ENV} or ${DEFAULT_CHAINS_DIR} in the project`;
}

/** The arguments of `.addOptionalParam` for the chains directory: `.addOptionalParam(...chainsDirParam("topology.json"))`. */
export function chainsDirParam(
  holds: string,
): [name: "dir", description: string, defaultValue: undefined, type: CLIArgumentType<string>] {
  return ["dir", chainsDirHelp(holds), undefined, types.string];
}
