/**
 * Step 4, deploy: the Ignition modules on every chain (AnchorHub on main; the community
 * contracts on each community), and the topology with the contracts' addresses.
 */
import { readTopology, topologyPath, type Topology } from "../../chains/topology";
import { deployAll, type DeployAllResult } from "../../deploy";
import type { Step } from "./step";

/** The deployed contracts and the topology that records them. */
export interface RunDeployment {
  readonly deployed: DeployAllResult;
  readonly topology: Topology;
}

function sum<T>(items: readonly T[], of: (item: T) => number): number {
  return items.reduce((total, item) => total + of(item), 0);
}

export const deployStep: Step<"deploy", object, RunDeployment> = {
  name: "deploy",
  title: () =>
    "Ignition modules: AnchorHub on main; DataToken, Register, RelationshipFactory, MaintenanceService, RecordLog on each community",
  async run({ paths, environment }, progress) {
    const deployed = await deployAll({
      dir: paths.chains,
      artifactResolver: environment.artifactResolver,
      mnemonic: environment.mnemonic,
      onProgress: (p) => progress(`${p.chain}: ${p.message}${p.total ? ` [${p.done}/${p.total}]` : ""}`),
    });
    return { deployed, topology: readTopology(topologyPath(paths.chains)) };
  },
  summary: ({ deployed }) =>
    `${sum(deployed.chains, (c) => Object.keys(c.contracts).length)} contracts on ${deployed.chains.length} chains in ${sum(deployed.chains, (c) => c.transactions)} transactions; AnchorHub ${deployed.hub}`,
};
