import path from "node:path";
import { task, types } from "hardhat/config";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { chainsDown } from "../src/chains/down";
import { ChainError } from "../src/chains/errors";
import { CHAINS_DIR_ENV, chainsDir, DEFAULT_CHAINS_DIR } from "../src/chains/networks";
import { chainsStatus, formatStatus } from "../src/chains/status";
import { chainsUp } from "../src/chains/up";

const DIR_HELP = `Chains directory (topology.json and the chains' data); default $${CHAINS_DIR_ENV} or ${DEFAULT_CHAINS_DIR} in the project`;

function resolveDir(dir: string | undefined, hre: HardhatRuntimeEnvironment): string {
  return dir === undefined ? chainsDir(hre.config.paths.root) : path.resolve(dir);
}

/** `main=http://…,community-2=http://…` → { main: "http://…", … } */
function parseExternal(text: string | undefined): Record<string, string> {
  const external: Record<string, string> = {};
  for (const item of (text ?? "").split(",").filter((entry) => entry.trim() !== "")) {
    const at = item.indexOf("=");
    if (at <= 0) throw new ChainError(`--external: "${item}" is not <chain>=<rpc url>`);
    external[item.slice(0, at).trim()] = item.slice(at + 1).trim();
  }
  return external;
}

task("chains:up", "Starts the main chain and one chain per community (persistent hardhat node processes) and writes <dir>/topology.json")
  .addOptionalParam("partition", "partition.json to plan the chains from (needed the first time; later only checked against the topology)", undefined, types.string)
  .addOptionalParam("dir", DIR_HELP, undefined, types.string)
  .addOptionalParam("basePort", "Port of the main chain; community n gets base-port + n (0: any free ports)", 8600, types.int)
  .addOptionalParam("mainChainId", "Chain id of the main chain; community n gets main-chain-id + n", 31000, types.int)
  .addOptionalParam("external", "Chains run elsewhere, not started here: <chain>=<rpc url>,… (e.g. main=http://127.0.0.1:8545)", undefined, types.string)
  .addOptionalParam("timeout", "Seconds each chain may take to answer (a restart first replays its journal)", 120, types.int)
  .setAction(async (args: { partition?: string; dir?: string; basePort: number; mainChainId: number; external?: string; timeout: number }, hre) => {
    const dir = resolveDir(args.dir, hre);
    const result = await chainsUp({
      dir,
      partition: args.partition,
      basePort: args.basePort,
      mainChainId: args.mainChainId,
      external: parseExternal(args.external),
      timeoutMs: args.timeout * 1000,
      projectRoot: hre.config.paths.root,
      configFile: hre.config.paths.configFile,
      onProgress: (line) => console.log(line),
    });
    for (const chain of result.chains) {
      console.log(`${chain.name.padEnd(14)} ${String(chain.chainId).padEnd(8)} ${chain.rpc.padEnd(24)} ${chain.action}${chain.pid === null ? "" : ` (pid ${chain.pid})`}`);
    }
    console.log(`topology: ${result.topologyFile}`);
    return result;
  });

task("chains:status", "Prints every chain of the topology: chain id, RPC, pid (alive?), height, clock offset (latest block time minus wall clock, s) and last anchored height")
  .addOptionalParam("dir", DIR_HELP, undefined, types.string)
  .addFlag("json", "Print JSON instead of a table")
  .setAction(async (args: { dir?: string; json: boolean }, hre) => {
    const { chains } = await chainsStatus(resolveDir(args.dir, hre));
    console.log(args.json ? JSON.stringify(chains, null, 2) : formatStatus(chains));
    return chains;
  });

task("chains:down", "Stops the chain processes chains:up started (only those: checked by pid and command line); their data stays for the next chains:up")
  .addOptionalParam("dir", DIR_HELP, undefined, types.string)
  .addOptionalParam("grace", "Seconds to wait after SIGTERM before SIGKILL", 5, types.int)
  .setAction(async (args: { dir?: string; grace: number }, hre) => {
    const results = await chainsDown(resolveDir(args.dir, hre), args.grace * 1000);
    for (const chain of results) console.log(`${chain.name.padEnd(14)} ${chain.outcome}${chain.pid === null ? "" : ` (pid ${chain.pid})`}`);
    return results;
  });
