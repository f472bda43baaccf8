/**
 * What `chains:up` and `chains:down` print: one aligned line per chain with what was done to it.
 * (`chains:status` has its own table, in status.ts beside the status it reads.)
 */
import type { ChainDownResult } from "./down";
import type { ChainsUpResult } from "./up";

const pid = (value: number | null) => (value === null ? "" : ` (pid ${value})`);

/** A line per chain (name, chain id, RPC, what was done, pid), then the topology file. */
export function formatChainsUp(result: ChainsUpResult): string {
  return [
    ...result.chains.map(
      (chain) =>
        `${chain.name.padEnd(14)} ${String(chain.chainId).padEnd(8)} ${chain.rpc.padEnd(24)} ${chain.action}${pid(chain.pid)}`,
    ),
    `topology: ${result.topologyFile}`,
  ].join("\n");
}

/** A line per chain: what stopping it came to, and the pid it had. */
export function formatChainsDown(results: readonly ChainDownResult[]): string {
  return results.map((chain) => `${chain.name.padEnd(14)} ${chain.outcome}${pid(chain.pid)}`).join("\n");
}
