/**
 * The off-chain side of a run (BPIIoT IV.C, V.C): one embedded Helia store node per community,
 * all in one private DHT, and in front of each a gateway that serves an envelope only to a reader
 * the community chain's EPR authorizes (`communityReadPredicate`: EPRs of the community's own
 * relationship factory only, the record names the CID, the CID was first registered in that EPR).
 */
import type { JsonRpcProvider } from "ethers";
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
  type StoreCluster,
  type StoreNode,
} from "../offchain";

/** A community's store node and gateway. */
export interface CommunityStore {
  readonly chain: string;
  readonly node: StoreNode;
  readonly gateway: Gateway;
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
 * and a gateway per node. If anything fails to start, what was started is stopped.
 */
export async function startRunStores(topology: Topology, dir: string): Promise<RunStores> {
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
      communities.push({
        chain: chain.name,
        node,
        gateway: await startGateway({ store: node.store, predicate, chainId: chain.chainId }),
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
