// The SDK's hand-written ABIs against the compiled contracts: every function, event and error
// it uses must exist there with the same signature, outputs and indexed arguments.
import { expect } from "chai";
import { artifacts, ethers } from "hardhat";
import { getAddress, Interface } from "ethers";
import {
  DATA_TOKEN_ABI,
  describeRevert,
  EPR_ABI,
  EPR_MAX_READERS_PER_RECORD,
  MAINTENANCE_SERVICE_ABI,
  REGISTER_ABI,
  maintenanceServiceInterface,
  dataTokenInterface,
} from "../../../src/iot/abi";

const CASES = [
  ["MaintenanceService", MAINTENANCE_SERVICE_ABI],
  ["DataToken", DATA_TOKEN_ABI],
  ["EquipmentProviderRelationship", EPR_ABI],
  ["Register", REGISTER_ABI],
] as const;

describe("iot/abi", () => {
  for (const [contract, abi] of CASES) {
    it(`matches the compiled ${contract}`, async () => {
      const compiled = new Interface((await artifacts.readArtifact(contract)).abi);
      const ours = new Interface(abi);
      ours.forEachFunction((fn) => {
        const theirs = compiled.getFunction(fn.selector);
        expect(theirs?.format("full"), fn.format()).to.equal(fn.format("full"));
      });
      ours.forEachEvent((event) => {
        const theirs = compiled.getEvent(event.topicHash);
        expect(theirs?.format("full"), event.format()).to.equal(event.format("full"));
      });
      ours.forEachError((error) => {
        const theirs = compiled.getError(error.selector);
        expect(theirs?.format("sighash"), error.format()).to.equal(error.format("sighash"));
      });
    });
  }

  it("knows the EPR's bound on readers per record", async () => {
    // Any Register and token do for reading a constant of the implementation.
    const [account] = await ethers.getSigners();
    const epr = await ethers.deployContract("EquipmentProviderRelationship", [account.address, account.address]);
    expect(await epr.MAX_READERS_PER_RECORD()).to.equal(BigInt(EPR_MAX_READERS_PER_RECORD));
  });

  it("names a revert by its custom error and arguments, or says what it got", () => {
    const spender = getAddress("0x00000000000000000000000000000000000000aa");
    const data = dataTokenInterface.encodeErrorResult("ERC20InsufficientAllowance", [spender, 1n, 5n]);
    expect(describeRevert(data)).to.equal(`ERC20InsufficientAllowance(${spender}, 1, 5)`);
    const machine = getAddress("0x00000000000000000000000000000000000000bb");
    const unknown = maintenanceServiceInterface.encodeErrorResult("MaintenanceServiceUnknownMachine", [machine]);
    expect(describeRevert(unknown)).to.equal(`MaintenanceServiceUnknownMachine(${machine})`);
    expect(describeRevert(new Interface(["error Error(string)"]).encodeErrorResult("Error", ["boom"]))).to.equal(
      "boom",
    );
    expect(describeRevert("0x")).to.equal("reverted without data");
    expect(describeRevert("0xdeadbeef")).to.equal("reverted with data 0xdeadbeef");
  });
});
