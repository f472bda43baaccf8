/**
 * The cost of secure aggregation in FedAvg: seconds per round and bytes per data owner per round at
 * 10, 50 and 100 owners, secure (Bonawitz double masking, four stages, every message as bytes)
 * against plain (the same 14-word vectors in the clear). Then the expansion factor at d = 2^16
 * words — bytes an owner sends securely over bytes it would send in the clear — beside Bonawitz et
 * al.'s 1.73× (2^10 users, 2^20 dimensions of 16 bits, against sending in the clear).
 * Run: npx ts-node bench/learning.ts [rounds, default 2]
 * Prints one line per setting, then one JSON object on the last line.
 */
import {
  encodeVector,
  federatedTraining,
  learningDataset,
  runSecAggRound,
  simulatedAccounts,
  syntheticDeviceIds,
} from "../src/learning";

const rounds = Number(process.argv[2] ?? 2);
const SIZES = [10, 50, 100];
const EXPANSION_DIMENSION = 2 ** 16;
const EXPANSION_OWNERS = 10;

interface Row {
  owners: number;
  secureSecondsPerRound: number;
  plainSecondsPerRound: number;
  secureBytesSent: number;
  secureBytesReceived: number;
  plainBytesSent: number;
  plainBytesReceived: number;
}

async function main(): Promise<void> {
  const rows: Row[] = [];
  for (const owners of SIZES) {
    const data = learningDataset(syntheticDeviceIds(owners), { seed: 1 });
    const options = { owners: data.owners, holdout: data.holdout, seed: 1, rounds };
    const secure = await federatedTraining({ ...options, secure: true });
    const plain = await federatedTraining({ ...options, secure: false });
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const row: Row = {
      owners,
      secureSecondsPerRound: mean(secure.rounds.map((r) => r.seconds)),
      plainSecondsPerRound: mean(plain.rounds.map((r) => r.seconds)),
      secureBytesSent: secure.rounds[0].bytesPerOwner.sent,
      secureBytesReceived: secure.rounds[0].bytesPerOwner.received,
      plainBytesSent: plain.rounds[0].bytesPerOwner.sent,
      plainBytesReceived: plain.rounds[0].bytesPerOwner.received,
    };
    rows.push(row);
    console.log(
      `${owners} owners: secure ${row.secureSecondsPerRound.toFixed(2)} s/round, ${row.secureBytesSent.toFixed(0)} B sent ` +
        `${row.secureBytesReceived.toFixed(0)} B received per owner; plain ${row.plainSecondsPerRound.toFixed(3)} s/round, ` +
        `${row.plainBytesSent} B sent ${row.plainBytesReceived} B received`,
    );
  }

  // Expansion at d = 2^16: measured at 10 owners; at 50 and 100 from their measured overhead, since
  // only the masked vector's message depends on d (keys, shares and unmasking do not).
  const vector = encodeVector(Float64Array.from({ length: EXPANSION_DIMENSION }, (_, j) => Math.sin(j))).words;
  const started = performance.now();
  const big = await runSecAggRound({
    task: "bench",
    round: 1,
    inputs: Array.from({ length: EXPANSION_OWNERS }, () => vector),
    accounts: simulatedAccounts(1, EXPANSION_OWNERS),
  });
  const bigSeconds = (performance.now() - started) / 1000;
  const clear = 1 + 2 + 4 + 4 * EXPANSION_DIMENSION;
  const measured = big.traffic.sent[0] / clear;
  const expansion = rows.map((r) => ({
    owners: r.owners,
    factor: (r.secureBytesSent - r.plainBytesSent + clear) / clear,
  }));
  console.log(
    `d = 2^16: ${EXPANSION_OWNERS} owners measured ${measured.toFixed(4)}x (${bigSeconds.toFixed(2)} s for the round); ` +
      expansion.map((e) => `${e.owners} owners ${e.factor.toFixed(4)}x`).join(", ") +
      "; Bonawitz 2017: 1.73x at 2^10 users, 2^20 x 16-bit",
  );
  console.log(
    JSON.stringify({
      bench: "learning",
      rounds,
      dimension: 14,
      sizes: rows.map((r) => ({
        ...r,
        secureSecondsPerRound: Number(r.secureSecondsPerRound.toFixed(3)),
        plainSecondsPerRound: Number(r.plainSecondsPerRound.toFixed(4)),
        secureBytesSent: Math.round(r.secureBytesSent),
        secureBytesReceived: Math.round(r.secureBytesReceived),
      })),
      expansionAt2p16: {
        measuredOwners: EXPANSION_OWNERS,
        measured: Number(measured.toFixed(4)),
        seconds: Number(bigSeconds.toFixed(2)),
        byOwners: expansion.map((e) => ({ owners: e.owners, factor: Number(e.factor.toFixed(4)) })),
        bonawitz: 1.73,
      },
    }),
  );
}

void main();
