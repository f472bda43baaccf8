import { expect } from "chai";
import { ethers } from "hardhat";
import { deployRecordLog } from "../../../src/anchor";
import { APPEND_BATCH_GAS_LIMIT } from "../../../src/records";

describe("records/defaults", () => {
  it("APPEND_BATCH_GAS_LIMIT covers a batch with the longest location the RecordLog takes", async () => {
    const [admin, writer] = await ethers.getSigners();
    const log = (await deployRecordLog(admin, [writer.address])).connect(writer);
    const longest = "x".repeat(Number(await log.MAX_LOCATION_LENGTH()));
    // the first batch also writes the counters' slot from zero: the dearest
    const receipt = await (
      await log.appendBatch(ethers.id("root"), 0, 2 ** 32 - 1, longest, { gasLimit: APPEND_BATCH_GAS_LIMIT })
    ).wait();
    expect(receipt!.status).to.equal(1);
    expect(receipt!.gasUsed).to.be.lessThan(APPEND_BATCH_GAS_LIMIT);
  });
});
