/**
 * `learning:run`'s files as one atomic set: learning.json (the facts), report.md (rounds,
 * accuracy against centralized and solo training, the DOs' trust and payments) and accuracy.svg
 * (held-out balanced accuracy and AUC per round, with the centralized and mean-solo levels).
 */
import type { TopLevelSpec } from "vega-lite";
import { formatEther } from "ethers";
import { formatJsonFile, writeFileSet } from "../../report/kit/file-set";
import { formatFixed, formatInteger, markdownDocument, markdownTable, section } from "../../report/kit/markdown";
import { renderSvg, VEGA_LITE_SCHEMA } from "../../report/kit/vega";
import type { ServiceFacts } from "./run";

export const LEARNING_FILES = { json: "learning.json", report: "report.md", chart: "accuracy.svg" } as const;
export type LearningOutputs = Record<keyof typeof LEARNING_FILES, string>;

/** A share as the service's texts print it: "92.5 %". */
export const percent = (x: number) => `${formatFixed(100 * x, 1)} %`;
const token = (wei: string) => formatFixed(Number(formatEther(wei)), 4);

/** The chart: federated balanced accuracy and AUC per round, centralized and mean solo as rules. */
export function accuracySpec(facts: ServiceFacts): TopLevelSpec {
  const values = facts.rounds.flatMap((r) => [
    { round: r.round, value: r.metrics.balancedAccuracy, series: "federated, balanced accuracy" },
    { round: r.round, value: r.metrics.auc, series: "federated, AUC" },
  ]);
  const levels = [
    { value: facts.accuracy.centralized.balancedAccuracy, series: "centralized, balanced accuracy" },
    { value: facts.accuracy.soloMean.balancedAccuracy, series: "DO alone (mean), balanced accuracy" },
  ];
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: {
      text: "Federated learning on the held-out devices",
      subtitle: `${facts.owners.length} DOs, ${facts.secure ? "secure aggregation" : "plain FedAvg"}, ${facts.dropoutsSurvived} dropouts survived`,
    },
    width: 520,
    height: 300,
    layer: [
      {
        data: { values },
        mark: { type: "line", point: true },
        encoding: {
          x: { field: "round", type: "quantitative", title: "round", axis: { tickMinStep: 1 } },
          y: { field: "value", type: "quantitative", title: "on held-out devices", scale: { domain: [0.4, 1] } },
          color: { field: "series", type: "nominal", title: null },
        },
      },
      {
        data: { values: levels },
        mark: { type: "rule", strokeDash: [4, 4] },
        encoding: { y: { field: "value", type: "quantitative" }, color: { field: "series", type: "nominal" } },
      },
    ],
  } as TopLevelSpec;
}

/** The federated model beside centralized training and the DOs alone: for report.md and the run report. */
export function accuracyTable(accuracy: ServiceFacts["accuracy"], modelHeader: string): string {
  const row = (name: string, m: ServiceFacts["accuracy"]["federated"]) => [
    name,
    percent(m.accuracy),
    percent(m.balancedAccuracy),
    formatFixed(m.auc, 3),
  ];
  return markdownTable(
    [modelHeader, "accuracy", "balanced accuracy", "AUC"],
    [
      row("federated", accuracy.federated),
      row("centralized (pooled data)", accuracy.centralized),
      row("each DO alone (mean)", accuracy.soloMean),
    ],
  );
}

/** report.md of a service run. */
export function learningMarkdown(facts: ServiceFacts, chart: string): string {
  return markdownDocument([
    `# Federated learning: task ${facts.taskId} on ${facts.chain}`,
    `A data consumer (${facts.consumer}) paid ${token(facts.payments.price)} DT for a model that predicts an anomaly's onset 60 readings ahead; ` +
      `the analyst (${facts.analyst}) selected ${facts.owners.length} of ${facts.willing} willing DOs (${facts.candidates} asked, ${facts.distrusted.length} left out for their trust), ` +
      `ran ${facts.rounds.length} rounds of FedAvg with ${facts.secure ? "secure aggregation (pairwise ECDH masks, Shamir-shared seeds; the analyst sees only the sum)" : "**plain** aggregation (every update visible to the analyst)"} ` +
      `and committed each with the survivors' signatures (threshold ${facts.threshold}). ${facts.dropoutsSurvived} DO-rounds dropped out and every round still completed.`,
    section(
      "Accuracy on held-out devices",
      `${facts.holdout.devices.length} devices the model never saw (${formatInteger(facts.holdout.samples)} windows, ${formatInteger(facts.holdout.positives)} onsets).`,
      accuracyTable(facts.accuracy, "model"),
      `![accuracy](${chart})`,
    ),
    section(
      "Rounds",
      markdownTable(
        ["round", "survivors", "dropped", "balanced accuracy", "AUC", "bytes sent per DO", "gas"],
        facts.rounds.map((r) => [
          String(r.round),
          String(r.survivors.length),
          r.dropped.join(", ") || "–",
          percent(r.metrics.balancedAccuracy),
          formatFixed(r.metrics.auc, 3),
          formatInteger(r.bytesPerOwner.sent),
          formatInteger(r.gasUsed),
        ]),
      ),
    ),
    section(
      "Data owners, trust and payments",
      `Paid by samples × rounds survived (the FedAvg weight; secure aggregation hides each update, so no measure compares one with the aggregate${facts.owners.some((o) => o.leaveOneOut !== undefined) ? "; leave-one-out below was computed from the plain updates and leaks them" : ""}). ` +
        `Escrow ${token(facts.payments.price)} DT = the analyst's fee ${token(facts.payments.analystFee)} + the DOs' ${token(facts.payments.ownersPaid)}: ${facts.payments.conserved ? "conserved" : "**NOT conserved**"}; the bond of ${token(facts.payments.bond)} DT went back to the analyst.`,
      markdownTable(
        [
          "device",
          "chain",
          "samples",
          "onsets",
          "rounds survived",
          "trust before → after",
          "paid (DT)",
          "alone: balanced accuracy",
        ].concat(facts.owners.some((o) => o.leaveOneOut !== undefined) ? ["leave-one-out"] : []),
        facts.owners.map((o) =>
          [
            o.device,
            o.chain,
            formatInteger(o.samples),
            formatInteger(o.positives),
            String(o.roundsSurvived),
            `${formatFixed(o.trustBefore, 3)} → ${formatFixed(o.trustAfter, 3)}`,
            token(o.paid),
            percent(o.soloBalancedAccuracy),
          ].concat(o.leaveOneOut === undefined ? [] : [formatFixed(o.leaveOneOut, 4)]),
        ),
      ),
    ),
    section(
      "Gas",
      markdownTable(
        ["request", "accept", "select", "commitRound (mean)", "deliver", "confirm"],
        [
          [
            facts.gas.request,
            facts.gas.accept,
            facts.gas.select,
            facts.gas.commitRound,
            facts.gas.deliver,
            facts.gas.confirm,
          ].map(formatInteger),
        ],
      ),
    ),
  ]);
}

/** Writes the three files into `dir`; none is half-written if one fails. */
export async function writeLearningOutputs(dir: string, facts: ServiceFacts): Promise<LearningOutputs> {
  const svg = await renderSvg(accuracySpec(facts));
  return writeFileSet(dir, {
    json: { file: LEARNING_FILES.json, data: formatJsonFile(facts) },
    report: { file: LEARNING_FILES.report, data: learningMarkdown(facts, LEARNING_FILES.chart) },
    chart: { file: LEARNING_FILES.chart, data: svg },
  });
}
