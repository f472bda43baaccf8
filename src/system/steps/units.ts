/**
 * Step 7, units: the fleet of IoT units runs to the end, then each community's verifier attests
 * the shared records. Before the records and anchors, so the chains' last blocks are anchored too.
 */
import { attestSharedRecords, type AttestationOutcome } from "../attestations";
import { runFleet, type FleetCounts, type FleetResult } from "../fleet";
import type { RunStores } from "../stores";
import type { RunDeployment } from "./deploy";
import type { RunParticipants } from "./participants";
import type { Step } from "./step";
import { figure } from "./text";

/** What the units did and the verifiers' attestations of their records. */
export interface RunUnits {
  readonly fleet: FleetResult;
  readonly attestations: readonly AttestationOutcome[];
}

type Before = { readonly deploy: RunDeployment; readonly participants: RunParticipants; readonly store: RunStores };

function unitCount(before: Before): number {
  return before.participants.plan.reduce((total, p) => total + p.devices.length, 0);
}

export const unitsStep: Step<"units", Before, RunUnits> = {
  name: "units",
  title: ({ before, options }) =>
    `${unitCount(before)} IoT units, ${figure(options.readingsPerDevice)} readings and ${options.uploadsPerDevice} status snapshots each; each community's verifier attests shared records`,
  async run({ before, options, paths, environment }, progress) {
    const { topology } = before.deploy;
    const { plan, eprs } = before.participants;
    const stores = before.store;
    const readings = unitCount(before) * options.readingsPerDevice;
    const counts = (c: FleetCounts) =>
      `${figure(c.readingsApplied)}/${figure(readings)} readings applied, ${c.serviceRequests} requests, ${c.partOrders} orders, ${c.statusRecords} status records, ${c.authorizations} shares`;
    const fleet = await runFleet({
      chainsDir: paths.chains,
      topology,
      plan,
      eprs,
      stores,
      stateDir: paths.units,
      readingsPerDevice: options.readingsPerDevice,
      uploadsPerDevice: options.uploadsPerDevice,
      readingBatch: options.readingBatch,
      countThreshold: options.countThreshold,
      seed: options.seed,
      mnemonic: environment.mnemonic,
      signal: environment.signal,
      onProgress: (c) => progress(counts(c)),
    });
    const attestations = await attestSharedRecords({
      topology,
      plan,
      records: fleet.records,
      stores,
      mnemonic: environment.mnemonic,
      onProgress: (n) => progress(`${n} records attested`),
    });
    return { fleet, attestations };
  },
  summary: ({ fleet: { counts }, attestations }) =>
    `${figure(counts.readingsApplied)} readings in ${counts.batches} batches: ${counts.serviceRequests} service requests, ${counts.partOrders} part orders; ` +
    `${counts.statusRecords} status records, ${counts.authorizations} shares, ${counts.revocations} revocations; ` +
    `${attestations.filter((a) => a.outcome === "attested").length}/${attestations.length} records attested`,
};
