// `npx hardhat gen-traffic`: writes the synthetic factory traffic log. Parses, calls
// src/traffic/generate, prints; the workload itself lives in the library.
import path from "node:path";
import { types } from "hardhat/config";
import { TrafficOptionsError } from "../src/traffic/errors";
import { describeTrafficPlan } from "../src/traffic/format";
import { DEFAULT_TRAFFIC_OPTIONS, writeTrafficLog, type TrafficPlan } from "../src/traffic/generate";
import { parseTimestamp } from "../src/traffic/log";
import { commchainTask, optionalCount, shown, TaskProgress } from "./kit";

/** Below this many records the log is written in well under a second: no progress bar. */
const PROGRESS_BAR_FROM_RECORDS = 200_000;

interface GenTrafficArgs {
  nodes: number;
  records: number;
  groups: string;
  overlap: string;
  background: number;
  span: number;
  start: string;
  seed: number;
  out: string;
}

commchainTask(
  "gen-traffic",
  "Writes a seeded synthetic factory traffic log (CSV) shaped as the dividing paper's 44-device experiment",
)
  .addOptionalParam(
    "nodes",
    "Devices; ids 01…N zero-padded to the width of N",
    DEFAULT_TRAFFIC_OPTIONS.devices,
    types.int,
  )
  .addOptionalParam("records", "Records in the log, exactly", DEFAULT_TRAFFIC_OPTIONS.records, types.int)
  .addOptionalParam("groups", 'Work cells with heavy traffic inside ("auto" = devices / 9)', "auto", types.string)
  .addOptionalParam("overlap", 'Bridge devices, each in two cells ("auto" = 40% of the cells)', "auto", types.string)
  .addOptionalParam(
    "background",
    "Mean light-traffic partners per device outside its cells",
    DEFAULT_TRAFFIC_OPTIONS.background,
    types.float,
  )
  .addOptionalParam("span", "Hours from the first to the last record", DEFAULT_TRAFFIC_OPTIONS.spanHours, types.float)
  .addOptionalParam(
    "start",
    "Time of the first record: ISO-8601 or Unix milliseconds",
    new Date(DEFAULT_TRAFFIC_OPTIONS.start).toISOString(),
    types.string,
  )
  .addOptionalParam(
    "seed",
    "PRNG seed: the same options and seed give the same file byte for byte",
    DEFAULT_TRAFFIC_OPTIONS.seed,
    types.int,
  )
  .addOptionalParam("out", "CSV file to write (atomically; its directory is created)", "traffic.csv", types.string)
  .setAction(async (args: GenTrafficArgs) => {
    const start = parseTimestamp(args.start.trim());
    if (typeof start === "string") throw new TrafficOptionsError("start", start);
    const file = path.resolve(args.out);
    const bar =
      args.records >= PROGRESS_BAR_FROM_RECORDS
        ? new TaskProgress("gen-traffic [{bar}] {percentage}% | {value}/{total} records")
        : undefined;
    bar?.show(0, args.records);
    let plan: TrafficPlan;
    try {
      plan = await writeTrafficLog(file, {
        devices: args.nodes,
        records: args.records,
        groups: optionalCount(args.groups, { option: "groups", word: "auto", error: TrafficOptionsError }),
        overlap: optionalCount(args.overlap, { option: "overlap", word: "auto", error: TrafficOptionsError }),
        background: args.background,
        spanHours: args.span,
        start,
        seed: args.seed,
        onProgress: (written) => bar?.show(written, args.records),
      });
    } finally {
      bar?.stop();
    }
    console.log(describeTrafficPlan(shown(file), plan));
    return { file, plan };
  });
