import { spawnSync } from "node:child_process";
import path from "node:path";

/**
 * Runs test/oracle/k_clique.py (networkx) on graphs given as edge lists: one python3 process for
 * a whole batch of jobs, since starting python and importing networkx costs more than most jobs.
 */

const SCRIPT = path.join(__dirname, "k_clique.py");

export interface OracleGraph {
  nodes: string[];
  /** [u, v] or [u, v, weight] */
  edges: (readonly [string, string] | readonly [string, string, number])[];
}

export type OracleJob =
  | (OracleGraph & { op: "find_cliques" })
  | (OracleGraph & { op: "k_clique_communities"; ks: number[]; repeat?: number })
  | (OracleGraph & { op: "weighted_cpm"; ks: number[]; intensity: number });

export interface OracleResult {
  cliques?: string[][];
  byK?: Record<string, string[][]>;
  /** Time of the networkx computation itself, measured inside python. */
  seconds: number;
  /** The same per k (k_clique_communities only). */
  secondsByK?: Record<string, number>;
}

export function runOracle(jobs: OracleJob[]): OracleResult[] {
  const child = spawnSync("python3", [SCRIPT], {
    input: JSON.stringify({ jobs }),
    encoding: "utf8",
    maxBuffer: 1 << 30,
  });
  if (child.error) throw child.error;
  if (child.status !== 0) throw new Error(`python3 ${SCRIPT} exited with ${child.status}: ${child.stderr}`);
  return (JSON.parse(child.stdout) as { results: OracleResult[] }).results;
}
