/**
 * The chain side of an `IoTUnit`'s options, from the project's `topology.json` (written by
 * `chains:up`, contracts filled in by the deployments): which community chain the device is on,
 * its RPC URL and chain id, the contract addresses there, and the device's deterministic wallet.
 *
 * The unit core takes explicit inputs; this adapter is for device programs that run inside a
 * commchain deployment. A bridge device (a member of several communities) must name the chain.
 */
import type { HDNodeWallet, Wallet } from "ethers";
import { deviceWallet, projectMnemonic, refuseDevelopmentMnemonic } from "../chains/accounts";
import { readTopology, topologyPath, type ChainEntry } from "../chains/topology";
import { IoTConfigError } from "./errors";
import type { UnitContracts } from "./unit";
import { loadUnitKey } from "./unit-key";

/** The keys of `contracts` in topology.json the unit reads. */
export interface TopologyContractNames {
  maintenanceService: string;
  dataToken: string;
  register: string;
}

export const DEFAULT_TOPOLOGY_CONTRACT_NAMES: TopologyContractNames = {
  maintenanceService: "MaintenanceService",
  dataToken: "DataToken",
  register: "Register",
};

/** What `unitChainFromTopology` resolves. */
export interface UnitChain {
  /** The community chain's name in the topology. */
  chain: string;
  rpc: string;
  chainId: number;
  contracts: UnitContracts;
  /** The device's wallet: its key file's, else derived from the mnemonic (the same on every chain it belongs to). */
  wallet: HDNodeWallet | Wallet;
}

/**
 * Resolves the chain, contracts and wallet of device `deviceId` from `<dir>/topology.json`. Throws
 * the topology's `TopologyError` for a bad file and `IoTConfigError` when the device is on no
 * chain, on several without `chain` naming one, the chain lacks a contract the unit needs, or
 * the key file is unusable; `DevelopmentMnemonicError` when the chain is external and neither a
 * key file nor a mnemonic of the project's own is given.
 */
export function unitChainFromTopology(
  dir: string,
  deviceId: string,
  options: {
    chain?: string;
    names?: Partial<TopologyContractNames>;
    mnemonic?: string;
    /** The device's own key file (see `loadUnitKey`); the mnemonic is then not used at all. */
    keyFile?: string;
    /** Password of an encrypted keystore key file (else COMMCHAIN_UNIT_KEY_PASSWORD). */
    keyPassword?: string;
  } = {},
): UnitChain {
  const file = topologyPath(dir);
  const topology = readTopology(file);
  const names = { ...DEFAULT_TOPOLOGY_CONTRACT_NAMES, ...options.names };
  const chains = topology.communities.filter((c) => c.members.includes(deviceId));
  let chain: ChainEntry | undefined;
  if (options.chain !== undefined) {
    chain = chains.find((c) => c.name === options.chain);
    if (chain === undefined) {
      throw new IoTConfigError(
        "chain",
        `device ${deviceId} is not a member of chain ${options.chain} in ${file} (its chains: ${chains.map((c) => c.name).join(", ") || "none"})`,
      );
    }
  } else if (chains.length === 1) {
    chain = chains[0];
  } else {
    throw new IoTConfigError(
      "chain",
      chains.length === 0
        ? `device ${deviceId} is a member of no community chain in ${file}`
        : `device ${deviceId} bridges ${chains.map((c) => c.name).join(", ")}: name the chain`,
    );
  }
  const address = (key: keyof TopologyContractNames, required: boolean): string | undefined => {
    const value = chain.contracts[names[key]];
    if (value === undefined && required) {
      throw new IoTConfigError(
        `contracts.${key}`,
        `chain ${chain.name} in ${file} has no contract "${names[key]}" (deploy the BPIIoT contracts first)`,
      );
    }
    return value;
  };
  const contracts: UnitContracts = {
    maintenanceService: address("maintenanceService", true)!,
    dataToken: address("dataToken", true)!,
  };
  const register = address("register", false);
  if (register !== undefined) contracts.register = register;
  let wallet: HDNodeWallet | Wallet;
  if (options.keyFile !== undefined) {
    wallet = loadUnitKey(options.keyFile, { password: options.keyPassword });
  } else {
    const mnemonic = options.mnemonic ?? projectMnemonic();
    refuseDevelopmentMnemonic([chain], mnemonic, file);
    wallet = deviceWallet(deviceId, topology, mnemonic);
  }
  return { chain: chain.name, rpc: chain.rpc, chainId: chain.chainId, contracts, wallet };
}
