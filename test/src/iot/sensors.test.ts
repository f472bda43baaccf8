// Sensor sources: the seeded synthetic machine (deterministic, anomalies over Table 1's
// thresholds, enough of them with the defaults) and the adapters for real sensors.
import { expect } from "chai";
import { createHash } from "node:crypto";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { IoTConfigError, SensorReadingError } from "../../../src/iot/errors";
import {
  callbackSource,
  csvReplaySource,
  iterableSource,
  SyntheticSensor,
  type SensorReading,
  type SensorSink,
  type SensorSource,
} from "../../../src/iot/sensors";
import { expectRejects, tempDir } from "./helpers";

/**
 * Asserts two long tables are equal row by row, naming the first row that differs (chai's deep
 * equality, as patched by hardhat-chai-matchers for bigints, takes seconds on a few hundred rows).
 */
function expectSameRows(actual: unknown[], expected: unknown[]): void {
  expect(actual.length).to.equal(expected.length);
  const first = actual.findIndex((row, i) => JSON.stringify(row) !== JSON.stringify(expected[i]));
  expect(
    first,
    first < 0 ? "" : `row ${first}: ${JSON.stringify(actual[first])} != ${JSON.stringify(expected[first])}`,
  ).to.equal(-1);
}

async function collect(source: SensorSource, signal?: AbortSignal): Promise<SensorReading[]> {
  const readings: SensorReading[] = [];
  for await (const reading of source.readings(signal)) readings.push(reading);
  return readings;
}

describe("iot/sensors", () => {
  describe("SyntheticSensor", () => {
    it("gives the same readings for the same seed, and other readings for another seed", async () => {
      const a = await collect(new SyntheticSensor({ seed: 7, count: 500 }));
      const b = await collect(new SyntheticSensor({ seed: 7, count: 500 }));
      const c = await collect(new SyntheticSensor({ seed: 8, count: 500 }));
      expect(a).to.have.length(500);
      expectSameRows(a, b);
      expect(a.filter((r, i) => r.temperature === c[i].temperature)).to.have.length(0);
    });

    it("spaces readings by the interval from the start time", () => {
      const sensor = new SyntheticSensor({ seed: 1, startTime: 1_000, intervalMs: 250 });
      expect([sensor.next().time, sensor.next().time, sensor.next().time]).to.deep.equal([1_000, 1_250, 1_500]);
      expect(sensor.produced).to.equal(3);
    });

    it("stays under the thresholds in normal operation and goes over them, signal by signal, in scheduled episodes", () => {
      const episodes = [
        { start: 100, length: 50, kind: "vibration" as const },
        { start: 300, length: 50, kind: "temperature" as const },
        { start: 500, length: 50, kind: "both" as const },
      ];
      const sensor = new SyntheticSensor({ seed: 5, episodes });
      const readings = Array.from({ length: 700 }, () => sensor.next());
      const episodeOf = (i: number) => episodes.find((e) => i >= e.start && i < e.start + e.length)?.kind;
      const expected = readings.map((r) => {
        const kind = episodeOf(r.index);
        return [r.index, kind === "vibration" || kind === "both", kind === "temperature" || kind === "both", kind];
      });
      expectSameRows(
        readings.map((r) => [r.index, r.vibration > 100, r.temperature > 200, r.anomaly]),
        expected,
      );
    });

    it("with the defaults, has more than a thousand hot readings of each signal within six thousand readings", () => {
      const sensor = new SyntheticSensor({ seed: 42 });
      const readings = Array.from({ length: 6000 }, () => sensor.next());
      expect(readings.filter((r) => Math.round(r.vibration) > 100).length).to.be.greaterThan(1000);
      expect(readings.filter((r) => Math.round(r.temperature) > 200).length).to.be.greaterThan(1000);
      // Normal operation dominates nonetheless.
      expect(readings.filter((r) => r.anomaly === undefined).length).to.be.greaterThan(3000);
    });

    it("keeps the noise stream aligned: the same seed with and without an episode differs only inside it", () => {
      const plain = new SyntheticSensor({ seed: 11, episodes: [] });
      const hot = new SyntheticSensor({ seed: 11, episodes: [{ start: 10, length: 5, kind: "both" }] });
      for (let i = 0; i < 30; i++) {
        const [p, h] = [plain.next(), hot.next()];
        if (i >= 10 && i < 15) expect(h.vibration).to.be.greaterThan(p.vibration);
        else expect(h).to.deep.equal(p);
      }
    });

    it("stops at `count`, and when aborted", async () => {
      expect(await collect(new SyntheticSensor({ seed: 1, count: 3 }))).to.have.length(3);
      const abort = new AbortController();
      const readings: SensorReading[] = [];
      for await (const r of new SyntheticSensor({ seed: 1 }).readings(abort.signal)) {
        readings.push(r);
        if (readings.length === 4) abort.abort();
      }
      expect(readings).to.have.length(4);
    });

    it("rejects bad options, naming them", () => {
      const cases: [ConstructorParameters<typeof SyntheticSensor>[0], string][] = [
        [{ seed: 1.5 }, "seed"],
        [{ seed: 1, anomalies: { rate: 2 } }, "anomalies.rate"],
        [{ seed: 1, anomalies: { minLength: 5, maxLength: 2 } }, "anomalies"],
        [{ seed: 1, anomalies: { kinds: [] } }, "anomalies.kinds"],
        [{ seed: 1, count: -1 }, "count"],
        [
          {
            seed: 1,
            episodes: [
              { start: 10, length: 5, kind: "both" },
              { start: 12, length: 1, kind: "both" },
            ],
          },
          "episodes[1]",
        ],
      ];
      for (const [options, option] of cases) {
        expect(() => new SyntheticSensor(options))
          .to.throw(IoTConfigError)
          .with.property("option", option);
      }
    });
  });

  describe("SyntheticSensor precursor", () => {
    const precursor = { readings: 200, ramp: 0.4, noiseScale: 1.5 };
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const std = (xs: number[]) => Math.sqrt(mean(xs.map((x) => (x - mean(xs)) ** 2)));

    it("is off by default: the readings of a seed are those from before the option existed", () => {
      // The SHA-256 of these 6,000 readings was taken with the sensor as it was before `precursor`.
      const hash = createHash("sha256");
      const random = new SyntheticSensor({ seed: 42 });
      for (let i = 0; i < 5000; i++) hash.update(JSON.stringify(random.next()));
      const scheduled = new SyntheticSensor({ seed: 3, episodes: [{ start: 300, length: 50, kind: "both" }] });
      for (let i = 0; i < 1000; i++) hash.update(JSON.stringify(scheduled.next()));
      expect(hash.digest("hex")).to.equal("991b7d2e61f9f7d3f19731808bcd30613919f3c660b9e7c8708a1f8bfd93fc9a");
    });

    it("ramps the episode's signal 40 % toward its level over the 200 readings before it, noise x 1.5, the other signal untouched", () => {
      const episodes = [{ start: 1000, length: 100, kind: "vibration" as const }];
      const sensor = new SyntheticSensor({ seed: 9, episodes, precursor });
      const readings = Array.from({ length: 1100 }, () => sensor.next());
      const before = readings.slice(0, 800);
      const ramp = readings.slice(800, 1000);
      expect(before.every((r) => r.precursor === undefined)).to.equal(true);
      expect(ramp.every((r) => r.precursor === "vibration")).to.equal(true);
      expect(readings.slice(1000).every((r) => r.precursor === undefined && r.anomaly === "vibration")).to.equal(true);
      // Last 40 readings: progress 0.8..1, mean 45 + 0.4 x 0.9 x (140 - 45) = 79.2 expected.
      expect(mean(ramp.slice(160).map((r) => r.vibration))).to.be.within(74, 84);
      expect(mean(before.map((r) => r.vibration))).to.be.within(43, 47);
      // Noise: the residual around the linear ramp, 8 x 1.5 = 12 expected.
      const residuals = ramp.map((r, k) => r.vibration - (45 + 0.4 * ((k + 1) / 200) * 95));
      expect(std(residuals)).to.be.within(10.5, 13.5);
      expect(std(before.map((r) => r.vibration))).to.be.within(7, 9);
      // Temperature is not the episode's signal: normal level and noise.
      expect(mean(ramp.map((r) => r.temperature))).to.be.within(69, 71);
      expect(std(ramp.map((r) => r.temperature))).to.be.within(3.4, 4.6);
    });

    it("precedes random episodes too, deterministically per seed, and only when the gap before them allows", () => {
      const make = () => new SyntheticSensor({ seed: 11, precursor });
      const [a, b] = [make(), make()];
      const readings = Array.from({ length: 20_000 }, () => a.next());
      expect(readings.every((r) => JSON.stringify(r) === JSON.stringify(b.next()))).to.equal(true);
      const starts = readings.filter((r, i) => r.anomaly !== undefined && readings[i - 1]?.anomaly === undefined);
      expect(starts.length).to.be.greaterThan(10);
      // Every normal reading within 200 before an episode builds up to that episode's kind.
      const wrong: number[] = [];
      for (const start of starts) {
        for (let i = start.index - 1; i >= Math.max(0, start.index - 200) && readings[i].anomaly === undefined; i--)
          if (readings[i].precursor !== start.anomaly) wrong.push(i);
      }
      expect(wrong, "readings not building up to the next episode").to.deep.equal([]);
      const marked = readings.filter((r) => r.precursor !== undefined).length;
      expect(marked).to.be.at.most(starts.length * 200);
      expect(readings.filter((r) => r.precursor !== undefined && r.anomaly !== undefined)).to.have.length(0);
    });

    it("rejects bad precursor options, naming them", () => {
      const cases: [Partial<typeof precursor>, string][] = [
        [{ readings: 0 }, "precursor.readings"],
        [{ readings: 2.5 }, "precursor.readings"],
        [{ ramp: 1.5 }, "precursor.ramp"],
        [{ noiseScale: 0 }, "precursor.noiseScale"],
      ];
      for (const [bad, option] of cases) {
        expect(() => new SyntheticSensor({ seed: 1, precursor: { ...precursor, ...bad } }))
          .to.throw(IoTConfigError)
          .with.property("option", option);
      }
    });
  });

  describe("adapters", () => {
    const sample: SensorReading[] = [
      { time: 1, temperature: 20, vibration: 30 },
      { time: 2, temperature: 21, vibration: 31 },
    ];

    it("iterableSource yields an array or an async iterator, and names a bad reading", async () => {
      expect(await collect(iterableSource("array", sample))).to.deep.equal(sample);
      async function* driver() {
        yield* sample;
      }
      expect(await collect(iterableSource("driver", driver()))).to.deep.equal(sample);
      const bad = iterableSource("driver", [sample[0], { time: 3, temperature: Number.NaN, vibration: 1 }]);
      const error = await expectRejects(collect(bad), SensorReadingError);
      expect([error.source, error.position, error.field]).to.deep.equal(["driver", "reading 2", "temperature"]);
    });

    it("callbackSource buffers pushed readings, ends on `end`, unsubscribes, and passes a driver failure on", async () => {
      let sink: SensorSink | undefined;
      let unsubscribed = 0;
      const source = callbackSource("mqtt", (s) => {
        sink = s;
        return () => unsubscribed++;
      });
      const reading = collect(source);
      await new Promise((resolve) => setImmediate(resolve));
      sink!.push(sample[0]);
      sink!.push(sample[1]);
      sink!.end();
      expect(await reading).to.deep.equal(sample);
      expect(unsubscribed).to.equal(1);

      const failing = callbackSource("serial", (s) => {
        setImmediate(() => {
          s.push(sample[0]);
          s.end(new Error("port closed"));
        });
        return () => unsubscribed++;
      });
      const error = await expectRejects(collect(failing), Error);
      expect(error.message).to.equal("port closed");
      expect(unsubscribed).to.equal(2);
    });

    it("callbackSource stops and unsubscribes when aborted", async () => {
      let unsubscribed = false;
      const abort = new AbortController();
      const source = callbackSource("endless", (s) => {
        const timer = setInterval(() => s.push({ time: Date.now(), temperature: 1, vibration: 1 }), 1);
        return () => {
          clearInterval(timer);
          unsubscribed = true;
        };
      });
      const readings: SensorReading[] = [];
      for await (const r of source.readings(abort.signal)) {
        readings.push(r);
        if (readings.length === 3) abort.abort();
      }
      expect(readings).to.have.length(3);
      expect(unsubscribed).to.equal(true);
    });

    describe("csvReplaySource", () => {
      let dir: string;
      let dispose: () => Promise<void>;
      beforeEach(async () => ({ dir, dispose } = await tempDir("iot-csv")));
      afterEach(() => dispose());

      it("replays a CSV with Unix-ms or ISO times, and custom column names", async () => {
        const file = path.join(dir, "robot.csv");
        await writeFile(file, "time,temperature,vibration\n1735689600000,71.5,44\n2025-01-01T00:00:01Z,72,45.5\n\n");
        expect(await collect(csvReplaySource(file))).to.deep.equal([
          { time: 1735689600000, temperature: 71.5, vibration: 44 },
          { time: 1735689601000, temperature: 72, vibration: 45.5 },
        ]);
        const renamed = path.join(dir, "renamed.csv");
        await writeFile(renamed, "ts,t_c,v_hz\n5,1,2\n");
        expect(
          await collect(csvReplaySource(renamed, { columns: { time: "ts", temperature: "t_c", vibration: "v_hz" } })),
        ).to.deep.equal([{ time: 5, temperature: 1, vibration: 2 }]);
      });

      it("names the line and field of a bad row, and a column missing from the header", async () => {
        const file = path.join(dir, "bad.csv");
        await writeFile(file, "time,temperature,vibration\n1,20,30\n2,hot,30\n");
        const error = await expectRejects(collect(csvReplaySource(file)), SensorReadingError);
        expect([error.source, error.position, error.field]).to.deep.equal([file, "line 3", "temperature"]);
        await writeFile(file, "time,temperature\n1,20\n");
        const missing = await expectRejects(collect(csvReplaySource(file)), SensorReadingError);
        expect([missing.position, missing.field]).to.deep.equal(["line 1", "vibration"]);
        expect(missing.message).to.contain('no column "vibration"');
      });
    });
  });
});
