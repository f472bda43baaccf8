/**
 * The providers every domain reaches a chain through.
 *
 * - {@link chainProvider}: an ethers provider with a fixed network (a chain that is down fails its
 *   requests instead of ethers retrying network detection forever), a request timeout, and no
 *   response cache (a cached `eth_getTransactionCount` would hand two transactions the same nonce);
 * - {@link chainSigningProvider}: the EIP-1193 provider Ignition deploys a chain through, Hardhat's
 *   own HTTP provider with its usual wrappers (local signing with the system accounts, automatic
 *   gas and fees, chain-id check), the stack `--network <chain>` would build, but for any chain of
 *   a topology, including one read from another `--dir` than the config's.
 *
 * Deadlines come from {@link CHAIN_TIMEOUTS}; the bearer token from `COMMCHAIN_RPC_TOKEN`.
 */
import { JsonRpcProvider, Network, type Wallet, type HDNodeWallet } from "ethers";
import { applyProviderWrappers } from "hardhat/internal/core/providers/construction";
import { HttpProvider } from "hardhat/internal/core/providers/http";
import type { EIP1193Provider, HttpNetworkConfig } from "hardhat/types";
import { projectMnemonic, SYSTEM_ROLES, systemWallet, type SystemRole } from "./accounts";
import { rpcFetchRequest } from "./rpc";
import { authHeaders } from "./rpc-auth";
import { CHAIN_TIMEOUTS } from "./timeouts";
import type { ChainEntry } from "./topology";

/** How long one JSON-RPC request may take before the chain counts as down. */
export const DEFAULT_RPC_TIMEOUT_MS = CHAIN_TIMEOUTS.request;

/** How long one JSON-RPC request of a deployment may take before the chain counts as down. */
export const DEPLOY_RPC_TIMEOUT_MS = CHAIN_TIMEOUTS.deploy;

/** A provider for `chain`. Call `destroy()` when done. */
export function chainProvider(
  chain: Pick<ChainEntry, "rpc" | "chainId" | "name">,
  timeoutMs: number = DEFAULT_RPC_TIMEOUT_MS,
): JsonRpcProvider {
  const request = rpcFetchRequest(chain.rpc, timeoutMs);
  const network = new Network(chain.name, chain.chainId);
  // No batch stall: ethers otherwise holds every request 10 ms to batch it with later ones, which
  // puts 10 ms on each step of a transaction (fees, send, receipt) against a local chain.
  return new JsonRpcProvider(request, network, {
    staticNetwork: network,
    cacheTimeout: -1,
    pollingInterval: 200,
    batchStallTime: 0,
  });
}

/** The project's system wallet `role` (deployer, relayer, writer, …) on `provider`. */
export function roleWallet(role: SystemRole, provider: JsonRpcProvider, mnemonic?: string): HDNodeWallet | Wallet {
  return systemWallet(role, mnemonic).connect(provider);
}

/** The system accounts (`SYSTEM_ROLES`: deployer, relayer, writer, minter, orderer, cloud) in the order the Ignition modules index them. */
export function systemAccounts(mnemonic: string = projectMnemonic()): string[] {
  return SYSTEM_ROLES.map((role) => systemWallet(role, mnemonic).address);
}

/** What hardhat-ignition expects in a network config beside the HTTP fields: nothing set. */
const IGNITION_DEFAULTS = { ignition: {} };

/** The Hardhat network config of a chain: its URL and chain id, the system accounts' keys. */
export function chainNetworkConfig(
  chain: Pick<ChainEntry, "rpc" | "chainId">,
  mnemonic: string = projectMnemonic(),
  timeoutMs: number = DEPLOY_RPC_TIMEOUT_MS,
): HttpNetworkConfig {
  return {
    url: chain.rpc,
    chainId: chain.chainId,
    timeout: timeoutMs,
    httpHeaders: authHeaders(),
    accounts: SYSTEM_ROLES.map((role) => systemWallet(role, mnemonic).privateKey),
    gas: "auto",
    gasPrice: "auto",
    gasMultiplier: 1,
    // hardhat-ignition's field of every network config, spread rather than written out: its type
    // extension comes with the Hardhat config, which a plain ts-node script (bench:anchor-merkle)
    // does not load, and a literal field would then fail the excess-property check.
    ...IGNITION_DEFAULTS,
  };
}

/** A provider signing as the system accounts on `chain`. */
export function chainSigningProvider(
  chain: Pick<ChainEntry, "name" | "rpc" | "chainId">,
  mnemonic?: string,
  timeoutMs?: number,
): EIP1193Provider {
  const config = chainNetworkConfig(chain, mnemonic, timeoutMs);
  return applyProviderWrappers(
    new HttpProvider(config.url, chain.name, config.httpHeaders, config.timeout),
    config,
    [],
  );
}
