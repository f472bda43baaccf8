import os from "node:os";
import { types } from "hardhat/config";
import { formatCopyVerdict } from "../src/anchor/format";
import { readTopology, topologyPath } from "../src/chains/topology";
import { DEFAULT_BATCH_SIZE, DEFAULT_IN_FLIGHT } from "../src/records/defaults";
import { RecordsOptionError } from "../src/records/errors";
import { describePlacement, formatSendSummary } from "../src/records/format";
import { placementsPath } from "../src/records/placements";
import {
  anchorModule,
  chainsDirParam,
  commchainTask,
  exitInterrupted,
  onInterrupt,
  optionalNumber,
  recordsModule,
  resolveChainsDir,
  TaskProgress,
} from "./kit";

/** Hashing workers by default: a core is left to the sender's main thread, at most 4 are worth it. */
const DEFAULT_WORKERS = Math.max(1, Math.min(4, os.availableParallelism() - 1));

const DIR_HOLDS = "topology.json, batch stores, records/";

commchainTask(
  "records:send",
  "Replays a traffic log onto the community chains: each record goes where the storage model (formula 1) places it, in Merkle batches on each chain's RecordLog; resumes where the chains are",
)
  .addOptionalParam(
    "log",
    "Traffic log (CSV: timestamp,from,to[,bytes]), the one the partition was made from",
    "traffic.csv",
    types.string,
  )
  .addOptionalParam(
    "rate",
    'Most records per second overall ("unlimited" = as fast as the chains take them)',
    "unlimited",
    types.string,
  )
  .addOptionalParam("batchSize", "Records per batch (one appendBatch transaction each)", DEFAULT_BATCH_SIZE, types.int)
  .addOptionalParam(
    "inFlight",
    "Batches per chain in flight (flushed, not yet confirmed); the ready ones go to the chain together",
    DEFAULT_IN_FLIGHT,
    types.int,
  )
  .addOptionalParam(
    "workers",
    "Worker threads hashing the batches (0: hash on the main thread); default: CPUs - 1, at least 1, at most 4",
    DEFAULT_WORKERS,
    types.int,
  )
  .addOptionalParam(...chainsDirParam(DIR_HOLDS))
  .addFlag("skipUnknown", "Skip records naming a device that is not in the partition, instead of stopping at the first")
  .addFlag(
    "skipInvalid",
    "Skip log rows that do not parse (as partition --skip-invalid), instead of stopping at the first",
  )
  .setAction(
    async (
      args: {
        log: string;
        rate: string;
        batchSize: number;
        inFlight: number;
        workers: number;
        dir?: string;
        skipUnknown: boolean;
        skipInvalid: boolean;
      },
      hre,
    ) => {
      const rate = optionalNumber(args.rate, {
        option: "--rate",
        word: "unlimited",
        positive: true,
        unit: "of records per second",
        error: RecordsOptionError,
      });
      const dir = resolveChainsDir(args.dir, hre);
      const stop = new AbortController();
      const release = onInterrupt(stop, {
        notice: () =>
          process.stderr.write("\nstopping: writing what was read, then exiting (run records:send again to resume)\n"),
      });
      const bar = new TaskProgress(
        "records:send [{bar}] {percentage}% | {value}/{total} records | {confirmed} confirmed | {speed} records/s",
      );
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
          onProgress: (p) =>
            bar.show(p.records, p.total, {
              confirmed: p.confirmed,
              speed: p.elapsedMs > 0 ? Math.round((p.confirmed * 1000) / p.elapsedMs) : 0,
            }),
        });
        bar.stop();
        console.log(formatSendSummary(summary, summaryFile));
        return summary;
      } catch (error) {
        // Ctrl-C is a way to stop, not a failure to report with a stack trace.
        if (!(error instanceof recordsModule().RecordsInterruptedError)) throw error;
        bar.stop();
        console.log(error.message);
        exitInterrupted();
        return undefined;
      } finally {
        bar.stop();
        release();
      }
    },
  );

commchainTask(
  "records:verify",
  "Verifies every copy of one traffic-log record as a light client (main-chain anchors only): looks its chains and record ids up in the placements of records:send",
)
  .addParam("line", "Line of the record in the traffic log (the header is line 1)", undefined, types.int)
  .addOptionalParam(...chainsDirParam(DIR_HOLDS))
  .setAction(async (args: { line: number; dir?: string }, hre) => {
    const dir = resolveChainsDir(args.dir, hre);
    const file = placementsPath(dir);
    const placement = await recordsModule().findPlacement(file, args.line);
    if (placement === undefined)
      throw new RecordsOptionError(
        "--line",
        `${file} has no record at log line ${args.line} (the header, a skipped row, or past the end)`,
      );
    console.log(describePlacement(placement));
    const verdicts = [];
    // One light client for every copy: the main chain's anchors are loaded once.
    const { TopologyVerifier } = anchorModule();
    const topologyFile = topologyPath(dir);
    const verifier = await TopologyVerifier.open(readTopology(topologyFile), dir, { topologyFile });
    try {
      for (const [chain, record] of placement.records) {
        const verdict = await verifier.verify(chain, record);
        verdicts.push(verdict);
        console.log(formatCopyVerdict(chain, record, verdict));
      }
    } finally {
      verifier.close();
    }
    if (verdicts.some((v) => !v.valid)) process.exitCode = 1;
    return { placement, verdicts };
  });
