/**
 * What `deploy:all` prints: a line per step while it runs, and at the end the table with one row
 * per chain, what it holds and what this run did.
 */
import type { DeployProgress } from "./deploy-all";
import type { ChainDeployment } from "./deployment";

/** A progress line: the chain, the step, and Ignition's count of finished steps while a module deploys. */
export function formatDeployProgress({ chain, message, done, total }: DeployProgress): string {
  return `${chain}: ${message}${total === undefined || total === 0 ? "" : ` [${done}/${total}]`}`;
}

/** Column headers of {@link deploySummaryRows}. */
export const SUMMARY_HEADERS = [
  "chain",
  "chain id",
  "module",
  "contracts",
  "deployed now",
  "txs",
  "members",
  "trust root",
] as const;

/** One row of cells per chain deployment. */
export function deploySummaryRows(deployments: readonly ChainDeployment[]): string[][] {
  return deployments.map((d) => [
    d.chain,
    String(d.chainId),
    d.module,
    String(Object.keys(d.contracts).length),
    String(d.deployed.length),
    String(d.transactions),
    d.members === undefined
      ? "-"
      : `${d.members.registered.length + d.members.already.length} (${d.members.registered.length} new)`,
    d.trustRoot === undefined ? "-" : d.trustRoot.registeredNow ? "registered now" : "registered",
  ]);
}

/** The summary as a plain-text table with aligned columns (numbers right-aligned). */
export function formatDeploySummary(deployments: readonly ChainDeployment[]): string {
  const rows = [[...SUMMARY_HEADERS], ...deploySummaryRows(deployments)];
  const widths = SUMMARY_HEADERS.map((_, column) => Math.max(...rows.map((row) => row[column].length)));
  const numeric = new Set([1, 3, 4, 5]);
  const line = (row: readonly string[]) =>
    row
      .map((cell, column) => (numeric.has(column) ? cell.padStart(widths[column]) : cell.padEnd(widths[column])))
      .join("  ")
      .trimEnd();
  return [line(rows[0]), widths.map((width) => "-".repeat(width)).join("  "), ...rows.slice(1).map(line)].join("\n");
}
