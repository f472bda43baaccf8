import fs from "node:fs";
import path from "node:path";
import type { HttpNetworkUserConfig } from "hardhat/types";
import { isDevelopmentMnemonic, projectMnemonic, SYSTEM_HD_PATH, SYSTEM_ROLES } from "./accounts";
import { authHeaders } from "./rpc-auth";
import { allChains, readTopology, topologyPath } from "./topology";

/** Environment variable naming the chains directory (topology, chain data). */
export const CHAINS_DIR_ENV = "COMMCHAIN_DIR";

/** The chains directory when `COMMCHAIN_DIR` is not set, relative to the project root. */
export const DEFAULT_CHAINS_DIR = ".commchain";

/** Network names Hardhat reserves; a chain may not take them. */
const RESERVED_NETWORKS = new Set(["hardhat", "localhost"]);

/** The absolute chains directory: `COMMCHAIN_DIR` (relative to `root`) or `<root>/.commchain`. */
export function chainsDir(root: string, env: NodeJS.ProcessEnv = process.env): string {
  return path.resolve(root, env[CHAINS_DIR_ENV] ?? DEFAULT_CHAINS_DIR);
}

/**
 * One Hardhat network per chain of `<dir>/topology.json`, named like the chain (`main`,
 * `community-1`, …), with its URL, chain id and the system accounts (deployer first) as HD
 * accounts, which Hardhat derives only when the network is used. Device accounts are not listed:
 * use `deviceWallet(id, topology)` for them. Never throws: reading the config must not fail on a
 * missing or bad topology, so a bad one only produces a warning.
 */
export function topologyNetworks(
  dir: string,
  warn: (message: string) => void = (m) => console.warn(m),
): Record<string, HttpNetworkUserConfig> {
  const file = topologyPath(dir);
  if (!fs.existsSync(file)) return {};
  const networks: Record<string, HttpNetworkUserConfig> = {};
  try {
    const topology = readTopology(file);
    const mnemonic = projectMnemonic();
    const httpHeaders = authHeaders();
    for (const chain of allChains(topology)) {
      if (RESERVED_NETWORKS.has(chain.name)) {
        warn(`commchain: chain ${chain.name} in ${file} is not a Hardhat network: the name is reserved`);
        continue;
      }
      // The public development keys are never offered for an external chain: such a network has
      // no accounts until COMMCHAIN_MNEMONIC(_FILE) is set.
      const publicKeys = chain.external && isDevelopmentMnemonic(mnemonic);
      if (publicKeys) {
        warn(
          `commchain: network ${chain.name} has no accounts: it is external and the development mnemonic is public; run npx hardhat accounts:new and set COMMCHAIN_MNEMONIC_FILE`,
        );
      }
      networks[chain.name] = {
        url: chain.rpc,
        chainId: chain.chainId,
        httpHeaders,
        accounts: publicKeys ? [] : { mnemonic, path: SYSTEM_HD_PATH, initialIndex: 0, count: SYSTEM_ROLES.length },
      };
    }
  } catch (error) {
    warn(`commchain: no chain networks from ${file}: ${(error as Error).message}`);
    return {};
  }
  return networks;
}
