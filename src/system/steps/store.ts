/**
 * Step 6, store: one Helia store node per community in a private DHT and a gated gateway in front
 * of each, put on the cleanup stack at once.
 */
import { startRunStores, type RunStores } from "../stores";
import type { RunDeployment } from "./deploy";
import type { Step } from "./step";

export const storeStep: Step<"store", { readonly deploy: RunDeployment }, RunStores> = {
  name: "store",
  title: () => "one Helia store node per community in a private DHT, a gated gateway in front of each",
  async run({ before, paths, environment, onShutdown }) {
    const started = await startRunStores(before.deploy.topology, paths.store, environment.mnemonic);
    onShutdown({ what: "the store nodes and gateways", stop: () => started.close() });
    return started;
  },
  summary: (stores) => stores.communities.map((c) => `${c.chain} ${c.gateway.url}`).join(", "),
};
