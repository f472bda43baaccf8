/**
 * Typed contract instances for the chains of a topology, from the addresses `deploy:all` wrote
 * into topology.json. The IoT unit SDK, the records task and tests get their contracts here
 * instead of reading addresses themselves.
 */
import type { ContractRunner } from "ethers";
import {
  AnalysisMarket__factory,
  AnchorHub__factory,
  CoalitionRewards__factory,
  DataToken__factory,
  MaintenanceService__factory,
  RecordLog__factory,
  RelationshipFactory__factory,
  Register__factory,
  Reputation__factory,
  type AnalysisMarket,
  type AnchorHub,
  type CoalitionRewards,
  type DataToken,
  type MaintenanceService,
  type RecordLog,
  type RelationshipFactory,
  type Register,
  type Reputation,
} from "../../typechain-types";
import { allChains, type ChainEntry, type Topology } from "../chains/topology";
import {
  ANCHOR_HUB_CONTRACT,
  RECORD_LOG_CONTRACT,
  type CommunityContractName,
  type MainContractName,
} from "../chains/contract-names";
import { MissingContractError, UnknownChainError } from "./errors";

/** The contracts of a community chain a client works with. */
export interface CommunityContracts {
  readonly token: DataToken;
  readonly register: Register;
  readonly factory: RelationshipFactory;
  readonly maintenance: MaintenanceService;
  readonly recordLog: RecordLog;
  readonly reputation: Reputation;
  readonly analysisMarket: AnalysisMarket;
}

/** The chain `name` of the topology; throws {@link UnknownChainError}. */
export function chainOf(topology: Topology, name: string): ChainEntry {
  const chain = allChains(topology).find((entry) => entry.name === name);
  if (chain === undefined)
    throw new UnknownChainError(
      name,
      allChains(topology).map((entry) => entry.name),
    );
  return chain;
}

/** The address of `contract` on `chain`; throws {@link MissingContractError} when not deployed. */
export function contractAddress(
  chain: Pick<ChainEntry, "name" | "contracts">,
  contract: CommunityContractName | MainContractName,
): string {
  const address = chain.contracts[contract];
  if (address === undefined) throw new MissingContractError(chain.name, contract);
  return address;
}

/**
 * The community contracts of `chainName`, connected to `runner` (a signer to send transactions, a
 * provider to read). Nothing is fetched: the instances are bound to the recorded addresses.
 */
export function communityContracts(
  topology: Topology,
  chainName: string,
  runner: ContractRunner | null = null,
): CommunityContracts {
  const chain = chainOf(topology, chainName);
  return {
    token: DataToken__factory.connect(contractAddress(chain, "DataToken"), runner),
    register: Register__factory.connect(contractAddress(chain, "Register"), runner),
    factory: RelationshipFactory__factory.connect(contractAddress(chain, "RelationshipFactory"), runner),
    maintenance: MaintenanceService__factory.connect(contractAddress(chain, "MaintenanceService"), runner),
    recordLog: RecordLog__factory.connect(contractAddress(chain, RECORD_LOG_CONTRACT), runner),
    reputation: Reputation__factory.connect(contractAddress(chain, "Reputation"), runner),
    analysisMarket: AnalysisMarket__factory.connect(contractAddress(chain, "AnalysisMarket"), runner),
  };
}

/** The main chain's AnchorHub, connected to `runner`. */
export function anchorHub(topology: Topology, runner: ContractRunner | null = null): AnchorHub {
  return AnchorHub__factory.connect(contractAddress(topology.main, ANCHOR_HUB_CONTRACT), runner);
}

/** The main chain's CoalitionRewards (the miners' coalition reward), connected to `runner`. */
export function coalitionRewards(topology: Topology, runner: ContractRunner | null = null): CoalitionRewards {
  return CoalitionRewards__factory.connect(contractAddress(topology.main, "CoalitionRewards"), runner);
}
