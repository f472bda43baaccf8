/**
 * The off-chain side of a run (BPIIoT IV.C, V.C): one embedded Helia store node per community,
 * all in one private DHT, and in front of each a gateway that serves an envelope only to a reader
 * the community chain's EPR authorizes (`communityReadPredicate`: EPRs of the community's own
 * relationship factory only, the record names the CID, the CID was first registered in that EPR).
 */
import path from "node:path";
import type { JsonRpcProvider } from "ethers";
import { systemWallet } from "../chains/accounts";
import { chainProvider } from "../chains/providers";
import type { Topology } from "../chains/topology";
import { contractAddress } from "../deploy/contracts";
import { UnknownChainError } from "../deploy/errors";
import {
  communityReadPredicate,
  createdByFactory,
  startGateway,
  startStoreCluster,
  type Gateway,
  type GatewayLimits,
  type StoreCluster,
  type StoreNode,
} from "../offchain";
import { paidPutRoute } from "../offchain/gateway/put";
import { proxyRoutes } from "../offchain/gateway/proxy";

/** A community's store node and gateway. */
export interface CommunityStore {
  readonly chain: string;
  readonly node: StoreNode;
  readonly gateway: Gateway;
  /**
   * Where the gateway keeps its market state when the chain runs the market: the put ledger
   * (`POST /v1/put`, paid through StorageLedger to the `cloud` account) and the PRE proxy's key
   * and kfrags (`POST /v1/kfrag`, `POST /v1/reencrypt`).
   */
  readonly marketDir?: string;
}

/** The gateway's market state directory of community `chain` under the run's store directory. */
export function marketDirOf(dir: string, chain: string): string {
  return path.join(dir, `${chain}-market`);
}

/** The running store network of a run; `close()` stops every gateway and node. */
export interface RunStores {
  readonly cluster: StoreCluster;
  readonly communities: readonly CommunityStore[];
  /** The store of community chain `chain`. */
  of(chain: string): CommunityStore;
  close(): Promise<void>;
}

/**
 * Starts one store node per community chain of `topology` under `dir` (named like the chains)
 * and a gateway per node. If anything fails to start, what was started is stopped. `limits` are
 * the gateways' per-client limits (default the gateway's: a benchmark whose many clients all
 * connect from 127.0.0.1 raises them).
 */
export async function startRunStores(
  topology: Topology,
  dir: string,
  mnemonic?: string,
  options: { limits?: GatewayLimits } = {},
): Promise<RunStores> {
  const names = topology.communities.map((c) => c.name);
  const cluster = await startStoreCluster({ dir, names });
  const providers: JsonRpcProvider[] = [];
  const communities: CommunityStore[] = [];
  const close = async () => {
    for (const community of communities) await community.gateway.close();
    for (const provider of providers) provider.destroy();
    await cluster.stop();
  };
  try {
    for (const chain of topology.communities) {
      const provider = chainProvider(chain);
      providers.push(provider);
      const trusted = createdByFactory(provider, contractAddress(chain, "RelationshipFactory"));
      const predicate = communityReadPredicate({ runner: provider, provider, trusted });
      const node = cluster.node(chain.name);
      // A chain deployed before the market has no StorageLedger or DataTrade: its gateway only reads.
      const market = chain.contracts.StorageLedger !== undefined && chain.contracts.DataTrade !== undefined;
      const marketDir = market ? marketDirOf(dir, chain.name) : undefined;
      const routes =
        marketDir === undefined
          ? []
          : [
              await paidPutRoute({
                store: node.store,
                runner: provider,
                ledger: contractAddress(chain, "StorageLedger"),
                provider: systemWallet("cloud", mnemonic).address,
                dataDir: marketDir,
              }),
              ...(
                await proxyRoutes({
                  runner: provider,
                  trade: contractAddress(chain, "DataTrade"),
                  dataDir: marketDir,
                  store: node.store,
                })
              ).routes,
            ];
      communities.push({
        chain: chain.name,
        node,
        marketDir,
        gateway: await startGateway({
          store: node.store,
          predicate,
          chainId: chain.chainId,
          routes,
          limits: options.limits,
        }),
      });
    }
  } catch (error) {
    await close();
    throw error;
  }
  let closed = false;
  return {
    cluster,
    communities,
    of(chain) {
      const found = communities.find((c) => c.chain === chain);
      if (found === undefined)
        throw new UnknownChainError(
          chain,
          communities.map((c) => c.chain),
        );
      return found;
    },
    async close() {
      if (closed) return;
      closed = true;
      await close();
    },
  };
}
