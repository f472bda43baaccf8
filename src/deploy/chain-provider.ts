/**
 * The EIP-1193 provider Ignition deploys a chain through: Hardhat's own HTTP provider with its
 * usual wrappers (local signing with the system accounts, automatic gas and fees, chain-id
 * check), the stack `--network <chain>` would build, but for any chain of a topology, including
 * one read from another `--dir` than the config's. Hardhat builds it from a network config
 * rather than us signing transactions by hand.
 */
import { applyProviderWrappers } from "hardhat/internal/core/providers/construction";
import { HttpProvider } from "hardhat/internal/core/providers/http";
import type { EIP1193Provider, HttpNetworkConfig } from "hardhat/types";
import { projectMnemonic, SYSTEM_ROLES, systemWallet } from "../chains/accounts";
import { authHeaders } from "../chains/rpc-auth";
import type { ChainEntry } from "../chains/topology";

/** How long one JSON-RPC request of a deployment may take before the chain counts as down. */
export const DEPLOY_RPC_TIMEOUT_MS = 20_000;

/** The system accounts (deployer, relayer, writer, minter) in the order the Ignition modules index them. */
export function systemAccounts(mnemonic: string = projectMnemonic()): string[] {
  return SYSTEM_ROLES.map((role) => systemWallet(role, mnemonic).address);
}

/** The Hardhat network config of a chain: its URL and chain id, the system accounts' keys. */
export function chainNetworkConfig(chain: Pick<ChainEntry, "rpc" | "chainId">, mnemonic: string = projectMnemonic(), timeoutMs = DEPLOY_RPC_TIMEOUT_MS): HttpNetworkConfig {
  return {
    url: chain.rpc,
    chainId: chain.chainId,
    timeout: timeoutMs,
    httpHeaders: authHeaders(),
    accounts: SYSTEM_ROLES.map((role) => systemWallet(role, mnemonic).privateKey),
    gas: "auto",
    gasPrice: "auto",
    gasMultiplier: 1,
    ignition: {},
  };
}

/** A provider signing as the system accounts on `chain`. */
export function chainSigningProvider(chain: Pick<ChainEntry, "name" | "rpc" | "chainId">, mnemonic?: string, timeoutMs?: number): EIP1193Provider {
  const config = chainNetworkConfig(chain, mnemonic, timeoutMs);
  return applyProviderWrappers(new HttpProvider(config.url, chain.name, config.httpHeaders, config.timeout), config, []);
}
