/**
 * Step 10, verification: a light client that trusts only the main chain's anchors checks a sample
 * of records and a tampered proof; the shared status data is read through the gateways.
 */
import type { SendAndAnchorResult } from "../anchoring";
import type { RunStores } from "../stores";
import { verifyRun, type VerificationResult } from "../verification";
import type { RunDeployment } from "./deploy";
import type { RunParticipants } from "./participants";
import type { Step } from "./step";
import type { RunUnits } from "./units";

type Before = {
  readonly deploy: RunDeployment;
  readonly participants: RunParticipants;
  readonly store: RunStores;
  readonly units: RunUnits;
  readonly records: SendAndAnchorResult;
};

export const verificationStep: Step<"verification", Before, VerificationResult> = {
  name: "verification",
  title: () => "light client on main-chain anchors only; shared status data read through the gateways",
  run: ({ before, options, paths, environment }, progress) =>
    verifyRun({
      chainsDir: paths.chains,
      topology: before.deploy.topology,
      summary: before.records.summary,
      sample: options.verifySample,
      seed: options.seed,
      plan: before.participants.plan,
      records: before.units.fleet.records,
      rotation: before.units.fleet.rotation,
      stores: before.store,
      mnemonic: environment.mnemonic,
      onProgress: (checked) => progress(`${checked} checks`),
    }),
  summary: (result) => {
    const copies = [...result.records, ...result.crossRecords.flatMap((c) => c.copies)];
    return (
      `${copies.filter((c) => c.valid).length}/${copies.length} records VALID; tampered proof ${result.tampered?.valid === false ? `INVALID (${result.tampered.reason})` : "NOT rejected"}; ` +
      `${result.reads.filter((r) => r.outcome === "read").length} gateway reads, ${
        result.reads
          .filter((r) => r.outcome === "refused")
          .map((r) => `${r.reader} refused (${r.status})`)
          .join(", ") || "none refused"
      }`
    );
  },
};
