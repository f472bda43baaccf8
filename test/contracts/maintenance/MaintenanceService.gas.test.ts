import { expect } from "chai";
import hre from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import type { ContractTransactionResponse } from "ethers";
import { deployFundedMachine, readings } from "./fixture";

/** The brief's budget: a batch of 100 costs at most 2,000 gas per reading, the 21,000 base included. */
const MAX_GAS_PER_BATCHED_READING = 2_000n;
/** The brief's budget for one reading in its own transaction. */
const MAX_GAS_SINGLE_READING = 50_000n;
const BATCH = 100;

async function gasUsed(tx: Promise<ContractTransactionResponse>): Promise<bigint> {
  const receipt = await (await tx).wait();
  if (receipt === null) throw new Error("transaction has no receipt");
  return receipt.gasUsed;
}

/** One line per measurement, so `npm test` and `npm run gas` show the figures. */
function report(label: string, gas: bigint, readingsInTx: number): void {
  const perReading = Number(gas) / readingsInTx;
  console.log(`      gas ${label}: ${gas} total, ${perReading.toFixed(0)} per reading (${readingsInTx} readings)`);
}

describe("MaintenanceService: gas", function () {
  before(function () {
    // solidity-coverage runs instrumented bytecode, whose gas says nothing about the deployed
    // contract; the bounds are checked by every ordinary `npm test` / `npm run gas` run instead.
    if ((hre as { __SOLIDITY_COVERAGE_RUNNING?: boolean }).__SOLIDITY_COVERAGE_RUNNING === true) this.skip();
  });

  it(`a batch of ${BATCH} readings over both thresholds costs at most ${MAX_GAS_PER_BATCHED_READING} gas per reading`, async () => {
    const { service, unit, machine } = await loadFixture(deployFundedMachine);
    const { temps, vibras } = readings(BATCH, 250, 150);
    // Two batches: the first from zero counts, the second once the counts are nonzero.
    for (const label of ["batch of 100 hot+vibrating (first)", "batch of 100 hot+vibrating (next)"]) {
      const gas = await gasUsed(service.connect(unit).reportReadings(machine.address, temps, vibras));
      report(label, gas, BATCH);
      expect(gas / BigInt(BATCH)).to.be.at.most(MAX_GAS_PER_BATCHED_READING);
    }
    expect((await service.machineInfo(machine.address)).tempCount).to.equal(2n * BigInt(BATCH));
  });

  it(`a batch of ${BATCH} calm readings, and one of negative temperatures, stay within the budget`, async () => {
    const { service, unit, machine } = await loadFixture(deployFundedMachine);
    const calm = readings(BATCH, 20, 10);
    const calmGas = await gasUsed(service.connect(unit).reportReadings(machine.address, calm.temps, calm.vibras));
    report("batch of 100 calm", calmGas, BATCH);
    expect(calmGas / BigInt(BATCH)).to.be.at.most(MAX_GAS_PER_BATCHED_READING);
    // A negative int32 is ABI-encoded with 28 bytes of 0xff: the most expensive calldata a reading can have.
    const cold = readings(BATCH, -2_147_483_648, 4_294_967_295);
    const coldGas = await gasUsed(service.connect(unit).reportReadings(machine.address, cold.temps, cold.vibras));
    report("batch of 100 at int32 min / uint32 max", coldGas, BATCH);
    expect(coldGas / BigInt(BATCH)).to.be.at.most(MAX_GAS_PER_BATCHED_READING);
  });

  it(`a single reading costs at most ${MAX_GAS_SINGLE_READING} gas`, async () => {
    const { service, unit, machine } = await loadFixture(deployFundedMachine);
    for (const label of ["single reading (first)", "single reading (next)"]) {
      const gas = await gasUsed(service.connect(unit).reportReading(machine.address, 250, 150));
      report(label, gas, 1);
      expect(gas).to.be.at.most(MAX_GAS_SINGLE_READING);
    }
  });

  it("reports what a batch costs when both counts fire (a request raised, a part ordered and paid)", async () => {
    const { service, unit, machine } = await loadFixture(deployFundedMachine);
    const warm = readings(1000, 250, 150);
    await service.connect(unit).reportReadings(machine.address, warm.temps, warm.vibras);
    const { temps, vibras } = readings(BATCH, 250, 150);
    const tx = service.connect(unit).reportReadings(machine.address, temps, vibras);
    const gas = await gasUsed(tx);
    report("batch of 100 that fires both counts", gas, BATCH);
    // Firing writes the request and order records and pays: outside the per-reading budget, by design.
    expect(await service.serviceRequestCount()).to.equal(1n);
    expect(await service.partOrderCount()).to.equal(1n);
  });
});
