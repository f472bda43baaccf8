/**
 * The Ignition modules of deploy/ on Hardhat's in-process network: the constructor wiring of the
 * BPIIoT suite, every role the brief lists, parameters and their defaults, and the future ids
 * that become topology.json's contract names.
 */
import { COMMUNITY_CONTRACT_NAMES, MAIN_CONTRACT_NAMES } from "../../../src/chains";
import { expect } from "chai";
import hre, { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { communitySuiteModule } from "../../../ignition/modules/CommunitySuite";
import { DEFAULT_UPLOAD_REWARD, DEFAULT_VERIFICATION_REWARD } from "../../../ignition/modules/defaults";
import MainAnchoring from "../../../ignition/modules/MainAnchoring";
import type { RelationshipFactory } from "../../../typechain-types";
import { deployModules, VERIFIERS } from "./fixtures";

describe("deploy/ Ignition modules", () => {
  it("name their contracts as topology.json does", () => {
    const names = (module: { futures: Set<{ id: string; type: string }> }) =>
      [...module.futures]
        .filter((future) => future.type === "NAMED_ARTIFACT_CONTRACT_DEPLOYMENT")
        .map((future) => future.id.split("#")[1]);
    expect(names(communitySuiteModule()).sort()).to.deep.equal([...COMMUNITY_CONTRACT_NAMES].sort());
    expect(names(MainAnchoring)).to.deep.equal([...MAIN_CONTRACT_NAMES]);
    expect(communitySuiteModule({ verifiers: VERIFIERS }).id).to.equal(communitySuiteModule().id);
  });

  it("CommunitySuite wires the suite in constructor order", async () => {
    const { suite } = await loadFixture(deployModules);
    const { DataToken, Register, RelationshipFactory, MaintenanceService } = suite;
    const token = await DataToken.getAddress();
    const register = await Register.getAddress();
    expect(await Register.summaryImplementation()).to.equal(await suite.SummaryImplementation.getAddress());
    expect(await Register.relationshipFactory()).to.equal(await RelationshipFactory.getAddress());
    expect([await RelationshipFactory.register(), await RelationshipFactory.token()]).to.deep.equal([register, token]);
    expect(await RelationshipFactory.relationshipImplementation()).to.equal(
      await suite.RelationshipImplementation.getAddress(),
    );
    const epr = await ethers.getContractAt(
      "EquipmentProviderRelationship",
      await suite.RelationshipImplementation.getAddress(),
    );
    expect([await epr.register(), await epr.token()]).to.deep.equal([register, token]);
    expect(await MaintenanceService.token()).to.equal(token);
  });

  it("CommunitySuite grants admin, registrar, minters, writer and the verifiers their roles, and no one else (no MaintenanceService registrar)", async () => {
    const { suite, deployer, relayer, writer, minter, stranger } = await loadFixture(deployModules);
    const { DataToken, Register, RelationshipFactory, RecordLog, MaintenanceService } = suite;
    const factory = await RelationshipFactory.getAddress();
    const holders = async (contract: { hasRole(role: string, account: string): Promise<boolean> }, role: string) => {
      const candidates = {
        deployer: deployer.address,
        relayer: relayer.address,
        writer: writer.address,
        minter: minter.address,
        stranger: stranger.address,
        factory,
        ...Object.fromEntries(VERIFIERS.map((v, i) => [`verifier${i}`, v])),
      };
      const held: string[] = [];
      for (const [name, account] of Object.entries(candidates))
        if (await contract.hasRole(role, account)) held.push(name);
      return held;
    };
    const admin = ethers.ZeroHash;
    for (const contract of [DataToken, Register, RelationshipFactory, RecordLog, MaintenanceService])
      expect(await holders(contract, admin)).to.deep.equal(["deployer"]);
    expect(await holders(DataToken, await DataToken.MINTER_ROLE())).to.deep.equal(["minter", "factory"]);
    expect(await holders(Register, await Register.REGISTRAR_ROLE())).to.deep.equal(["deployer"]);
    expect(await holders(RecordLog, await RecordLog.WRITER_ROLE())).to.deep.equal(["writer"]);
    // Machines register themselves (M2): nobody, the deployer included, is a MaintenanceService registrar.
    expect(await holders(MaintenanceService, await MaintenanceService.REGISTRAR_ROLE())).to.deep.equal([]);
    expect(await holders(RelationshipFactory, await RelationshipFactory.VERIFIER_ROLE())).to.deep.equal([
      "verifier0",
      "verifier1",
    ]);
  });

  it("CommunitySuite deploys the market wired, the orderer, cloud, DataTrade and the deployer holding its roles", async () => {
    const { suite, deployer, orderer, cloud, stranger } = await loadFixture(deployModules);
    const { DataToken, OwnershipRegistry, StorageLedger, DataAsset, DataTrade } = suite;
    const token = await DataToken.getAddress();
    expect(await StorageLedger.token()).to.equal(token);
    expect(await DataAsset.ownership()).to.equal(await OwnershipRegistry.getAddress());
    expect([await DataTrade.token(), await DataTrade.assets()]).to.deep.equal([token, await DataAsset.getAddress()]);
    const trade = await DataTrade.getAddress();
    const holders = async (contract: { hasRole(role: string, account: string): Promise<boolean> }, role: string) => {
      const candidates = {
        deployer: deployer.address,
        orderer: orderer.address,
        cloud: cloud.address,
        stranger: stranger.address,
        trade,
      };
      const held: string[] = [];
      for (const [name, account] of Object.entries(candidates))
        if (await contract.hasRole(role, account)) held.push(name);
      return held;
    };
    for (const contract of [OwnershipRegistry, DataAsset, DataTrade])
      expect(await holders(contract, ethers.ZeroHash)).to.deep.equal(["deployer"]);
    expect(await holders(OwnershipRegistry, await OwnershipRegistry.ORDERER_ROLE())).to.deep.equal(["orderer"]);
    expect(await holders(DataAsset, await DataAsset.AUDITOR_ROLE())).to.deep.equal(["cloud"]);
    expect(await holders(DataAsset, await DataAsset.TRADE_ROLE())).to.deep.equal(["trade"]);
    expect(await holders(DataTrade, await DataTrade.ARBITER_ROLE())).to.deep.equal(["deployer"]);
  });

  it("CommunitySuite takes the reward amounts as parameters, defaulting to the named constants", async () => {
    const { suite } = await loadFixture(deployModules);
    expect([
      await suite.RelationshipFactory.rewardAmount(0),
      await suite.RelationshipFactory.rewardAmount(1),
    ]).to.deep.equal([ethers.parseEther("3"), DEFAULT_VERIFICATION_REWARD]);
    const { RelationshipFactory } = (await hre.ignition.deploy(communitySuiteModule(), {
      deploymentId: "defaults",
    })) as unknown as { RelationshipFactory: RelationshipFactory };
    expect([await RelationshipFactory.rewardAmount(0), await RelationshipFactory.rewardAmount(1)]).to.deep.equal([
      DEFAULT_UPLOAD_REWARD,
      DEFAULT_VERIFICATION_REWARD,
    ]);
    expect([DEFAULT_UPLOAD_REWARD, DEFAULT_VERIFICATION_REWARD]).to.deep.equal([
      ethers.parseEther("10"),
      ethers.parseEther("2"),
    ]);
  });

  it("MainAnchoring makes the deployer admin of the AnchorHub and the relayer its relayer", async () => {
    const { hub, deployer, relayer, writer } = await loadFixture(deployModules);
    expect(await hub.hasRole(ethers.ZeroHash, deployer.address)).to.equal(true);
    const role = await hub.RELAYER_ROLE();
    expect([
      await hub.hasRole(role, relayer.address),
      await hub.hasRole(role, deployer.address),
      await hub.hasRole(role, writer.address),
    ]).to.deep.equal([true, false, false]);
  });
});
