/**
 * In-process fixtures of the deploy tests: the Ignition modules deployed on Hardhat's in-process
 * network (accounts 0-5 stand for the system accounts deployer, relayer, writer, minter, orderer,
 * cloud, in `SYSTEM_ROLES` order), and a
 * topology naming the deployed contracts.
 */
import hre, { ethers } from "hardhat";
import { communitySuiteModule } from "../../../ignition/modules/CommunitySuite";
import MainAnchoring from "../../../ignition/modules/MainAnchoring";
import { planTopology } from "../../../src/chains/plan";
import type { Topology } from "../../../src/chains/topology";
import type {
  AnchorHub,
  DataToken,
  MaintenanceService,
  DataAsset,
  DataTrade,
  OwnershipRegistry,
  RecordLog,
  RelationshipFactory,
  Register,
  StorageLedger,
} from "../../../typechain-types";

/** The 44 devices of the paper's workload. */
export const DEVICES = Array.from({ length: 44 }, (_, i) => String(i + 1).padStart(2, "0"));

export const VERIFIERS = ["0x00000000000000000000000000000000000000A1", "0x00000000000000000000000000000000000000a2"];

/** The suite (with two verifiers and an upload reward of 3 tokens) and the hub, deployed in process. */
export async function deployModules() {
  const [deployer, relayer, writer, minter, orderer, cloud, stranger] = await ethers.getSigners();
  const suite = (await hre.ignition.deploy(
    communitySuiteModule({ verifiers: [...VERIFIERS, VERIFIERS[0].toLowerCase()] }),
    {
      parameters: { CommunitySuite: { uploadReward: ethers.parseEther("3") } },
    },
  )) as unknown as {
    DataToken: DataToken;
    Register: Register;
    RelationshipFactory: RelationshipFactory;
    MaintenanceService: MaintenanceService;
    RecordLog: RecordLog;
    OwnershipRegistry: OwnershipRegistry;
    StorageLedger: StorageLedger;
    DataAsset: DataAsset;
    DataTrade: DataTrade;
    SummaryImplementation: { getAddress(): Promise<string> };
    RelationshipImplementation: { getAddress(): Promise<string> };
  };
  const { AnchorHub: hub } = (await hre.ignition.deploy(MainAnchoring)) as unknown as { AnchorHub: AnchorHub };
  return { suite, hub, deployer, relayer, writer, minter, orderer, cloud, stranger };
}

/** A topology of one community (devices 01-44) whose chains' contracts are the in-process ones. */
export async function topologyOf(deployed: Awaited<ReturnType<typeof deployModules>>): Promise<Topology> {
  const topology = planTopology(DEVICES, [DEVICES], { mainChainId: 31_000, ports: [18_600, 18_601] });
  topology.main.contracts.AnchorHub = await deployed.hub.getAddress();
  for (const [name, contract] of Object.entries(deployed.suite))
    topology.communities[0].contracts[name] = await contract.getAddress();
  return topology;
}
