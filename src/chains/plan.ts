import { PartitionFileError } from "./errors";
import { TOPOLOGY_VERSION, type ChainEntry, type DeviceId, type Topology } from "./topology";

/** The name of the main chain. */
export const MAIN_CHAIN = "main";

/** The name of the chain of the n-th community (1-based, in the partition's order). */
export function communityChainName(n: number): string {
  return `community-${n}`;
}

/** An external chain: reached at `rpc`, never started by commchain. */
export interface ExternalChain {
  rpc: string;
  chainId: number;
}

/** How to lay the chains out. */
export interface PlanOptions {
  /** Chain id of the main chain; community n gets mainChainId + n. */
  mainChainId: number;
  /** One port per chain, main first; entries of external chains are ignored. */
  ports: readonly number[];
  /** Chains run elsewhere, by name. */
  external?: Readonly<Record<string, ExternalChain>>;
  /** The partition file, recorded in the topology. */
  partition?: string;
}

/**
 * The topology of a partition: a main chain (no members) and one chain per community, in the
 * partition's order, with consecutive chain ids and the given ports. Pure: nothing is started or
 * written. Local chains get no pid and no genesis yet.
 */
export function planTopology(
  devices: readonly DeviceId[],
  communities: readonly (readonly DeviceId[])[],
  options: PlanOptions,
): Topology {
  const source = options.partition ?? "partition";
  if (communities.length === 0)
    throw new PartitionFileError(source, "chosen.communities", "has no community, so there is no chain to run");
  if (!Number.isSafeInteger(options.mainChainId) || options.mainChainId <= 0) {
    throw new PartitionFileError(source, "", `main chain id must be a positive integer, got ${options.mainChainId}`);
  }
  const names = [MAIN_CHAIN, ...communities.map((_, i) => communityChainName(i + 1))];
  for (const name of Object.keys(options.external ?? {})) {
    if (!names.includes(name))
      throw new PartitionFileError(source, "", `external chain ${name} is not one of ${names.join(", ")}`);
  }
  const known = new Set(devices);
  const chain = (index: number, members: readonly DeviceId[]): ChainEntry => {
    const name = names[index];
    members.forEach((member, i) => {
      if (!known.has(member))
        throw new PartitionFileError(
          source,
          `chosen.communities[${index - 1}][${i}]`,
          `device ${JSON.stringify(member)} is not in graph.nodes`,
        );
    });
    const external = options.external?.[name];
    if (external !== undefined)
      return {
        name,
        chainId: external.chainId,
        rpc: external.rpc,
        members: [...members],
        contracts: {},
        external: true,
      };
    const port = options.ports[index];
    return {
      name,
      chainId: options.mainChainId + index,
      rpc: `http://127.0.0.1:${port}`,
      members: [...members],
      contracts: {},
      external: false,
      port,
      pid: null,
      dataDir: name,
    };
  };
  const topology: Topology = {
    version: TOPOLOGY_VERSION,
    devices: [...devices],
    main: chain(0, []),
    communities: communities.map((members, i) => chain(i + 1, members)),
  };
  if (options.partition !== undefined) topology.partition = options.partition;
  return topology;
}
