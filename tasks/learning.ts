// `npx hardhat learning:run`: one federated-learning data-analysis service (IoT consensus paper
// §3.2) over a kept run's chains — DC request, DA selection by reputation, secure-aggregation
// rounds committed on chain, delivery and payments (docs/learning.md). Parses, calls, prints.
import path from "node:path";
import { types } from "hardhat/config";
import { commchainTask, learningServiceModule, shown } from "./kit";

interface LearningArgs {
  runDir?: string;
  dir?: string;
  out?: string;
  chain?: string;
  owners: number;
  rounds: number;
  dropouts: number;
  seed: number;
  plain: boolean;
}

commchainTask(
  "learning:run",
  "Runs a federated-learning analysis service on a kept run's chains: request, selection by reputation, secure-aggregation rounds, delivery and payments on chain; writes learning.json, report.md, accuracy.svg",
)
  .addOptionalParam(
    "runDir",
    "A run kept by npm start -- --keep-chains (uses <run-dir>/chains)",
    undefined,
    types.string,
  )
  .addOptionalParam(
    "dir",
    "A chains directory instead (topology.json with deploy:all's contracts)",
    undefined,
    types.string,
  )
  .addOptionalParam(
    "out",
    "Directory of the files (default <run-dir>/learning, or <dir>/learning)",
    undefined,
    types.string,
  )
  .addOptionalParam(
    "chain",
    "The data consumer's community chain, where the task lives (default the first)",
    undefined,
    types.string,
  )
  .addOptionalParam("owners", "Data owners selected (2–128)", 10, types.int)
  .addOptionalParam("rounds", "Training rounds", 20, types.int)
  .addOptionalParam("dropouts", "Data owners dropping out of every round (at most n − (⌊n/2⌋+1))", 0, types.int)
  .addOptionalParam("seed", "Seed of the data, the willing owners and the dropouts", 1, types.int)
  .addFlag(
    "plain",
    "Plain FedAvg with leave-one-out contributions: the analyst sees every update (LEAKS; for comparison)",
  )
  .setAction(async (args: LearningArgs) => {
    const service = learningServiceModule();
    const runDir = args.runDir === undefined ? undefined : path.resolve(args.runDir);
    const dir = service.learningChainsDir(runDir, args.dir === undefined ? undefined : path.resolve(args.dir));
    const out = args.out === undefined ? path.join(runDir ?? dir, "learning") : path.resolve(args.out);
    const { facts, outputs } = await service.runLearning({
      dir,
      out,
      chain: args.chain,
      owners: args.owners,
      rounds: args.rounds,
      dropouts: args.dropouts,
      seed: args.seed,
      plain: args.plain,
      onProgress: (line) => console.log(line),
    });
    console.log(service.formatLearningSummary(facts, Object.values(outputs).map(shown)));
    return { facts, outputs };
  });
