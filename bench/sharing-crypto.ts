/**
 * The off-chain half of the sharing latency (the digital-twin paper's Fig. 8, steps 1 and 5–6):
 * time of each step of writing and reading a shared record — hash, encrypt, wrap, encode, put /
 * get, decode, unwrap, decrypt, verify — on an embedded Helia store, for several payload sizes
 * and reader counts; plus key splitting, the secure sum, and the Umbral proxy re-encryption of a
 * data key at 2-of-3 (encrypt, kfrags, one reencrypt, verify of 2 cfrags, decrypt: `pre.ts`).
 *
 *   npx ts-node bench/sharing-crypto.ts [--rounds 10]
 *
 * Prints a table, then the figures as one JSON object on the last line (milliseconds, medians).
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { Wallet } from "ethers";
import { openHeliaStore } from "../src/offchain/stores/helia-store";
import { readerOf, READ_STEPS, WRITE_STEPS, type SharingStep } from "../src/offchain/envelopes/envelope";
import { readSharedRecord, writeSharedRecord } from "../src/offchain/envelopes/shared-record";
import { recoverKey, splitKey } from "../src/crypto/key-shares";
import { secureSum } from "../src/crypto/prime-shamir";
import {
  freshReceivingKey,
  makeKFrags,
  openWithCFrags,
  PRE_STEPS,
  proxyKFrags,
  reencryptFor,
  wrapKeyForAsset,
  type PreStep,
} from "../src/offchain/envelopes/pre";

const SIZES = [1024, 64 * 1024, 512 * 1024];
const READER_COUNTS = [1, 5, 10];

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

const round3 = (ms: number): number => Math.round(ms * 1000) / 1000;

async function main(): Promise<void> {
  const roundsArg = process.argv.indexOf("--rounds");
  const rounds = roundsArg > 0 ? Number(process.argv[roundsArg + 1]) : 10;
  const dir = await mkdtemp(path.join(os.tmpdir(), "commchain-bench-"));
  const store = await openHeliaStore({ dir });
  const wallets = Array.from({ length: Math.max(...READER_COUNTS) }, () => Wallet.createRandom());
  const readers = wallets.map((w) => readerOf(w.privateKey));
  const cases: Record<string, unknown>[] = [];
  try {
    for (const size of SIZES) {
      for (const count of READER_COUNTS) {
        const samples = new Map<SharingStep | "write" | "read", number[]>();
        const add = (step: SharingStep | "write" | "read", ms: number): void => {
          samples.set(step, [...(samples.get(step) ?? []), ms]);
        };
        for (let round = 0; round < rounds; round++) {
          const plaintext = new Uint8Array(randomBytes(size));
          let start = performance.now();
          const record = await writeSharedRecord(store, plaintext, readers.slice(0, count), { onStep: add });
          add("write", performance.now() - start);
          start = performance.now();
          await readSharedRecord(store, record.cid, wallets[count - 1].privateKey, record.plaintextHash, {
            onStep: add,
          });
          add("read", performance.now() - start);
        }
        const row: Record<string, unknown> = { bytes: size, readers: count };
        for (const step of [...WRITE_STEPS, ...READ_STEPS, "write", "read"] as const)
          row[step] = round3(median(samples.get(step) ?? [0]));
        cases.push(row);
        console.log(
          `${String(size).padStart(7)} B ${String(count).padStart(2)} readers  write ${String(row.write).padStart(8)} ms  read ${String(row.read).padStart(8)} ms  (wrap ${row.wrap}, put ${row.put}, get ${row.get}, unwrap ${row.unwrap})`,
        );
      }
    }
    const key = new Uint8Array(randomBytes(32));
    const splitMs: number[] = [];
    const recoverMs: number[] = [];
    for (let round = 0; round < rounds; round++) {
      let start = performance.now();
      const shares = await splitKey(key, 5, 2);
      splitMs.push(performance.now() - start);
      start = performance.now();
      await recoverKey(shares.slice(0, 3));
      recoverMs.push(performance.now() - start);
    }
    const sumMs: number[] = [];
    const inputs = Array.from({ length: 10 }, (_, i) => BigInt(150 + i));
    for (let round = 0; round < rounds; round++) {
      const start = performance.now();
      secureSum(inputs, { t: 3 });
      sumMs.push(performance.now() - start);
    }
    const umbral = umbralSteps(rounds);
    const figures = {
      benchmark: "sharing-crypto",
      unit: "ms (median)",
      rounds,
      store: "helia-fs",
      cases,
      splitKey5of3: round3(median(splitMs)),
      recoverKey3: round3(median(recoverMs)),
      secureSum10Parties_t3: round3(median(sumMs)),
      umbral2of3: umbral,
    };
    console.log(
      `splitKey (n=5, t=2) ${figures.splitKey5of3} ms, recoverKey ${figures.recoverKey3} ms, secureSum (10 parties, t=3) ${figures.secureSum10Parties_t3} ms`,
    );
    console.log(
      `umbral 2-of-3: ${PRE_STEPS.map((step) => `${step} ${umbral[step]} ms`).join(", ")} (reencrypt per proxy, verify of 2 cfrags)`,
    );
    console.log(JSON.stringify(figures));
  } finally {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
}

/** Medians of the Umbral steps of one trade at 2-of-3 over a 32-byte data key, fresh keys each round. */
function umbralSteps(rounds: number): Record<PreStep, number> {
  const samples = new Map<PreStep, number[]>();
  const add = (step: PreStep, ms: number): void => {
    samples.set(step, [...(samples.get(step) ?? []), ms]);
  };
  for (let round = 0; round < rounds; round++) {
    const owner = Wallet.createRandom();
    const asset = `0x${randomBytes(32).toString("hex")}`;
    const buyer = freshReceivingKey();
    let start = performance.now();
    const wrap = wrapKeyForAsset(owner, asset, new Uint8Array(randomBytes(32)));
    add("encrypt", performance.now() - start);
    start = performance.now();
    const grant = makeKFrags(owner, asset, buyer.publicKey, 2, 3);
    add("kfrags", performance.now() - start);
    const cfrags = proxyKFrags(grant).map((proxy) => {
      start = performance.now();
      const cfrag = reencryptFor(proxy, wrap.capsule);
      add("reencrypt", performance.now() - start);
      return cfrag;
    });
    openWithCFrags(buyer.secretKey, wrap, cfrags.slice(0, 2), 2, add);
  }
  return Object.fromEntries(PRE_STEPS.map((step) => [step, round3(median(samples.get(step) ?? [0]))])) as Record<
    PreStep,
    number
  >;
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
