// `npx hardhat gen-traffic`: writes the synthetic factory traffic log. Parses, calls
// src/trust/generate, prints; the workload itself lives in the library.
import path from "node:path";
import { SingleBar } from "cli-progress";
import { task, types } from "hardhat/config";
import { TrafficOptionsError } from "../src/traffic/errors";
import { DEFAULT_TRAFFIC_OPTIONS, writeTrafficLog, type TrafficPlan } from "../src/traffic/generate";
import { parseTimestamp } from "../src/traffic/log";

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

function autoOrInteger(option: string, text: string): number | undefined {
  if (text.trim().toLowerCase() === "auto") return undefined;
  if (!/^\d+$/.test(text.trim())) throw new TrafficOptionsError(option, `must be "auto" or an integer ≥ 0, got "${text}"`);
  return Number(text);
}

function describe(file: string, plan: TrafficPlan): string {
  const { options } = plan;
  const sizes = plan.groups.map((members) => members.length);
  return [
    `Wrote ${file}`,
    `  ${options.records.toLocaleString("en-US")} records, ${options.devices} devices (${plan.devices[0]}…${plan.devices[plan.devices.length - 1]}), seed ${options.seed}`,
    `  ${plan.groups.length} cells of ${Math.min(...sizes)}–${Math.max(...sizes)} devices, ${plan.bridges.length} bridge devices` +
      (plan.bridges.length > 0 && plan.bridges.length <= 10 ? ` (${plan.bridges.join(", ")})` : ""),
    `  ${plan.pairs.filter((pair) => pair.kind === "light").length} light pairs between cells, ${plan.hubs.length} hubs, ${plan.quiet.length} quiet devices`,
    `  span ${options.spanHours} h from ${new Date(options.start).toISOString()}; every in-cell pair ≥ ${plan.heartbeat} records ` +
      `(${plan.heartbeat / options.spanHours}/h), every light pair fewer`,
  ].join("\n");
}

task("gen-traffic", "Writes a seeded synthetic factory traffic log (CSV) shaped as the dividing paper's 44-device experiment")
  .addOptionalParam("nodes", "Devices; ids 01…N zero-padded to the width of N", DEFAULT_TRAFFIC_OPTIONS.devices, types.int)
  .addOptionalParam("records", "Records in the log, exactly", DEFAULT_TRAFFIC_OPTIONS.records, types.int)
  .addOptionalParam("groups", 'Work cells with heavy traffic inside ("auto" = devices / 9)', "auto", types.string)
  .addOptionalParam("overlap", 'Bridge devices, each in two cells ("auto" = 40% of the cells)', "auto", types.string)
  .addOptionalParam("background", "Mean light-traffic partners per device outside its cells", DEFAULT_TRAFFIC_OPTIONS.background, types.float)
  .addOptionalParam("span", "Hours from the first to the last record", DEFAULT_TRAFFIC_OPTIONS.spanHours, types.float)
  .addOptionalParam("start", "Time of the first record: ISO-8601 or Unix milliseconds", new Date(DEFAULT_TRAFFIC_OPTIONS.start).toISOString(), types.string)
  .addOptionalParam("seed", "PRNG seed: the same options and seed give the same file byte for byte", DEFAULT_TRAFFIC_OPTIONS.seed, types.int)
  .addOptionalParam("out", "CSV file to write (atomically; its directory is created)", "traffic.csv", types.string)
  .setAction(async (args: GenTrafficArgs) => {
    const start = parseTimestamp(args.start.trim());
    if (typeof start === "string") throw new TrafficOptionsError("start", start);
    const file = path.resolve(args.out);
    const bar =
      args.records >= PROGRESS_BAR_FROM_RECORDS
        ? new SingleBar({ format: "gen-traffic [{bar}] {percentage}% | {value}/{total} records", stream: process.stderr })
        : undefined;
    bar?.start(args.records, 0);
    let plan: TrafficPlan;
    try {
      plan = await writeTrafficLog(file, {
        devices: args.nodes,
        records: args.records,
        groups: autoOrInteger("groups", args.groups),
        overlap: autoOrInteger("overlap", args.overlap),
        background: args.background,
        spanHours: args.span,
        start,
        seed: args.seed,
        onProgress: (written) => bar?.update(written),
      });
    } finally {
      bar?.stop();
    }
    const relative = path.relative(process.cwd(), file);
    console.log(describe(relative.startsWith("..") || path.isAbsolute(relative) ? file : relative, plan));
    return { file, plan };
  });
