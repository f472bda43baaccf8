/**
 * Step 13, report: report.md, report.json and the run's charts, built from what every step made
 * and the chains' final heights. The runner rewrites report.json after the shutdown so it holds
 * this step and the shutdown too.
 */
import { rpcCall } from "../../chains/rpc";
import { allChains } from "../../chains/topology";
import type { SendAndAnchorResult } from "../anchoring";
import type { CoalitionFacts } from "../coalition";
import type { EconomicsFacts } from "../economics";
import type { LearningFacts } from "../learning";
import type { MarketFacts } from "../market";
import { buildRunReport, type RunReport } from "../report";
import { writeRunReport, type RunReportFiles } from "../report-files";
import { runRelativeFiles } from "../run-dir";
import type { SecurityFacts } from "../security";
import type { RunStores } from "../stores";
import type { VerificationResult } from "../verification";
import type { RunDeployment } from "./deploy";
import type { RunParticipants } from "./participants";
import type { RunPartition } from "./partition";
import type { Step } from "./step";
import type { TrafficLog } from "./traffic";
import type { RunUnits } from "./units";
import { relative } from "./text";

/** The report and the files it was written to. */
export interface WrittenReport {
  readonly report: RunReport;
  readonly files: RunReportFiles;
}

type Before = {
  readonly traffic: TrafficLog;
  readonly partition: RunPartition;
  readonly deploy: RunDeployment;
  readonly participants: RunParticipants;
  readonly store: RunStores;
  readonly units: RunUnits;
  readonly records: SendAndAnchorResult;
  readonly verification: VerificationResult;
  readonly security: SecurityFacts;
  readonly economics: EconomicsFacts;
  readonly market: MarketFacts;
  readonly learning: LearningFacts;
  readonly coalition: CoalitionFacts;
};

/** The block height of every chain of the run, by name. */
async function chainHeights(topology: RunDeployment["topology"]): Promise<Record<string, number>> {
  const heights: Record<string, number> = {};
  await Promise.all(
    allChains(topology).map(
      async (chain) => (heights[chain.name] = Number(await rpcCall<string>(chain.rpc, "eth_blockNumber"))),
    ),
  );
  return heights;
}

export const reportStep: Step<"report", Before, WrittenReport> = {
  name: "report",
  title: () => "report.md, report.json and charts",
  async run({ before, options, paths, timing }) {
    const {
      traffic,
      partition,
      deploy,
      participants,
      store,
      units,
      records,
      verification,
      security,
      economics,
      market,
      learning,
      coalition,
    } = before;
    const heights = await chainHeights(deploy.topology);
    const partitionFiles = runRelativeFiles(paths.root, partition.files);
    const { steps, seconds } = timing();
    const report = buildRunReport({
      options,
      steps,
      seconds,
      traffic: { file: relative(traffic.file), generated: traffic.generated },
      partition: partition.document,
      partitionFiles,
      topology: deploy.topology,
      deployments: deploy.deployed.chains,
      hub: deploy.deployed.hub,
      plan: participants.plan,
      setups: participants.setups,
      store: store.communities.map((c) => ({ chain: c.chain, peerId: c.node.peerId, gateway: c.gateway.url })),
      fleet: units.fleet,
      attestations: units.attestations,
      records,
      verification,
      economics,
      market,
      learning,
      coalition,
      security,
      heights,
    });
    const files = await writeRunReport(paths, report, {
      anchorMs: records.anchorLatencyMs,
      shareMs: units.fleet.shareLatencyMs,
      readMs: verification.reads.filter((r) => r.ms !== undefined).map((r) => r.ms!),
    });
    return { report, files };
  },
  summary: ({ report, files }) =>
    `${relative(files.markdown)}, ${relative(files.json)}, ${files.charts.length} charts; ${report.checks.filter((c) => c.passed).length}/${report.checks.length} checks passed`,
};
