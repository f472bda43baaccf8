/** Typed contract instances from topology.json's addresses. */
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import {
  anchorHub,
  communityContracts,
  contractAddress,
  MissingContractError,
  UnknownChainError,
} from "../../../src/deploy";
import { deployModules, topologyOf } from "./fixtures";

describe("deploy/contracts", () => {
  it("gives a community's contracts at the recorded addresses, connected to the runner", async () => {
    const deployed = await loadFixture(deployModules);
    const topology = await topologyOf(deployed);
    const { token, register, factory, maintenance, recordLog } = communityContracts(
      topology,
      "community-1",
      deployed.writer,
    );
    const recorded = topology.communities[0].contracts;
    expect(
      await Promise.all([token, register, factory, maintenance, recordLog].map((c) => c.getAddress())),
    ).to.deep.equal([
      recorded.DataToken,
      recorded.Register,
      recorded.RelationshipFactory,
      recorded.MaintenanceService,
      recorded.RecordLog,
    ]);
    // typed calls reach the real contracts, and transactions go out as the runner
    expect(await token.symbol()).to.equal("CDT");
    expect(await maintenance.token()).to.equal(recorded.DataToken);
    await expect(recordLog.appendBatch(ethers.id("root"), 0, 1, "ipfs://batch-0")).to.emit(recordLog, "BatchAppended");
    expect(await register.relationshipFactory()).to.equal(recorded.RelationshipFactory);
    expect(await factory.isVerifier(deployed.writer.address)).to.equal(false);
  });

  it("gives the main chain's AnchorHub", async () => {
    const deployed = await loadFixture(deployModules);
    const topology = await topologyOf(deployed);
    const hub = anchorHub(topology, ethers.provider);
    expect(await hub.getAddress()).to.equal(topology.main.contracts.AnchorHub);
    expect(await hub.isRegistered(31_001)).to.equal(false);
  });

  it("names the chain or contract that is missing", async () => {
    const deployed = await loadFixture(deployModules);
    const topology = await topologyOf(deployed);
    expect(() => communityContracts(topology, "community-9")).to.throw(
      UnknownChainError,
      'topology.json has no chain "community-9"; its chains are main, community-1',
    );
    delete topology.communities[0].contracts.MaintenanceService;
    expect(() => communityContracts(topology, "community-1")).to.throw(
      MissingContractError,
      "topology.json: community-1.contracts.MaintenanceService is missing; deploy the contracts first (npx hardhat deploy:all)",
    );
    delete topology.main.contracts.AnchorHub;
    expect(() => anchorHub(topology)).to.throw(MissingContractError, "main.contracts.AnchorHub is missing");
    expect(() => contractAddress(topology.main, "AnchorHub")).to.throw(MissingContractError);
  });
});
