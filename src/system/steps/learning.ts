/**
 * Federated-learning data sharing (IoT consensus paper §3.2, Fig. 4): a community's lab pays the
 * analyst for a model trained on devices of every community, secure aggregation hiding each
 * update; every request, selection, round, delivery and payment a transaction of its chain.
 */
import { projectMnemonic } from "../../chains/accounts";
import { runAnalysisService, writeLearningOutputs } from "../../learning/service";
import type { LearningFacts } from "../learning";
import { runRelativeFiles } from "../run-dir";
import type { RunDeployment } from "./deploy";
import type { Step } from "./step";

type Before = { readonly deploy: RunDeployment };

export const learningStep: Step<"learning", Before, LearningFacts> = {
  name: "learning",
  title: ({ options }) =>
    `federated learning: ${options.learningOwners} data owners across the communities, ${options.learningRounds} rounds with secure aggregation and ${options.learningDropouts} dropouts each, paid on chain`,
  async run({ before, options, paths, environment }, progress) {
    const service = await runAnalysisService({
      topology: before.deploy.topology,
      mnemonic: environment.mnemonic ?? projectMnemonic(),
      owners: options.learningOwners,
      rounds: options.learningRounds,
      dropouts: options.learningDropouts,
      seed: options.seed,
      onProgress: (line) => progress(line),
    });
    const written = await writeLearningOutputs(paths.learning, service);
    return { service, files: runRelativeFiles(paths.root, written) };
  },
  summary: ({ service: s }) =>
    `balanced accuracy ${(100 * s.accuracy.federated.balancedAccuracy).toFixed(1)} % federated, ${(100 * s.accuracy.centralized.balancedAccuracy).toFixed(1)} % centralized, ${(100 * s.accuracy.soloMean.balancedAccuracy).toFixed(1)} % a DO alone; ` +
    `${s.dropoutsSurvived} dropouts survived; escrow ${s.payments.conserved ? "conserved" : "NOT conserved"}`,
};
