/**
 * `learning:run` over a chains directory: reads its topology.json (with `deploy:all`'s contracts),
 * runs one analysis service and writes its files as one set.
 */
import fs from "node:fs";
import path from "node:path";
import { formatEther } from "ethers";
import { projectMnemonic } from "../../chains/accounts";
import { readTopology, topologyPath } from "../../chains/topology";
import { LearningConfigError } from "../errors";
import { percent as pct, writeLearningOutputs, type LearningOutputs } from "./outputs";
import { runAnalysisService, type AnalysisServiceOptions, type ServiceFacts } from "./run";

export interface LearningRunOptions extends Omit<AnalysisServiceOptions, "topology" | "mnemonic"> {
  /** The chains directory. */
  readonly dir: string;
  /** Where the files go. */
  readonly out: string;
  readonly mnemonic?: string;
}

/** The chains directory of `--run-dir` (a kept run of `npm start`) or `--dir`; exactly one is given. */
export function learningChainsDir(runDir: string | undefined, dir: string | undefined): string {
  if ((runDir === undefined) === (dir === undefined))
    throw new LearningConfigError(
      "--run-dir",
      "give either --run-dir (a kept run) or --dir (a chains directory), not both or neither",
    );
  const chains = runDir === undefined ? dir! : path.join(runDir, "chains");
  if (!fs.existsSync(topologyPath(chains)))
    throw new LearningConfigError(
      runDir === undefined ? "--dir" : "--run-dir",
      `${topologyPath(chains)} does not exist: run npm start -- --keep-chains (or chains:up and deploy:all) first`,
    );
  return chains;
}

/** Runs the service on the chains of `options.dir` and writes learning.json, report.md and accuracy.svg. */
export async function runLearning(
  options: LearningRunOptions,
): Promise<{ facts: ServiceFacts; outputs: LearningOutputs }> {
  const topology = readTopology(topologyPath(options.dir));
  const facts = await runAnalysisService({ ...options, topology, mnemonic: options.mnemonic ?? projectMnemonic() });
  return { facts, outputs: await writeLearningOutputs(options.out, facts) };
}

/** The lines the task prints. */
export function formatLearningSummary(facts: ServiceFacts, files: readonly string[]): string {
  const a = facts.accuracy;
  return [
    `task ${facts.taskId} on ${facts.chain}: ${facts.owners.length} DOs from ${new Set(facts.owners.map((o) => o.chain)).size} community chains, ${facts.rounds.length} rounds, ${facts.secure ? "secure aggregation" : "PLAIN aggregation (updates visible)"}, ${facts.dropoutsSurvived} dropouts survived`,
    `balanced accuracy on held-out devices: federated ${pct(a.federated.balancedAccuracy)} (AUC ${a.federated.auc.toFixed(3)}), centralized ${pct(a.centralized.balancedAccuracy)}, a DO alone ${pct(a.soloMean.balancedAccuracy)} on average`,
    `paid: analyst ${formatEther(facts.payments.analystFee)} DT, DOs ${formatEther(facts.payments.ownersPaid)} DT of ${formatEther(facts.payments.price)} escrowed (${facts.payments.conserved ? "conserved" : "NOT conserved"})`,
    ...files.map((f) => `  ${f}`),
  ].join("\n");
}
