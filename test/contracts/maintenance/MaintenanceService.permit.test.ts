import { expect } from "chai";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import {
  PART_PRICE,
  UNIT_FUNDS,
  deployWithMachine,
  eventArgs,
  LOW_COUNT_THRESHOLD,
  lowerCountThresholds,
  readings,
  signPermit,
  snapshot,
} from "./fixture";

/** A funded unit that never approved the service, a temperature count at its threshold: the next hot reading orders a part. */
async function deployUnapprovedUnitAtThreshold() {
  const f = await deployWithMachine();
  await f.token.connect(f.minter).mint(f.unit.address, UNIT_FUNDS);
  await lowerCountThresholds(f);
  const { temps, vibras } = readings(Number(LOW_COUNT_THRESHOLD), 201, 0);
  await f.service.connect(f.unit).reportReadings(f.machine.address, temps, vibras);
  const spender = await f.service.getAddress();
  const deadline = BigInt(await time.latest()) + 3600n;
  return { ...f, spender, deadline };
}

describe("MaintenanceService: reportReadingsWithPermit", () => {
  it("applies the unit's permit and pays the part without a separate approve", async () => {
    const { service, token, unit, provider, machine, spender, deadline } = await loadFixture(
      deployUnapprovedUnitAtThreshold,
    );
    const { v, r, s } = await signPermit(token, unit, spender, PART_PRICE, deadline);
    const tx = await service
      .connect(unit)
      .reportReadingsWithPermit(machine.address, [201], [0], PART_PRICE, deadline, v, r, s);
    // Only the permit's Approval: OpenZeppelin's ERC20 emits none when transferFrom spends an allowance.
    expect(await eventArgs(token, tx, "Approval")).to.deep.equal([[unit.address, spender, PART_PRICE]]);
    expect(await eventArgs(service, tx, "PartOrdered")).to.deep.equal([
      [1n, machine.address, provider.address, unit.address, PART_PRICE],
    ]);
    await expect(tx).to.changeTokenBalances(token, [unit, provider], [-PART_PRICE, PART_PRICE]);
    expect(await token.allowance(unit.address, spender)).to.equal(0n);
    expect(await token.nonces(unit.address)).to.equal(1n);
  });

  it("still pays when someone front-ran the permit", async () => {
    const { service, token, unit, provider, stranger, machine, spender, deadline } = await loadFixture(
      deployUnapprovedUnitAtThreshold,
    );
    const { v, r, s } = await signPermit(token, unit, spender, PART_PRICE, deadline);
    // The signature leaks from the mempool and is submitted first; the unit's nonce is now spent.
    await token.connect(stranger).permit(unit.address, spender, PART_PRICE, deadline, v, r, s);
    const tx = await service
      .connect(unit)
      .reportReadingsWithPermit(machine.address, [201], [0], PART_PRICE, deadline, v, r, s);
    expect(await eventArgs(token, tx, "Approval")).to.deep.equal([]);
    await expect(tx)
      .to.emit(service, "PartOrdered")
      .withArgs(1n, machine.address, provider.address, unit.address, PART_PRICE);
    await expect(tx).to.changeTokenBalances(token, [unit, provider], [-PART_PRICE, PART_PRICE]);
  });

  it("with a bad permit and no allowance keeps the readings and records the order unpaid", async () => {
    // Signed by the wrong account, or expired: the permit fails and is ignored.
    for (const kind of ["forged", "expired"] as const) {
      const f = await loadFixture(deployUnapprovedUnitAtThreshold);
      const before = await snapshot(f);
      const deadline = kind === "forged" ? f.deadline : BigInt(await time.latest()) - 1n;
      const sig = await signPermit(f.token, kind === "forged" ? f.stranger : f.unit, f.spender, PART_PRICE, deadline);
      const tx = f.service
        .connect(f.unit)
        .reportReadingsWithPermit(f.machine.address, [201], [0], PART_PRICE, deadline, sig.v, sig.r, sig.s);
      await expect(tx)
        .to.emit(f.service, "PartOrderUnpaid")
        .withArgs(1n, f.machine.address, f.unit.address, PART_PRICE);
      const after = await snapshot(f);
      expect(after.orders).to.equal(before.orders + 1n);
      expect([after.unitBalance, after.providerBalance, after.allowance]).to.deep.equal([
        before.unitBalance,
        before.providerBalance,
        0n,
      ]);
      expect(await f.token.nonces(f.unit.address)).to.equal(0n);
    }
  });

  it("sets the allowance even when the batch orders nothing, for a later order", async () => {
    const { service, token, unit, machine, spender, deadline } = await loadFixture(deployUnapprovedUnitAtThreshold);
    const { v, r, s } = await signPermit(token, unit, spender, PART_PRICE, deadline);
    const tx = await service
      .connect(unit)
      .reportReadingsWithPermit(machine.address, [0], [0], PART_PRICE, deadline, v, r, s);
    expect(await eventArgs(service, tx, "PartOrdered")).to.deep.equal([]);
    expect(await token.allowance(unit.address, spender)).to.equal(PART_PRICE);
    await expect(service.connect(unit).reportReading(machine.address, 201, 0)).to.emit(service, "PartOrdered");
  });

  it("checks the caller and the batch like reportReadings; a rejected call spends no permit", async () => {
    const { service, token, unit, stranger, machine, spender, deadline } = await loadFixture(
      deployUnapprovedUnitAtThreshold,
    );
    const own = await signPermit(token, stranger, spender, PART_PRICE, deadline);
    await expect(
      service
        .connect(stranger)
        .reportReadingsWithPermit(machine.address, [201], [0], PART_PRICE, deadline, own.v, own.r, own.s),
    )
      .to.be.revertedWithCustomError(service, "MaintenanceServiceUnauthorizedUnit")
      .withArgs(machine.address, stranger.address);
    expect(await token.nonces(stranger.address)).to.equal(0n);

    const { v, r, s } = await signPermit(token, unit, spender, PART_PRICE, deadline);
    await expect(
      service.connect(unit).reportReadingsWithPermit(machine.address, [201], [], PART_PRICE, deadline, v, r, s),
    )
      .to.be.revertedWithCustomError(service, "MaintenanceServiceReadingsLengthMismatch")
      .withArgs(1n, 0n);
    await expect(service.connect(unit).reportReadingsWithPermit(machine.address, [], [], PART_PRICE, deadline, v, r, s))
      .to.be.revertedWithCustomError(service, "MaintenanceServiceEmptyBatch")
      .withArgs(machine.address);
    expect(await token.nonces(unit.address)).to.equal(0n);
    expect(await token.allowance(unit.address, spender)).to.equal(0n);
  });
});
