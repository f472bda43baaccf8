/** What the `market:*` tasks print: a line per field of a command's result, and the status tables. */
import { formatUnits } from "ethers";
import type { MarketStatus } from "./status";

/** A plain-text table: a header row, a rule, the rows, columns padded to their widest cell. */
export function textTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i])))
      .join("  ")
      .trimEnd();
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}

/** `title`, then `field: value` for every defined field (lists joined, objects as JSON). */
export function formatFields(title: string, result: object): string {
  const lines = [title];
  for (const [key, value] of Object.entries(result)) {
    if (value === undefined) continue;
    const shown = Array.isArray(value)
      ? value.map((v) => (typeof v === "object" ? JSON.stringify(v) : String(v))).join(", ") || "none"
      : typeof value === "object" && value !== null
        ? JSON.stringify(value)
        : String(value);
    lines.push(`  ${key}: ${shown}`);
  }
  return lines.join("\n");
}

const tokens = (wei: string) => `${formatUnits(wei, 18)} CDT`;
const short = (hex: string) => `${hex.slice(0, 10)}…${hex.slice(-4)}`;
const time = (seconds: number) => (seconds === 0 ? "-" : new Date(seconds * 1000).toISOString().replace(".000Z", "Z"));

/** The status as a terminal shows it: the registry line, the assets table, the trades table, the escrow. */
export function formatMarketStatus(status: MarketStatus): string {
  const r = status.registry;
  const parts = [
    `market of ${status.chain} (chain id ${status.chainId})`,
    `registry: ${r.registered.High} High and ${r.registered.Low} Low registered in ${r.batches} batches (at most ${r.batchSize}, Low quota ${r.quotaBps / 100} %); ${r.lowPending} Low queued, ${r.inbox} High in the orderer's inbox`,
    `storage: ${status.leases} leases`,
    "",
    `assets (${status.assets.length})`,
    status.assets.length === 0
      ? "  none"
      : textTable(
          ["hash", "openness", "state", "price", "holder"],
          status.assets.map((a) => [short(a.hash), a.openness, a.state, tokens(a.price), a.holder ?? "(burnt)"]),
        ),
    "",
    `trades (${status.trades.length})`,
    status.trades.length === 0
      ? "  none"
      : textTable(
          ["id", "asset", "state", "price", "buyer", "deliver by", "confirm by"],
          status.trades.map((t) => [
            t.id,
            short(t.hash),
            t.state,
            tokens(t.price),
            t.buyer,
            time(t.deliverBy),
            time(t.confirmBy),
          ]),
        ),
    "",
    `escrow held by DataTrade: ${tokens(status.escrow)} (open trades: ${tokens(status.openEscrow)})`,
  ];
  return parts.join("\n");
}
