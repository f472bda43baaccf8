import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { anyValue } from "@nomicfoundation/hardhat-chai-matchers/withArgs";
import {
  DEFAULTS,
  Origin,
  PART_PRICE,
  SETTINGS_DELAY,
  blockTime,
  changeAsUnit,
  deployMaintenance,
  deployWithMachine,
  readings,
  settingsWith,
  signRegistration,
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

    it("rejects the zero token and the zero admin", async () => {
      const factory = await ethers.getContractFactory("MaintenanceService");
      const [admin] = await ethers.getSigners();
      await expect(factory.deploy(ethers.ZeroAddress, admin.address))
        .to.be.revertedWithCustomError(factory, "MaintenanceServiceInvalidToken")
        .withArgs(ethers.ZeroAddress);
      await expect(factory.deploy(admin.address, ethers.ZeroAddress))
        .to.be.revertedWithCustomError(factory, "MaintenanceServiceInvalidAdmin")
        .withArgs(ethers.ZeroAddress);
    });
  });

  describe("registerMachine", () => {
    it("by the machine's own key: the machine owns itself, the parties and the default thresholds are stored", async () => {
      const { service, unit, provider, machine } = await loadFixture(deployMaintenance);
      expect(await service.isRegistered(machine.address)).to.equal(false);
      await service.connect(machine).registerMachine(machine.address, unit.address, provider.address, PART_PRICE);
      expect(await service.isRegistered(machine.address)).to.equal(true);
      const record = await service.machineInfo(machine.address);
      expect(record.owner).to.equal(machine.address);
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
      const { service, unit, provider, machine } = await loadFixture(deployMaintenance);
      await expect(
        service.connect(machine).registerMachine(machine.address, unit.address, provider.address, PART_PRICE),
      )
        .to.emit(service, "MachineRegistered")
        .withArgs(machine.address, machine.address, unit.address, provider.address, PART_PRICE, machine.address)
        .and.to.emit(service, "ThresholdsChanged")
        .withArgs(machine.address, DEFAULTS.temp, DEFAULTS.tempCount, DEFAULTS.vibra, DEFAULTS.vibraCount);
    });

    it("by a registrar: the machine, not the registrar, is the owner", async () => {
      const { service, registrar, unit, provider, machine } = await loadFixture(deployMaintenance);
      await expect(
        service.connect(registrar).registerMachine(machine.address, unit.address, provider.address, PART_PRICE),
      )
        .to.emit(service, "MachineRegistered")
        .withArgs(machine.address, machine.address, unit.address, provider.address, PART_PRICE, registrar.address);
      expect((await service.machineInfo(machine.address)).owner).to.equal(machine.address);
    });

    it("refuses anyone else, the admin included, and records nothing", async () => {
      const f = await loadFixture(deployMaintenance);
      for (const caller of [f.admin, f.unit, f.provider, f.stranger]) {
        await expect(
          f.service.connect(caller).registerMachine(f.machine.address, f.unit.address, f.provider.address, 1n),
        )
          .to.be.revertedWithCustomError(f.service, "MaintenanceServiceUnauthorizedRegistrar")
          .withArgs(f.machine.address, caller.address);
      }
      expect(await f.service.isRegistered(f.machine.address)).to.equal(false);
    });

    it("accepts a zero part price (parts under warranty)", async () => {
      const { service, unit, provider, machine } = await loadFixture(deployMaintenance);
      await service.connect(machine).registerMachine(machine.address, unit.address, provider.address, 0n);
      expect((await service.machineInfo(machine.address)).partPrice).to.equal(0n);
    });

    it("serves many machines independently", async () => {
      const { service, unit, unit2, provider, provider2, machine, stranger } = await loadFixture(deployWithMachine);
      await service.connect(stranger).registerMachine(stranger.address, unit2.address, provider2.address, 7n);
      const second = await service.machineInfo(stranger.address);
      expect(second.owner).to.equal(stranger.address);
      expect(second.unit).to.equal(unit2.address);
      const { temps, vibras } = readings(3, 201, 101);
      await service.connect(unit2).reportReadings(stranger.address, temps, vibras);
      expect((await service.machineInfo(stranger.address)).tempCount).to.equal(3n);
      const first = await service.machineInfo(machine.address);
      expect(first.tempCount).to.equal(0n);
      expect(first.unit).to.equal(unit.address);
      expect(first.provider).to.equal(provider.address);
    });

    it("rejects a machine registered already, naming its owner, and keeps the record", async () => {
      const f = await loadFixture(deployWithMachine);
      const before = await snapshot(f);
      await expect(
        f.service.connect(f.registrar).registerMachine(f.machine.address, f.stranger.address, f.stranger.address, 1n),
      )
        .to.be.revertedWithCustomError(f.service, "MaintenanceServiceMachineAlreadyRegistered")
        .withArgs(f.machine.address, f.machine.address);
      expect(await snapshot(f)).to.deep.equal(before);
    });

    it("rejects the zero machine, unit and provider", async () => {
      const f = await loadFixture(deployMaintenance);
      const { service, registrar, unit, provider, machine } = f;
      await expect(service.connect(registrar).registerMachine(ethers.ZeroAddress, unit.address, provider.address, 1n))
        .to.be.revertedWithCustomError(service, "MaintenanceServiceInvalidMachine")
        .withArgs(ethers.ZeroAddress);
      await expect(service.connect(machine).registerMachine(machine.address, ethers.ZeroAddress, provider.address, 1n))
        .to.be.revertedWithCustomError(service, "MaintenanceServiceInvalidUnit")
        .withArgs(ethers.ZeroAddress);
      await expect(service.connect(machine).registerMachine(machine.address, unit.address, ethers.ZeroAddress, 1n))
        .to.be.revertedWithCustomError(service, "MaintenanceServiceInvalidProvider")
        .withArgs(ethers.ZeroAddress);
      expect(await service.isRegistered(ethers.ZeroAddress)).to.equal(false);
      expect(await snapshot(f)).to.deep.include({ registered: false });
    });
  });

  describe("registerMachineWithSignature", () => {
    it("registers the machine for anyone relaying the machine key's signature, owned by the machine", async () => {
      const { service, stranger, unit, provider, machine } = await loadFixture(deployMaintenance);
      const deadline = BigInt(await time.latest()) + 3600n;
      const signature = await signRegistration(service, machine, {
        unit: unit.address,
        provider: provider.address,
        partPrice: PART_PRICE,
        deadline,
      });
      await expect(
        service
          .connect(stranger)
          .registerMachineWithSignature(
            machine.address,
            unit.address,
            provider.address,
            PART_PRICE,
            deadline,
            signature,
          ),
      )
        .to.emit(service, "MachineRegistered")
        .withArgs(machine.address, machine.address, unit.address, provider.address, PART_PRICE, stranger.address);
      expect((await service.machineInfo(machine.address)).owner).to.equal(machine.address);
    });

    it("cannot be replayed: the machine is registered once", async () => {
      const { service, stranger, unit, provider, machine } = await loadFixture(deployMaintenance);
      const deadline = BigInt(await time.latest()) + 3600n;
      const signature = await signRegistration(service, machine, {
        unit: unit.address,
        provider: provider.address,
        partPrice: PART_PRICE,
        deadline,
      });
      await service
        .connect(stranger)
        .registerMachineWithSignature(machine.address, unit.address, provider.address, PART_PRICE, deadline, signature);
      await expect(
        service
          .connect(stranger)
          .registerMachineWithSignature(
            machine.address,
            unit.address,
            provider.address,
            PART_PRICE,
            deadline,
            signature,
          ),
      )
        .to.be.revertedWithCustomError(service, "MaintenanceServiceMachineAlreadyRegistered")
        .withArgs(machine.address, machine.address);
    });

    it("rejects a signature of another key, or with other values than signed", async () => {
      const { service, stranger, unit, provider, machine } = await loadFixture(deployMaintenance);
      const deadline = BigInt(await time.latest()) + 3600n;
      const values = { unit: unit.address, provider: provider.address, partPrice: PART_PRICE, deadline };
      const forged = await signRegistration(service, stranger, values, machine.address);
      await expect(
        service
          .connect(stranger)
          .registerMachineWithSignature(machine.address, unit.address, provider.address, PART_PRICE, deadline, forged),
      )
        .to.be.revertedWithCustomError(service, "MaintenanceServiceInvalidSignature")
        .withArgs(machine.address);
      const signature = await signRegistration(service, machine, values);
      await expect(
        service
          .connect(stranger)
          .registerMachineWithSignature(
            machine.address,
            stranger.address,
            provider.address,
            PART_PRICE,
            deadline,
            signature,
          ),
      )
        .to.be.revertedWithCustomError(service, "MaintenanceServiceInvalidSignature")
        .withArgs(machine.address);
      expect(await service.isRegistered(machine.address)).to.equal(false);
    });

    it("rejects an expired signature", async () => {
      const { service, stranger, unit, provider, machine } = await loadFixture(deployMaintenance);
      const deadline = BigInt(await time.latest()) - 1n;
      const signature = await signRegistration(service, machine, {
        unit: unit.address,
        provider: provider.address,
        partPrice: PART_PRICE,
        deadline,
      });
      await expect(
        service
          .connect(stranger)
          .registerMachineWithSignature(
            machine.address,
            unit.address,
            provider.address,
            PART_PRICE,
            deadline,
            signature,
          ),
      )
        .to.be.revertedWithCustomError(service, "MaintenanceServiceExpiredSignature")
        .withArgs(machine.address, deadline);
    });
  });

  describe("proposeSettings by the unit: applies at once", () => {
    it("changes unit, provider, part price and thresholds, emitting MachineUpdated and ThresholdsChanged", async () => {
      const f = await loadFixture(deployWithMachine);
      const settings = await settingsWith(f, {
        unit: f.unit2.address,
        provider: f.provider2.address,
        partPrice: 9n,
        thresholds: { tempThreshold: -20n, tempCountThreshold: 5n, vibraThreshold: 30n, vibraCountThreshold: 7n },
      });
      await expect(f.service.connect(f.unit).proposeSettings(f.machine.address, settings))
        .to.emit(f.service, "MachineUpdated")
        .withArgs(f.machine.address, f.unit2.address, f.provider2.address, 9n)
        .and.to.emit(f.service, "ThresholdsChanged")
        .withArgs(f.machine.address, -20n, 5n, 30n, 7n)
        .and.not.to.emit(f.service, "SettingsProposed");
      const record = await f.service.machineInfo(f.machine.address);
      expect([record.unit, record.provider, record.partPrice, record.owner]).to.deep.equal([
        f.unit2.address,
        f.provider2.address,
        9n,
        f.machine.address,
      ]);
      const t = record.thresholds;
      expect([t.tempThreshold, t.tempCountThreshold, t.vibraThreshold, t.vibraCountThreshold]).to.deep.equal([
        -20n,
        5n,
        30n,
        7n,
      ]);
    });

    it("hands reporting to the new unit and keeps the counts", async () => {
      const f = await loadFixture(deployWithMachine);
      const { service, unit, unit2, machine } = f;
      const { temps, vibras } = readings(5, 250, 150);
      await service.connect(unit).reportReadings(machine.address, temps, vibras);
      await changeAsUnit(f, { unit: unit2.address });
      await expect(service.connect(unit).reportReading(machine.address, 250, 150))
        .to.be.revertedWithCustomError(service, "MaintenanceServiceUnauthorizedUnit")
        .withArgs(machine.address, unit.address);
      await service.connect(unit2).reportReading(machine.address, 250, 150);
      const record = await service.machineInfo(machine.address);
      expect(record.tempCount).to.equal(6n);
      expect(record.vibraCount).to.equal(6n);
    });

    it("accepts count thresholds of 1 and of MAX_COUNT_THRESHOLD", async () => {
      const f = await loadFixture(deployWithMachine);
      await changeAsUnit(f, { thresholds: thresholds(0n, 1n, 0n, MAX_COUNT_THRESHOLD) });
      const t = (await f.service.machineInfo(f.machine.address)).thresholds;
      expect(t.tempCountThreshold).to.equal(1n);
      expect(t.vibraCountThreshold).to.equal(MAX_COUNT_THRESHOLD);
    });

    it("keeps the counts, so a count above a lowered threshold fires on the next reading", async () => {
      const f = await loadFixture(deployWithMachine);
      const { service, unit, provider, machine } = f;
      const { temps, vibras } = readings(10, 0, 150);
      await service.connect(unit).reportReadings(machine.address, temps, vibras);
      await changeAsUnit(f, { thresholds: thresholds(200n, 1000n, 100n, 5n) });
      expect((await service.machineInfo(machine.address)).vibraCount).to.equal(10n);
      // A calm reading: Table 1 compares the count after every reading, not only after an increment.
      await expect(service.connect(unit).reportReading(machine.address, 0, 0))
        .to.emit(service, "ServiceRequested")
        .withArgs(1n, machine.address, provider.address, unit.address, Origin.Vibration);
      expect((await service.machineInfo(machine.address)).vibraCount).to.equal(0n);
    });
  });

  describe("proposeSettings: refusals", () => {
    it("rejects a caller that is neither owner nor unit, and an unknown machine", async () => {
      const f = await loadFixture(deployWithMachine);
      const before = await snapshot(f);
      const settings = await settingsWith(f, { partPrice: 1n });
      for (const caller of [f.provider, f.stranger, f.admin, f.registrar]) {
        await expect(f.service.connect(caller).proposeSettings(f.machine.address, settings))
          .to.be.revertedWithCustomError(f.service, "MaintenanceServiceUnauthorizedProposer")
          .withArgs(f.machine.address, caller.address);
      }
      await expect(f.service.connect(f.unit).proposeSettings(f.stranger.address, settings))
        .to.be.revertedWithCustomError(f.service, "MaintenanceServiceUnknownMachine")
        .withArgs(f.stranger.address);
      expect(await snapshot(f)).to.deep.equal(before);
    });

    it("rejects the zero unit and provider", async () => {
      const f = await loadFixture(deployWithMachine);
      const before = await snapshot(f);
      await expect(
        f.service
          .connect(f.unit)
          .proposeSettings(f.machine.address, await settingsWith(f, { unit: ethers.ZeroAddress })),
      )
        .to.be.revertedWithCustomError(f.service, "MaintenanceServiceInvalidUnit")
        .withArgs(ethers.ZeroAddress);
      await expect(
        f.service
          .connect(f.owner)
          .proposeSettings(f.machine.address, await settingsWith(f, { provider: ethers.ZeroAddress })),
      )
        .to.be.revertedWithCustomError(f.service, "MaintenanceServiceInvalidProvider")
        .withArgs(ethers.ZeroAddress);
      expect(await snapshot(f)).to.deep.equal(before);
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
          f.service
            .connect(f.unit)
            .proposeSettings(
              f.machine.address,
              await settingsWith(f, { thresholds: thresholds(200n, tempCount, 100n, vibraCount) }),
            ),
        )
          .to.be.revertedWithCustomError(f.service, "MaintenanceServiceInvalidCountThreshold")
          .withArgs(tempCount, vibraCount);
      }
      expect(await snapshot(f)).to.deep.equal(before);
    });
  });

  describe("proposeSettings by the owner: timelocked unless the unit consents", () => {
    it("records the proposal with SettingsProposed and leaves the machine as it was", async () => {
      const f = await loadFixture(deployWithMachine);
      const settings = await settingsWith(f, { partPrice: PART_PRICE * 100n });
      const tx = await f.service.connect(f.owner).proposeSettings(f.machine.address, settings);
      const effectiveAt = (await blockTime(tx)) + SETTINGS_DELAY;
      await expect(tx)
        .to.emit(f.service, "SettingsProposed")
        .withArgs(f.machine.address, f.owner.address, anyValue, effectiveAt);
      await expect(tx).not.to.emit(f.service, "MachineUpdated");
      expect((await f.service.machineInfo(f.machine.address)).partPrice).to.equal(PART_PRICE);
      const [pending, at] = await f.service.pendingSettings(f.machine.address);
      expect([pending.unit, pending.provider, pending.partPrice, at]).to.deep.equal([
        f.unit.address,
        f.provider.address,
        PART_PRICE * 100n,
        effectiveAt,
      ]);
    });

    it("the unit accepts early: SettingsAccepted, then the settings apply and the proposal is gone", async () => {
      const f = await loadFixture(deployWithMachine);
      await f.service.connect(f.owner).proposeSettings(f.machine.address, await settingsWith(f, { partPrice: 3n }));
      await expect(f.service.connect(f.unit).acceptSettings(f.machine.address))
        .to.emit(f.service, "SettingsAccepted")
        .withArgs(f.machine.address, f.unit.address)
        .and.to.emit(f.service, "MachineUpdated")
        .withArgs(f.machine.address, f.unit.address, f.provider.address, 3n);
      expect((await f.service.machineInfo(f.machine.address)).partPrice).to.equal(3n);
      expect((await f.service.pendingSettings(f.machine.address)).effectiveAt).to.equal(0n);
    });

    it("takes effect through executeSettings, by anyone, once the delay has run out, not before", async () => {
      const f = await loadFixture(deployWithMachine);
      const tx = await f.service
        .connect(f.owner)
        .proposeSettings(f.machine.address, await settingsWith(f, { provider: f.provider2.address }));
      const effectiveAt = (await blockTime(tx)) + SETTINGS_DELAY;
      await expect(f.service.connect(f.stranger).executeSettings(f.machine.address))
        .to.be.revertedWithCustomError(f.service, "MaintenanceServiceSettingsNotDue")
        .withArgs(f.machine.address, effectiveAt);
      await time.setNextBlockTimestamp(effectiveAt);
      await expect(f.service.connect(f.stranger).executeSettings(f.machine.address))
        .to.emit(f.service, "MachineUpdated")
        .withArgs(f.machine.address, f.unit.address, f.provider2.address, PART_PRICE);
      expect((await f.service.machineInfo(f.machine.address)).provider).to.equal(f.provider2.address);
      await expect(f.service.executeSettings(f.machine.address))
        .to.be.revertedWithCustomError(f.service, "MaintenanceServiceNoPendingSettings")
        .withArgs(f.machine.address);
    });

    it("a newer proposal replaces the pending one", async () => {
      const f = await loadFixture(deployWithMachine);
      await f.service.connect(f.owner).proposeSettings(f.machine.address, await settingsWith(f, { partPrice: 3n }));
      await f.service.connect(f.owner).proposeSettings(f.machine.address, await settingsWith(f, { partPrice: 4n }));
      expect((await f.service.pendingSettings(f.machine.address))[0].partPrice).to.equal(4n);
    });

    it("the owner cancels a pending proposal with SettingsCancelled; only the owner, only one that exists", async () => {
      const f = await loadFixture(deployWithMachine);
      await f.service.connect(f.owner).proposeSettings(f.machine.address, await settingsWith(f, { partPrice: 3n }));
      await expect(f.service.connect(f.unit).cancelSettings(f.machine.address))
        .to.be.revertedWithCustomError(f.service, "MaintenanceServiceUnauthorizedOwner")
        .withArgs(f.machine.address, f.unit.address);
      await expect(f.service.connect(f.owner).cancelSettings(f.machine.address))
        .to.emit(f.service, "SettingsCancelled")
        .withArgs(f.machine.address, f.owner.address);
      await expect(f.service.connect(f.owner).cancelSettings(f.machine.address))
        .to.be.revertedWithCustomError(f.service, "MaintenanceServiceNoPendingSettings")
        .withArgs(f.machine.address);
      await expect(f.service.connect(f.unit).acceptSettings(f.machine.address))
        .to.be.revertedWithCustomError(f.service, "MaintenanceServiceNoPendingSettings")
        .withArgs(f.machine.address);
    });

    it("only the unit accepts; cancelSettings and acceptSettings reject an unknown machine", async () => {
      const f = await loadFixture(deployWithMachine);
      await f.service.connect(f.owner).proposeSettings(f.machine.address, await settingsWith(f, { partPrice: 3n }));
      for (const caller of [f.owner, f.provider, f.stranger]) {
        await expect(f.service.connect(caller).acceptSettings(f.machine.address))
          .to.be.revertedWithCustomError(f.service, "MaintenanceServiceUnauthorizedUnit")
          .withArgs(f.machine.address, caller.address);
      }
      await expect(f.service.connect(f.unit).acceptSettings(f.stranger.address))
        .to.be.revertedWithCustomError(f.service, "MaintenanceServiceUnknownMachine")
        .withArgs(f.stranger.address);
      await expect(f.service.connect(f.owner).cancelSettings(f.stranger.address))
        .to.be.revertedWithCustomError(f.service, "MaintenanceServiceUnknownMachine")
        .withArgs(f.stranger.address);
    });
  });

  describe("setSettingsDelay", () => {
    it("starts at DEFAULT_SETTINGS_DELAY; the admin sets it with SettingsDelayChanged", async () => {
      const { service, admin } = await loadFixture(deployMaintenance);
      expect(await service.settingsDelay()).to.equal(SETTINGS_DELAY);
      expect(await service.DEFAULT_SETTINGS_DELAY()).to.equal(SETTINGS_DELAY);
      await expect(service.connect(admin).setSettingsDelay(3600n))
        .to.emit(service, "SettingsDelayChanged")
        .withArgs(SETTINGS_DELAY, 3600n);
      expect(await service.settingsDelay()).to.equal(3600n);
    });

    it("at zero, the owner's proposal applies at once", async () => {
      const f = await loadFixture(deployWithMachine);
      await f.service.connect(f.admin).setSettingsDelay(0n);
      await expect(
        f.service.connect(f.owner).proposeSettings(f.machine.address, await settingsWith(f, { partPrice: 3n })),
      )
        .to.emit(f.service, "MachineUpdated")
        .withArgs(f.machine.address, f.unit.address, f.provider.address, 3n)
        .and.not.to.emit(f.service, "SettingsProposed");
    });

    it("rejects a delay above MAX_SETTINGS_DELAY, and anyone but the admin", async () => {
      const { service, admin, stranger } = await loadFixture(deployMaintenance);
      const max = await service.MAX_SETTINGS_DELAY();
      await expect(service.connect(admin).setSettingsDelay(max + 1n))
        .to.be.revertedWithCustomError(service, "MaintenanceServiceInvalidSettingsDelay")
        .withArgs(max + 1n, max);
      await service.connect(admin).setSettingsDelay(max);
      await expect(service.connect(stranger).setSettingsDelay(0n))
        .to.be.revertedWithCustomError(service, "AccessControlUnauthorizedAccount")
        .withArgs(stranger.address, await service.DEFAULT_ADMIN_ROLE());
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
