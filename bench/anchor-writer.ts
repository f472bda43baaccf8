/**
 * RecordWriter throughput on one chain: communications appended, hashed, batched into Merkle
 * trees, stored atomically and appended to the RecordLog with one transaction per batch, until
 * every transaction is mined. Runs on Hardhat's in-process network (a local chain; a chain process
 * adds an HTTP round trip per batch).
 * Run: ANCHOR_BENCH_RECORDS=40000 npx hardhat run bench/anchor-writer.ts
 * Prints one line per batch size, then one JSON object on the last line.
 */
import { BatchStore, RecordWriter, type Communication } from "../src/records";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { ethers } from "hardhat";
import { deployRecordLog } from "../src/anchor";

const total = Number(process.env.ANCHOR_BENCH_RECORDS ?? 40_000);
const sizes = [256, 1024, 2048];

function communications(count: number): Communication[] {
  return Array.from({ length: count }, (_, i) => ({
    timestamp: 1_700_000_000_000 + 250 * i,
    from: String((i % 44) + 1).padStart(2, "0"),
    to: String(((3 * i + 5) % 44) + 1).padStart(2, "0"),
    bytes: 40 + ((i * 13) % 1_460),
  }));
}

async function main(): Promise<void> {
  const [admin, writer] = await ethers.getSigners();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "commchain-anchor-bench-"));
  const figures: Record<
    string,
    { recordsPerSecond: number; recordsPerCpuSecond: number; batches: number; gasPerRecord: number }
  > = {};
  try {
    const input = communications(total);
    for (const size of sizes) {
      const log = await deployRecordLog(admin, [writer.address]);
      const rw = await RecordWriter.open(writer, await log.getAddress(), new BatchStore(path.join(dir, String(size))), {
        batchSize: size,
        gasLimit: 2_000_000n,
      });
      const cpu = process.cpuUsage();
      const start = process.hrtime.bigint();
      const batches = await rw.write(input);
      const receipts = await Promise.all(batches.map((b) => b.tx.wait()));
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      const used = process.cpuUsage(cpu);
      const gas = receipts.reduce((sum, r) => sum + Number(r!.gasUsed), 0);
      figures[String(size)] = {
        recordsPerSecond: Math.round(total / seconds),
        recordsPerCpuSecond: Math.round(total / ((used.user + used.system) / 1e6)),
        batches: batches.length,
        gasPerRecord: Math.round(gas / total),
      };
      console.log(
        `batch ${size}: ${figures[String(size)].recordsPerSecond} records/s (${figures[String(size)].recordsPerCpuSecond} per CPU second, chain included), ${batches.length} batches, ${figures[String(size)].gasPerRecord} gas/record`,
      );
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  console.log(
    JSON.stringify({
      bench: "anchor-writer",
      records: total,
      cpus: os.cpus().length,
      load: os.loadavg()[0],
      batches: figures,
    }),
  );
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
