// Status snapshots: statistics against a direct computation, canonical bytes, decoding errors.
import { expect } from "chai";
import { keccak256 } from "ethers";
import { StatusFormatError } from "../../../src/iot/errors";
import { SyntheticSensor } from "../../../src/iot/sensors";
import {
  decodeStatus,
  encodeStatus,
  StatusAccumulator,
  statusQuery,
  type StatusSnapshot,
} from "../../../src/iot/status";

const DEVICE = "0x00000000000000000000000000000000000000d1";
const MACHINE = "0x00000000000000000000000000000000000a11ce";

function direct(values: number[], threshold: number) {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const variance = values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length;
  const round = (v: number) => Math.round(v * 1000) / 1000;
  return {
    min: round(Math.min(...values)),
    max: round(Math.max(...values)),
    mean: round(mean),
    stddev: round(Math.sqrt(variance)),
    last: round(values.at(-1)!),
    aboveThreshold: values.filter((v) => Math.round(v) > threshold).length,
  };
}

describe("iot/status", () => {
  it("summarizes the readings since the last reset like a direct computation", () => {
    const sensor = new SyntheticSensor({ seed: 3, episodes: [{ start: 20, length: 30, kind: "both" }] });
    const readings = Array.from({ length: 100 }, () => sensor.next());
    const acc = new StatusAccumulator({ temperature: 200, vibration: 100 });
    for (const r of readings) acc.add(r);
    const snapshot = acc.snapshot({ device: DEVICE, machine: MACHINE, sequence: 4 })!;
    expect(snapshot.window).to.deep.equal({ from: readings[0].time, to: readings[99].time, readings: 100 });
    expect(snapshot.temperature).to.deep.equal(
      direct(
        readings.map((r) => r.temperature),
        200,
      ),
    );
    expect(snapshot.vibration).to.deep.equal(
      direct(
        readings.map((r) => r.vibration),
        100,
      ),
    );
    expect(snapshot.temperature.aboveThreshold).to.equal(30);
    expect([snapshot.device, snapshot.machine, snapshot.sequence, snapshot.thresholds]).to.deep.equal([
      "0x00000000000000000000000000000000000000D1",
      "0x00000000000000000000000000000000000A11cE",
      4,
      { temperature: 200, vibration: 100 },
    ]);
    acc.reset();
    expect(acc.count).to.equal(0);
    expect(acc.snapshot({ device: DEVICE, machine: MACHINE, sequence: 5 })).to.equal(undefined);
    acc.add(readings[0]);
    expect(acc.snapshot({ device: DEVICE, machine: MACHINE, sequence: 5 })!.window).to.deep.equal({
      from: readings[0].time,
      to: readings[0].time,
      readings: 1,
    });
  });

  it("counts a reading above a threshold as the contract does: rounded, then strictly above", () => {
    const acc = new StatusAccumulator({ temperature: 200, vibration: 100 });
    for (const [temperature, vibration] of [
      [200.4, 100.4],
      [200.5, 100.5],
      [200, 100],
      [201, 99.9],
    ])
      acc.add({ time: 1, temperature, vibration });
    const snapshot = acc.snapshot({ device: DEVICE, machine: MACHINE, sequence: 1 })!;
    expect([snapshot.temperature.aboveThreshold, snapshot.vibration.aboveThreshold]).to.deep.equal([2, 1]);
  });

  it("encodes canonically: the same snapshot with keys in another order gives the same bytes and hash", () => {
    const acc = new StatusAccumulator({ temperature: 200, vibration: 100 });
    acc.add({ time: 1, temperature: 70.12345, vibration: 40 });
    const snapshot = acc.snapshot({ device: DEVICE, machine: MACHINE, sequence: 1 })!;
    // Every object's keys reversed, at every depth.
    const reverse = (value: unknown): unknown =>
      typeof value === "object" && value !== null
        ? Object.fromEntries(
            Object.entries(value)
              .reverse()
              .map(([k, v]) => [k, reverse(v)]),
          )
        : value;
    const reordered = reverse(snapshot) as StatusSnapshot;
    expect(Object.keys(reordered)[0]).to.equal("vibration");
    expect(keccak256(encodeStatus(reordered))).to.equal(keccak256(encodeStatus(snapshot)));
    expect(decodeStatus(encodeStatus(snapshot))).to.deep.equal(snapshot);
    expect(snapshot.temperature.mean).to.equal(70.123);
  });

  it("names the field of a malformed snapshot", () => {
    const acc = new StatusAccumulator({ temperature: 200, vibration: 100 });
    acc.add({ time: 1, temperature: 70, vibration: 40 });
    const good = JSON.parse(
      new TextDecoder().decode(encodeStatus(acc.snapshot({ device: DEVICE, machine: MACHINE, sequence: 1 })!)),
    );
    const cases: [unknown, string][] = [
      [{ ...good, format: "other" }, "format"],
      [{ ...good, version: 2 }, "version"],
      [{ ...good, device: "robot" }, "device"],
      [{ ...good, sequence: "1" }, "sequence"],
      [{ ...good, vibration: { ...good.vibration, stddev: null } }, "vibration.stddev"],
      [{ ...good, window: { from: 1, to: 2 } }, "window.readings"],
    ];
    for (const [value, field] of cases) {
      expect(() => decodeStatus(new TextEncoder().encode(JSON.stringify(value))))
        .to.throw(StatusFormatError)
        .with.property("field", field);
    }
    expect(() => decodeStatus(new Uint8Array([0xff])))
      .to.throw(StatusFormatError)
      .with.property("field", "(document)");
  });

  it("names the subset in the query string: machine, sequence and window", () => {
    const acc = new StatusAccumulator({ temperature: 200, vibration: 100 });
    acc.add({ time: 10, temperature: 1, vibration: 1 });
    acc.add({ time: 20, temperature: 1, vibration: 1 });
    expect(statusQuery(acc.snapshot({ device: DEVICE, machine: MACHINE, sequence: 7 })!)).to.equal(
      "status?machine=0x00000000000000000000000000000000000A11cE&seq=7&from=10&to=20",
    );
  });
});
