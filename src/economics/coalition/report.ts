/**
 * report.md of `economics:coalition`, the section the run report embeds, and the task's summary:
 * the partition against singletons and the grand coalition, the certificate, who ends below its
 * singleton utility, and whether the two starts end alike.
 */
import {
  formatExponential,
  formatFixed,
  formatInteger,
  heading,
  markdownDocument,
  markdownTable,
  section,
} from "../../report/kit/markdown";
import { totalUtility } from "./model";
import type { CoalitionRun, CoalitionStudy } from "./study";

const f3 = (x: number) => formatFixed(x, 3);
const f2 = (x: number) => formatFixed(x, 2);
const braces = (coalition: readonly number[]) => `{${coalition.join(", ")}}`;
const partitionText = (partition: readonly (readonly number[])[]) => partition.map(braces).join(" ");
const sizes = (run: CoalitionRun) => run.partition.map((c) => c.length).join(", ");
const mean = (values: readonly number[]) => totalUtility(values) / values.length;

/** One line on a run's certificate. */
export function certificateVerdict(run: CoalitionRun): string {
  const c = run.certificate;
  const stability = c.stable
    ? c.exhaustive
      ? "Dhp-stable (every merge of any set of coalitions and every split checked)"
      : "no improving merge or split among those checked (not every one could be: see coalition.json)"
    : `**not stable**: ${c.merges.found !== null ? `merging ${c.merges.found.map(braces).join(" + ")} improves` : `a split of ${braces(c.coalitions.find((x) => x.split !== null)!.coalition)} improves`}`;
  const individual = c.individual.stable
    ? `no miner gains by leaving its coalition${c.individual.maxGain === null ? "" : ` (largest gain ${f3(c.individual.maxGain)})`}`
    : `miners ${c.individual.gainers.join(", ")} gain by leaving their coalition`;
  return `${stability}; ${individual}`;
}

/** Whether the run's certificate holds in full: stable, exhaustively checked, individually stable. */
export function certificateHolds(run: CoalitionRun): boolean {
  return run.certificate.stable && run.certificate.exhaustive && run.certificate.individual.stable;
}

function runRow(label: string, run: CoalitionRun): string[] {
  const c = run.certificate;
  return [
    label,
    run.status,
    partitionText(run.partition),
    String(run.merges),
    String(run.splits),
    f2(run.totalUtility),
    c.stable && c.exhaustive ? "✓" : c.stable ? "✓ (partial)" : "✗",
    c.individual.stable ? "✓" : "✗",
    c.belowSingleton.count === 0 ? "none" : c.belowSingleton.ids.join(", "),
  ];
}

/** The Markdown report; `chart` is the file name of coalition.svg as the report links it. */
export function renderCoalitionReport(study: CoalitionStudy, chart: string): string {
  const o = study.options;
  const p = o.parameters;
  const run = study.run;
  const alone = study.singletonUtilities;
  const grand = study.grandUtilities;
  const cert = run.certificate;
  const checked = cert.coalitions.map(
    (c) =>
      `${braces(c.coalition)}: ${formatInteger(c.binarySplitsChecked)} binary${c.partitionSplitsChecked > 0 ? ` + ${formatInteger(c.partitionSplitsChecked)} multi-part` : ""} splits${c.exhaustive ? " (all)" : " (not all)"}`,
  );
  return markdownDocument([
    heading("Miners' coalition-formation game: merge-and-split"),
    "The NTU game of §3.3 of the IoT consensus paper (equation 1), u_m = P_m·R − C_m − ξ_m·T_m, with " +
      "T_m = W/D_S, P_m = (D_S^γ/Σ_{S'} D_{S'}^γ)·d_m/D_S and C_m = c·(|S| − 1) (the paper gives no functional forms and no numbers).",
    `Parameters: M = ${study.miners.length}, seed ${o.seed}, R = ${p.reward}, W = ${p.work}, c = ${p.commCost}, γ = ${p.gamma}; ` +
      `capacities d_m ~ U[1, 10], power costs ξ_m ~ U[0.5, 1.5]; start ${run.init}, split rule ${o.splitRule}, ε = ${formatExponential(cert.epsilon, 0)}.`,
    section(
      "Result",
      `From ${run.init}: **${run.status}** after ${run.merges} merges and ${run.splits} splits, ${run.partition.length} coalitions of ${sizes(run)} miners: ${partitionText(run.partition)}.`,
      `Total utility ${f2(run.totalUtility)} (mean ${f3(mean(run.utilities))}) against ${f2(totalUtility(alone))} (mean ${f3(mean(alone))}) ` +
        `for singletons and ${f2(totalUtility(grand))} (mean ${f3(mean(grand))}) for the grand coalition` +
        (study.optimum === null
          ? "."
          : `; the social optimum (all ${formatInteger(study.optimum.partitionsChecked)} partitions searched) is ${f2(study.optimum.totalUtility)}: ${partitionText(study.optimum.partition)}.`),
      `The paper's output, "the coalition with the highest coalition utility": ${braces(run.bestCoalition.members)} (total ${f2(run.bestCoalition.utility)}, capacity ${f2(run.bestCoalition.capacity)}).`,
    ),
    section(
      "Certificate",
      `${certificateVerdict(run)}.`,
      `Merges: ${formatInteger(cert.merges.pairsChecked)} pairs and ${formatInteger(cert.merges.setsChecked)} larger sets of coalitions${cert.merges.setsExhaustive ? " (every set)" : " (pairs only: too many coalitions for every set)"}. Splits: ${checked.join("; ")}.`,
      `Miners below their singleton utility: **${cert.belowSingleton.count}**${cert.belowSingleton.count === 0 ? "" : ` (${cert.belowSingleton.ids.join(", ")})`}. ` +
        "Merge-and-split asks only the miners of the coalitions that move, so later moves elsewhere can push a miner below what it had alone; the check that matters for stability is that none gains by leaving.",
    ),
    section(
      "Singletons start against grand start",
      markdownTable(
        [
          "start",
          "status",
          "partition",
          "merges",
          "splits",
          "total utility",
          "Dhp-stable",
          "no one leaves",
          "below singleton",
        ],
        [runRow("singletons", study.fromSingletons), runRow("grand coalition", study.fromGrand)],
        ["left", "left", "left", "right", "right", "right", "center", "center", "left"],
      ),
      study.startsDiffer
        ? "The two starts end in **different** partitions: with externalities (P_m depends on every coalition) Dhp-stable partitions need not be unique."
        : "The two starts end in the same partition.",
    ),
    section(
      "Utility per miner",
      `![utility per miner](${chart})`,
      markdownTable(
        ["miner", "d_m", "ξ_m", "coalition", "singletons", "grand", "final", "final − singletons"],
        [
          ...study.miners.map((m) => {
            const i = m.id - 1;
            const coalition = run.partition.find((c) => c.includes(m.id))!;
            return [
              String(m.id),
              f3(m.capacity),
              f3(m.powerCost),
              braces(coalition),
              f3(alone[i]),
              f3(grand[i]),
              f3(run.utilities[i]),
              f3(run.utilities[i] - alone[i]),
            ];
          }),
          [
            "total",
            "",
            "",
            "",
            f3(totalUtility(alone)),
            f3(totalUtility(grand)),
            f3(run.totalUtility),
            f3(run.totalUtility - totalUtility(alone)),
          ],
        ],
        ["left", "right", "right", "left", "right", "right", "right", "right"],
      ),
    ),
  ]);
}

/** A short section for the run report (`npm start`): sizes, totals, moves, certificate, below-singleton count. */
export function coalitionMarkdownSection(study: CoalitionStudy, files?: { report?: string; json?: string }): string {
  const run = study.run;
  const links =
    files?.report === undefined
      ? ""
      : ` Details: [report.md](${files.report})${files.json === undefined ? "" : `, data: [coalition.json](${files.json})`}.`;
  return section(
    "Miners' coalition-formation game",
    `Merge-and-split (§3.3) for ${study.miners.length} miners (seed ${study.options.seed}) from ${run.init}: ${run.status} after ${run.merges} merges and ${run.splits} splits, ` +
      `${run.partition.length} coalitions of ${sizes(run)} miners. Total utility ${f2(run.totalUtility)} against ${f2(totalUtility(study.singletonUtilities))} for singletons and ${f2(totalUtility(study.grandUtilities))} for the grand coalition.` +
      links,
    markdownTable(
      ["check", "result"],
      [
        ["certificate (Dhp-stable, every move checked; no miner gains by leaving)", certificateHolds(run) ? "✓" : "✗"],
        ["miners below their singleton utility", String(run.certificate.belowSingleton.count)],
        [
          "singletons start and grand start",
          study.startsDiffer
            ? `differ (grand start: ${study.fromGrand.partition.length} coalitions of ${sizes(study.fromGrand)})`
            : "same partition",
        ],
      ],
    ),
  );
}

/** What `economics:coalition` prints; `files` are the outputs written, as the user should see their paths. */
export function formatCoalitionSummary(study: CoalitionStudy, files: readonly string[]): string {
  const run = study.run;
  const cert = run.certificate;
  return [
    `Coalition game: ${study.miners.length} miners, seed ${study.options.seed}, from ${run.init}: ${run.status} after ${run.merges} merges and ${run.splits} splits`,
    `  partition: ${partitionText(run.partition)}`,
    `  total utility ${f2(run.totalUtility)} (singletons ${f2(totalUtility(study.singletonUtilities))}, grand ${f2(totalUtility(study.grandUtilities))})`,
    `  certificate: ${certificateVerdict(run)}`,
    `  below singleton utility: ${cert.belowSingleton.count}${cert.belowSingleton.count === 0 ? "" : ` (${cert.belowSingleton.ids.join(", ")})`}`,
    `  singletons start vs grand start: ${study.startsDiffer ? `differ (grand: ${partitionText(study.fromGrand.partition)})` : "same partition"}`,
    ...files.map((file) => `  wrote ${file}`),
  ].join("\n");
}
