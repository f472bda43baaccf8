import path from "node:path";
import { subtask } from "hardhat/config";
import { TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD } from "hardhat/builtin-tasks/task-names";
import type { HardhatUserConfig } from "hardhat/config";
import "@nomicfoundation/hardhat-toolbox";
import "./tasks";
import { CHAIN_DIR_ENV, chainNodeNetwork } from "./src/chains/chain-node";
import { chainsDir, topologyNetworks } from "./src/chains/networks";

/** The one compiler version of the project; package.json pins the npm `solc` package to it. */
const SOLC_VERSION = "0.8.28";

// Hardhat downloads compilers from binaries.soliditylang.org, which this project must never
// need: the npm `solc` package ships the same compiler as soljson.js. This is Hardhat's
// documented custom-compiler hook.
subtask(TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD, async (args: { solcVersion: string }, _hre, runSuper) => {
  if (args.solcVersion !== SOLC_VERSION) return runSuper();
  const solcPackage = require("solc/package.json") as { version: string };
  if (solcPackage.version !== SOLC_VERSION) {
    throw new Error(`npm package solc is ${solcPackage.version}, hardhat.config.ts wants ${SOLC_VERSION}: run npm ci`);
  }
  return {
    compilerPath: path.join(path.dirname(require.resolve("solc/package.json")), "soljson.js"),
    isSolcJs: true,
    version: SOLC_VERSION,
    longVersion: require("solc").version() as string,
  };
});

const config: HardhatUserConfig = {
  solidity: {
    version: SOLC_VERSION,
    settings: { optimizer: { enabled: true, runs: 200 }, evmVersion: "cancun" },
  },
  gasReporter: {
    enabled: process.env.REPORT_GAS === "true",
    offline: true,
    currency: "USD",
    reportFormat: "terminal",
  },
  mocha: { timeout: 120_000 },
  // Every chain of <COMMCHAIN_DIR>/topology.json is a network (`--network main`, `--network
  // community-1`, …). Inside a chain process started by `chains:up`, the in-process network is
  // that chain, built from its genesis file.
  networks: {
    ...topologyNetworks(chainsDir(__dirname)),
    ...(process.env[CHAIN_DIR_ENV] === undefined ? {} : { hardhat: chainNodeNetwork(process.env[CHAIN_DIR_ENV]) }),
  },
};

export default config;
