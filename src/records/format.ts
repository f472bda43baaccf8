/**
 * What `records:send` and `records:verify` print about a run and a record: the send summary with
 * its per-chain table, and where one log record's copies went. Pure text from the result types.
 */
import type { Placement } from "./placements";
import type { SendSummary } from "./send";

const n = (value: number) => value.toLocaleString("en-US");

/** Column titles of the per-chain table of {@link formatSendSummary}. */
const CHAIN_TABLE_HEADER = ["chain", "records", "total", "batches", "txs", "gas", "gas/record", "records/s"];

/** The summary of a `records:send` run: totals, formula 1's count, skipped devices, one row per chain, the files. */
export function formatSendSummary(summary: SendSummary, summaryFile: string): string {
  const lines = [
    `${n(summary.records)} records of ${summary.log}: ${n(summary.intra)} intra-chain, ${n(summary.cross)} cross-chain` +
      ` → ${n(summary.copies)} copies on ${summary.chains.length} chains (${n(summary.written)} written now, ${n(summary.alreadyOnChain)} already there)`,
    `  formula 1 storage count ${n(summary.storageCount)}; ${n(summary.written)} records in ${summary.seconds.toFixed(2)} s = ${n(summary.recordsPerSecond)} records/s`,
  ];
  if (summary.chainless.length > 0) {
    lines.push(
      `  devices in no community (no chain): ${summary.chainless.join(", ")}: ${n(summary.hostless)} copies not written, ${n(summary.unplaced)} records on no chain`,
    );
  }
  if (summary.skippedUnknown > 0) lines.push(`  skipped ${n(summary.skippedUnknown)} records naming unknown devices`);
  const rows = summary.chains.map((c) => [
    c.name,
    n(c.records),
    n(c.total),
    n(c.batches),
    n(c.transactions),
    n(c.gas),
    n(c.gasPerRecord),
    n(c.recordsPerSecond),
  ]);
  const widths = CHAIN_TABLE_HEADER.map((title, i) => Math.max(title.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]) =>
    `  ${cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join("  ")}`;
  lines.push(line(CHAIN_TABLE_HEADER), ...rows.map(line));
  lines.push(`  placements: ${summary.placements}`, `  summary: ${summaryFile}`);
  return lines.join("\n");
}

/** One line on a placed record: its log line, endpoints, kind and number of copies. */
export function describePlacement(placement: Placement): string {
  const copies = placement.records.length;
  return `line ${placement.line}: ${placement.from} -> ${placement.to}, ${placement.cross ? "cross-chain" : "intra-chain"}, ${copies} cop${copies === 1 ? "y" : "ies"}`;
}
