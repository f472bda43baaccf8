/**
 * The run's own charts (vega-lite, rendered to SVG by `renderSvg` of src/report/kit): throughput per
 * chain, and the latency of anchoring and of sharing. The trust graph and the storage by strategy
 * are the partition's charts (`writePartitionOutputs`).
 */
import type { TopLevelSpec } from "vega-lite";
import { formatInteger, formatNumber } from "../report/kit/markdown";
import { VEGA_LITE_SCHEMA } from "../report/kit/vega";
import type { RunReport } from "./report";

/** Transaction kinds in stacking order, with their colours. */
const KINDS = ["deploy", "participants", "units", "records", "anchors"] as const;
const KIND_COLOURS = ["#bab0ac", "#76b7b2", "#59a14f", "#4e79a7", "#f28e2b"];

/**
 * Throughput per chain: records per second of the records step on each community chain, and
 * every chain's transactions stacked by what sent them (deployment, participants' setup, IoT
 * units, record batches, anchors).
 */
export function throughputSpec(report: RunReport): TopLevelSpec {
  const chains = [report.chains.main, ...report.chains.communities];
  const names = chains.map((c) => c.name);
  const rates = report.records.perChain.map((c) => ({ chain: c.chain, rate: c.recordsPerSecond, records: c.records }));
  const transactions = chains.flatMap((c) =>
    KINDS.map((kind) => ({ chain: c.name, kind, transactions: c.transactions[kind] })),
  );
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: {
      text: "Throughput per chain",
      subtitle: `${formatInteger(report.records.copies)} record copies at ${formatNumber(report.records.recordsPerSecond, 3)} records/s overall`,
    },
    hconcat: [
      {
        title: "records/s while records were sent",
        width: { step: 48 },
        height: 260,
        data: { values: rates },
        mark: { type: "bar", color: "#4e79a7" },
        encoding: {
          x: {
            field: "chain",
            type: "nominal",
            sort: names.filter((n) => n !== report.chains.main.name),
            title: null,
            axis: { labelAngle: -40 },
          },
          y: { field: "rate", type: "quantitative", title: "records/s" },
          tooltip: [
            { field: "chain" },
            { field: "rate", title: "records/s", format: "," },
            { field: "records", format: "," },
          ],
        },
      },
      {
        title: "transactions per chain",
        width: { step: 48 },
        height: 260,
        data: { values: transactions },
        mark: { type: "bar" },
        encoding: {
          x: { field: "chain", type: "nominal", sort: names, title: null, axis: { labelAngle: -40 } },
          y: { field: "transactions", type: "quantitative", title: "transactions", stack: "zero" },
          color: {
            field: "kind",
            type: "nominal",
            title: "sent by",
            sort: [...KINDS],
            scale: { domain: [...KINDS], range: KIND_COLOURS },
          },
          order: { field: "kind", sort: "ascending" },
          tooltip: [{ field: "chain" }, { field: "kind" }, { field: "transactions", format: "," }],
        },
      },
    ],
  } as TopLevelSpec;
}

/** The raw latencies the latency chart draws, ms. */
export interface LatencySamples {
  /** A record batch's receipt → the anchor covering its block mined on the main chain. */
  readonly anchorMs: readonly number[];
  /** Sharing steps 1–2: upload start → the EPR record mined. */
  readonly shareMs: readonly number[];
  /** Sharing steps 3–6: query → gateway read → decrypted and verified. */
  readonly readMs: readonly number[];
}

/** Anchor latency as a histogram; sharing latency as a box plot per phase (log scale: they differ by orders of magnitude). */
export function latencySpec(samples: LatencySamples, relayIntervalMs: number): TopLevelSpec {
  const SHARE = "steps 1–2";
  const READ = "steps 3–6";
  const sharing = [
    ...samples.shareMs.map((ms) => ({ phase: SHARE, ms })),
    ...samples.readMs.map((ms) => ({ phase: READ, ms })),
  ];
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: {
      text: "Latency",
      subtitle: `relay every ${relayIntervalMs} ms; sharing after the digital-twin paper's Fig. 8`,
    },
    hconcat: [
      {
        title: `anchor latency of ${samples.anchorMs.length} record batches`,
        width: 320,
        height: 260,
        data: { values: samples.anchorMs.map((ms) => ({ ms })) },
        mark: { type: "bar", color: "#f28e2b" },
        encoding: {
          x: {
            field: "ms",
            type: "quantitative",
            bin: { maxbins: 20 },
            title: "batch receipt → anchored on main (ms)",
          },
          y: { aggregate: "count", type: "quantitative", title: "batches" },
        },
      },
      {
        title: {
          text: `sharing latency (${samples.shareMs.length} records, ${samples.readMs.length} reads)`,
          subtitle: ["1–2: seal, store, EPR record mined", "3–6: query, gateway read, decrypt, verify"],
        },
        width: 220,
        height: 260,
        data: { values: sharing },
        mark: { type: "boxplot", extent: "min-max" },
        encoding: {
          x: { field: "phase", type: "nominal", title: null, sort: [SHARE, READ], axis: { labelAngle: 0 } },
          y: { field: "ms", type: "quantitative", title: "ms (log scale)", scale: { type: "log" } },
          color: {
            field: "phase",
            type: "nominal",
            legend: null,
            scale: { domain: [SHARE, READ], range: ["#59a14f", "#4e79a7"] },
          },
        },
      },
    ],
  } as TopLevelSpec;
}
