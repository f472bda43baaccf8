/**
 * Sets anchoring up on the chains of a topology: an AnchorHub on the main chain (the deployer
 * is its admin, the relayer gets RELAYER_ROLE), a RecordLog on every community chain (the
 * writer gets WRITER_ROLE), and every community registered on the hub with the genesis hash
 * `chains:up` recorded as its trust root. Contracts already deployed (their address in
 * topology.json has code) are kept, so running it again only completes what is missing. The
 * addresses go to `contracts.AnchorHub` and `contracts.RecordLog` of topology.json.
 */
import { AnchorHub__factory } from "../../typechain-types";
import { systemWallet } from "../chains/accounts";
import { readTopology, topologyPath, writeTopology, type ChainEntry } from "../chains/topology";
import { deployAnchorHub, deployRecordLog } from "./deploy";
import { AnchorError } from "./errors";
import { fetchHeader } from "./headers";
import { chainProvider, roleWallet } from "./topology-providers";

/** Contract name of the hub in the main chain's `contracts`. */
export const ANCHOR_HUB_CONTRACT = "AnchorHub";
/** Contract name of the log in each community chain's `contracts`. */
export const RECORD_LOG_CONTRACT = "RecordLog";

/** What {@link deployAnchoring} did. */
export interface AnchoringDeployment {
  readonly hub: string;
  readonly hubDeployed: boolean;
  /** RecordLog address by community chain name. */
  readonly recordLogs: Readonly<Record<string, string>>;
  /** Community chains whose RecordLog was deployed now. */
  readonly deployedLogs: readonly string[];
  /** Community chains registered on the hub now. */
  readonly registered: readonly string[];
}

/** Deploys what is missing of the anchoring contracts of the topology in `dir`. */
export async function deployAnchoring(dir: string, options: { mnemonic?: string; onProgress?: (line: string) => void } = {}): Promise<AnchoringDeployment> {
  const file = topologyPath(dir);
  const topology = readTopology(file);
  const progress = options.onProgress ?? (() => undefined);
  const relayer = systemWallet("relayer", options.mnemonic).address;
  const writer = systemWallet("writer", options.mnemonic).address;
  const providers = [topology.main, ...topology.communities].map((chain) => chainProvider(chain));
  const [mainProvider, ...communityProviders] = providers;
  try {
    const deployer = roleWallet("deployer", mainProvider, options.mnemonic);
    let hubAddress = await existing(topology.main, ANCHOR_HUB_CONTRACT, mainProvider);
    const hubDeployed = hubAddress === undefined;
    if (hubAddress === undefined) {
      hubAddress = await (await deployAnchorHub(deployer, [relayer])).getAddress();
      progress(`main: AnchorHub deployed at ${hubAddress} (relayer ${relayer})`);
    }
    const hub = AnchorHub__factory.connect(hubAddress, deployer);

    const recordLogs: Record<string, string> = {};
    const deployedLogs: string[] = [];
    const registered: string[] = [];
    for (const [i, chain] of topology.communities.entries()) {
      const provider = communityProviders[i];
      let log = await existing(chain, RECORD_LOG_CONTRACT, provider);
      if (log === undefined) {
        log = await (await deployRecordLog(roleWallet("deployer", provider, options.mnemonic), [writer])).getAddress();
        deployedLogs.push(chain.name);
        progress(`${chain.name}: RecordLog deployed at ${log} (writer ${writer})`);
      }
      recordLogs[chain.name] = log;
      if (!(await hub.isRegistered(chain.chainId))) {
        const genesis = await fetchHeader(provider, 0n, chain.name);
        if (chain.genesis?.hash !== undefined && chain.genesis.hash.toLowerCase() !== genesis.hash) {
          throw new AnchorError(`${chain.name}: block 0 is ${genesis.hash} but topology.json records genesis ${chain.genesis.hash}`);
        }
        await (await hub.registerChain(chain.chainId, 0, genesis.hash)).wait();
        registered.push(chain.name);
        progress(`${chain.name}: registered on the AnchorHub, trust root block 0 ${genesis.hash}`);
      }
    }

    // Re-read: chains:up may have rewritten pids since; only the contract addresses change here.
    const latest = readTopology(file);
    latest.main.contracts[ANCHOR_HUB_CONTRACT] = hubAddress;
    for (const chain of latest.communities) {
      if (recordLogs[chain.name] !== undefined) chain.contracts[RECORD_LOG_CONTRACT] = recordLogs[chain.name];
    }
    writeTopology(file, latest);
    return { hub: hubAddress, hubDeployed, recordLogs, deployedLogs, registered };
  } finally {
    for (const provider of providers) provider.destroy();
  }
}

/** The contract `name` of `chain` if topology.json lists it and code is there. */
async function existing(chain: ChainEntry, name: string, provider: ReturnType<typeof chainProvider>): Promise<string | undefined> {
  const address = chain.contracts[name];
  if (address === undefined) return undefined;
  const code = await provider.getCode(address);
  return code === "0x" ? undefined : address;
}
