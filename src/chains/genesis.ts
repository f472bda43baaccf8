import fs from "node:fs";
import { parseEther } from "ethers";
import { writeFileAtomicSync } from "../io/atomic-write";
import { chainAccounts, type ChainAccount, type DeviceList } from "./accounts";
import { GenesisError } from "./errors";
import type { DeviceId, GenesisSummary } from "./topology";

/** The file name of a chain's genesis inside its data directory. */
export const GENESIS_FILE = "genesis.json";

/**
 * Defaults of a new chain. Each is written into the chain's genesis file, so a later Hardhat
 * release with other defaults cannot change an existing chain's blocks.
 * - hardfork: Hardhat 2.29's own default, so in-process tests and local chains run the same EVM;
 * - blockGasLimit and initialBaseFeePerGas: Hardhat's defaults;
 * - coinbase: Hardhat's default coinbase, which receives the priority fees;
 * - balance: 10,000 ether per account, plenty for any local workload.
 */
export const GENESIS_DEFAULTS = {
  hardfork: "osaka",
  blockGasLimit: 60_000_000,
  initialBaseFeePerGas: 1_000_000_000n,
  coinbase: "0xc014ba5ec014ba5ec014ba5ec014ba5ec014ba5e",
  balance: parseEther("10000"),
} as const;

/** A funded account as the genesis file records it: where its key comes from, never the key. */
export interface GenesisAccount {
  kind: ChainAccount["kind"];
  name: string;
  index: number;
  address: string;
  /** Wei, decimal string. */
  balance: string;
}

/** Everything that fixes block 0 of a local chain; the chain process builds its Hardhat network from it. */
export interface ChainGenesis {
  version: 1;
  chain: string;
  chainId: number;
  /** Unix seconds of block 0 (Hardhat's `initialDate`). */
  timestamp: number;
  hardfork: string;
  blockGasLimit: number;
  /** Wei, decimal string. */
  initialBaseFeePerGas: string;
  coinbase: string;
  accounts: GenesisAccount[];
}

/** Options of {@link buildGenesis}; the rest comes from {@link GENESIS_DEFAULTS}. */
export interface GenesisOptions {
  timestamp: number;
  mnemonic?: string;
  hardfork?: string;
  blockGasLimit?: number;
  initialBaseFeePerGas?: bigint;
  coinbase?: string;
  balance?: bigint;
}

/** The genesis of a chain: its system accounts and members, each funded with the same balance. */
export function buildGenesis(
  chain: { name: string; chainId: number; members: readonly DeviceId[] },
  devices: DeviceList,
  options: GenesisOptions,
): ChainGenesis {
  const balance = (options.balance ?? GENESIS_DEFAULTS.balance).toString();
  return {
    version: 1,
    chain: chain.name,
    chainId: chain.chainId,
    timestamp: options.timestamp,
    hardfork: options.hardfork ?? GENESIS_DEFAULTS.hardfork,
    blockGasLimit: options.blockGasLimit ?? GENESIS_DEFAULTS.blockGasLimit,
    initialBaseFeePerGas: (options.initialBaseFeePerGas ?? GENESIS_DEFAULTS.initialBaseFeePerGas).toString(),
    coinbase: options.coinbase ?? GENESIS_DEFAULTS.coinbase,
    accounts: chainAccounts(chain, devices, options.mnemonic).map(({ kind, name, index, address }) => ({
      kind,
      name,
      index,
      address,
      balance,
    })),
  };
}

/** The topology's summary of a genesis stored at `file` (relative to the topology). */
export function summarizeGenesis(genesis: ChainGenesis, file: string): GenesisSummary {
  return {
    file,
    timestamp: genesis.timestamp,
    hardfork: genesis.hardfork,
    blockGasLimit: genesis.blockGasLimit,
    initialBaseFeePerGas: genesis.initialBaseFeePerGas,
    coinbase: genesis.coinbase,
    balance: genesis.accounts[0]?.balance ?? "0",
    accounts: genesis.accounts.length,
  };
}

/** Writes a genesis file atomically. */
export function writeGenesis(file: string, genesis: ChainGenesis): void {
  writeFileAtomicSync(file, `${JSON.stringify(genesis, null, 2)}\n`);
}

/** Reads and checks a genesis file; throws {@link GenesisError} naming the file and key. */
export function readGenesis(file: string): ChainGenesis {
  let value: Record<string, unknown>;
  try {
    value = JSON.parse(fs.readFileSync(file, "utf8")) as Record<string, unknown>;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new GenesisError(
      file,
      "",
      code === "ENOENT" ? "does not exist" : `cannot be read as JSON (${(error as Error).message})`,
    );
  }
  const fail = (key: string, problem: string): never => {
    throw new GenesisError(file, key, problem);
  };
  if (typeof value !== "object" || value === null) fail("", "must hold a JSON object");
  if (value.version !== 1) fail("version", `must be 1, got ${JSON.stringify(value.version)}`);
  if (typeof value.chain !== "string" || value.chain === "") fail("chain", "must be the chain's name");
  for (const key of ["chainId", "timestamp", "blockGasLimit"] as const) {
    if (!Number.isSafeInteger(value[key]) || (value[key] as number) <= 0)
      fail(key, `must be a positive integer, got ${JSON.stringify(value[key])}`);
  }
  if (typeof value.hardfork !== "string" || value.hardfork === "") fail("hardfork", "must be a hardfork name");
  if (!isDecimal(value.initialBaseFeePerGas)) fail("initialBaseFeePerGas", "must be a decimal string of wei");
  if (!isAddress(value.coinbase)) fail("coinbase", "must be an address");
  if (!Array.isArray(value.accounts)) fail("accounts", "must be an array");
  (value.accounts as Record<string, unknown>[]).forEach((account, i) => {
    if (account?.kind !== "system" && account?.kind !== "device")
      fail(`accounts[${i}].kind`, 'must be "system" or "device"');
    if (typeof account.name !== "string") fail(`accounts[${i}].name`, "must be a string");
    if (!Number.isSafeInteger(account.index) || (account.index as number) < 0)
      fail(`accounts[${i}].index`, "must be a non-negative integer");
    if (!isAddress(account.address)) fail(`accounts[${i}].address`, "must be an address");
    if (!isDecimal(account.balance)) fail(`accounts[${i}].balance`, "must be a decimal string of wei");
  });
  return value as unknown as ChainGenesis;
}

function isDecimal(value: unknown): boolean {
  return typeof value === "string" && /^(0|[1-9][0-9]*)$/.test(value);
}

function isAddress(value: unknown): boolean {
  return typeof value === "string" && /^0x[0-9a-fA-F]{40}$/.test(value);
}
