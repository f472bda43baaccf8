import path from "node:path";
import type { HardhatNetworkUserConfig } from "hardhat/types";
import { accountWallet, DEVICE_HD_PATH, projectMnemonic, SYSTEM_HD_PATH } from "./accounts";
import { ChainError, GenesisError } from "./errors";
import { GENESIS_FILE, readGenesis, type ChainGenesis } from "./genesis";

/** Environment variable naming the data directory of the chain a `hardhat node` process runs. */
export const CHAIN_DIR_ENV = "COMMCHAIN_CHAIN_DIR";

/**
 * The Hardhat network of a chain process, built from its genesis file: chain id, fixed genesis
 * date, hardfork, gas limit, base fee, coinbase and the funded accounts with their keys. Mining is
 * automatic and the mempool FIFO, so a replay that queues a block's transactions then mines them
 * keeps their journaled order. Blocks may share a timestamp: each automined block is dated by the
 * wall clock (plus any offset evm_increaseTime asked for), never pushed a second past its parent,
 * so the chain's clock stays with the wall clock however many blocks a second are mined. The
 * journal records every timestamp, and the replay sets each one, so equal stamps replay exactly.
 */
export function chainNodeNetwork(chainDir: string, mnemonic: string = projectMnemonic()): HardhatNetworkUserConfig {
  const file = path.join(chainDir, GENESIS_FILE);
  const genesis = readGenesis(file);
  return {
    chainId: genesis.chainId,
    hardfork: genesis.hardfork,
    initialDate: new Date(genesis.timestamp * 1000).toISOString(),
    blockGasLimit: genesis.blockGasLimit,
    initialBaseFeePerGas: Number(genesis.initialBaseFeePerGas),
    coinbase: genesis.coinbase,
    accounts: genesisKeys(genesis, file, mnemonic),
    mining: { auto: true, interval: 0, mempool: { order: "fifo" } },
    allowBlocksWithSameTimestamp: true,
    allowUnlimitedContractSize: false,
    throwOnTransactionFailures: true,
    throwOnCallFailures: true,
    // Per-request logging would fill node.log with every call; the journal is the record of blocks.
    loggingEnabled: false,
  };
}

/** The genesis accounts with their private keys, checking the mnemonic still derives each address. */
export function genesisKeys(
  genesis: ChainGenesis,
  file: string,
  mnemonic: string,
): { privateKey: string; balance: string }[] {
  return genesis.accounts.map((account, i) => {
    const wallet = accountWallet(account.kind, account.index, mnemonic);
    if (wallet.address.toLowerCase() !== account.address.toLowerCase()) {
      const base = account.kind === "system" ? SYSTEM_HD_PATH : DEVICE_HD_PATH;
      throw new GenesisError(
        file,
        `accounts[${i}].address`,
        `is ${account.address} but the project mnemonic gives ${wallet.address} at ${base}/${account.index}: ` +
          "COMMCHAIN_MNEMONIC differs from the one this chain was created with",
      );
    }
    return { privateKey: wallet.privateKey, balance: account.balance };
  });
}

/**
 * Checks that a chain process was started as `chains:up` starts it: the config built the network
 * from `COMMCHAIN_CHAIN_DIR`, which must be the directory the command line names (that is how
 * `chains:down` recognises the process), and a persistent chain never forks another.
 */
export function assertChainDirEnv(chainDir: string, forkUrl?: string): void {
  const env = process.env[CHAIN_DIR_ENV];
  if (env === undefined || path.resolve(env) !== path.resolve(chainDir)) {
    throw new ChainError(
      `chain-node --chain-dir ${chainDir} needs ${CHAIN_DIR_ENV}=${path.resolve(chainDir)} in its environment ` +
        `(the config reads the genesis at load time; got ${env === undefined ? "nothing" : env}); use chains:up`,
    );
  }
  if (forkUrl !== undefined)
    throw new ChainError(`chain ${path.basename(chainDir)} is persistent and cannot fork ${forkUrl}`);
}
