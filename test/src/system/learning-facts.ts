/** Consistent facts of the learning and coalition steps, for the report's checks (parts.test.ts, learning-checks.test.ts). */
import type { CoalitionFacts } from "../../../src/system/coalition";
import type { LearningFacts } from "../../../src/system/learning";

const metrics = (balancedAccuracy: number) => ({
  accuracy: balancedAccuracy + 0.05,
  balancedAccuracy,
  auc: balancedAccuracy + 0.1,
  loss: 0.4,
});

export function learningFacts(): LearningFacts {
  const owners = ["01", "02", "03", "04"].map((device, i) => ({
    device,
    chain: `community-${1 + (i % 2)}`,
    address: `0x0${i}`,
    samples: 100 + i,
    positives: 10,
    roundsSurvived: i === 3 ? 1 : 2,
    trustBefore: 0.5,
    trustAfter: i === 3 ? 0.45 : 0.62,
    paid: "20",
    soloBalancedAccuracy: 0.7,
  }));
  const round = (r: number, survivors: string[], dropped: string[]) => ({
    round: r,
    survivors,
    dropped,
    metrics: metrics(0.8),
    bytesPerOwner: { sent: 2000, received: 3000 },
    aggregateHash: "0xaa",
    modelHash: "0xbb",
    gasUsed: 150_000,
  });
  return {
    service: {
      chain: "community-1",
      market: "0xm",
      taskId: 1,
      secure: true,
      consumer: "0xc",
      analyst: "0xa",
      candidates: 6,
      willing: 6,
      distrusted: [],
      threshold: 3,
      owners,
      rounds: [round(1, ["01", "02", "03"], ["04"]), round(2, ["01", "02", "03", "04"], [])],
      accuracy: { federated: metrics(0.8), centralized: metrics(0.81), soloMean: metrics(0.7) },
      holdout: { devices: ["05"], samples: 50, positives: 5 },
      payments: {
        price: "100",
        analystFee: "20",
        ownersPaid: "80",
        bond: "10",
        bondReturned: "10",
        conserved: true,
        provenFromMain: { owners: 2, proven: 2, anchorHeight: 40 },
      },
      dropoutsSurvived: 1,
      modelHash: "0xbb",
      model: [0.5, -0.25],
      gas: { request: 1, accept: 1, select: 1, commitRound: 1, deliver: 1, confirm: 1 },
    },
    files: { json: "learning/learning.json", report: "learning/report.md", chart: "learning/accuracy.svg" },
  };
}

export function coalitionFacts(): CoalitionFacts {
  return {
    miners: 4,
    seed: 1,
    partition: [[1, 2], [3], [4]],
    merges: 1,
    splits: 0,
    status: "stable",
    certified: true,
    belowSingleton: 0,
    startsDiffer: false,
    totalUtility: { final: 1, singletons: 0, grand: -1 },
    markdown: "## Miners' coalition-formation game\n",
    round: {
      contract: "0xr",
      round: 1,
      reward: "100",
      coalitions: [
        { coalitionId: 1, miners: [1, 2], capacity: "5000", probability: 0.5 },
        { coalitionId: 2, miners: [3], capacity: "3000", probability: 0.3 },
        { coalitionId: 3, miners: [4], capacity: "2000", probability: 0.2 },
      ],
      winner: 1,
      randomness: "0x01",
      credited: { "1": "60", "2": "40" },
      conserved: true,
      gas: { register: 1, commit: 1, reveal: 1, draw: 1 },
    },
    files: { json: "coalition/coalition.json", report: "coalition/report.md", chart: "coalition/coalition.svg" },
  };
}
