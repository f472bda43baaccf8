/**
 * The main job (`npm start`): the whole system from a traffic log to a verified, reported run,
 * step by step — traffic → partition → chains → deploy → participants → store → IoT units →
 * records + anchors → verification → report → shutdown. Everything started is stopped at the end,
 * also when a step fails or the run is interrupted: units closed, gateways and store nodes
 * stopped, chains stopped (unless kept). A failure names its step.
 */
import fs from "node:fs";
import path from "node:path";
import type { ArtifactResolver } from "@nomicfoundation/ignition-core";
import { chainsDown } from "../chains/down";
import { rpcCall } from "../chains/rpc";
import { allChains, readTopology, topologyPath, type Topology } from "../chains/topology";
import { chainsUp } from "../chains/up";
import { deployAll } from "../deploy";
import { runPartition } from "../partition/pipeline";
import { writePartitionOutputs } from "../report/outputs";
import { writeTrafficLog } from "../traffic/generate";
import { sendAndAnchor } from "./anchoring";
import { RunCheckError, RunInterruptedError, StartOptionError, StepFailedError } from "./errors";
import { attestSharedRecords } from "./attestations";
import { runEconomics } from "./economics";
import { runFleet } from "./fleet";
import type { StartOptions } from "./options";
import { planParticipants, setUpParticipants } from "./participants";
import { StepReporter, type ProgressSink, type StepName } from "./progress";
import { buildRunReport, securityChecks, type RunReport } from "./report";
import { rewriteRunReport, writeRunReport, type RunReportFiles } from "./report-files";
import { prepareRunDir, runPaths, type RunPaths } from "./run-dir";
import { GATEWAY_BURST, probeSecurity } from "./security";
import { startRunStores, type RunStores } from "./stores";
import { verifyRun } from "./verification";

/** How long each chain may take to come up. */
const CHAIN_START_TIMEOUT_MS = 120_000;

/** What the run needs from its environment (the Hardhat task gives it). */
export interface RunContext {
  /** Project root and Hardhat config the chain processes run with. */
  readonly projectRoot: string;
  readonly configFile: string;
  /** Where Ignition reads the compiled contracts (hardhat-ignition's HardhatArtifactResolver). */
  readonly artifactResolver: ArtifactResolver;
  readonly sink: ProgressSink;
  /** Aborts the run (Ctrl-C): the current step stops where it can, then everything is shut down. */
  readonly signal?: AbortSignal;
  readonly mnemonic?: string;
}

/** A finished run. */
export interface RunOutcome {
  readonly paths: RunPaths;
  readonly report: RunReport;
  readonly files: RunReportFiles;
  /** The chains were left running (`--keep-chains`). */
  readonly keptChains: boolean;
}

/** Something to stop at the end, newest first. */
interface Cleanup {
  readonly what: string;
  readonly stop: () => Promise<void>;
}

function relative(file: string): string {
  const rel = path.relative(process.cwd(), file);
  return rel.startsWith("..") || path.isAbsolute(rel) ? file : rel;
}

/**
 * Runs the whole system with `options` (checked by `resolveStartOptions`). Resolves with the
 * report when every step ran and every required check of the run passed (the others print a
 * warning: too few readings for any service request, say); throws {@link StepFailedError}
 * naming the step that failed (a {@link RunInterruptedError} on abort), or {@link RunCheckError}
 * when the run completed but one of its checks did not pass (the report is written then).
 */
export async function runSystem(options: StartOptions, context: RunContext): Promise<RunOutcome> {
  const reporter = new StepReporter(context.sink);
  const paths = runPaths(options.runDir);
  const cleanups: Cleanup[] = [];
  let current: StepName = "traffic";

  const step = <T>(name: StepName, title: string, action: (progress: (counts: string) => void) => Promise<T>, summary: (result: T) => string): Promise<T> => {
    current = name;
    if (context.signal?.aborted) throw new RunInterruptedError(name);
    return reporter.run(name, title, action, summary);
  };

  let outcome: Omit<RunOutcome, "paths" | "keptChains"> | undefined;
  let failure: unknown;
  try {
    outcome = await steps();
  } catch (error) {
    failure = error instanceof StepFailedError ? error : new StepFailedError(current, (error as Error).message, { cause: error });
  }
  try {
    await reporter.run(
      "shutdown",
      `stopping ${cleanups.map((c) => c.what).reverse().join(", ") || "nothing"}`,
      async () => {
        const problems: string[] = [];
        for (const cleanup of cleanups.reverse()) {
          try {
            await cleanup.stop();
          } catch (error) {
            problems.push(`${cleanup.what}: ${(error as Error).message}`);
          }
        }
        if (problems.length > 0) throw new StepFailedError("shutdown", problems.join("; "));
        return cleanups.length;
      },
      (count) => `${count} stopped${options.keepChains && fs.existsSync(topologyPath(paths.chains)) ? `; chains left running (stop them: npx hardhat chains:down --dir ${relative(paths.chains)})` : ""}`,
    );
  } catch (error) {
    failure ??= error;
  }
  if (outcome !== undefined) {
    // The report and shutdown steps end after the report was written: record them too.
    const report = { ...outcome.report, steps: reporter.steps, seconds: reporter.elapsedSeconds };
    await rewriteRunReport(paths, report);
    outcome = { ...outcome, report };
  }
  if (failure !== undefined) throw failure;
  for (const check of outcome!.report.checks.filter((c) => !c.passed && !c.required)) reporter.line(`warning: ${check.name}: ${check.detail}`);
  const failed = outcome!.report.checks.filter((c) => !c.passed && c.required);
  if (failed.length > 0) throw new RunCheckError("verification", `${failed.map((c) => `${c.name} (${c.detail})`).join("; ")}; see ${relative(paths.reportMarkdown)}`);
  return { ...outcome!, paths, keptChains: options.keepChains };

  async function steps(): Promise<Omit<RunOutcome, "paths" | "keptChains">> {
    const generated = options.log === undefined;
    const log = generated ? paths.traffic : path.resolve(options.log!);
    await step(
      "traffic",
      generated ? `generating the factory workload: ${options.records.toLocaleString("en-US")} records of ${options.devices} devices` : `using ${relative(log)}`,
      async (progress) => {
        if (!generated && !fs.existsSync(log)) throw new StartOptionError("log", `${log} does not exist`);
        if (!generated && path.resolve(log).startsWith(paths.root + path.sep)) throw new StartOptionError("log", `${log} lies inside the run directory, which the run replaces`);
        await prepareRunDir(paths, { options });
        if (generated) {
          await writeTrafficLog(log, { devices: options.devices, records: options.records, groups: options.groups, seed: options.seed, onProgress: (written, total) => progress(`${written.toLocaleString("en-US")}/${total.toLocaleString("en-US")} records`) });
        }
        return log;
      },
      (file) => `${relative(file)}`,
    );

    const partition = await step(
      "partition",
      "trust graph → threshold → k-clique communities → strategies",
      async (progress) => {
        const run = await runPartition(log, { seed: options.seed, onStage: (stage) => progress(stage) });
        const files = await writePartitionOutputs(paths.partitionDir, run.document);
        return { document: run.document, files };
      },
      ({ document: doc }) => {
        const community = doc.strategies.find((s) => s.name === "community");
        return `${doc.log.devices} devices, ${doc.log.records.toLocaleString("en-US")} records → ${doc.chosen.communities.length} communities (k = ${doc.chosen.k}, sizes ${doc.chosen.communities.map((c) => c.length).join(", ")}), storage ratio ${community?.storageRatio.toFixed(3) ?? "–"}`;
      },
    );

    const up = await step(
      "chains",
      `starting the main chain and ${partition.document.chosen.communities.length} community chains on free ports`,
      async (progress) => {
        let started = 0;
        const result = await chainsUp({
          dir: paths.chains,
          partition: paths.partition,
          basePort: 0,
          mainChainId: options.mainChainId,
          timeoutMs: CHAIN_START_TIMEOUT_MS,
          projectRoot: context.projectRoot,
          configFile: context.configFile,
          onProgress: (message) => {
            if (message.endsWith(" is up") || / is up \(pid/.test(message)) started += 1;
            progress(`${started} up — ${message}`);
          },
        });
        if (!options.keepChains) cleanups.push({ what: "the chains", stop: async () => void (await chainsDown(paths.chains)) });
        return result;
      },
      (result) => result.chains.map((c) => `${c.name} ${c.rpc}`).join(", "),
    );

    const deployed = await step(
      "deploy",
      "Ignition modules: AnchorHub on main; DataToken, Register, RelationshipFactory, MaintenanceService, RecordLog on each community",
      (progress) => deployAll({ dir: paths.chains, artifactResolver: context.artifactResolver, mnemonic: context.mnemonic, onProgress: (p) => progress(`${p.chain}: ${p.message}${p.total ? ` [${p.done}/${p.total}]` : ""}`) }),
      (result) => `${result.chains.reduce((total, c) => total + Object.keys(c.contracts).length, 0)} contracts on ${result.chains.length} chains in ${result.chains.reduce((total, c) => total + c.transactions, 0)} transactions; AnchorHub ${result.hub}`,
    );
    const topology: Topology = readTopology(topologyPath(paths.chains));

    const plan = planParticipants(topology, context.mnemonic);
    const setups = await step(
      "participants",
      "a service provider and a third party per community; machines, EPRs and DataToken for every device",
      (progress) => setUpParticipants({ topology, plan, countThreshold: options.countThreshold, readingsPerDevice: options.readingsPerDevice, mnemonic: context.mnemonic, onProgress: (txs) => progress(`${txs} transactions mined`) }),
      (result) =>
        `${plan.length * 2} participants, ${result.reduce((t, s) => t + s.machines, 0)} machines and EPRs, ${result.reduce((t, s) => t + s.transactions, 0)} transactions` +
        (options.countThreshold === 1000 ? "" : `; count thresholds ${options.countThreshold}`),
    );
    const eprs = Object.assign({}, ...setups.map((s) => s.eprs)) as Record<string, string>;

    const stores = await step(
      "store",
      `one Helia store node per community in a private DHT, a gated gateway in front of each`,
      async () => {
        const started: RunStores = await startRunStores(topology, paths.store);
        cleanups.push({ what: "the store nodes and gateways", stop: () => started.close() });
        return started;
      },
      (result) => result.communities.map((c) => `${c.chain} ${c.gateway.url}`).join(", "),
    );

    const units = plan.reduce((total, p) => total + p.devices.length, 0);
    const { fleet, attestations } = await step(
      "units",
      `${units} IoT units, ${options.readingsPerDevice.toLocaleString("en-US")} readings and ${options.uploadsPerDevice} status snapshots each; each community's verifier attests shared records`,
      async (progress) => {
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
          mnemonic: context.mnemonic,
          signal: context.signal,
          onProgress: (c) =>
            progress(
              `${c.readingsApplied.toLocaleString("en-US")}/${(units * options.readingsPerDevice).toLocaleString("en-US")} readings applied, ${c.serviceRequests} requests, ${c.partOrders} orders, ${c.statusRecords} status records, ${c.authorizations} shares`,
            ),
        });
        // Before the records and anchors, so the chains' last blocks are anchored too.
        const attestations = await attestSharedRecords({ topology, plan, records: fleet.records, stores, mnemonic: context.mnemonic, onProgress: (n) => progress(`${n} records attested`) });
        return { fleet, attestations };
      },
      ({ fleet: result, attestations: attested }) =>
        `${result.counts.readingsApplied.toLocaleString("en-US")} readings in ${result.counts.batches} batches: ${result.counts.serviceRequests} service requests, ${result.counts.partOrders} part orders; ` +
        `${result.counts.statusRecords} status records, ${result.counts.authorizations} shares, ${result.counts.revocations} revocations; ` +
        `${attested.filter((a) => a.outcome === "attested").length}/${attested.length} records attested`,
    );

    const records = await step(
      "records",
      `the log's records onto the community chains (formula 1) while the relay anchors every ${options.relayIntervalMs} ms`,
      (progress) =>
        sendAndAnchor({
          chainsDir: paths.chains,
          topology,
          log,
          intervalMs: options.relayIntervalMs,
          mnemonic: context.mnemonic,
          signal: context.signal,
          onProgress: (p) => progress(`${p.records.toLocaleString("en-US")}/${p.total.toLocaleString("en-US")} records, ${p.confirmed.toLocaleString("en-US")} copies confirmed, ${p.anchors} anchors`),
        }),
      (result) =>
        `${result.summary.copies.toLocaleString("en-US")} copies (${result.summary.cross.toLocaleString("en-US")} cross-chain records) at ${result.summary.recordsPerSecond.toLocaleString("en-US")} records/s; ` +
        `${result.anchors.length} anchor transactions, every chain anchored to its head`,
    );

    const verification = await step(
      "verification",
      "light client on main-chain anchors only; shared status data read through the gateways",
      (progress) =>
        verifyRun({
          chainsDir: paths.chains,
          topology,
          summary: records.summary,
          sample: options.verifySample,
          seed: options.seed,
          plan,
          records: fleet.records,
          rotation: fleet.rotation,
          stores,
          mnemonic: context.mnemonic,
          onProgress: (checked) => progress(`${checked} checks`),
        }),
      (result) => {
        const copies = [...result.records, ...result.crossRecords.flatMap((c) => c.copies)];
        return (
          `${copies.filter((c) => c.valid).length}/${copies.length} records VALID; tampered proof ${result.tampered?.valid === false ? `INVALID (${result.tampered.reason})` : "NOT rejected"}; ` +
          `${result.reads.filter((r) => r.outcome === "read").length} gateway reads, ${result.reads.filter((r) => r.outcome === "refused").map((r) => `${r.reader} refused (${r.status})`).join(", ") || "none refused"}`
        );
      },
    );

    const security = await step(
      "security",
      `probing as an attacker on the local network: signing methods, web pages and clocks on every chain, unprivileged calls, a ${GATEWAY_BURST}-request burst per gateway`,
      (progress) => probeSecurity({ topology, chainsDir: paths.chains, stores, onProgress: progress }),
      (result) => securityChecks(result).map((c) => `${c.passed ? "✓" : "✗"} ${c.name}`).join("; "),
    );

    const economics = await step(
      "economics",
      "the sampling-rate game of the digital-twin market: certified equilibria against uniform pricing, Figs. 9–12",
      () => runEconomics(paths.economics, paths.root),
      (result) =>
        `${result.equilibria} equilibria ${result.certified ? "certified" : "NOT certified"}; equilibrium above uniform pricing from ${result.crossings.map((c) => `${c.sellers ?? "never"} (B = ${c.budget})`).join(", ")} sellers; ` +
        `${result.claims.filter((c) => c.holds === true).length}/${result.claims.length} of the paper's claims hold`,
    );

    return step(
      "report",
      "report.md, report.json and charts",
      async () => {
        const heights: Record<string, number> = {};
        await Promise.all(allChains(topology).map(async (chain) => (heights[chain.name] = Number(await rpcCall<string>(chain.rpc, "eth_blockNumber")))));
        const partitionFiles = Object.fromEntries(Object.entries(partition.files).map(([name, file]) => [name, path.relative(paths.root, file).split(path.sep).join("/")]));
        const report = buildRunReport({
          options,
          steps: reporter.steps,
          seconds: reporter.elapsedSeconds,
          traffic: { file: relative(log), generated },
          partition: partition.document,
          partitionFiles,
          topology,
          deployments: deployed.chains,
          hub: deployed.hub,
          plan,
          setups,
          store: stores.communities.map((c) => ({ chain: c.chain, peerId: c.node.peerId, gateway: c.gateway.url })),
          fleet,
          attestations,
          records,
          verification,
          economics,
          security,
          heights,
        });
        const files = await writeRunReport(paths, report, { anchorMs: records.anchorLatencyMs, shareMs: fleet.shareLatencyMs, readMs: verification.reads.filter((r) => r.ms !== undefined).map((r) => r.ms!) });
        return { report, files };
      },
      ({ report, files }) => `${relative(files.markdown)}, ${relative(files.json)}, ${files.charts.length} charts; ${report.checks.filter((c) => c.passed).length}/${report.checks.length} checks passed`,
    );
  }
}
