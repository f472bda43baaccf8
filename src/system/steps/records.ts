/** Step 9, records: the log's records onto the community chains (formula 1) while the relay anchors them on the main chain. */
import { sendAndAnchor, type SendAndAnchorResult } from "../anchoring";
import type { RunDeployment } from "./deploy";
import type { Step } from "./step";
import type { TrafficLog } from "./traffic";
import { figure } from "./text";

export const recordsStep: Step<
  "records",
  { readonly traffic: TrafficLog; readonly deploy: RunDeployment },
  SendAndAnchorResult
> = {
  name: "records",
  title: ({ options }) =>
    `the log's records onto the community chains (formula 1) while the relay anchors every ${options.relayIntervalMs} ms`,
  run: ({ before, options, paths, environment }, progress) =>
    sendAndAnchor({
      chainsDir: paths.chains,
      topology: before.deploy.topology,
      log: before.traffic.file,
      intervalMs: options.relayIntervalMs,
      mnemonic: environment.mnemonic,
      signal: environment.signal,
      onProgress: (p) =>
        progress(
          `${figure(p.records)}/${figure(p.total)} records, ${figure(p.confirmed)} copies confirmed, ${p.anchors} anchors`,
        ),
    }),
  summary: ({ summary, anchors }) =>
    `${figure(summary.copies)} copies (${figure(summary.cross)} cross-chain records) at ${figure(summary.recordsPerSecond)} records/s; ` +
    `${anchors.length} anchor transactions, every chain anchored to its head`,
};
