/**
 * The names under which deployed contracts appear in topology.json (`contracts` of each chain).
 * They are also the Ignition future ids of the modules in `deploy/`, so an Ignition deployment's
 * `<Module>#<name>` maps to a topology entry without a table. No TypeChain import here: the
 * modules and Hardhat tasks load this file before anything is compiled.
 */

/** Contracts of a community chain, deployed by the `CommunitySuite` Ignition module. */
export const COMMUNITY_CONTRACT_NAMES = [
  "DataToken",
  "SummaryImplementation",
  "Register",
  "RelationshipImplementation",
  "RelationshipFactory",
  "MaintenanceService",
  "RecordLog",
  "OwnershipRegistry",
  "StorageLedger",
  "DataAsset",
  "DataTrade",
  "Reputation",
  "AnalysisMarket",
] as const;

/** A contract name of a community chain's `contracts`. */
export type CommunityContractName = (typeof COMMUNITY_CONTRACT_NAMES)[number];

/** Contracts of the main chain, deployed by the `MainAnchoring` Ignition module. */
export const MAIN_CONTRACT_NAMES = ["AnchorHub", "CoalitionRewards"] as const;

/** A contract name of the main chain's `contracts`. */
export type MainContractName = (typeof MAIN_CONTRACT_NAMES)[number];

/** Contract name of the anchor hub in the main chain's `contracts`. */
export const ANCHOR_HUB_CONTRACT: MainContractName = "AnchorHub";

/** Contract name of the record log in each community chain's `contracts`. */
export const RECORD_LOG_CONTRACT: CommunityContractName = "RecordLog";
