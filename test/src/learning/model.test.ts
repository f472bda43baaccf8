// The model and its metrics: AUC by ranks with ties, balanced accuracy, log loss; SGD that learns a
// separable set and is deterministic per seed; payment weights and the guarded leave-one-out.
import { expect } from "chai";
import {
  auc,
  evaluate,
  FEATURES,
  initialModel,
  learningDataset,
  leaveOneOut,
  LearningConfigError,
  paymentWeights,
  payouts,
  predict,
  syntheticDeviceIds,
  trainLocal,
  type Dataset,
} from "../../../src/learning";

describe("learning/model and metrics", () => {
  it("computes AUC by ranks, ties counting one half", () => {
    // Positives 0.8, 0.4; negatives 0.4, 0.1: pairs (0.8>0.4), (0.8>0.1), (0.4=0.4: ½), (0.4>0.1) → 3.5/4.
    expect(auc(Float64Array.of(0.8, 0.4, 0.4, 0.1), Uint8Array.of(1, 1, 0, 0))).to.equal(0.875);
    expect(auc(Float64Array.of(0.5, 0.5, 0.5), Uint8Array.of(1, 0, 0))).to.equal(0.5);
    expect(auc(Float64Array.of(0.1, 0.9), Uint8Array.of(1, 0))).to.equal(0);
  });

  it("computes accuracy, balanced accuracy and log loss at the 0.5 cut", () => {
    // 1 positive (missed), 3 negatives (all right): accuracy 3/4, balanced (0 + 1)/2.
    const m = evaluate(Float64Array.of(0.4, 0.1, 0.2, 0.3), Uint8Array.of(1, 0, 0, 0));
    expect(m.accuracy).to.equal(0.75);
    expect(m.balancedAccuracy).to.equal(0.5);
    const expected = -(Math.log(0.4) + Math.log(0.9) + Math.log(0.8) + Math.log(0.7)) / 4;
    expect(m.loss).to.be.closeTo(expected, 1e-12);
    expect(() => evaluate(Float64Array.of(0.5), Uint8Array.of())).to.throw(LearningConfigError);
  });

  it("learns a separable set, deterministically per seed", () => {
    const samples = 200;
    const features = new Float64Array(samples * FEATURES);
    const labels = new Uint8Array(samples);
    for (let i = 0; i < samples; i++) {
      labels[i] = i % 5 === 0 ? 1 : 0;
      features[i * FEATURES] = labels[i] === 1 ? 1 + (i % 7) / 10 : -1 - (i % 3) / 10;
    }
    const data: Dataset = { features, labels, samples };
    let model = initialModel();
    for (let e = 0; e < 5; e++) model = trainLocal(model, data, { seed: e });
    const m = evaluate(predict(model, data), labels);
    expect(m.balancedAccuracy).to.equal(1);
    expect(Array.from(trainLocal(initialModel(), data, { seed: 3 }))).to.deep.equal(
      Array.from(trainLocal(initialModel(), data, { seed: 3 })),
    );
    expect(Array.from(trainLocal(initialModel(), data, { seed: 3 }))).not.to.deep.equal(
      Array.from(trainLocal(initialModel(), data, { seed: 4 })),
    );
    expect(() => trainLocal(initialModel(), data, { seed: 1, batchSize: 0 }))
      .to.throw(LearningConfigError)
      .with.property("option", "batchSize");
    expect(() => trainLocal(new Float64Array(3), data, { seed: 1 }))
      .to.throw(LearningConfigError)
      .with.property("option", "model");
  });
});

describe("learning/contribution", () => {
  it("weighs owners by samples × rounds survived, and pays floor shares leaving the dust", () => {
    const w = paymentWeights([100, 300, 50], [20, 18, 0]);
    expect(w.weights).to.deep.equal([2000n, 5400n, 0n]);
    expect(w.total).to.equal(7400n);
    const { payouts: paid, dust } = payouts(1_000_001n, w);
    expect(paid).to.deep.equal([270270n, 729730n, 0n]);
    expect(dust).to.equal(1n);
    expect(paid.reduce((a, b) => a + b, 0n) + dust).to.equal(1_000_001n);
    expect(payouts(10n, paymentWeights([1], [0]))).to.deep.equal({ payouts: [0n], dust: 10n });
    expect(() => paymentWeights([1, 2], [1])).to.throw(LearningConfigError);
  });

  it("runs leave-one-out only when plain: true is passed (it exposes each owner's update)", async () => {
    const data = learningDataset(syntheticDeviceIds(3), { seed: 4 });
    const options = { seed: 4, rounds: 2 };
    const refused = await leaveOneOut(data.owners, data.holdout, { ...options, plain: false }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(refused).to.be.instanceOf(LearningConfigError).with.property("option", "plain");
    const loo = await leaveOneOut(data.owners, data.holdout, { ...options, plain: true });
    expect(loo.balancedAccuracyDrop).to.have.length(3);
    expect(loo.aucDrop.every(Number.isFinite)).to.be.true;
  });
});
