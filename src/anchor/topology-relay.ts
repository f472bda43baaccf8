/**
 * The relay over a topology: every community chain of topology.json anchored on the main
 * chain's AnchorHub by the project's relayer account, with chains unknown to the hub registered
 * by the deployer (the hub's admin) at the genesis hash `chains:up` recorded.
 */
import type { JsonRpcProvider } from "ethers";
import { AnchorHub__factory } from "../../typechain-types";
import type { Topology } from "../chains/topology";
import { ANCHOR_HUB_CONTRACT } from "../chains/contract-names";
import { AnchorError } from "./errors";
import { Relay, type AnchoredEvent } from "./relay";
import { findChain } from "../chains/topology";
import { resetTrustRoot, type TrustRootReset } from "./trust-root";
import { chainProvider, roleWallet } from "../chains/providers";

/** Options of {@link relayForTopology}. */
export interface TopologyRelayOptions {
  readonly maxHeadersPerTx?: number;
  /** Blocks built on a block before it is anchored (default 0, for automining chains). */
  readonly confirmations?: number;
  /** Register chains the hub does not know (default true). */
  readonly register?: boolean;
  readonly backoffInitialMs?: number;
  readonly backoffMaxMs?: number;
  readonly mnemonic?: string;
  readonly onAnchored?: (event: AnchoredEvent) => void;
}

/** A relay with the providers it opened; `close()` releases them. */
export interface TopologyRelay {
  readonly relay: Relay;
  readonly hub: string;
  close(): void;
}

/** A {@link Relay} for every community chain of `topology`. */
export function relayForTopology(topology: Topology, options: TopologyRelayOptions = {}): TopologyRelay {
  const hubAddress = topology.main.contracts[ANCHOR_HUB_CONTRACT];
  if (hubAddress === undefined) {
    throw new AnchorError(
      `topology.json: main.contracts.${ANCHOR_HUB_CONTRACT} is missing; deploy the contracts first (npx hardhat deploy:all)`,
    );
  }
  if (topology.communities.length === 0) throw new AnchorError("topology.json: there is no community chain to anchor");
  const main = chainProvider(topology.main);
  const providers: JsonRpcProvider[] = [main];
  const hub = AnchorHub__factory.connect(hubAddress, roleWallet("relayer", main, options.mnemonic));
  const registrar =
    options.register === false
      ? undefined
      : AnchorHub__factory.connect(hubAddress, roleWallet("deployer", main, options.mnemonic));
  const chains = topology.communities.map((chain) => {
    const provider = chainProvider(chain);
    providers.push(provider);
    return { name: chain.name, chainId: chain.chainId, rpc: provider, genesisHash: chain.genesis?.hash };
  });
  const relay = new Relay({
    hub,
    registrar,
    chains,
    maxHeadersPerTx: options.maxHeadersPerTx,
    confirmations: options.confirmations,
    backoffInitialMs: options.backoffInitialMs,
    backoffMaxMs: options.backoffMaxMs,
    onAnchored: options.onAnchored,
  });
  return { relay, hub: hubAddress, close: () => providers.forEach((p) => p.destroy()) };
}

/**
 * `anchor:reset`: gives community chain `chainName` a new trust root on the hub at its block
 * `height` (0: its genesis, checked against the hash topology.json recorded), sent by the
 * deployer, the hub's admin.
 */
export async function resetTopologyChain(
  topology: Topology,
  chainName: string,
  height = 0,
  mnemonic?: string,
): Promise<TrustRootReset> {
  const hubAddress = topology.main.contracts[ANCHOR_HUB_CONTRACT];
  if (hubAddress === undefined)
    throw new AnchorError(
      `topology.json: main.contracts.${ANCHOR_HUB_CONTRACT} is missing; deploy the contracts first (npx hardhat deploy:all)`,
    );
  const chain = findChain(topology, chainName);
  if (chain === undefined || chain === topology.main) {
    throw new AnchorError(
      `topology.json: no community chain ${JSON.stringify(chainName)} (chains: ${topology.communities.map((c) => c.name).join(", ")})`,
    );
  }
  const main = chainProvider(topology.main);
  const provider = chainProvider(chain);
  try {
    const registrar = AnchorHub__factory.connect(hubAddress, roleWallet("deployer", main, mnemonic));
    return await resetTrustRoot(
      registrar,
      { name: chain.name, chainId: chain.chainId, rpc: provider, genesisHash: chain.genesis?.hash },
      height,
    );
  } finally {
    main.destroy();
    provider.destroy();
  }
}
