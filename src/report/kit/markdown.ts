/**
 * Markdown for the reports (partition, run, sampling game): tables, sections, documents, and the
 * number formats their cells use. Pure; en-US formats so a report reads the same on every machine.
 */

/** Column alignment of a Markdown table. */
export type Align = "left" | "right" | "center";

function escapeCell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\n/g, " ");
}

/** A GitHub-flavoured Markdown table; `align` per column, left by default. */
export function markdownTable(
  headers: readonly string[],
  rows: readonly (readonly string[])[],
  align: readonly Align[] = [],
): string {
  const rule = headers.map((_, i) => ({ left: "---", right: "---:", center: ":---:" })[align[i] ?? "left"]);
  const line = (cells: readonly string[]) => `| ${cells.map(escapeCell).join(" | ")} |`;
  return [line(headers), line(rule), ...rows.map(line)].join("\n");
}

/** An ATX heading: `level` hashes, then the text. */
export function heading(text: string, level = 1): string {
  return `${"#".repeat(level)} ${text}`;
}

/** A second-level section: its heading, then its blocks, each a paragraph apart. */
export function section(title: string, ...blocks: readonly string[]): string {
  return [heading(title, 2), ...blocks].join("\n\n");
}

/** A whole document: blocks (headings, paragraphs, tables, sections) a blank line apart, ending in a newline. */
export function markdownDocument(blocks: readonly string[]): string {
  return `${blocks.join("\n\n")}\n`;
}

const integer = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });

/** An integer with thousands separators. */
export function formatInteger(value: number): string {
  return integer.format(value);
}

/** A number with thousands separators and at most `maxDecimals` decimals (trailing zeros dropped). */
export function formatNumber(value: number, maxDecimals: number): string {
  return value.toLocaleString("en-US", { maximumFractionDigits: maxDecimals });
}

/** A number with exactly `decimals` decimals, no separators. */
export function formatFixed(value: number, decimals: number): string {
  return value.toFixed(decimals);
}

/** A ratio with `digits` decimals. */
export function formatRatio(value: number, digits = 3): string {
  return formatFixed(value, digits);
}

/** A share as a percentage with one decimal. */
export function formatPercent(value: number): string {
  return `${formatFixed(value * 100, 1)}%`;
}

/** A tiny or huge figure (a certificate's residual) in exponent notation with `digits` decimals. */
export function formatExponential(value: number, digits = 2): string {
  return value.toExponential(digits);
}
