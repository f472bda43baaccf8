import { types } from "hardhat/config";
import { chainsDown } from "../src/chains/down";
import { ChainError } from "../src/chains/errors";
import { formatChainsDown, formatChainsUp } from "../src/chains/format";
import { chainsStatus, formatStatus } from "../src/chains/status";
import { chainsUp } from "../src/chains/up";
import { chainsDirParam, commchainTask, resolveChainsDir } from "./kit";

const DIR_HOLDS = "topology.json and the chains' data";

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

commchainTask(
  "chains:up",
  "Starts the main chain and one chain per community (persistent hardhat node processes) and writes <dir>/topology.json",
)
  .addOptionalParam(
    "partition",
    "partition.json to plan the chains from (needed the first time; later only checked against the topology)",
    undefined,
    types.string,
  )
  .addOptionalParam(...chainsDirParam(DIR_HOLDS))
  .addOptionalParam(
    "basePort",
    "Port of the main chain; community n gets base-port + n (0: any free ports)",
    8600,
    types.int,
  )
  .addOptionalParam("mainChainId", "Chain id of the main chain; community n gets main-chain-id + n", 31000, types.int)
  .addOptionalParam(
    "external",
    "Chains run elsewhere, not started here: <chain>=<rpc url>,… (e.g. main=http://127.0.0.1:8545)",
    undefined,
    types.string,
  )
  .addOptionalParam(
    "timeout",
    "Seconds each chain may take to answer (a restart first replays its journal)",
    120,
    types.int,
  )
  .setAction(
    async (
      args: {
        partition?: string;
        dir?: string;
        basePort: number;
        mainChainId: number;
        external?: string;
        timeout: number;
      },
      hre,
    ) => {
      const result = await chainsUp({
        dir: resolveChainsDir(args.dir, hre),
        partition: args.partition,
        basePort: args.basePort,
        mainChainId: args.mainChainId,
        external: parseExternal(args.external),
        timeoutMs: args.timeout * 1000,
        projectRoot: hre.config.paths.root,
        configFile: hre.config.paths.configFile,
        onProgress: (line) => console.log(line),
      });
      console.log(formatChainsUp(result));
      return result;
    },
  );

commchainTask(
  "chains:status",
  "Prints every chain of the topology: chain id, RPC, pid (alive?), height, clock offset (latest block time minus wall clock, s) and last anchored height",
)
  .addOptionalParam(...chainsDirParam(DIR_HOLDS))
  .addFlag("json", "Print JSON instead of a table")
  .setAction(async (args: { dir?: string; json: boolean }, hre) => {
    const { chains } = await chainsStatus(resolveChainsDir(args.dir, hre));
    console.log(args.json ? JSON.stringify(chains, null, 2) : formatStatus(chains));
    return chains;
  });

commchainTask(
  "chains:down",
  "Stops the chain processes chains:up started (only those: checked by pid and command line); their data stays for the next chains:up",
)
  .addOptionalParam(...chainsDirParam(DIR_HOLDS))
  .addOptionalParam("grace", "Seconds to wait after SIGTERM before SIGKILL", 5, types.int)
  .setAction(async (args: { dir?: string; grace: number }, hre) => {
    const results = await chainsDown(resolveChainsDir(args.dir, hre), args.grace * 1000);
    console.log(formatChainsDown(results));
    return results;
  });
