// The wiring the IoT unit's parts share: settlement handlers run one after the other in the order
// they were added, on the receipt parsed once; a listener that throws is reported, never thrown
// into the queue; a closed unit refuses new work. And the serial lock the sharing parts share.
import { EventEmitter } from "node:events";
import { expect } from "chai";
import { Wallet } from "ethers";
import { dataTokenInterface } from "../../../../src/iot/abi";
import { UnitClosedError } from "../../../../src/iot/errors";
import type { ReceiptEvents } from "../../../../src/iot/receipt-events";
import type { SettledEntry } from "../../../../src/iot/tx-queue";
import { UnitContext } from "../../../../src/iot/unit/context";
import { serialLock } from "../../../../src/iot/unit/serial-lock";
import type { IoTUnitEvents, IoTUnitOptions } from "../../../../src/iot/unit/types";

const unitWallet = Wallet.createRandom();
const machine = Wallet.createRandom().address;
const dataToken = Wallet.createRandom().address;
const maintenanceService = Wallet.createRandom().address;

function context(emitter = new EventEmitter<IoTUnitEvents>()): UnitContext {
  const options = {
    wallet: unitWallet,
    machine,
    contracts: { maintenanceService, dataToken },
    chain: "http://127.0.0.1:1",
    stateDir: "/nonexistent",
  } as unknown as IoTUnitOptions;
  return new UnitContext(options, {} as never, {} as never, {} as never, undefined, emitter);
}

/** A mined reward of `value` tokens to the unit. */
function rewardSettled(value: bigint): SettledEntry {
  const log = dataTokenInterface.encodeEventLog("Transfer", [Wallet.createRandom().address, unitWallet.address, value]);
  return {
    entry: {
      nonce: 7,
      kind: "record",
      to: dataToken,
      data: "0x",
      gasLimit: "21000",
      meta: {},
    } as unknown as SettledEntry["entry"],
    receipt: {
      transactionHash: "0x" + "11".repeat(32),
      blockNumber: 3,
      status: 1,
      gasUsed: 21000n,
      logs: [{ address: dataToken, topics: log.topics, data: log.data }],
    },
    status: "applied",
  } as SettledEntry;
}

describe("iot/unit/context", () => {
  it("runs the settlement handlers in the order added, each after the one before has finished, on one parse of the receipt", async () => {
    const ctx = context();
    const seen: string[] = [];
    const parsed: ReceiptEvents[] = [];
    ctx.onSettled(async (_settled, events) => {
      parsed.push(events);
      await new Promise((resolve) => setTimeout(resolve, 20));
      seen.push("first");
    });
    ctx.onSettled((settled, events) => {
      parsed.push(events);
      seen.push(`second:${settled.entry.nonce}`);
    });
    await ctx.settle(rewardSettled(5n));
    expect(seen).to.deep.equal(["first", "second:7"]);
    expect(parsed[0]).to.equal(parsed[1]);
    expect(parsed[0].earned).to.equal(5n);
  });

  it("reports a listener that throws as a failure, and swallows a failure listener that throws", () => {
    const emitter = new EventEmitter<IoTUnitEvents>();
    const ctx = context(emitter);
    const failures: string[] = [];
    emitter.on("sensorEnded", () => {
      throw new Error("listener bug");
    });
    emitter.on("failure", ({ operation, error }) => failures.push(`${operation}: ${error.message}`));
    expect(() => ctx.emit("sensorEnded")).not.to.throw();
    expect(failures).to.deep.equal(["listener of sensorEnded: listener bug"]);
    emitter.on("failure", () => {
      throw new Error("failure listener bug");
    });
    expect(() => ctx.emit("sensorEnded")).not.to.throw();
  });

  it("refuses new work once closed", () => {
    const ctx = context();
    expect(() => ctx.assertOpen()).not.to.throw();
    ctx.markClosed();
    expect(ctx.isClosed).to.equal(true);
    expect(() => ctx.assertOpen()).to.throw(UnitClosedError);
  });

  it("serial lock: runs one at a time in order, and a failed run does not hold up the next", async () => {
    const lock = serialLock();
    const order: string[] = [];
    const slow = lock(async () => {
      await new Promise((resolve) => setTimeout(resolve, 20));
      order.push("slow");
      return 1;
    });
    const failing = lock(async () => {
      order.push("failing");
      throw new Error("boom");
    });
    const next = lock(async () => {
      order.push("next");
      return 3;
    });
    expect(await slow).to.equal(1);
    await failing.then(
      () => expect.fail("should reject"),
      (error: Error) => expect(error.message).to.equal("boom"),
    );
    expect(await next).to.equal(3);
    expect(order).to.deep.equal(["slow", "failing", "next"]);
  });
});
