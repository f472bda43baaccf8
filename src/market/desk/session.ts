/**
 * One market command's view of a community chain: its entry in topology.json, a provider, the
 * five market contracts, the acting account and the chain's market workspace. The `market:*`
 * tasks open one per command and close it when done.
 */
import type { HDNodeWallet, JsonRpcProvider } from "ethers";
import {
  DataAsset__factory,
  DataToken__factory,
  DataTrade__factory,
  OwnershipRegistry__factory,
  StorageLedger__factory,
  type DataAsset,
  type DataToken,
  type DataTrade,
  type OwnershipRegistry,
  type StorageLedger,
} from "../../../typechain-types";
import {
  deviceWallet,
  PARTICIPANT_KINDS,
  participantWallet,
  projectMnemonic,
  refuseDevelopmentMnemonic,
  SYSTEM_ROLES,
  systemWallet,
  type ParticipantKind,
} from "../../chains/accounts";
import type { CommunityContractName } from "../../chains/contract-names";
import { chainProvider } from "../../chains/providers";
import { readTopology, topologyPath, type ChainEntry, type Topology } from "../../chains/topology";
import { MarketInputError } from "../errors";
import { marketWorkspace, type MarketWorkspace } from "./workspace";

/** The market contracts of a community chain. */
export interface MarketContracts {
  readonly token: DataToken;
  readonly registry: OwnershipRegistry;
  readonly ledger: StorageLedger;
  readonly assets: DataAsset;
  readonly trade: DataTrade;
}

export interface MarketSession {
  readonly topology: Topology;
  readonly chain: ChainEntry;
  readonly provider: JsonRpcProvider;
  readonly contracts: MarketContracts;
  readonly workspace: MarketWorkspace;
  /** The acting account, connected to the chain (undefined for read-only commands). */
  readonly account?: HDNodeWallet;
  /** The name the account was given by (`cloud`, a device id, `lab`). */
  readonly accountName?: string;
  /** The mnemonic the accounts derive from. */
  readonly mnemonic: string;
  /** The latest block's timestamp: the chain's clock, which the contracts' windows are counted in. */
  now(): Promise<bigint>;
  close(): void;
}

export interface OpenMarketOptions {
  /** The chains directory (topology.json, the market workspace). */
  readonly dir: string;
  /** The community chain; may be left out when the topology has one community. */
  readonly chain?: string;
  /** The acting account: see {@link marketAccount}. */
  readonly account?: string;
  readonly mnemonic?: string;
}

/** Participants' names as the tasks take them: the design's lab is the `thirdParty` kind. */
const PARTICIPANT_NAMES: Record<string, ParticipantKind> = {
  provider: "provider",
  lab: "thirdParty",
  thirdParty: "thirdParty",
};

/** The community chain `name` of the topology, or its only community when `name` is left out. */
export function marketChain(topology: Topology, name: string | undefined, file: string): ChainEntry {
  const names = topology.communities.map((c) => c.name);
  if (name === undefined) {
    if (topology.communities.length === 1) return topology.communities[0];
    throw new MarketInputError(
      "--chain",
      `${file} has ${names.length} community chains; name one of ${names.join(", ")}`,
    );
  }
  const chain = topology.communities.find((c) => c.name === name);
  if (chain === undefined) {
    const main = topology.main.name === name ? " (the main chain runs no market)" : "";
    throw new MarketInputError(
      "--chain",
      `${JSON.stringify(name)} is not a community chain of ${file}${main}; they are ${names.join(", ")}`,
    );
  }
  return chain;
}

/**
 * The wallet `name` stands for on `chain`: a system role (`deployer`, `minter`, `orderer`,
 * `cloud`, …), `provider` or `lab` (the community's participants), or a device id of the
 * topology (`device:<id>` when an id is also a role's name).
 */
export function marketAccount(name: string, topology: Topology, chain: ChainEntry, mnemonic: string): HDNodeWallet {
  const device = name.startsWith("device:") ? name.slice("device:".length) : undefined;
  if (device === undefined && (SYSTEM_ROLES as readonly string[]).includes(name)) return systemWallet(name, mnemonic);
  const kind = device === undefined ? PARTICIPANT_NAMES[name] : undefined;
  if (kind !== undefined) {
    const community = topology.communities.findIndex((c) => c.name === chain.name) + 1;
    return participantWallet(kind, community, mnemonic);
  }
  const id = device ?? name;
  if (!topology.devices.includes(id))
    throw new MarketInputError(
      "--account",
      `${JSON.stringify(name)} is neither a system role (${SYSTEM_ROLES.join(", ")}), a participant (${[...Object.keys(PARTICIPANT_NAMES), ...PARTICIPANT_KINDS].filter((v, i, a) => a.indexOf(v) === i).join(", ")}) nor a device of the topology`,
    );
  return deviceWallet(id, topology, mnemonic);
}

function address(chain: ChainEntry, name: CommunityContractName): string {
  const found = chain.contracts[name];
  if (found === undefined)
    throw new MarketInputError(
      "topology.json",
      `${chain.name}.contracts.${name} is missing: deploy the market first (npx hardhat deploy:all)`,
    );
  return found;
}

/** The market contracts of `chain`, read-only on `provider`. */
export function marketContracts(chain: ChainEntry, provider: JsonRpcProvider): MarketContracts {
  return {
    token: DataToken__factory.connect(address(chain, "DataToken"), provider),
    registry: OwnershipRegistry__factory.connect(address(chain, "OwnershipRegistry"), provider),
    ledger: StorageLedger__factory.connect(address(chain, "StorageLedger"), provider),
    assets: DataAsset__factory.connect(address(chain, "DataAsset"), provider),
    trade: DataTrade__factory.connect(address(chain, "DataTrade"), provider),
  };
}

/** Opens the market of a community chain, as `account` when given. */
export function openMarket(options: OpenMarketOptions): MarketSession {
  const file = topologyPath(options.dir);
  const topology = readTopology(file);
  const chain = marketChain(topology, options.chain, file);
  const mnemonic = options.mnemonic ?? projectMnemonic();
  let account: HDNodeWallet | undefined;
  if (options.account !== undefined) {
    // The README's phrase signs only on chains chains:up made here.
    refuseDevelopmentMnemonic([chain], mnemonic, file);
    account = marketAccount(options.account, topology, chain, mnemonic);
  }
  const provider = chainProvider(chain);
  try {
    return {
      topology,
      chain,
      provider,
      contracts: marketContracts(chain, provider),
      workspace: marketWorkspace(options.dir, chain.name),
      account: account?.connect(provider),
      accountName: options.account,
      mnemonic,
      async now() {
        const block = await provider.getBlock("latest");
        return BigInt(block?.timestamp ?? Math.floor(Date.now() / 1000));
      },
      close: () => provider.destroy(),
    };
  } catch (error) {
    provider.destroy();
    throw error;
  }
}

/** The session's account; throws when the command needs one and none was given. */
export function actingAccount(session: MarketSession): HDNodeWallet {
  if (session.account === undefined)
    throw new MarketInputError("--account", "this command sends transactions: name the account that acts");
  return session.account;
}
