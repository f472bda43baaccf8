import { stopChainProcess, type StopOutcome } from "./chain-process";
import { allChains, chainDataDir, readTopology, topologyPath, writeTopology } from "./topology";

/** What `chains:down` did with a chain. */
export interface ChainDownResult {
  name: string;
  pid: number | null;
  /** `external`: not ours to stop; `foreign`: the pid now belongs to another process, left alone. */
  outcome: StopOutcome | "external";
}

/**
 * Stops the chain processes recorded in `<dir>/topology.json`, each only if its pid is still that
 * chain's process (its command line names the chain's directory): SIGTERM, then SIGKILL after
 * `graceMs`. Every local chain is then recorded as stopped (pid null). Chains keep their data; the
 * next `chains:up` restarts them with their state.
 */
export async function chainsDown(dir: string, graceMs = 5_000): Promise<ChainDownResult[]> {
  const file = topologyPath(dir);
  const topology = readTopology(file);
  const results = await Promise.all(
    allChains(topology).map(async (chain): Promise<ChainDownResult> => {
      if (chain.external) return { name: chain.name, pid: null, outcome: "external" };
      const pid = chain.pid ?? null;
      const outcome = await stopChainProcess(pid, chainDataDir(dir, chain), graceMs);
      chain.pid = null;
      return { name: chain.name, pid, outcome };
    }),
  );
  writeTopology(file, topology);
  return results;
}
