import { subtask, types } from "hardhat/config";
import { TASK_NODE, TASK_NODE_CREATE_SERVER, TASK_NODE_GET_PROVIDER } from "hardhat/builtin-tasks/task-names";
import type { EthereumProvider, JsonRpcServer } from "hardhat/types";
import { assertChainDirEnv, CHAIN_DIR_ENV } from "../src/chains/chain-node";
import { closeOnExit, openPersistentProvider } from "../src/chains/journaled-provider";
import { rpcToken } from "../src/chains/rpc-auth";
import { screenHardhatServer } from "../src/chains/rpc-front";
import { commchainTask } from "./kit";

commchainTask(
  "chain-node",
  "Runs one persistent commchain chain (hardhat node + block journal); chains:up starts these, you normally do not",
)
  .addParam(
    "chainDir",
    `The chain's data directory (genesis.json, journal.ndjson); must equal the ${CHAIN_DIR_ENV} environment variable`,
    undefined,
    types.string,
  )
  .addOptionalParam("port", "TCP port to serve JSON-RPC on, on 127.0.0.1", 8545, types.int)
  .setAction(async (args: { chainDir: string; port: number }, hre) => {
    assertChainDirEnv(args.chainDir);
    await hre.run(TASK_NODE, { hostname: "127.0.0.1", port: args.port });
  });

// Hardhat's documented hook for the provider behind `hardhat node`: in a chain process the
// provider replays the chain's journal before the server listens, then journals every block.
subtask(TASK_NODE_GET_PROVIDER).setAction(
  async (args: { forkUrl?: string; forkBlockNumber?: number }, _hre, runSuper): Promise<EthereumProvider> => {
    const chainDir = process.env[CHAIN_DIR_ENV];
    if (chainDir !== undefined) assertChainDirEnv(chainDir, args.forkUrl);
    const provider = (await runSuper(args)) as EthereumProvider;
    if (chainDir === undefined) return provider;
    const persistent = await openPersistentProvider(provider, { chainDir, log: (line) => console.log(line) });
    // The journal's single-writer lock lives as long as this process.
    closeOnExit(persistent);
    return persistent;
  },
);

// Hardhat's documented hook for the server behind `hardhat node`: in a chain process every
// request is screened first (no Origin header, no CORS preflight, the COMMCHAIN_RPC_TOKEN bearer
// token when set), over HTTP and for websocket upgrades alike.
subtask(TASK_NODE_CREATE_SERVER).setAction(
  async (
    args: { hostname: string; port: number; provider: EthereumProvider },
    _hre,
    runSuper,
  ): Promise<JsonRpcServer> => {
    // Read before the server exists: a malformed token stops the chain from starting at all.
    const token = process.env[CHAIN_DIR_ENV] === undefined ? undefined : rpcToken();
    const server = (await runSuper(args)) as JsonRpcServer;
    if (process.env[CHAIN_DIR_ENV] === undefined) return server;
    screenHardhatServer(server, token);
    return server;
  },
);
