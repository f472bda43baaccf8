// `npx hardhat partition`: log → trust graph → threshold → k-clique communities → strategies →
// partition.json + report.md + charts. Parses, calls src/partition and src/report, prints.
import path from "node:path";
import { types } from "hardhat/config";
import { formatPartitionSummary } from "../src/partition/format";
import { DEFAULT_SEED, PartitionInputError, runPartition, type PartitionStage } from "../src/partition/pipeline";
import { DEFAULT_MIN_CHAIN_SIZE } from "../src/partition/strategies/optimized";
import { writePartitionOutputs } from "../src/report/partition/outputs";
import { commchainTask, listItems, optionalNumber, shown, TaskProgress } from "./kit";

/** Logs at least this big get a progress bar (about 300,000 records). */
const PROGRESS_BAR_FROM_BYTES = 8 * 1024 * 1024;

const STAGES_AFTER_READ: (PartitionStage | "write")[] = [
  "threshold",
  "percolation",
  "strategies",
  "optimization",
  "write",
];
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

commchainTask(
  "partition",
  "Divides the devices of a traffic log into community chains (k-clique percolation) and compares grouping strategies by storage",
)
  .addOptionalParam("log", "Traffic log (CSV: timestamp,from,to[,bytes])", "traffic.csv", types.string)
  .addOptionalParam(
    "out",
    "Directory for partition.json, report.md, trust-graph.svg and storage.svg",
    "out",
    types.string,
  )
  .addOptionalParam(
    "threshold",
    'Edge strength threshold in records/hour ("auto" = largest T leaving every non-exempt device an edge)',
    "auto",
    types.string,
  )
  .addOptionalParam(
    "k",
    'Clique size of the chosen partition ("auto" = largest k whose communities cover every non-exempt device)',
    "auto",
    types.string,
  )
  .addOptionalParam(
    "exempt",
    "Comma-separated device ids allowed to stay uncovered (special devices)",
    "",
    types.string,
  )
  .addOptionalParam(
    "minChainSize",
    "Smallest chain the optimized strategy keeps (4 = smallest BFT validator set)",
    DEFAULT_MIN_CHAIN_SIZE,
    types.int,
  )
  .addOptionalParam("seed", "Seed of the random groupings and Louvain", DEFAULT_SEED, types.int)
  .addOptionalParam(
    "intensity",
    'Weighted clique percolation: keep k-cliques whose geometric mean strength is ≥ this ("off" = unweighted)',
    "off",
    types.string,
  )
  .addFlag("skipInvalid", "Skip invalid log rows (counted in partition.json) instead of stopping at the first")
  .setAction(async (args: PartitionArgs) => {
    const threshold = optionalNumber(args.threshold, {
      option: "--threshold",
      word: "auto",
      error: PartitionInputError,
    });
    const k = optionalNumber(args.k, { option: "--k", word: "auto", integer: true, error: PartitionInputError });
    const intensity = optionalNumber(args.intensity, {
      option: "--intensity",
      word: "off",
      error: PartitionInputError,
    });
    const exempt = listItems(args.exempt);
    const logFile = args.log;

    // The bar counts bytes while the log is read, then the stages after it (their own progress
    // is not measurable from outside, except the optimisation rounds shown as detail).
    const bar = new TaskProgress("partition [{bar}] {percentage}% | {stage} {detail}");
    const stage = (name: PartitionStage | "write") => {
      if (!bar.shown || name === "read") return;
      bar.show(STAGES_AFTER_READ.indexOf(name), STAGES_AFTER_READ.length, { stage: STAGE_LABELS[name], detail: "" });
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
          if (bar.shown || totalBytes >= PROGRESS_BAR_FROM_BYTES)
            bar.show(bytesRead, totalBytes, { stage: STAGE_LABELS.read, detail: "" });
        },
        onOptimizeRound: (round, count) =>
          bar.detail({ detail: `round ${round}, count ${count.toLocaleString("en-US")}` }),
      });
      stage("write");
      const outputs = await writePartitionOutputs(path.resolve(args.out), run.document);
      if (bar.shown) bar.show(STAGES_AFTER_READ.length, STAGES_AFTER_READ.length);
      bar.stop();

      console.log(formatPartitionSummary(shown(logFile), run.document, Object.values(outputs).map(shown)));
      return { ...run, outputs };
    } finally {
      bar.stop();
    }
  });
