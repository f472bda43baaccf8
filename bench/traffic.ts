// Benchmark of the traffic generator and the log reader: the paper-scale default log and a
// 10,000-device, 1,000,000-record log, each written then read back into the trust graph.
// Run: npx ts-node bench/traffic.ts   (progress on stderr; the figures as one JSON object,
// the last line of stdout)
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { writeTrafficLog, type TrafficOptions } from "../src/traffic/generate";
import { readTrafficLog } from "../src/traffic/log";

interface Figures {
  devices: number;
  records: number;
  cells: number;
  bytes: number;
  writeMs: number;
  readMs: number;
  pairs: number;
}

async function measure(dir: string, name: string, options: TrafficOptions): Promise<Figures> {
  const file = path.join(dir, `${name}.csv`);
  process.stderr.write(`${name}: writing ${options.records ?? "default"} records…\n`);
  let started = performance.now();
  const plan = await writeTrafficLog(file, options);
  const writeMs = performance.now() - started;
  process.stderr.write(`${name}: reading back…\n`);
  started = performance.now();
  const { graph } = await readTrafficLog(file);
  const readMs = performance.now() - started;
  return {
    devices: plan.options.devices,
    records: plan.options.records,
    cells: plan.groups.length,
    bytes: (await stat(file)).size,
    writeMs: Math.round(writeMs),
    readMs: Math.round(readMs),
    pairs: graph.size,
  };
}

async function main(): Promise<void> {
  const dir = await mkdtemp(path.join(tmpdir(), "commchain-bench-traffic-"));
  try {
    const paper = await measure(dir, "paper", {});
    const large = await measure(dir, "large", { devices: 10_000, records: 1_000_000 });
    const maxRssMb = Math.round(process.resourceUsage().maxRSS / 1024);
    console.log(JSON.stringify({ bench: "traffic", paper, large, maxRssMb }));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

void main();
