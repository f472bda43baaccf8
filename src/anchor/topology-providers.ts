/**
 * ethers providers and system wallets for the chains of a topology, set up the way the anchor
 * tasks need them: a fixed network (a chain that is down fails its requests instead of ethers
 * retrying network detection forever), a request timeout, and no response cache (a cached
 * `eth_getTransactionCount` would hand two transactions the same nonce).
 */
import { JsonRpcProvider, Network, type Wallet, type HDNodeWallet } from "ethers";
import { systemWallet, type SystemRole } from "../chains/accounts";
import { rpcFetchRequest } from "../chains/rpc";
import type { ChainEntry } from "../chains/topology";

/** How long one JSON-RPC request may take before the chain counts as down. */
export const DEFAULT_RPC_TIMEOUT_MS = 10_000;

/** A provider for `chain`. Call `destroy()` when done. */
export function chainProvider(chain: Pick<ChainEntry, "rpc" | "chainId" | "name">, timeoutMs = DEFAULT_RPC_TIMEOUT_MS): JsonRpcProvider {
  const request = rpcFetchRequest(chain.rpc, timeoutMs);
  const network = new Network(chain.name, chain.chainId);
  // No batch stall: ethers otherwise holds every request 10 ms to batch it with later ones, which
  // puts 10 ms on each step of a transaction (fees, send, receipt) against a local chain.
  return new JsonRpcProvider(request, network, { staticNetwork: network, cacheTimeout: -1, pollingInterval: 200, batchStallTime: 0 });
}

/** The project's system wallet `role` (deployer, relayer, writer) on `provider`. */
export function roleWallet(role: SystemRole, provider: JsonRpcProvider, mnemonic?: string): HDNodeWallet | Wallet {
  return systemWallet(role, mnemonic).connect(provider);
}
