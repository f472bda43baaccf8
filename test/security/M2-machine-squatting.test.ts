// Security review M2, "MaintenanceService machine squatting (P4)": registration was first come,
// first served, so whoever registered a device's machine first owned it (thresholds, unit,
// provider), and the deployer registered (and owned) every machine of `npm start`. Replayed
// against the contract: a squatter is refused, the machine registers itself or is registered with
// its signature and owns itself, and nobody but the unit changes what the unit pays at once.
// The deployment and the legacy calls go through maintenance-compat.ts, so the tests also run,
// and fail, against a9c0a2f.
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { PART_PRICE, deployMaintenanceSuite, legacy, lowerCountThresholds, succeeds } from "./maintenance-compat";

describe("security M2: machine squatting", () => {
  it("P4: an attacker front-running registerMachine for a device's machine is refused; the device then registers itself and owns its machine", async () => {
    const { service, machine, unit, provider, attacker } = await loadFixture(deployMaintenanceSuite);
    // The exploit of the review: the attacker takes the machine, naming itself unit and provider.
    expect(
      await succeeds(
        service.connect(attacker).registerMachine(machine.address, attacker.address, attacker.address, 1n),
      ),
    ).to.equal(false);
    expect(await service.isRegistered(machine.address)).to.equal(false);
    // The real registration goes through.
    await (
      await service.connect(machine).registerMachine(machine.address, unit.address, provider.address, PART_PRICE)
    ).wait();
    const record = await service.machineInfo(machine.address);
    expect([record.owner, record.unit, record.provider]).to.deep.equal([
      machine.address,
      unit.address,
      provider.address,
    ]);
  });

  it("the deployer registers no machine and owns none (npm start registered them all as the deployer)", async () => {
    const { service, deployer, machine, unit, provider } = await loadFixture(deployMaintenanceSuite);
    expect(
      await succeeds(
        service.connect(deployer).registerMachine(machine.address, unit.address, provider.address, PART_PRICE),
      ),
    ).to.equal(false);
    expect(await service.isRegistered(machine.address)).to.equal(false);
  });

  it("a registration signed by the machine key works, relayed by anyone, and the machine owns itself", async () => {
    const { service, machine, unit, provider, stranger, attacker } = await loadFixture(deployMaintenanceSuite);
    const deadline = BigInt(await time.latest()) + 600n;
    const { chainId } = await ethers.provider.getNetwork();
    const domain = {
      name: "commchain MaintenanceService",
      version: "1",
      chainId,
      verifyingContract: await service.getAddress(),
    };
    const types = {
      RegisterMachine: ["machine", "unit", "provider"]
        .map((name) => ({ name, type: "address" }))
        .concat([
          { name: "partPrice", type: "uint96" },
          { name: "deadline", type: "uint256" },
        ]),
    };
    const signature = await machine.signTypedData(domain, types, {
      machine: machine.address,
      unit: unit.address,
      provider: provider.address,
      partPrice: PART_PRICE,
      deadline,
    });
    // The attacker cannot bend the signed values to its own unit or provider.
    expect(
      await succeeds(
        service
          .connect(attacker)
          .registerMachineWithSignature(
            machine.address,
            attacker.address,
            attacker.address,
            PART_PRICE,
            deadline,
            signature,
          ),
      ),
    ).to.equal(false);
    await (
      await service
        .connect(stranger)
        .registerMachineWithSignature(machine.address, unit.address, provider.address, PART_PRICE, deadline, signature)
    ).wait();
    const record = await service.machineInfo(machine.address);
    expect([record.owner, record.unit, record.provider]).to.deep.equal([
      machine.address,
      unit.address,
      provider.address,
    ]);
  });

  it("the deployer cannot drain a unit by an instant price or threshold change", async () => {
    const { service, token, deployer, minter, machine, unit, provider } = await loadFixture(deployMaintenanceSuite);
    // The machine as `npm start` set it up before the fix: registered by the deployer (refused
    // now, and then the machine registers itself).
    await succeeds(
      service.connect(deployer).registerMachine(machine.address, unit.address, provider.address, PART_PRICE),
    );
    if (!(await service.isRegistered(machine.address))) {
      await (
        await service.connect(machine).registerMachine(machine.address, unit.address, provider.address, PART_PRICE)
      ).wait();
    }
    await lowerCountThresholds(service, deployer, unit, machine.address, 1n);
    const funds = PART_PRICE * 1000n;
    await (await token.connect(minter).mint(unit.address, funds)).wait();
    await (await token.connect(unit).approve(await service.getAddress(), funds)).wait();
    // Every change the deployer could try, in either ABI, after setting the delay it controls as admin.
    const drain = {
      unit: unit.address,
      provider: deployer.address,
      partPrice: funds,
      thresholds: { tempThreshold: -1000n, tempCountThreshold: 1n, vibraThreshold: 0n, vibraCountThreshold: 1n },
    };
    await succeeds(() => service.connect(deployer).setSettingsDelay(0));
    await succeeds(legacy(service, deployer).updateMachine(machine.address, unit.address, deployer.address, funds));
    await succeeds(legacy(service, deployer).setThresholds(machine.address, drain.thresholds));
    await succeeds(() => service.connect(deployer).proposeSettings(machine.address, drain));
    // Two hot readings order one part: at the price and to the provider the unit signed up for.
    await expect(service.connect(unit).reportReadings(machine.address, [201, 201], [0, 0])).to.changeTokenBalances(
      token,
      [unit, provider, deployer],
      [-PART_PRICE, PART_PRICE, 0n],
    );
  });

  it("the owner's price and threshold change waits for the unit: the next batch pays the old price; the unit can accept early", async () => {
    const { service, token, minter, machine, unit, provider } = await loadFixture(deployMaintenanceSuite);
    await (
      await service.connect(machine).registerMachine(machine.address, unit.address, provider.address, PART_PRICE)
    ).wait();
    await lowerCountThresholds(service, machine, unit, machine.address, 1n);
    await (await token.connect(minter).mint(unit.address, PART_PRICE * 1000n)).wait();
    await (await token.connect(unit).approve(await service.getAddress(), PART_PRICE * 1000n)).wait();
    const m = await service.machineInfo(machine.address);
    const expensive = {
      unit: unit.address,
      provider: provider.address,
      partPrice: PART_PRICE * 100n,
      thresholds: { tempThreshold: -1000n, tempCountThreshold: 1n, vibraThreshold: 100n, vibraCountThreshold: 1n },
    };
    await (await service.connect(machine).proposeSettings(machine.address, expensive)).wait();
    // Two hot readings at a count threshold of 1 order one part, at the price in force.
    await expect(service.connect(unit).reportReadings(machine.address, [201, 201], [0, 0])).to.changeTokenBalance(
      token,
      unit,
      -m.partPrice,
    );
    // The unit's consent makes the change take effect at once.
    await (await service.connect(unit).acceptSettings(machine.address)).wait();
    expect((await service.machineInfo(machine.address)).partPrice).to.equal(PART_PRICE * 100n);
  });
});
