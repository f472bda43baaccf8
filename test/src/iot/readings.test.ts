// Readings on their way to the contract: rounding and clamping, and the batcher's size and
// delay rules.
import { expect } from "chai";
import { IoTConfigError } from "../../../src/iot/errors";
import { ReadingBatcher, toContractReading, type BatchPolicy } from "../../../src/iot/readings";
import type { SensorReading } from "../../../src/iot/sensors";
import { expectRejects } from "./helpers";

const r = (i: number): SensorReading => ({ time: i, temperature: 20 + i, vibration: 40 + i });

describe("iot/readings", () => {
  it("rounds to the nearest integer and clamps into int32 / uint32", () => {
    expect(toContractReading({ time: 0, temperature: 200.4, vibration: 100.5 })).to.deep.equal({
      temp: 200,
      vibra: 101,
    });
    expect(toContractReading({ time: 0, temperature: 200.6, vibration: 99.4 })).to.deep.equal({ temp: 201, vibra: 99 });
    expect(toContractReading({ time: 0, temperature: -40.6, vibration: -3 })).to.deep.equal({ temp: -41, vibra: 0 });
    expect(toContractReading({ time: 0, temperature: 1e12, vibration: 1e12 })).to.deep.equal({
      temp: 2 ** 31 - 1,
      vibra: 2 ** 32 - 1,
    });
    expect(toContractReading({ time: 0, temperature: -1e12, vibration: 0 })).to.deep.equal({
      temp: -(2 ** 31),
      vibra: 0,
    });
  });

  it("hands over full batches in order, and the rest on flush", async () => {
    const batches: number[][] = [];
    const batcher = new ReadingBatcher(
      { size: 3, maxDelayMs: 60_000 },
      async (batch) => void batches.push(batch.map((x) => x.time)),
    );
    for (let i = 0; i < 7; i++) await batcher.add(r(i));
    expect(batches).to.deep.equal([
      [0, 1, 2],
      [3, 4, 5],
    ]);
    expect(batcher.waiting).to.equal(1);
    await batcher.flush();
    await batcher.flush();
    expect(batches).to.deep.equal([[0, 1, 2], [3, 4, 5], [6]]);
    batcher.stop();
  });

  it("flushes a partial batch once its oldest reading waited maxDelayMs", async () => {
    let handed: (batch: SensorReading[]) => void = () => undefined;
    const handedOver = new Promise<SensorReading[]>((resolve) => (handed = resolve));
    const batcher = new ReadingBatcher({ size: 100, maxDelayMs: 5 }, async (batch) => handed(batch));
    await batcher.add(r(1));
    await batcher.add(r(2));
    expect((await handedOver).map((x) => x.time)).to.deep.equal([1, 2]);
    expect(batcher.waiting).to.equal(0);
  });

  it("reports a failed delayed flush at once and throws it from the next call", async () => {
    let reported: unknown;
    const told = new Promise<void>((resolve) => {
      const batcher = new ReadingBatcher(
        { size: 100, maxDelayMs: 1 },
        async () => {
          throw new Error("queue closed");
        },
        (error) => {
          reported = error;
          resolve();
        },
      );
      void batcher.add(r(1)).then(async () => {
        await told;
        const error = await expectRejects(batcher.add(r(2)), Error);
        expect(error.message).to.equal("queue closed");
        batcher.stop();
      });
    });
    await told;
    expect((reported as Error).message).to.equal("queue closed");
  });

  it("rejects a batch size outside 1..2000 and a negative delay", () => {
    const bad: [BatchPolicy, string][] = [
      [{ size: 0, maxDelayMs: 1 }, "batch.size"],
      [{ size: 2001, maxDelayMs: 1 }, "batch.size"],
      [{ size: 1.5, maxDelayMs: 1 }, "batch.size"],
      [{ size: 1, maxDelayMs: -1 }, "batch.maxDelayMs"],
    ];
    for (const [policy, option] of bad) {
      expect(() => new ReadingBatcher(policy, async () => undefined))
        .to.throw(IoTConfigError)
        .with.property("option", option);
    }
  });
});
