import { expect } from "chai";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import {
  changeAsUnit,
  OrderStatus,
  Origin,
  PART_PRICE,
  Status,
  UNIT_FUNDS,
  blockTime,
  deployFundedMachine,
  deployWithMachine,
  eventArgs,
  lowerCountThresholds,
  readings,
  snapshot,
} from "./fixture";

// Table 1's defaults: T > 200 and V > 100 count; a count fires when it exceeds 1000.
const HOT = 201;
const VIBRATING = 101;
const CALM_TEMP = 20;
const CALM_VIBRA = 10;

describe("MaintenanceService: readings", () => {
  describe("reportReading", () => {
    it("counts a reading over both thresholds and emits ReadingsReported with the counts", async () => {
      const { service, unit, machine } = await loadFixture(deployWithMachine);
      await expect(service.connect(unit).reportReading(machine.address, HOT, VIBRATING))
        .to.emit(service, "ReadingsReported")
        .withArgs(machine.address, 1n, 1n, 1n);
      const record = await service.machineInfo(machine.address);
      expect(record.tempCount).to.equal(1n);
      expect(record.vibraCount).to.equal(1n);
    });

    it("does not count readings exactly at the thresholds", async () => {
      const { service, unit, machine } = await loadFixture(deployWithMachine);
      await expect(service.connect(unit).reportReading(machine.address, 200, 100))
        .to.emit(service, "ReadingsReported")
        .withArgs(machine.address, 1n, 0n, 0n);
    });

    it("counts temperature and vibration independently, negative temperatures included", async () => {
      const { service, unit, machine } = await loadFixture(deployWithMachine);
      await service.connect(unit).reportReading(machine.address, HOT, CALM_VIBRA);
      await service.connect(unit).reportReading(machine.address, -40, VIBRATING);
      await service.connect(unit).reportReading(machine.address, -2147483648, 4294967295);
      const record = await service.machineInfo(machine.address);
      expect(record.tempCount).to.equal(1n);
      expect(record.vibraCount).to.equal(2n);
    });

    it("rejects every caller but the machine's unit and leaves the state unchanged", async () => {
      const f = await loadFixture(deployWithMachine);
      const before = await snapshot(f);
      for (const caller of [f.owner, f.provider, f.machine, f.stranger]) {
        await expect(f.service.connect(caller).reportReading(f.machine.address, HOT, VIBRATING))
          .to.be.revertedWithCustomError(f.service, "MaintenanceServiceUnauthorizedUnit")
          .withArgs(f.machine.address, caller.address);
      }
      expect(await snapshot(f)).to.deep.equal(before);
    });

    it("rejects an unknown machine", async () => {
      const { service, unit, stranger } = await loadFixture(deployWithMachine);
      await expect(service.connect(unit).reportReading(stranger.address, HOT, VIBRATING))
        .to.be.revertedWithCustomError(service, "MaintenanceServiceUnknownMachine")
        .withArgs(stranger.address);
    });
  });

  describe("reportReadings", () => {
    it("counts a mixed batch reading by reading", async () => {
      const { service, unit, machine } = await loadFixture(deployWithMachine);
      const temps = [201, 200, 199, 500, -40, 201];
      const vibras = [100, 101, 0, 1000, 101, 99];
      // hot: 201, 500, 201 -> 3; vibrating: 101, 1000, 101 -> 3
      await expect(service.connect(unit).reportReadings(machine.address, temps, vibras))
        .to.emit(service, "ReadingsReported")
        .withArgs(machine.address, 6n, 3n, 3n);
    });

    it("carries the counts over from batch to batch and from single readings", async () => {
      const { service, unit, machine } = await loadFixture(deployWithMachine);
      const a = readings(40, HOT, CALM_VIBRA);
      const b = readings(25, CALM_TEMP, VIBRATING);
      await service.connect(unit).reportReadings(machine.address, a.temps, a.vibras);
      await service.connect(unit).reportReading(machine.address, HOT, VIBRATING);
      await expect(service.connect(unit).reportReadings(machine.address, b.temps, b.vibras))
        .to.emit(service, "ReadingsReported")
        .withArgs(machine.address, 25n, 41n, 26n);
    });

    it("rejects arrays of different lengths with both lengths and leaves the state unchanged", async () => {
      const f = await loadFixture(deployWithMachine);
      const before = await snapshot(f);
      await expect(f.service.connect(f.unit).reportReadings(f.machine.address, [HOT, HOT, HOT], [VIBRATING, 1]))
        .to.be.revertedWithCustomError(f.service, "MaintenanceServiceReadingsLengthMismatch")
        .withArgs(3n, 2n);
      await expect(f.service.connect(f.unit).reportReadings(f.machine.address, [], [VIBRATING]))
        .to.be.revertedWithCustomError(f.service, "MaintenanceServiceReadingsLengthMismatch")
        .withArgs(0n, 1n);
      expect(await snapshot(f)).to.deep.equal(before);
    });

    it("rejects an empty batch", async () => {
      const f = await loadFixture(deployWithMachine);
      const before = await snapshot(f);
      await expect(f.service.connect(f.unit).reportReadings(f.machine.address, [], []))
        .to.be.revertedWithCustomError(f.service, "MaintenanceServiceEmptyBatch")
        .withArgs(f.machine.address);
      expect(await snapshot(f)).to.deep.equal(before);
    });

    it("rejects a caller other than the unit and an unknown machine", async () => {
      const f = await loadFixture(deployWithMachine);
      const before = await snapshot(f);
      await expect(f.service.connect(f.owner).reportReadings(f.machine.address, [HOT], [VIBRATING]))
        .to.be.revertedWithCustomError(f.service, "MaintenanceServiceUnauthorizedUnit")
        .withArgs(f.machine.address, f.owner.address);
      await expect(f.service.connect(f.unit).reportReadings(f.stranger.address, [HOT], [VIBRATING]))
        .to.be.revertedWithCustomError(f.service, "MaintenanceServiceUnknownMachine")
        .withArgs(f.stranger.address);
      expect(await snapshot(f)).to.deep.equal(before);
    });
  });

  describe("Table 1: vibration count raises a service request", () => {
    it("1,000 vibrating readings raise none", async () => {
      const { service, unit, machine } = await loadFixture(deployWithMachine);
      const { temps, vibras } = readings(1000, CALM_TEMP, VIBRATING);
      const tx = await service.connect(unit).reportReadings(machine.address, temps, vibras);
      expect(await eventArgs(service, tx, "ServiceRequested")).to.deep.equal([]);
      expect(await service.serviceRequestCount()).to.equal(0n);
      expect((await service.machineInfo(machine.address)).vibraCount).to.equal(1000n);
    });

    it("1,001 vibrating readings raise exactly one, to the provider, and reset the count", async () => {
      const { service, unit, provider, machine } = await loadFixture(deployWithMachine);
      const { temps, vibras } = readings(1001, CALM_TEMP, VIBRATING);
      const tx = await service.connect(unit).reportReadings(machine.address, temps, vibras);
      expect(await eventArgs(service, tx, "ServiceRequested")).to.deep.equal([
        [1n, machine.address, provider.address, unit.address, Origin.Vibration],
      ]);
      expect(await eventArgs(service, tx, "PartOrdered")).to.deep.equal([]);
      await expect(tx).to.emit(service, "ReadingsReported").withArgs(machine.address, 1001n, 0n, 0n);
      expect(await service.serviceRequestCount()).to.equal(1n);
      const request = await service.serviceRequest(1n);
      expect(request.machine).to.equal(machine.address);
      expect(request.provider).to.equal(provider.address);
      expect(request.requester).to.equal(unit.address);
      expect(request.status).to.equal(Status.Requested);
      expect(request.origin).to.equal(Origin.Vibration);
      expect(request.requestedAt).to.equal(await blockTime(tx));
      expect([request.acceptedAt, request.completedAt, request.cancelledAt]).to.deep.equal([0n, 0n, 0n]);
    });

    it("1,000 readings in ten batches and one more single reading raise exactly one", async () => {
      const { service, unit, machine } = await loadFixture(deployWithMachine);
      const { temps, vibras } = readings(100, CALM_TEMP, VIBRATING);
      for (let i = 0; i < 10; i++) {
        const tx = await service.connect(unit).reportReadings(machine.address, temps, vibras);
        expect(await eventArgs(service, tx, "ServiceRequested")).to.have.length(0);
      }
      const tx = await service.connect(unit).reportReading(machine.address, CALM_TEMP, VIBRATING);
      expect(await eventArgs(service, tx, "ServiceRequested")).to.have.length(1);
      expect(await service.serviceRequestCount()).to.equal(1n);
    });

    it("a batch past the count threshold twice raises two and keeps the remainder", async () => {
      const f = await loadFixture(deployWithMachine);
      const { service, unit, machine } = f;
      await lowerCountThresholds(f);
      // Count threshold 4: readings 5 and 10 fire, reading 11 leaves a count of 1.
      const { temps, vibras } = readings(11, CALM_TEMP, VIBRATING);
      const tx = await service.connect(unit).reportReadings(machine.address, temps, vibras);
      const requested = await eventArgs(service, tx, "ServiceRequested");
      expect(requested.map((args) => args[0])).to.deep.equal([1n, 2n]);
      expect((await service.machineInfo(machine.address)).vibraCount).to.equal(1n);
    });
  });

  describe("Table 1: temperature count orders a part, paid in DataToken", () => {
    it("1,000 hot readings order none and move no tokens", async () => {
      const { service, token, unit, provider, machine } = await loadFixture(deployFundedMachine);
      const { temps, vibras } = readings(1000, HOT, CALM_VIBRA);
      const tx = await service.connect(unit).reportReadings(machine.address, temps, vibras);
      expect(await eventArgs(service, tx, "PartOrdered")).to.deep.equal([]);
      expect(await service.partOrderCount()).to.equal(0n);
      expect(await token.balanceOf(unit.address)).to.equal(UNIT_FUNDS);
      expect(await token.balanceOf(provider.address)).to.equal(0n);
    });

    it("1,001 hot readings order exactly one part, paid by the unit to the provider", async () => {
      const { service, token, unit, provider, machine } = await loadFixture(deployFundedMachine);
      const { temps, vibras } = readings(1001, HOT, CALM_VIBRA);
      const tx = await service.connect(unit).reportReadings(machine.address, temps, vibras);
      expect(await eventArgs(service, tx, "PartOrdered")).to.deep.equal([
        [1n, machine.address, provider.address, unit.address, PART_PRICE],
      ]);
      expect(await eventArgs(service, tx, "ServiceRequested")).to.deep.equal([]);
      expect(await eventArgs(token, tx, "Transfer")).to.deep.equal([[unit.address, provider.address, PART_PRICE]]);
      await expect(tx).to.changeTokenBalances(token, [unit, provider], [-PART_PRICE, PART_PRICE]);
      expect(await token.allowance(unit.address, await service.getAddress())).to.equal(UNIT_FUNDS - PART_PRICE);
      expect((await service.machineInfo(machine.address)).tempCount).to.equal(0n);
      expect(await service.partOrderCount()).to.equal(1n);
      const order = await service.partOrder(1n);
      expect(order.machine).to.equal(machine.address);
      expect(order.payer).to.equal(unit.address);
      expect(order.provider).to.equal(provider.address);
      expect(order.price).to.equal(PART_PRICE);
      expect(order.orderedAt).to.equal(await blockTime(tx));
    });

    it("1,000 hot readings then one more single reading order exactly one", async () => {
      const { service, token, unit, provider, machine } = await loadFixture(deployFundedMachine);
      const { temps, vibras } = readings(1000, HOT, CALM_VIBRA);
      await service.connect(unit).reportReadings(machine.address, temps, vibras);
      const tx = await service.connect(unit).reportReading(machine.address, HOT, CALM_VIBRA);
      expect(await eventArgs(service, tx, "PartOrdered")).to.deep.equal([
        [1n, machine.address, provider.address, unit.address, PART_PRICE],
      ]);
      await expect(tx).to.changeTokenBalances(token, [unit, provider], [-PART_PRICE, PART_PRICE]);
    });

    it("a batch past the count threshold twice orders two parts and pays both in one transfer", async () => {
      const f = await loadFixture(deployFundedMachine);
      const { service, token, unit, provider, machine } = f;
      await lowerCountThresholds(f);
      const { temps, vibras } = readings(10, HOT, CALM_VIBRA);
      const tx = await service.connect(unit).reportReadings(machine.address, temps, vibras);
      expect(await eventArgs(service, tx, "PartOrdered")).to.deep.equal([
        [1n, machine.address, provider.address, unit.address, PART_PRICE],
        [2n, machine.address, provider.address, unit.address, PART_PRICE],
      ]);
      expect(await eventArgs(token, tx, "Transfer")).to.deep.equal([[unit.address, provider.address, 2n * PART_PRICE]]);
      await expect(tx).to.changeTokenBalances(token, [unit, provider], [-2n * PART_PRICE, 2n * PART_PRICE]);
      expect((await service.machineInfo(machine.address)).tempCount).to.equal(0n);
    });

    it("pays the provider and price in force when the order fires", async () => {
      const f = await loadFixture(deployFundedMachine);
      const { service, token, unit, provider, provider2, machine } = f;
      await lowerCountThresholds(f);
      const { temps, vibras } = readings(4, HOT, CALM_VIBRA);
      await service.connect(unit).reportReadings(machine.address, temps, vibras);
      await changeAsUnit(f, { provider: provider2.address, partPrice: 3n });
      const tx = await service.connect(unit).reportReading(machine.address, HOT, CALM_VIBRA);
      await expect(tx)
        .to.emit(service, "PartOrdered")
        .withArgs(1n, machine.address, provider2.address, unit.address, 3n);
      await expect(tx).to.changeTokenBalances(token, [unit, provider, provider2], [-3n, 0n, 3n]);
    });

    it("with a zero part price records the order and moves no tokens", async () => {
      const f = await loadFixture(deployWithMachine);
      const { service, token, unit, provider, machine } = f;
      await lowerCountThresholds(f);
      await changeAsUnit(f, { partPrice: 0n });
      const { temps, vibras } = readings(5, HOT, CALM_VIBRA);
      const tx = await service.connect(unit).reportReadings(machine.address, temps, vibras);
      expect(await eventArgs(service, tx, "PartOrdered")).to.deep.equal([
        [1n, machine.address, provider.address, unit.address, 0n],
      ]);
      expect(await eventArgs(token, tx, "Transfer")).to.deep.equal([]);
      expect((await service.partOrder(1n)).price).to.equal(0n);
    });
  });

  describe("Table 1: readings exactly at the thresholds", () => {
    it("1,001 readings at T = 200 and V = 100 count nothing, raise nothing, order nothing", async () => {
      const { service, token, unit, machine } = await loadFixture(deployFundedMachine);
      const { temps, vibras } = readings(1001, 200, 100);
      const tx = await service.connect(unit).reportReadings(machine.address, temps, vibras);
      expect(await eventArgs(service, tx, "ServiceRequested")).to.deep.equal([]);
      expect(await eventArgs(service, tx, "PartOrdered")).to.deep.equal([]);
      await expect(tx).to.emit(service, "ReadingsReported").withArgs(machine.address, 1001n, 0n, 0n);
      expect(await token.balanceOf(unit.address)).to.equal(UNIT_FUNDS);
    });
  });

  describe("Table 1: mixed batches", () => {
    it("1,001 readings both hot and vibrating raise one request and order one part", async () => {
      const { service, token, unit, provider, machine } = await loadFixture(deployFundedMachine);
      const { temps, vibras } = readings(1001, HOT, VIBRATING);
      const tx = await service.connect(unit).reportReadings(machine.address, temps, vibras);
      expect(await eventArgs(service, tx, "ServiceRequested")).to.deep.equal([
        [1n, machine.address, provider.address, unit.address, Origin.Vibration],
      ]);
      expect(await eventArgs(service, tx, "PartOrdered")).to.deep.equal([
        [1n, machine.address, provider.address, unit.address, PART_PRICE],
      ]);
      await expect(tx).to.changeTokenBalances(token, [unit, provider], [-PART_PRICE, PART_PRICE]);
    });

    it("a batch mixing hot, vibrating and at-threshold readings counts and fires each kind on its own", async () => {
      const f = await loadFixture(deployFundedMachine);
      const { service, unit, machine } = f;
      await changeAsUnit(f, {
        thresholds: { tempThreshold: 200n, tempCountThreshold: 10n, vibraThreshold: 100n, vibraCountThreshold: 4n },
      });
      // 15 readings that all vibrate, every other one hot (8 hot), then two at a threshold
      // (one of them hot). Vibration fires at readings 5, 10 and 15; 9 hot never reach 11.
      const temps: number[] = [];
      const vibras: number[] = [];
      for (let i = 0; i < 15; i++) {
        temps.push(i % 2 === 0 ? HOT : 200);
        vibras.push(VIBRATING);
      }
      temps.push(200, HOT);
      vibras.push(100, 100);
      const tx = await service.connect(unit).reportReadings(machine.address, temps, vibras);
      expect((await eventArgs(service, tx, "ServiceRequested")).map((args) => args[0])).to.deep.equal([1n, 2n, 3n]);
      expect(await eventArgs(service, tx, "PartOrdered")).to.have.length(0);
      await expect(tx).to.emit(service, "ReadingsReported").withArgs(machine.address, 17n, 9n, 0n);
    });
  });

  describe("payment failures: nothing is lost, the order is recorded unpaid", () => {
    it("without allowance: counts every reading, raises the request, records the orders Unpaid, moves no tokens", async () => {
      const f = await loadFixture(deployWithMachine);
      await f.token.connect(f.minter).mint(f.unit.address, UNIT_FUNDS);
      await lowerCountThresholds(f);
      const warm = readings(4, HOT, VIBRATING);
      await f.service.connect(f.unit).reportReadings(f.machine.address, warm.temps, warm.vibras);
      const { temps, vibras } = readings(5, HOT, VIBRATING);
      const tx = await f.service.connect(f.unit).reportReadings(f.machine.address, temps, vibras);
      await expect(tx).to.emit(f.service, "ReadingsReported").withArgs(f.machine.address, 5n, 4n, 4n);
      await expect(tx)
        .to.emit(f.service, "ServiceRequested")
        .withArgs(1n, f.machine.address, f.provider.address, f.unit.address, Origin.Vibration);
      await expect(tx)
        .to.emit(f.service, "PartOrdered")
        .withArgs(1n, f.machine.address, f.provider.address, f.unit.address, PART_PRICE);
      await expect(tx)
        .to.emit(f.service, "PartOrderUnpaid")
        .withArgs(1n, f.machine.address, f.unit.address, PART_PRICE);
      await expect(tx).to.changeTokenBalances(f.token, [f.unit, f.provider], [0n, 0n]);
      expect((await f.service.partOrder(1n)).status).to.equal(OrderStatus.Unpaid);
      // A single reading that orders a part is not lost either.
      const single = await f.service.connect(f.unit).reportReading(f.machine.address, HOT, CALM_VIBRA);
      await expect(single)
        .to.emit(f.service, "PartOrderUnpaid")
        .withArgs(2n, f.machine.address, f.unit.address, PART_PRICE);
      expect(await f.service.partOrderCount()).to.equal(2n);
    });

    it("without balance: records every order of the batch Unpaid, each with its own event", async () => {
      const f = await loadFixture(deployWithMachine);
      await f.token.connect(f.unit).approve(await f.service.getAddress(), UNIT_FUNDS);
      await f.token.connect(f.minter).mint(f.unit.address, PART_PRICE - 1n);
      await lowerCountThresholds(f);
      const { temps, vibras } = readings(10, HOT, CALM_VIBRA);
      const tx = await f.service.connect(f.unit).reportReadings(f.machine.address, temps, vibras);
      expect(await eventArgs(f.service, tx, "PartOrderUnpaid")).to.deep.equal([
        [1n, f.machine.address, f.unit.address, PART_PRICE],
        [2n, f.machine.address, f.unit.address, PART_PRICE],
      ]);
      await expect(tx).to.changeTokenBalances(f.token, [f.unit, f.provider], [0n, 0n]);
      expect((await f.service.machineInfo(f.machine.address)).tempCount).to.equal(0n);
    });

    it("a paid order is recorded Paid and emits no PartOrderUnpaid", async () => {
      const f = await loadFixture(deployFundedMachine);
      await lowerCountThresholds(f);
      const { temps, vibras } = readings(5, HOT, CALM_VIBRA);
      const tx = await f.service.connect(f.unit).reportReadings(f.machine.address, temps, vibras);
      await expect(tx).not.to.emit(f.service, "PartOrderUnpaid");
      expect((await f.service.partOrder(1n)).status).to.equal(OrderStatus.Paid);
    });
  });

  describe("payPartOrder", () => {
    /** Two unpaid orders (ids 1 and 2) of the unit, which holds the tokens but approved none. */
    async function deployWithUnpaidOrders() {
      const f = await deployWithMachine();
      await f.token.connect(f.minter).mint(f.unit.address, UNIT_FUNDS);
      await lowerCountThresholds(f);
      const { temps, vibras } = readings(10, HOT, CALM_VIBRA);
      await f.service.connect(f.unit).reportReadings(f.machine.address, temps, vibras);
      return f;
    }

    it("lets the payer pay an unpaid order once funded: tokens to the provider, status Paid, PartOrderPaid", async () => {
      const f = await loadFixture(deployWithUnpaidOrders);
      await f.token.connect(f.unit).approve(await f.service.getAddress(), PART_PRICE);
      const tx = await f.service.connect(f.unit).payPartOrder(2n);
      await expect(tx)
        .to.emit(f.service, "PartOrderPaid")
        .withArgs(2n, f.machine.address, f.provider.address, f.unit.address, PART_PRICE);
      await expect(tx).to.changeTokenBalances(f.token, [f.unit, f.provider], [-PART_PRICE, PART_PRICE]);
      expect((await f.service.partOrder(2n)).status).to.equal(OrderStatus.Paid);
      expect((await f.service.partOrder(1n)).status).to.equal(OrderStatus.Unpaid);
    });

    it("lets the machine's owner pay from its own tokens", async () => {
      const f = await loadFixture(deployWithUnpaidOrders);
      await f.token.connect(f.minter).mint(f.owner.address, PART_PRICE);
      await f.token.connect(f.owner).approve(await f.service.getAddress(), PART_PRICE);
      const tx = await f.service.connect(f.owner).payPartOrder(1n);
      await expect(tx)
        .to.emit(f.service, "PartOrderPaid")
        .withArgs(1n, f.machine.address, f.provider.address, f.owner.address, PART_PRICE);
      await expect(tx).to.changeTokenBalances(f.token, [f.owner, f.unit, f.provider], [-PART_PRICE, 0n, PART_PRICE]);
    });

    it("never pays an order twice, and refuses a paid one naming its status", async () => {
      const f = await loadFixture(deployWithUnpaidOrders);
      await f.token.connect(f.unit).approve(await f.service.getAddress(), UNIT_FUNDS);
      await f.service.connect(f.unit).payPartOrder(1n);
      await expect(f.service.connect(f.unit).payPartOrder(1n))
        .to.be.revertedWithCustomError(f.service, "MaintenanceServicePartOrderNotUnpaid")
        .withArgs(1n, OrderStatus.Paid);
    });

    it("rejects anyone but the payer and the owner, and an unknown order", async () => {
      const f = await loadFixture(deployWithUnpaidOrders);
      for (const caller of [f.provider, f.stranger]) {
        await expect(f.service.connect(caller).payPartOrder(1n))
          .to.be.revertedWithCustomError(f.service, "MaintenanceServiceUnauthorizedPayer")
          .withArgs(1n, caller.address);
      }
      await expect(f.service.connect(f.unit).payPartOrder(3n))
        .to.be.revertedWithCustomError(f.service, "MaintenanceServiceUnknownPartOrder")
        .withArgs(3n);
    });

    it("still unfunded: reverts with the token's error and the order stays Unpaid", async () => {
      const f = await loadFixture(deployWithUnpaidOrders);
      await expect(f.service.connect(f.unit).payPartOrder(1n))
        .to.be.revertedWithCustomError(f.token, "ERC20InsufficientAllowance")
        .withArgs(await f.service.getAddress(), 0n, PART_PRICE);
      expect((await f.service.partOrder(1n)).status).to.equal(OrderStatus.Unpaid);
    });
  });
});
