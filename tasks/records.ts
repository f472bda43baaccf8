import os from "node:os";
import path from "node:path";
import { SingleBar } from "cli-progress";
import { task, types } from "hardhat/config";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { CHAINS_DIR_ENV, chainsDir, DEFAULT_CHAINS_DIR } from "../src/chains/networks";
import { DEFAULT_BATCH_SIZE, DEFAULT_IN_FLIGHT } from "../src/records/defaults";
import { RecordsOptionError } from "../src/records/errors";
import { placementsPath } from "../src/records/placements";
import { readTopology, topologyPath } from "../src/chains/topology";
import type { SendSummary } from "../src/records/send";

// The modules below use the TypeChain factories, which exist only after `hardhat compile`;
// hardhat.config.ts loads this file before any compile, so they are required when a task runs.
type RecordsModule = typeof import("../src/records");
type AnchorModule = typeof import("../src/anchor");
const recordsModule = (): RecordsModule => require("../src/records") as RecordsModule;
const anchorModule = (): AnchorModule => require("../src/anchor") as AnchorModule;

/** Hashing workers by default: a core is left to the sender's main thread, at most 4 are worth it. */
const DEFAULT_WORKERS = Math.max(1, Math.min(4, os.availableParallelism() - 1));

const DIR_HELP = `Chains directory (topology.json, batch stores, records/); default $${CHAINS_DIR_ENV} or ${DEFAULT_CHAINS_DIR} in the project`;

function resolveDir(dir: string | undefined, hre: HardhatRuntimeEnvironment): string {
  return dir === undefined ? chainsDir(hre.config.paths.root) : path.resolve(dir);
}

/** A number option where a word means "not set" (e.g. "unlimited"). */
function optionalRate(text: string): number | undefined {
  const trimmed = text.trim().toLowerCase();
  if (trimmed === "unlimited") return undefined;
  const value = Number(trimmed);
  if (trimmed === "" || !Number.isFinite(value) || value <= 0) throw new RecordsOptionError("--rate", `must be "unlimited" or a positive number of records per second, got "${text}"`);
  return value;
}

function formatSummary(summary: SendSummary, summaryFile: string): string {
  const n = (value: number) => value.toLocaleString("en-US");
  const lines = [
    `${n(summary.records)} records of ${summary.log}: ${n(summary.intra)} intra-chain, ${n(summary.cross)} cross-chain` +
      ` → ${n(summary.copies)} copies on ${summary.chains.length} chains (${n(summary.written)} written now, ${n(summary.alreadyOnChain)} already there)`,
    `  formula 1 storage count ${n(summary.storageCount)}; ${n(summary.written)} records in ${summary.seconds.toFixed(2)} s = ${n(summary.recordsPerSecond)} records/s`,
  ];
  if (summary.chainless.length > 0) {
    lines.push(`  devices in no community (no chain): ${summary.chainless.join(", ")}: ${n(summary.hostless)} copies not written, ${n(summary.unplaced)} records on no chain`);
  }
  if (summary.skippedUnknown > 0) lines.push(`  skipped ${n(summary.skippedUnknown)} records naming unknown devices`);
  const header = ["chain", "records", "total", "batches", "txs", "gas", "gas/record", "records/s"];
  const rows = summary.chains.map((c) => [c.name, n(c.records), n(c.total), n(c.batches), n(c.transactions), n(c.gas), n(c.gasPerRecord), n(c.recordsPerSecond)]);
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]) => `  ${cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join("  ")}`;
  lines.push(line(header), ...rows.map(line));
  lines.push(`  placements: ${summary.placements}`, `  summary: ${summaryFile}`);
  return lines.join("\n");
}

task("records:send", "Replays a traffic log onto the community chains: each record goes where the storage model (formula 1) places it, in Merkle batches on each chain's RecordLog; resumes where the chains are")
  .addOptionalParam("log", "Traffic log (CSV: timestamp,from,to[,bytes]), the one the partition was made from", "traffic.csv", types.string)
  .addOptionalParam("rate", 'Most records per second overall ("unlimited" = as fast as the chains take them)', "unlimited", types.string)
  .addOptionalParam("batchSize", "Records per batch (one appendBatch transaction each)", DEFAULT_BATCH_SIZE, types.int)
  .addOptionalParam("inFlight", "Batches per chain in flight (flushed, not yet confirmed); the ready ones go to the chain together", DEFAULT_IN_FLIGHT, types.int)
  .addOptionalParam("workers", "Worker threads hashing the batches (0: hash on the main thread); default: CPUs - 1, at least 1, at most 4", DEFAULT_WORKERS, types.int)
  .addOptionalParam("dir", DIR_HELP, undefined, types.string)
  .addFlag("skipUnknown", "Skip records naming a device that is not in the partition, instead of stopping at the first")
  .addFlag("skipInvalid", "Skip log rows that do not parse (as partition --skip-invalid), instead of stopping at the first")
  .setAction(async (args: { log: string; rate: string; batchSize: number; inFlight: number; workers: number; dir?: string; skipUnknown: boolean; skipInvalid: boolean }, hre) => {
    const rate = optionalRate(args.rate);
    const dir = resolveDir(args.dir, hre);
    const stop = new AbortController();
    const interrupt = () => {
      process.stderr.write("\nstopping: writing what was read, then exiting (run records:send again to resume)\n");
      stop.abort();
    };
    process.once("SIGINT", interrupt);
    let bar: SingleBar | undefined;
    try {
      const { summary, summaryFile } = await recordsModule().sendRecords({
        dir,
        log: args.log,
        rate,
        batchSize: args.batchSize,
        inFlight: args.inFlight,
        workers: args.workers,
        skipUnknown: args.skipUnknown,
        skipInvalid: args.skipInvalid,
        signal: stop.signal,
        onProgress: (p) => {
          if (bar === undefined) {
            bar = new SingleBar({ format: "records:send [{bar}] {percentage}% | {value}/{total} records | {confirmed} confirmed | {speed} records/s", stream: process.stderr, hideCursor: true });
            bar.start(p.total, 0, { confirmed: 0, speed: 0 });
          }
          bar.update(p.records, { confirmed: p.confirmed, speed: p.elapsedMs > 0 ? Math.round((p.confirmed * 1000) / p.elapsedMs) : 0 });
        },
      });
      bar?.stop();
      bar = undefined;
      console.log(formatSummary(summary, summaryFile));
      return summary;
    } catch (error) {
      // Ctrl-C is a way to stop, not a failure to report with a stack trace.
      if (!(error instanceof recordsModule().RecordsInterruptedError)) throw error;
      bar?.stop();
      bar = undefined;
      console.log(error.message);
      process.exitCode = 130;
      return undefined;
    } finally {
      bar?.stop();
      process.off("SIGINT", interrupt);
    }
  });

task("records:verify", "Verifies every copy of one traffic-log record as a light client (main-chain anchors only): looks its chains and record ids up in the placements of records:send")
  .addParam("line", "Line of the record in the traffic log (the header is line 1)", undefined, types.int)
  .addOptionalParam("dir", DIR_HELP, undefined, types.string)
  .setAction(async (args: { line: number; dir?: string }, hre) => {
    const dir = resolveDir(args.dir, hre);
    const file = placementsPath(dir);
    const placement = await recordsModule().findPlacement(file, args.line);
    if (placement === undefined) throw new RecordsOptionError("--line", `${file} has no record at log line ${args.line} (the header, a skipped row, or past the end)`);
    console.log(`line ${placement.line}: ${placement.from} -> ${placement.to}, ${placement.cross ? "cross-chain" : "intra-chain"}, ${placement.records.length} cop${placement.records.length === 1 ? "y" : "ies"}`);
    const verdicts = [];
    // One light client for every copy: the main chain's anchors are loaded once.
    const { TopologyVerifier } = anchorModule();
    const topologyFile = topologyPath(dir);
    const verifier = await TopologyVerifier.open(readTopology(topologyFile), dir, { topologyFile });
    try {
      for (const [chain, record] of placement.records) {
        const verdict = await verifier.verify(chain, record);
        verdicts.push(verdict);
        if (verdict.valid) console.log(`  VALID   ${chain} record ${record} (batch ${verdict.verified.batchId}, anchored height ${verdict.verified.anchor.height})`);
        else console.log(`  INVALID ${chain} record ${record}: ${verdict.reason}: ${verdict.message}`);
      }
    } finally {
      verifier.close();
    }
    if (verdicts.some((v) => !v.valid)) process.exitCode = 1;
    return { placement, verdicts };
  });
