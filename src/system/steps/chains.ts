/**
 * Step 3, chains: the main chain and one chain per community, started on free ports. Unless the
 * run keeps them (`--keep-chains`), they go on the cleanup stack at once.
 */
import { chainsDown } from "../../chains/down";
import { chainsUp, type ChainsUpResult } from "../../chains/up";
import type { Step } from "./step";
import type { RunPartition } from "./partition";

/** How long each chain may take to come up. */
const CHAIN_START_TIMEOUT_MS = 120_000;
/** chains:up's base port that lets every chain take a free port. */
const FREE_PORTS = 0;

/** A line of chains:up saying a chain is up (started, or found running with its pid). */
function saysUp(message: string): boolean {
  return message.endsWith(" is up") || / is up \(pid/.test(message);
}

export const chainsStep: Step<"chains", { readonly partition: RunPartition }, ChainsUpResult> = {
  name: "chains",
  title: ({ before }) =>
    `starting the main chain and ${before.partition.document.chosen.communities.length} community chains on free ports`,
  async run({ options, paths, environment, onShutdown }, progress) {
    let started = 0;
    const result = await chainsUp({
      dir: paths.chains,
      partition: paths.partition,
      basePort: FREE_PORTS,
      mainChainId: options.mainChainId,
      timeoutMs: CHAIN_START_TIMEOUT_MS,
      projectRoot: environment.projectRoot,
      configFile: environment.configFile,
      onProgress: (message) => {
        if (saysUp(message)) started += 1;
        progress(`${started} up — ${message}`);
      },
    });
    if (!options.keepChains)
      onShutdown({ what: "the chains", stop: async () => void (await chainsDown(paths.chains)) });
    return result;
  },
  summary: (result) => result.chains.map((c) => `${c.name} ${c.rpc}`).join(", "),
};
