// The gas limits the unit signs with hold in the worst case: every other reading fires a service
// request and a part order (count thresholds of 1), with a permit and the payment in the batch.
import { expect } from "chai";
import { ethers, network } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { EPR_MAX_READERS_PER_RECORD } from "../../../src/iot/abi";
import { batchGasLimit, maxFires, recordGasLimit, recordWithReadersGasLimit, DEFAULT_GAS } from "../../../src/iot/gas";
import { statusRecordCall } from "../../../src/iot/status-record";
import { IoTUnit } from "../../../src/iot/unit";
import { deploySuite, Kind, MACHINE, PART_PRICE, reading, setMachineThresholds } from "./fixture";
import { tempDir } from "./helpers";

async function deployWorstCase() {
  const suite = await deploySuite();
  const [, , minter] = await ethers.getSigners();
  await setMachineThresholds(suite, 1);
  await suite.token.connect(minter).mint(suite.wallets.unit.address, PART_PRICE * 100n);
  return suite;
}

describe("iot/gas", function () {
  this.timeout(60_000);

  it("bounds fires per batch by the count threshold (unknown: 1)", () => {
    expect([
      maxFires(100, 1),
      maxFires(100, 1000),
      maxFires(1, 1000),
      maxFires(10, undefined),
      maxFires(0, 3),
    ]).to.deep.equal([50, 1, 1, 5, 0]);
    expect(batchGasLimit(10, { tempCountThreshold: 4, vibraCountThreshold: 4 }, false)).to.equal(
      DEFAULT_GAS.batchBase + 10n * DEFAULT_GAS.perReading + 4n * DEFAULT_GAS.perFire + DEFAULT_GAS.payment,
    );
    expect(recordGasLimit(100, 60)).to.equal(DEFAULT_GAS.recordBase + 160n * DEFAULT_GAS.perRecordByte);
    expect(recordWithReadersGasLimit(100, 60, 3)).to.equal(recordGasLimit(100, 60) + 3n * DEFAULT_GAS.authorize);
  });

  it("a status record authorizing the most readers, each linked for the first time, stays under its limit", async () => {
    const suite = await loadFixture(deploySuite);
    const [admin] = await ethers.getSigners();
    // Readers the EPR has never met: each one's Summary gets the relationship linked (the costly case).
    const readers = Array.from({ length: EPR_MAX_READERS_PER_RECORD }, () => ethers.Wallet.createRandom().address);
    for (const [i, reader] of readers.entries())
      await suite.register.connect(admin).register(`gas-lab-${i}`, reader, Kind.ThirdParty);
    const uri = `ipfs://bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy`;
    const call = statusRecordCall({
      query: "status?device=0x01&sequence=1",
      contentHash: ethers.keccak256("0x01"),
      uri,
      objectCommitment: ethers.keccak256("0x02"),
      thirdParties: readers,
    });
    const unit = suite.wallets.unit.connect(ethers.provider);
    const receipt = await (
      await unit.sendTransaction({ to: await suite.epr.getAddress(), data: call.data, gasLimit: call.gasLimit })
    ).wait();
    expect(receipt?.status).to.equal(1);
    expect(receipt!.gasUsed < call.gasLimit, `used ${receipt!.gasUsed} of ${call.gasLimit}`).to.equal(true);
    expect(await suite.epr.readersOf(0)).to.deep.equal(readers);
  });

  it("a batch of 1, 10 and 100 readings all firing, with permit and payment, stays under its limit", async () => {
    const suite = await loadFixture(deployWorstCase);
    const {
      unit: unitWallet,
      provider: providerWallet,
      lab: labWallet,
      otherLab: otherLabWallet,
      stranger: strangerWallet,
    } = suite.wallets;
    const { dir, dispose } = await tempDir("iot-gas");
    const unit = await IoTUnit.open({
      wallet: unitWallet,
      chain: network.provider,
      contracts: suite.contracts,
      machine: MACHINE,
      stateDir: dir,
      batch: { size: 100, maxDelayMs: 60_000 },
      // A new permit whenever a batch paid for a part (the allowance then falls under the mark).
      funding: { lowWater: PART_PRICE * 1000n, target: PART_PRICE * 1000n },
      queue: { pollIntervalMs: 5 },
    });
    try {
      let t = 0;
      for (const size of [1, 10, 100]) {
        for (let i = 0; i < size; i++) await unit.record(reading(t++, 250, 150));
        await unit.flush();
        await unit.idle();
      }
      const entries = unit.queue.entries();
      // The single reading fires nothing, so the allowance stays at the mark and batch 10 carries no
      // permit; batch 10 pays for parts, so batch 100 (the worst case) carries one.
      expect(entries.map((e) => [e.meta.readings, e.meta.permit !== undefined])).to.deep.equal([
        [1, true],
        [10, false],
        [100, true],
      ]);
      for (const entry of entries) {
        const receipt = await ethers.provider.getTransactionReceipt(entry.signatures.at(-1)!.hash);
        expect(receipt?.status, `batch of ${String(entry.meta.readings)}`).to.equal(1);
        expect(
          receipt!.gasUsed < entry.gasLimit,
          `batch of ${String(entry.meta.readings)} used ${receipt!.gasUsed} of ${entry.gasLimit}`,
        ).to.equal(true);
      }
      // 111 hot readings, every other one fires each rule.
      expect(await suite.service.serviceRequestCount()).to.equal(55n);
      expect(await suite.service.partOrderCount()).to.equal(55n);
      expect(await suite.token.balanceOf(providerWallet.address)).to.equal(55n * PART_PRICE);
    } finally {
      await unit.close();
      await dispose();
    }
  });
});
