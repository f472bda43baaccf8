/**
 * Step 5, participants: a service provider and a third party per community; for every device a
 * machine in MaintenanceService, an EPR with its community's provider and DataToken for its parts.
 */
import type { DeviceId } from "../../chains/topology";
import { TABLE1_COUNT_THRESHOLD } from "../options";
import { planParticipants, setUpParticipants, type ChainSetup, type CommunityPlan } from "../participants";
import type { RunDeployment } from "./deploy";
import type { Step } from "./step";

/** Who is who on the community chains and what was set up for them. */
export interface RunParticipants {
  readonly plan: readonly CommunityPlan[];
  readonly setups: readonly ChainSetup[];
  /** Each device's EPR with its community's provider. */
  readonly eprs: Readonly<Record<DeviceId, string>>;
}

export const participantsStep: Step<"participants", { readonly deploy: RunDeployment }, RunParticipants> = {
  name: "participants",
  title: () => "a service provider and a third party per community; machines, EPRs and DataToken for every device",
  async run({ before, options, environment }, progress) {
    const topology = before.deploy.topology;
    const plan = planParticipants(topology, environment.mnemonic);
    const setups = await setUpParticipants({
      topology,
      plan,
      countThreshold: options.countThreshold,
      readingsPerDevice: options.readingsPerDevice,
      mnemonic: environment.mnemonic,
      onProgress: (txs) => progress(`${txs} transactions mined`),
    });
    const eprs = Object.assign({}, ...setups.map((s) => s.eprs)) as Record<DeviceId, string>;
    return { plan, setups, eprs };
  },
  summary: ({ plan, setups }, { options }) =>
    `${plan.flatMap((p) => [p.provider, p.thirdParty]).length} participants, ${setups.reduce((t, s) => t + s.machines, 0)} machines and EPRs, ${setups.reduce((t, s) => t + s.transactions, 0)} transactions` +
    (options.countThreshold === TABLE1_COUNT_THRESHOLD ? "" : `; count thresholds ${options.countThreshold}`),
};
