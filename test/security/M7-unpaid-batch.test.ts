// Security review M7, "Readings are lost when a part cannot be paid": the batch reverted as a
// whole when `transferFrom` failed, and the unit settled it as reverted, dropping every reading
// and the service requests its vibration counts would have raised. Replayed against the contract:
// the batch applies, the order is recorded unpaid, and it is paid later. The deployment and the
// set-up go through maintenance-compat.ts, so the test also runs, and fails, against a9c0a2f.
import { expect } from "chai";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { PART_PRICE, deployMaintenanceSuite, lowerCountThresholds } from "./maintenance-compat";

/** The `PartOrderStatus` the fixed contract records. */
const Unpaid = 2n;
const Paid = 1n;

/** A machine at count thresholds of 2 whose unit holds tokens but approved none. */
async function deployUnfundedUnit() {
  const f = await deployMaintenanceSuite();
  await (
    await f.service
      .connect(f.machine)
      .registerMachine(f.machine.address, f.unit.address, f.provider.address, PART_PRICE)
  ).wait();
  await lowerCountThresholds(f.service, f.machine, f.unit, f.machine.address, 2n);
  await (await f.token.connect(f.minter).mint(f.unit.address, PART_PRICE * 10n)).wait();
  return f;
}

describe("security M7: a batch that cannot pay loses nothing", () => {
  it("keeps every reading and raises its service request; the order is recorded unpaid; no token moves", async () => {
    const { service, token, machine, unit, provider } = await loadFixture(deployUnfundedUnit);
    // Four readings both hot and vibrating: both counts pass 2 at the third, and one more counts.
    const tx = service.connect(unit).reportReadings(machine.address, [250, 250, 250, 250], [150, 150, 150, 150]);
    await expect(tx).not.to.be.reverted;
    await expect(tx).to.changeTokenBalances(token, [unit, provider], [0n, 0n]);
    const record = await service.machineInfo(machine.address);
    expect([record.tempCount, record.vibraCount]).to.deep.equal([1n, 1n]);
    expect(await service.serviceRequestCount()).to.equal(1n);
    expect((await service.serviceRequest(1n)).provider).to.equal(provider.address);
    expect(await service.partOrderCount()).to.equal(1n);
    const order = await service.partOrder(1n);
    expect([order.status, order.payer, order.provider, order.price]).to.deep.equal([
      Unpaid,
      unit.address,
      provider.address,
      PART_PRICE,
    ]);
  });

  it("the unpaid order is paid later, once the unit is funded, and only once", async () => {
    const { service, token, machine, unit, provider } = await loadFixture(deployUnfundedUnit);
    await (await service.connect(unit).reportReadings(machine.address, [250, 250, 250], [0, 0, 0])).wait();
    await (await token.connect(unit).approve(await service.getAddress(), PART_PRICE * 10n)).wait();
    await expect(service.connect(unit).payPartOrder(1n)).to.changeTokenBalances(
      token,
      [unit, provider],
      [-PART_PRICE, PART_PRICE],
    );
    expect((await service.partOrder(1n)).status).to.equal(Paid);
    await expect(service.connect(unit).payPartOrder(1n)).to.be.revertedWithCustomError(
      service,
      "MaintenanceServicePartOrderNotUnpaid",
    );
  });
});
