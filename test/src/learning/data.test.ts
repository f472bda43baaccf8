// The onset data: both classes present, owners differ (non-IID), deterministic per (seed, device),
// a fifth of the devices held out, and the windows never touch an episode.
import { expect } from "chai";
import {
  deviceDataset,
  deviceProfile,
  FEATURES,
  learningDataset,
  LearningConfigError,
  onsetWindows,
  ownerDatasets,
  syntheticDeviceIds,
} from "../../../src/learning";

describe("learning/data", () => {
  const devices = syntheticDeviceIds(10);
  const data = learningDataset(devices, { seed: 1 });

  it("holds 10 owners and 3 held-out devices (20 % of 13), chosen by the seed", () => {
    expect(devices).to.have.length(13);
    expect(data.owners).to.have.length(10);
    expect(data.holdoutDevices).to.have.length(3);
    expect(data.owners.map((o) => o.owner).filter((d) => data.holdoutDevices.includes(d))).to.deep.equal([]);
    expect(learningDataset(devices, { seed: 2 }).holdoutDevices).not.to.deep.equal(data.holdoutDevices);
    for (const owners of [1, 3, 7, 10, 50, 100]) {
      const ids = syntheticDeviceIds(owners);
      expect(ids.length - Math.ceil(ids.length * 0.2), `owners ${owners}`).to.equal(owners);
    }
  });

  it("labels both classes, onsets the rarer, in the owners' data and in the holdout", () => {
    const positives = data.owners.reduce((s, o) => s + o.positives, 0);
    const samples = data.owners.reduce((s, o) => s + o.samples, 0);
    expect(positives).to.be.above(50);
    expect(positives / samples).to.be.within(0.03, 0.3);
    const held = data.holdout.labels.reduce((a, b) => a + b, 0);
    expect(held).to.be.above(10);
    expect(held).to.be.below(data.holdout.samples / 2);
  });

  it("is non-IID: the owners' onset rates, sizes and mean temperature features differ", () => {
    const rates = data.owners.map((o) => o.positives / o.samples);
    expect(Math.max(...rates) / Math.min(...rates)).to.be.above(3);
    const sizes = data.owners.map((o) => o.samples);
    expect(Math.max(...sizes) / Math.min(...sizes)).to.be.above(2);
    const meanTemperature = data.owners.map((o) => {
      let s = 0;
      for (let i = 0; i < o.samples; i++) s += o.features[i * FEATURES];
      return s / o.samples;
    });
    expect(Math.max(...meanTemperature) - Math.min(...meanTemperature)).to.be.above(0.2);
    expect(new Set(data.owners.map((o) => o.profile.dominant)).size).to.be.above(1);
  });

  it("is deterministic per (seed, device): one device's data does not depend on the others", () => {
    const alone = ownerDatasets(["device-4"], { seed: 1 })[0];
    const within = data.owners.find((o) => o.owner === "device-4")!;
    expect(Buffer.from(alone.features.buffer).equals(Buffer.from(within.features.buffer))).to.be.true;
    expect(Array.from(alone.labels)).to.deep.equal(Array.from(within.labels));
    const other = ownerDatasets(["device-4"], { seed: 2 })[0];
    expect(other.samples === alone.samples && other.features.every((x, i) => x === alone.features[i])).to.be.false;
  });

  it("keeps windows of normal operation only, one per stride, labelled by onset within the horizon", () => {
    // 40 readings, an episode at 20..24: windows of 5, horizon 3, stride 2.
    const flags = Array.from({ length: 40 }, (_, i) => (i >= 20 && i < 25 ? 1 : 0));
    const prefix = new Uint32Array(41);
    flags.forEach((f, i) => (prefix[i + 1] = prefix[i] + f));
    const { ends, labels, positives } = onsetWindows(prefix, { window: 5, horizon: 3, stride: 2 });
    // Ends 5, 7, …, 37; those whose window [end−5, end) touches 20..24 (ends 21..29) are dropped.
    expect(ends).to.deep.equal([5, 7, 9, 11, 13, 15, 17, 19, 31, 33, 35, 37]);
    // Label 1 when the episode starts within readings end..end+2: only end 19 (19..21 holds 20).
    expect(Array.from(labels)).to.deep.equal([0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0]);
    expect(positives).to.equal(1);
    // With the defaults, a device's windows are at most one per 10 readings.
    const profile = { ...deviceProfile("device-1", 1), readings: 3000 };
    const d = deviceDataset(profile, { seed: 1 });
    expect(d.samples)
      .to.be.above(0)
      .and.at.most(Math.floor((3000 - 180) / 10) + 1);
    const wider = deviceDataset(profile, { seed: 1, horizon: 120 });
    expect(wider.positives / wider.samples).to.be.above(d.positives / d.samples);
  });

  it("rejects bad options, naming them", () => {
    const cases: [Parameters<typeof ownerDatasets>[1], string][] = [
      [{ seed: 1.5 }, "seed"],
      [{ seed: 1, window: 2 }, "window"],
      [{ seed: 1, stride: 0 }, "stride"],
      [{ seed: 1, readings: { min: 100, max: 200 } }, "readings"],
    ];
    for (const [options, option] of cases)
      expect(() => ownerDatasets(["a"], options))
        .to.throw(LearningConfigError)
        .with.property("option", option);
    expect(() => ownerDatasets(["a", "a"], { seed: 1 }))
      .to.throw(LearningConfigError)
      .with.property("option", "deviceIds");
  });
});
