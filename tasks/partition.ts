// `npx hardhat partition`: log → trust graph → threshold → k-clique communities → strategies →
// partition.json + report.md + charts. Parses, calls src/partition and src/report, prints.
import path from "node:path";
import { SingleBar } from "cli-progress";
import { task, types } from "hardhat/config";
import { DEFAULT_SEED, PartitionInputError, runPartition, type PartitionStage } from "../src/partition/pipeline";
import { DEFAULT_MIN_CHAIN_SIZE } from "../src/partition/strategies/optimized";
import { writePartitionOutputs } from "../src/report/outputs";

/** Logs at least this big get a progress bar (about 300,000 records). */
const PROGRESS_BAR_FROM_BYTES = 8 * 1024 * 1024;

const STAGES_AFTER_READ: (PartitionStage | "write")[] = ["threshold", "percolation", "strategies", "optimization", "write"];
const STAGE_LABELS: Record<PartitionStage | "write", string> = {
  read: "reading the log",
  threshold: "threshold",
  percolation: "clique percolation",
  strategies: "grouping strategies",
  optimization: "optimising",
  write: "writing outputs",
};

interface PartitionArgs {
  log: string;
  out: string;
  threshold: string;
  k: string;
  exempt: string;
  minChainSize: number;
  seed: number;
  intensity: string;
  skipInvalid: boolean;
}

/** A number option that also accepts a word meaning "not set" (e.g. "auto"). */
function optionalNumber(option: string, text: string, unset: string, integer: boolean): number | undefined {
  const trimmed = text.trim();
  if (trimmed.toLowerCase() === unset) return undefined;
  const value = Number(trimmed);
  if (trimmed === "" || !Number.isFinite(value) || (integer && !Number.isInteger(value))) {
    throw new PartitionInputError(option, `must be "${unset}" or ${integer ? "an integer" : "a number"}, got "${text}"`);
  }
  return value;
}

function shown(file: string): string {
  const relative = path.relative(process.cwd(), file);
  return relative.startsWith("..") || path.isAbsolute(relative) ? file : relative;
}

task("partition", "Divides the devices of a traffic log into community chains (k-clique percolation) and compares grouping strategies by storage")
  .addOptionalParam("log", "Traffic log (CSV: timestamp,from,to[,bytes])", "traffic.csv", types.string)
  .addOptionalParam("out", "Directory for partition.json, report.md, trust-graph.svg and storage.svg", "out", types.string)
  .addOptionalParam("threshold", 'Edge strength threshold in records/hour ("auto" = largest T leaving every non-exempt device an edge)', "auto", types.string)
  .addOptionalParam("k", 'Clique size of the chosen partition ("auto" = largest k whose communities cover every non-exempt device)', "auto", types.string)
  .addOptionalParam("exempt", "Comma-separated device ids allowed to stay uncovered (special devices)", "", types.string)
  .addOptionalParam("minChainSize", "Smallest chain the optimized strategy keeps (4 = smallest BFT validator set)", DEFAULT_MIN_CHAIN_SIZE, types.int)
  .addOptionalParam("seed", "Seed of the random groupings and Louvain", DEFAULT_SEED, types.int)
  .addOptionalParam("intensity", 'Weighted clique percolation: keep k-cliques whose geometric mean strength is ≥ this ("off" = unweighted)', "off", types.string)
  .addFlag("skipInvalid", "Skip invalid log rows (counted in partition.json) instead of stopping at the first")
  .setAction(async (args: PartitionArgs) => {
    const threshold = optionalNumber("--threshold", args.threshold, "auto", false);
    const k = optionalNumber("--k", args.k, "auto", true);
    const intensity = optionalNumber("--intensity", args.intensity, "off", false);
    const exempt = args.exempt
      .split(",")
      .map((id) => id.trim())
      .filter((id) => id !== "");
    const logFile = args.log;

    // The bar counts bytes while the log is read, then the stages after it (their own progress
    // is not measurable from outside, except the optimisation rounds shown as detail).
    let bar: SingleBar | undefined;
    const stage = (name: PartitionStage | "write") => {
      if (bar === undefined || name === "read") return;
      bar.setTotal(STAGES_AFTER_READ.length);
      bar.update(STAGES_AFTER_READ.indexOf(name), { stage: STAGE_LABELS[name], detail: "" });
    };
    try {
      const run = await runPartition(logFile, {
        threshold,
        k,
        exempt,
        minChainSize: args.minChainSize,
        seed: args.seed,
        intensity,
        skipInvalid: args.skipInvalid,
        onStage: stage,
        onReadProgress: (bytesRead, totalBytes) => {
          if (bar === undefined && totalBytes >= PROGRESS_BAR_FROM_BYTES) {
            bar = new SingleBar({ format: "partition [{bar}] {percentage}% | {stage} {detail}", stream: process.stderr, hideCursor: true });
            bar.start(totalBytes, 0, { stage: STAGE_LABELS.read, detail: "" });
          }
          bar?.update(bytesRead);
        },
        onOptimizeRound: (round, count) => bar?.update({ detail: `round ${round}, count ${count.toLocaleString("en-US")}` }),
      });
      stage("write");
      const outputs = await writePartitionOutputs(path.resolve(args.out), run.document);
      bar?.update(STAGES_AFTER_READ.length);
      bar?.stop();
      bar = undefined;

      const doc = run.document;
        const ratio = (name: string) => doc.strategies.find((s) => s.name === name)?.storageRatio.toPrecision(3) ?? "-";
      console.log(
        [
          `Partitioned ${shown(logFile)}: ${doc.log.records.toLocaleString("en-US")} records, ${doc.log.devices} devices`,
          `  threshold ${doc.threshold.value} ${doc.threshold.unit} (${doc.threshold.auto ? "auto" : "given"})`,
          `  chosen k = ${doc.chosen.k}: ${doc.chosen.communities.length} communities, ` +
            `${doc.chosen.interChainNodes.length} inter-chain devices, ${doc.chosen.uncovered.length} uncovered`,
          `  storage ratio: community ${ratio("community")}, optimized ${ratio("optimized")} (ungrouped = 1)`,
          ...Object.values(outputs).map((file) => `  wrote ${shown(file)}`),
        ].join("\n"),
      );
      return { ...run, outputs };
    } finally {
      bar?.stop();
    }
  });
