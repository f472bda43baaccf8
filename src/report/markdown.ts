/** Column alignment of a Markdown table. */
export type Align = "left" | "right" | "center";

function escapeCell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\n/g, " ");
}

/** A GitHub-flavoured Markdown table; `align` per column, left by default. */
export function markdownTable(headers: readonly string[], rows: readonly (readonly string[])[], align: readonly Align[] = []): string {
  const rule = headers.map((_, i) => ({ left: "---", right: "---:", center: ":---:" })[align[i] ?? "left"]);
  const line = (cells: readonly string[]) => `| ${cells.map(escapeCell).join(" | ")} |`;
  return [line(headers), line(rule), ...rows.map(line)].join("\n");
}

const integer = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });

/** An integer with thousands separators (en-US, so reports read the same on every machine). */
export function formatInteger(value: number): string {
  return integer.format(value);
}

/** A ratio with `digits` decimals. */
export function formatRatio(value: number, digits = 3): string {
  return value.toFixed(digits);
}

/** A share as a percentage with one decimal. */
export function formatPercent(value: number): string {
  return `${(value * 100).toFixed(1)}%`;
}
