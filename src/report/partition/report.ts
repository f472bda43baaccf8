/** report.md of a partition run: the paper's Tables I and II beside ours, the communities, the threshold, the charts. Pure. */
import type { PartitionDocument, StrategyOutcome } from "../../partition/document";
import {
  formatInteger,
  formatPercent,
  formatRatio,
  heading,
  markdownDocument,
  markdownTable,
  section,
} from "../kit/markdown";
import { PAPER_TABLE_I, PAPER_TABLE_II } from "./paper";

/** File names of the charts the report links to (written beside it). */
export interface ReportCharts {
  trustGraph: string;
  storage: string;
}

/** Above this many communities the report lists only the largest, so it stays readable. */
export const MAX_LISTED_COMMUNITIES = 50;
/** Inter-chain devices and member lists are cut after this many ids. */
const MAX_LISTED_IDS = 60;

// The qualitative columns of Table II follow from the chains and the cross-chain share: one chain
// serialises everything; below this share of cross-chain storage a query mostly stays on one chain.
const LOW_CROSS_SHARE = 0.2;

function listIds(ids: readonly string[]): string {
  if (ids.length === 0) return "none";
  const shown = ids.slice(0, MAX_LISTED_IDS).join(", ");
  return ids.length > MAX_LISTED_IDS ? `${shown}, … (${ids.length - MAX_LISTED_IDS} more)` : shown;
}

function querySpeed(s: StrategyOutcome): string {
  if (s.chains <= 1) return "Slow (every device stores every record)";
  if (s.crossShare < LOW_CROSS_SHARE) return `Fast (${formatPercent(s.crossShare)} of storage cross-chain)`;
  return `Fast, but ${formatPercent(s.crossShare)} of storage is cross-chain look-ups`;
}

function concurrency(s: StrategyOutcome): string {
  if (s.chains <= 1) return "Sequential processing";
  return `${s.crossShare < LOW_CROSS_SHARE ? "Good concurrent" : "Concurrent"} (${formatInteger(s.chains)} chains)`;
}

function mean(values: readonly number[]): number {
  return values.reduce((sum, v) => sum + v, 0) / values.length;
}

function tableI(doc: PartitionDocument): string {
  const rows = doc.strategies.map((s) => {
    const paper = PAPER_TABLE_I[s.name];
    return [
      s.name,
      formatInteger(s.chains),
      formatInteger(s.interChainNodes),
      formatInteger(s.count),
      formatInteger(s.cross),
      formatRatio(s.storageRatio),
      formatPercent(s.crossShare),
      paper?.method ?? "— (not in the paper)",
      paper === undefined ? "" : paper.interChainNodes === null ? "Null" : String(paper.interChainNodes),
      paper === undefined ? "" : formatInteger(paper.count),
      paper === undefined ? "" : formatInteger(paper.cross),
    ];
  });
  return markdownTable(
    [
      "strategy",
      "chains",
      "inter-chain nodes",
      "count",
      "cross",
      "storage ratio",
      "cross share",
      "paper: method",
      "paper: inter-chain",
      "paper: count",
      "paper: cross",
    ],
    rows,
    ["left", "right", "right", "right", "right", "right", "right", "left", "right", "right", "right"],
  );
}

function tableII(doc: PartitionDocument): string {
  const named = (name: string) => doc.strategies.filter((s) => s.name === name);
  const families = [
    { paperIndex: 0, label: "ungrouped", members: named("ungrouped") },
    { paperIndex: 1, label: "random (mean)", members: doc.strategies.filter((s) => s.name.startsWith("random-")) },
    { paperIndex: 2, label: "community", members: named("community") },
    { paperIndex: null, label: "edge-strength", members: named("edge-strength") },
    { paperIndex: null, label: "louvain", members: named("louvain") },
    { paperIndex: null, label: "optimized", members: named("optimized") },
  ].filter((f) => f.members.length > 0);
  const rows = families.map(({ paperIndex, label, members }) => {
    const paper = paperIndex === null ? undefined : PAPER_TABLE_II[paperIndex];
    // a family's qualities are read from its typical member: mean share, fewest chains
    const typical: StrategyOutcome = {
      ...members[0],
      crossShare: mean(members.map((m) => m.crossShare)),
      chains: Math.min(...members.map((m) => m.chains)),
    };
    return [
      paper?.method ?? "— (beyond the paper)",
      paper === undefined ? "" : String(paper.storageRatio),
      label,
      formatRatio(mean(members.map((m) => m.storageRatio))),
      paper === undefined ? "" : `${paper.querySpeed} / ${paper.concurrency}`,
      querySpeed(typical),
      concurrency(typical),
    ];
  });
  return markdownTable(
    [
      "paper: method",
      "paper: storage",
      "ours",
      "ours: storage ratio",
      "paper: query / concurrency",
      "ours: query speed",
      "ours: concurrency",
    ],
    rows,
    ["left", "right", "left", "right", "left", "left", "left"],
  );
}

function byKTable(doc: PartitionDocument): string {
  const devices = doc.graph.nodes.length;
  return markdownTable(
    ["k", "communities", "covered", "uncovered", "overlapping", ""],
    doc.byK.map((level) => [
      String(level.k),
      formatInteger(level.communities.length),
      formatInteger(devices - level.uncovered.length),
      formatInteger(level.uncovered.length),
      formatInteger(level.overlapping.length),
      level.k === doc.chosen.k ? "**chosen**" : "",
    ]),
    ["right", "right", "right", "right", "right", "left"],
  );
}

function chosenSection(doc: PartitionDocument): string {
  const { chosen } = doc;
  const held = new Map<string, number[]>();
  chosen.communities.forEach((c, i) => c.forEach((d) => held.set(d, [...(held.get(d) ?? []), i + 1])));
  const shown = chosen.communities.slice(0, MAX_LISTED_COMMUNITIES);
  const lines = [
    `k = ${chosen.k} (${chosen.forced === true ? "forced with --k" : "the largest k whose communities cover every non-exempt device"}): ` +
      `${formatInteger(chosen.communities.length)} communities, one chain each.`,
    "",
    markdownTable(
      ["chain", "devices", "members"],
      shown.map((c, i) => [`community-${i + 1}`, formatInteger(c.length), listIds(c)]),
      ["left", "right", "left"],
    ),
  ];
  if (chosen.communities.length > shown.length)
    lines.push(
      "",
      `(${formatInteger(chosen.communities.length - shown.length)} smaller communities not listed; see partition.json.)`,
    );
  const bridges = chosen.interChainNodes
    .slice(0, MAX_LISTED_IDS)
    .map((d) => `${d} (communities ${held.get(d)?.join(", ")})`);
  lines.push(
    "",
    `Inter-chain devices (in two or more communities): ${bridges.length === 0 ? "none" : bridges.join("; ")}` +
      (chosen.interChainNodes.length > MAX_LISTED_IDS
        ? `, … (${chosen.interChainNodes.length - MAX_LISTED_IDS} more)`
        : "") +
      ".",
    "",
    `Uncovered devices (each a chain of its own): ${listIds(chosen.uncovered)}.`,
  );
  return lines.join("\n");
}

function thresholdSection(doc: PartitionDocument): string {
  const t = doc.threshold;
  const above = doc.graph.edges.filter((e) => e[2] >= t.value).length;
  const lines = [
    `T = ${t.value} ${t.unit} (${t.auto ? "automatic: the largest T that leaves every non-exempt device an edge" : "given with --threshold"}).`,
    `${formatInteger(above)} of ${formatInteger(doc.graph.edges.length)} device pairs communicate at or above it (solid in the trust graph), ` +
      `${formatInteger(doc.graph.edges.length - above)} below (dashed).`,
  ];
  if (t.exempt !== undefined && t.exempt.length > 0) lines.push(`Exempt devices: ${listIds(t.exempt)}.`);
  return lines.join(" ");
}

function optimizedSection(doc: PartitionDocument): string {
  const o = doc.optimization;
  const optimized = doc.strategies.find((s) => s.name === "optimized");
  const community = doc.strategies.find((s) => s.name === "community");
  if (o === undefined || optimized === undefined) return "";
  const moves = Object.entries(o.moves)
    .map(([kind, n]) => `${kind} ${n}`)
    .join(", ");
  const lines = [
    `Started from \`${o.start}\` (count ${formatInteger(o.startCount)}); with every chain at least ${o.minChainSize} devices ` +
      `(the smallest BFT validator set) it counted ${formatInteger(o.repairedCount)}; ${o.rounds} rounds of local moves ` +
      `(${moves}) brought it to ${formatInteger(optimized.count)}, cross ${formatInteger(optimized.cross)}.`,
  ];
  if (community !== undefined) {
    const diff = optimized.count - community.count;
    lines.push(
      diff <= 0
        ? `That is ${formatInteger(-diff)} record copies (${formatPercent(-diff / community.count)}) below the community partition.`
        : `That is ${formatInteger(diff)} above the community partition, whose chains below ${o.minChainSize} devices could not run BFT consensus.`,
    );
  }
  return lines.join(" ");
}

/**
 * The Markdown report of a partition run: the analogues of the paper's Tables I and II with the
 * paper's figures beside ours, clique percolation by k, the chosen partition and its inter-chain
 * devices, the threshold, the optimized strategy, and links to the two charts.
 */
export function renderReport(
  doc: PartitionDocument,
  charts: ReportCharts = { trustGraph: "trust-graph.svg", storage: "storage.svg" },
): string {
  const { log } = doc;
  return markdownDocument([
    heading(`Partition report: ${log.file}`),
    `${formatInteger(log.records)} records between ${formatInteger(log.devices)} devices over ${log.spanHours} h` +
      (log.skipped !== undefined ? ` (${formatInteger(log.skipped)} invalid rows skipped)` : "") +
      `. Storage is counted with formula 1 of the dividing paper: a record costs the size of the chain that stores it, ` +
      `or the sizes of both chains when it crosses chains; the undivided ledger costs records × devices.`,
    section("Grouping strategies (Table I)", tableI(doc)),
    section("Storage by method (Table II)", tableII(doc)),
    section("Threshold", thresholdSection(doc)),
    section("Clique percolation by k", byKTable(doc)),
    section("Chosen partition", chosenSection(doc)),
    section("Optimized strategy", optimizedSection(doc)),
    section("Charts", `![Trust graph](${charts.trustGraph})`, `![Storage by strategy](${charts.storage})`),
  ]);
}
