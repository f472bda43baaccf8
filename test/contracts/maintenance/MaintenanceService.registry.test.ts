import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import {
  DEFAULTS,
  Origin,
  PART_PRICE,
  deployMaintenance,
  deployWithMachine,
  readings,
  snapshot,
} from "./fixture";

const MAX_COUNT_THRESHOLD = 2n ** 32n - 2n;
const thresholds = (temp: bigint, tempCount: bigint, vibra: bigint, vibraCount: bigint) => ({
  tempThreshold: temp,
  tempCountThreshold: tempCount,
  vibraThreshold: vibra,
  vibraCountThreshold: vibraCount,
});

describe("MaintenanceService: machines", () => {
  describe("constructor", () => {
    it("keeps the payment token and exposes the paper's defaults", async () => {
      const { service, token } = await loadFixture(deployMaintenance);
      expect(await service.token()).to.equal(await token.getAddress());
      expect(await service.DEFAULT_TEMP_THRESHOLD()).to.equal(DEFAULTS.temp);
      expect(await service.DEFAULT_TEMP_COUNT_THRESHOLD()).to.equal(DEFAULTS.tempCount);
      expect(await service.DEFAULT_VIBRA_THRESHOLD()).to.equal(DEFAULTS.vibra);
      expect(await service.DEFAULT_VIBRA_COUNT_THRESHOLD()).to.equal(DEFAULTS.vibraCount);
      expect(await service.MAX_COUNT_THRESHOLD()).to.equal(MAX_COUNT_THRESHOLD);
      expect(await service.serviceRequestCount()).to.equal(0n);
      expect(await service.partOrderCount()).to.equal(0n);
    });

    it("rejects the zero token", async () => {
      const factory = await ethers.getContractFactory("MaintenanceService");
      await expect(factory.deploy(ethers.ZeroAddress))
        .to.be.revertedWithCustomError(factory, "MaintenanceServiceInvalidToken")
        .withArgs(ethers.ZeroAddress);
    });
  });

  describe("registerMachine", () => {
    it("makes the caller the owner, stores the parties and the default thresholds", async () => {
      const { service, owner, unit, provider, machine } = await loadFixture(deployMaintenance);
      expect(await service.isRegistered(machine.address)).to.equal(false);
      await service.connect(owner).registerMachine(machine.address, unit.address, provider.address, PART_PRICE);
      expect(await service.isRegistered(machine.address)).to.equal(true);
      const record = await service.machineInfo(machine.address);
      expect(record.owner).to.equal(owner.address);
      expect(record.unit).to.equal(unit.address);
      expect(record.provider).to.equal(provider.address);
      expect(record.partPrice).to.equal(PART_PRICE);
      expect(record.tempCount).to.equal(0n);
      expect(record.vibraCount).to.equal(0n);
      expect(record.thresholds.tempThreshold).to.equal(DEFAULTS.temp);
      expect(record.thresholds.tempCountThreshold).to.equal(DEFAULTS.tempCount);
      expect(record.thresholds.vibraThreshold).to.equal(DEFAULTS.vibra);
      expect(record.thresholds.vibraCountThreshold).to.equal(DEFAULTS.vibraCount);
    });

    it("emits MachineRegistered and ThresholdsChanged with the defaults", async () => {
      const { service, owner, unit, provider, machine } = await loadFixture(deployMaintenance);
      await expect(service.connect(owner).registerMachine(machine.address, unit.address, provider.address, PART_PRICE))
        .to.emit(service, "MachineRegistered")
        .withArgs(machine.address, owner.address, unit.address, provider.address, PART_PRICE)
        .and.to.emit(service, "ThresholdsChanged")
        .withArgs(machine.address, DEFAULTS.temp, DEFAULTS.tempCount, DEFAULTS.vibra, DEFAULTS.vibraCount);
    });

    it("accepts a zero part price (parts under warranty)", async () => {
      const { service, owner, unit, provider, machine } = await loadFixture(deployMaintenance);
      await service.connect(owner).registerMachine(machine.address, unit.address, provider.address, 0n);
      expect((await service.machineInfo(machine.address)).partPrice).to.equal(0n);
    });

    it("serves many machines independently", async () => {
      const { service, owner, unit, unit2, provider, provider2, machine, stranger } =
        await loadFixture(deployWithMachine);
      await service.connect(stranger).registerMachine(owner.address, unit2.address, provider2.address, 7n);
      const second = await service.machineInfo(owner.address);
      expect(second.owner).to.equal(stranger.address);
      expect(second.unit).to.equal(unit2.address);
      const { temps, vibras } = readings(3, 201, 101);
      await service.connect(unit2).reportReadings(owner.address, temps, vibras);
      expect((await service.machineInfo(owner.address)).tempCount).to.equal(3n);
      const first = await service.machineInfo(machine.address);
      expect(first.tempCount).to.equal(0n);
      expect(first.unit).to.equal(unit.address);
      expect(first.provider).to.equal(provider.address);
    });

    it("rejects a machine registered already, naming its owner, and keeps the record", async () => {
      const f = await loadFixture(deployWithMachine);
      const before = await snapshot(f);
      await expect(
        f.service.connect(f.stranger).registerMachine(f.machine.address, f.stranger.address, f.stranger.address, 1n),
      )
        .to.be.revertedWithCustomError(f.service, "MaintenanceServiceMachineAlreadyRegistered")
        .withArgs(f.machine.address, f.owner.address);
      expect(await snapshot(f)).to.deep.equal(before);
    });

    it("rejects the zero machine, unit and provider", async () => {
      const f = await loadFixture(deployMaintenance);
      const { service, owner, unit, provider, machine } = f;
      await expect(service.connect(owner).registerMachine(ethers.ZeroAddress, unit.address, provider.address, 1n))
        .to.be.revertedWithCustomError(service, "MaintenanceServiceInvalidMachine")
        .withArgs(ethers.ZeroAddress);
      await expect(service.connect(owner).registerMachine(machine.address, ethers.ZeroAddress, provider.address, 1n))
        .to.be.revertedWithCustomError(service, "MaintenanceServiceInvalidUnit")
        .withArgs(ethers.ZeroAddress);
      await expect(service.connect(owner).registerMachine(machine.address, unit.address, ethers.ZeroAddress, 1n))
        .to.be.revertedWithCustomError(service, "MaintenanceServiceInvalidProvider")
        .withArgs(ethers.ZeroAddress);
      expect(await service.isRegistered(ethers.ZeroAddress)).to.equal(false);
      expect(await snapshot(f)).to.deep.include({ registered: false });
    });
  });

  describe("updateMachine", () => {
    it("lets the owner change unit, provider and part price, and emits MachineUpdated", async () => {
      const { service, owner, unit2, provider2, machine } = await loadFixture(deployWithMachine);
      await expect(service.connect(owner).updateMachine(machine.address, unit2.address, provider2.address, 9n))
        .to.emit(service, "MachineUpdated")
        .withArgs(machine.address, unit2.address, provider2.address, 9n);
      const record = await service.machineInfo(machine.address);
      expect(record.unit).to.equal(unit2.address);
      expect(record.provider).to.equal(provider2.address);
      expect(record.partPrice).to.equal(9n);
      expect(record.owner).to.equal(owner.address);
    });

    it("hands reporting to the new unit and keeps the counts", async () => {
      const { service, owner, unit, unit2, provider, machine } = await loadFixture(deployWithMachine);
      const { temps, vibras } = readings(5, 250, 150);
      await service.connect(unit).reportReadings(machine.address, temps, vibras);
      await service.connect(owner).updateMachine(machine.address, unit2.address, provider.address, PART_PRICE);
      await expect(service.connect(unit).reportReading(machine.address, 250, 150))
        .to.be.revertedWithCustomError(service, "MaintenanceServiceUnauthorizedUnit")
        .withArgs(machine.address, unit.address);
      await service.connect(unit2).reportReading(machine.address, 250, 150);
      const record = await service.machineInfo(machine.address);
      expect(record.tempCount).to.equal(6n);
      expect(record.vibraCount).to.equal(6n);
    });

    it("rejects a caller other than the owner and leaves the machine unchanged", async () => {
      const f = await loadFixture(deployWithMachine);
      const before = await snapshot(f);
      for (const caller of [f.unit, f.provider, f.stranger]) {
        await expect(
          f.service.connect(caller).updateMachine(f.machine.address, caller.address, caller.address, 1n),
        )
          .to.be.revertedWithCustomError(f.service, "MaintenanceServiceUnauthorizedOwner")
          .withArgs(f.machine.address, caller.address);
      }
      expect(await snapshot(f)).to.deep.equal(before);
    });

    it("rejects an unknown machine", async () => {
      const { service, owner, unit, provider, stranger } = await loadFixture(deployWithMachine);
      await expect(service.connect(owner).updateMachine(stranger.address, unit.address, provider.address, 1n))
        .to.be.revertedWithCustomError(service, "MaintenanceServiceUnknownMachine")
        .withArgs(stranger.address);
    });

    it("rejects the zero unit and provider and leaves the machine unchanged", async () => {
      const f = await loadFixture(deployWithMachine);
      const before = await snapshot(f);
      await expect(
        f.service.connect(f.owner).updateMachine(f.machine.address, ethers.ZeroAddress, f.provider.address, 1n),
      )
        .to.be.revertedWithCustomError(f.service, "MaintenanceServiceInvalidUnit")
        .withArgs(ethers.ZeroAddress);
      await expect(f.service.connect(f.owner).updateMachine(f.machine.address, f.unit.address, ethers.ZeroAddress, 1n))
        .to.be.revertedWithCustomError(f.service, "MaintenanceServiceInvalidProvider")
        .withArgs(ethers.ZeroAddress);
      expect(await snapshot(f)).to.deep.equal(before);
    });
  });

  describe("setThresholds", () => {
    it("lets the owner set all four thresholds and emits ThresholdsChanged", async () => {
      const { service, owner, machine } = await loadFixture(deployWithMachine);
      await expect(service.connect(owner).setThresholds(machine.address, thresholds(-20n, 5n, 30n, 7n)))
        .to.emit(service, "ThresholdsChanged")
        .withArgs(machine.address, -20n, 5n, 30n, 7n);
      const t = (await service.machineInfo(machine.address)).thresholds;
      expect([t.tempThreshold, t.tempCountThreshold, t.vibraThreshold, t.vibraCountThreshold]).to.deep.equal([
        -20n, 5n, 30n, 7n,
      ]);
    });

    it("accepts count thresholds of 1 and of MAX_COUNT_THRESHOLD", async () => {
      const { service, owner, machine } = await loadFixture(deployWithMachine);
      await service.connect(owner).setThresholds(machine.address, thresholds(0n, 1n, 0n, MAX_COUNT_THRESHOLD));
      const t = (await service.machineInfo(machine.address)).thresholds;
      expect(t.tempCountThreshold).to.equal(1n);
      expect(t.vibraCountThreshold).to.equal(MAX_COUNT_THRESHOLD);
    });

    it("rejects a zero count threshold or one above MAX_COUNT_THRESHOLD with both values", async () => {
      const f = await loadFixture(deployWithMachine);
      const before = await snapshot(f);
      const bad: [bigint, bigint][] = [
        [0n, 1000n],
        [1000n, 0n],
        [MAX_COUNT_THRESHOLD + 1n, 1000n],
        [1000n, MAX_COUNT_THRESHOLD + 1n],
      ];
      for (const [tempCount, vibraCount] of bad) {
        await expect(
          f.service.connect(f.owner).setThresholds(f.machine.address, thresholds(200n, tempCount, 100n, vibraCount)),
        )
          .to.be.revertedWithCustomError(f.service, "MaintenanceServiceInvalidCountThreshold")
          .withArgs(tempCount, vibraCount);
      }
      expect(await snapshot(f)).to.deep.equal(before);
    });

    it("rejects a caller other than the owner and an unknown machine", async () => {
      const f = await loadFixture(deployWithMachine);
      const before = await snapshot(f);
      await expect(f.service.connect(f.unit).setThresholds(f.machine.address, thresholds(1n, 1n, 1n, 1n)))
        .to.be.revertedWithCustomError(f.service, "MaintenanceServiceUnauthorizedOwner")
        .withArgs(f.machine.address, f.unit.address);
      await expect(f.service.connect(f.owner).setThresholds(f.stranger.address, thresholds(1n, 1n, 1n, 1n)))
        .to.be.revertedWithCustomError(f.service, "MaintenanceServiceUnknownMachine")
        .withArgs(f.stranger.address);
      expect(await snapshot(f)).to.deep.equal(before);
    });

    it("keeps the counts, so a count above a lowered threshold fires on the next reading", async () => {
      const { service, owner, unit, provider, machine } = await loadFixture(deployWithMachine);
      const { temps, vibras } = readings(10, 0, 150);
      await service.connect(unit).reportReadings(machine.address, temps, vibras);
      await service.connect(owner).setThresholds(machine.address, thresholds(200n, 1000n, 100n, 5n));
      expect((await service.machineInfo(machine.address)).vibraCount).to.equal(10n);
      // A calm reading: Table 1 compares the count after every reading, not only after an increment.
      await expect(service.connect(unit).reportReading(machine.address, 0, 0))
        .to.emit(service, "ServiceRequested")
        .withArgs(1n, machine.address, provider.address, unit.address, Origin.Vibration);
      expect((await service.machineInfo(machine.address)).vibraCount).to.equal(0n);
    });
  });

  describe("machineInfo / isRegistered", () => {
    it("machineInfo rejects an unknown machine; isRegistered says false", async () => {
      const { service, stranger } = await loadFixture(deployWithMachine);
      await expect(service.machineInfo(stranger.address))
        .to.be.revertedWithCustomError(service, "MaintenanceServiceUnknownMachine")
        .withArgs(stranger.address);
      expect(await service.isRegistered(stranger.address)).to.equal(false);
    });
  });
});
