/**
 * The report of a run (`report.json`): every step's figures in one JSON document, built from
 * what the steps returned. Pure: no I/O here (see `report-files.ts`). Token amounts are decimal
 * strings of the token's smallest unit (18 decimals), so nothing is rounded.
 */
import { MAX_CLOCK_AHEAD_S, type SecurityFacts } from "./security";
import type { PartitionDocument } from "../partition/document";
import { formatExponential } from "../report/kit/markdown";
import type { ChainDeployment } from "../deploy";
import type { SendAndAnchorResult } from "./anchoring";
import type { AttestationOutcome } from "./attestations";
import { coalitionChecks, type CoalitionFacts } from "./coalition";
import type { EconomicsFacts } from "./economics";
import { learningChecks, type LearningFacts } from "./learning";
import { marketChecks, type MarketFacts } from "./market";
import type { FleetResult } from "./fleet";
import type { StartOptions } from "./options";
import type { ChainSetup, CommunityPlan } from "./participants";
import type { RunCheck } from "./run-check";
import type { StepTiming } from "./step-timing";
import type { CrossRecordCheck, RecordCheck, ShareRead, VerificationResult } from "./verification";

/** The current report.json format version. */
export const RUN_REPORT_VERSION = 1;

/** Summary statistics of a set of durations, ms. */
export interface Distribution {
  readonly samples: number;
  readonly p50: number;
  readonly p95: number;
  readonly max: number;
  readonly mean: number;
}

/** One chain of the run. */
export interface ChainFigures {
  readonly name: string;
  readonly chainId: number;
  readonly rpc: string;
  /** Member devices (community chains). */
  readonly members: number;
  /** Blocks at the end of the run: every transaction is mined in a block of its own. */
  readonly blocks: number;
  /** Transactions by what sent them. */
  readonly transactions: {
    readonly deploy: number;
    readonly participants: number;
    readonly units: number;
    readonly attestations: number;
    readonly records: number;
    readonly anchors: number;
  };
  /** Contracts deployed on it, by name. */
  readonly contracts: Readonly<Record<string, string>>;
}

export type { RunCheck } from "./run-check";

/** report.json. */
export interface RunReport {
  readonly version: typeof RUN_REPORT_VERSION;
  readonly generatedAt: string;
  readonly options: StartOptions;
  readonly steps: readonly StepTiming[];
  readonly traffic: {
    readonly file: string;
    readonly generated: boolean;
    readonly records: number;
    readonly devices: number;
    readonly spanHours: number;
  };
  readonly partition: {
    readonly threshold: number;
    readonly thresholdUnit: string;
    readonly k: number;
    readonly communities: readonly (readonly string[])[];
    readonly interChainNodes: readonly string[];
    readonly uncovered: readonly string[];
    /** Formula 1's count and ratio (1 = ungrouped) of the chosen partition and of the others. */
    readonly storage: readonly {
      readonly strategy: string;
      readonly count: number;
      readonly ratio: number;
      readonly chains: number;
    }[];
    /** partition.json, its report and charts, relative to the run directory. */
    readonly files: Readonly<Record<string, string>>;
  };
  readonly chains: { readonly main: ChainFigures; readonly communities: readonly ChainFigures[] };
  readonly contracts: { readonly total: number; readonly hub: string };
  readonly participants: readonly {
    readonly chain: string;
    readonly provider: { readonly id: string; readonly address: string };
    readonly thirdParty: { readonly id: string; readonly address: string };
    readonly crossThirdParty?: { readonly id: string; readonly address: string };
    readonly devices: number;
    readonly machines: number;
    readonly eprs: number;
    readonly transactions: number;
  }[];
  readonly store: readonly { readonly chain: string; readonly peerId: string; readonly gateway: string }[];
  readonly units: {
    readonly devices: number;
    readonly readings: number;
    readonly batches: number;
    readonly serviceRequests: number;
    readonly partOrders: number;
    readonly tokens: { readonly seeded: string; readonly earned: string; readonly spent: string };
    readonly statusRecords: number;
    readonly shares: number;
    readonly revocations: number;
    readonly reverted: number;
    readonly failures: number;
    readonly perUnit: FleetResult["units"];
  };
  readonly records: {
    readonly records: number;
    readonly intra: number;
    readonly cross: number;
    readonly copies: number;
    /** Formula 1's count of the log on the chains: equals the partition's `community` count. */
    readonly storageCount: number;
    readonly seconds: number;
    readonly recordsPerSecond: number;
    readonly perChain: readonly {
      readonly chain: string;
      readonly records: number;
      readonly batches: number;
      readonly transactions: number;
      readonly gas: number;
      readonly gasPerRecord: number;
      readonly recordsPerSecond: number;
    }[];
    readonly placements: string;
  };
  readonly anchors: {
    readonly transactions: number;
    readonly headers: number;
    readonly rounds: number;
    readonly failedRounds: number;
    readonly perChain: SendAndAnchorResult["chains"];
    readonly latencyMs: Distribution;
  };
  readonly sharing: {
    /** Steps 1–2 (seal and store the snapshot; its EPR record sent → mined), per record. */
    readonly shareMs: Distribution;
    /** Upload start → EPR record mined, including the wait behind the unit's queued reading batches. */
    readonly shareQueuedMs: Distribution;
    /** Steps 3–6 (query the chain, get through the gateway, verify and decrypt), per read. */
    readonly readMs: Distribution;
    readonly writeStepsMs: Readonly<Record<string, Distribution>>;
    readonly readStepsMs: Readonly<Record<string, Distribution>>;
  };
  readonly verification: {
    readonly anchorsHeld: number;
    readonly valid: number;
    readonly invalid: number;
    readonly records: readonly RecordCheck[];
    readonly crossRecords: readonly CrossRecordCheck[];
    readonly tampered?: VerificationResult["tampered"];
    readonly reads: readonly ShareRead[];
  };
  /** The verifiers' attestations (BPIIoT VI.B.3): the only way the run mints rewards. */
  readonly attestations: {
    readonly attested: number;
    readonly failed: number;
    /** Records whose verifier also decrypted them and checked the plaintext against the hash. */
    readonly checkedPlaintext: number;
    /** DataToken minted, smallest unit, decimal strings. */
    readonly uploadRewards: string;
    readonly verificationRewards: string;
    /** Attestations whose rewards the relationship's cap held back. */
    readonly capped: number;
    readonly records: readonly AttestationOutcome[];
  };
  /** The sampling-rate game (digital-twin paper §5, §6.2), its certificate and the paper's claims. */
  readonly economics: EconomicsFacts;
  /** The data market (digital-twin paper §4.2–4.6): registrations, storage, assets, trades. */
  readonly market: MarketFacts;
  /** The federated-learning service (IoT consensus paper §3.2): rounds, accuracy, payments. */
  readonly learning: LearningFacts;
  /** The miners' coalition game (IoT consensus paper §3.3) and its reward round on the main chain. */
  readonly coalition: CoalitionFacts;
  /** What the security probes found (src/system/security.ts). */
  readonly security: SecurityFacts;
  readonly checks: readonly RunCheck[];
  /** Seconds from the start of the run to the report (shutdown not included). */
  readonly seconds: number;
}

/** Everything the steps returned, as the report is built from it. */
export interface RunFacts {
  readonly options: StartOptions;
  readonly steps: readonly StepTiming[];
  readonly seconds: number;
  readonly traffic: { readonly file: string; readonly generated: boolean };
  readonly partition: PartitionDocument;
  readonly partitionFiles: Readonly<Record<string, string>>;
  readonly topology: {
    readonly main: { name: string; chainId: number; rpc: string; contracts: Record<string, string> };
    readonly communities: readonly {
      name: string;
      chainId: number;
      rpc: string;
      members: readonly string[];
      contracts: Record<string, string>;
    }[];
  };
  readonly deployments: readonly ChainDeployment[];
  readonly hub: string;
  readonly plan: readonly CommunityPlan[];
  readonly setups: readonly ChainSetup[];
  readonly store: readonly { readonly chain: string; readonly peerId: string; readonly gateway: string }[];
  readonly fleet: FleetResult;
  /** The verifiers' attestations of shared records (after the units, before the records). */
  readonly attestations: readonly AttestationOutcome[];
  readonly records: SendAndAnchorResult;
  readonly verification: VerificationResult;
  readonly economics: EconomicsFacts;
  readonly market: MarketFacts;
  readonly learning: LearningFacts;
  readonly coalition: CoalitionFacts;
  /** The security probes after the load (chains, contracts, gateways). */
  readonly security: SecurityFacts;
  /** Block height of every chain at the end, by name. */
  readonly heights: Readonly<Record<string, number>>;
}

/** p50, p95, max and mean of `values` (nearest rank); zeros for none. */
export function distribution(values: readonly number[]): Distribution {
  if (values.length === 0) return { samples: 0, p50: 0, p95: 0, max: 0, mean: 0 };
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (p: number) =>
    sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
  const round = (v: number) => Math.round(v * 10) / 10;
  return {
    samples: sorted.length,
    p50: round(rank(50)),
    p95: round(rank(95)),
    max: round(sorted[sorted.length - 1]),
    mean: round(sorted.reduce((s, v) => s + v, 0) / sorted.length),
  };
}

function sum(values: readonly (bigint | string)[]): string {
  return values.reduce<bigint>((total, v) => total + BigInt(v), 0n).toString();
}

/** The run's checks of its own results: what the end-to-end test and a user rely on. */
export function runChecks(facts: RunFacts): RunCheck[] {
  const v = facts.verification;
  const invalid = v.records.filter((r) => !r.valid);
  const crossCopies = v.crossRecords.flatMap((c) => c.copies);
  const readsOk = v.reads.filter((r) => r.expected === "read");
  const refusals = v.reads.filter((r) => r.expected === "refused");
  const community = facts.partition.strategies.find((s) => s.name === "community");
  const perChain = facts.records.summary.chains.reduce((total, c) => total + c.total, 0);
  const attestations = facts.attestations;
  const attested = attestations.filter((a) => a.outcome === "attested");
  const rewarded = attested.filter(
    (a) => BigInt(a.uploadReward ?? "0") > 0n && BigInt(a.verificationReward ?? "0") > 0n,
  );
  return [
    ...resultChecks(),
    ...marketChecks(facts.market),
    ...learningChecks(facts.learning),
    ...coalitionChecks(facts.coalition),
    ...securityChecks(facts.security),
  ];

  function resultChecks(): RunCheck[] {
    return [
      {
        name: "every community has a chain",
        required: true,
        passed: facts.topology.communities.length === facts.partition.chosen.communities.length,
        detail: `${facts.partition.chosen.communities.length} communities, ${facts.topology.communities.length} community chains`,
      },
      {
        name: "records per chain sum to the copies the storage model places",
        required: true,
        passed:
          perChain === facts.records.summary.copies &&
          (community === undefined || facts.records.summary.storageCount === community.count),
        detail: `${perChain} records on the chains, ${facts.records.summary.copies} copies placed; formula 1 count ${facts.records.summary.storageCount}, partition's community count ${community?.count ?? "n/a"}`,
      },
      {
        name: "service requests and part orders happened",
        required: false,
        passed: facts.fleet.counts.serviceRequests > 0 && facts.fleet.counts.partOrders > 0,
        detail: `${facts.fleet.counts.serviceRequests} service requests, ${facts.fleet.counts.partOrders} part orders`,
      },
      {
        name: "sampled records verify as a light client",
        required: true,
        passed: v.records.length > 0 && invalid.length === 0 && crossCopies.every((c) => c.valid),
        detail:
          `${v.records.length - invalid.length}/${v.records.length} sampled records and ${crossCopies.filter((c) => c.valid).length}/${crossCopies.length} cross-chain copies VALID` +
          (invalid.length > 0
            ? `; INVALID: ${invalid.map((r) => `${r.chain}#${r.recordId} (${r.reason})`).join(", ")}`
            : ""),
      },
      {
        name: "a tampered proof is rejected",
        required: true,
        passed: v.tampered !== undefined && !v.tampered.valid,
        detail:
          v.tampered === undefined
            ? "no proof to tamper with"
            : v.tampered.valid
              ? `${v.tampered.tampering}: accepted`
              : `${v.tampered.tampering}: INVALID (${v.tampered.reason})`,
      },
      {
        name: "third parties read shared data through the gateways",
        required: true,
        passed: readsOk.length > 0 && readsOk.every((r) => r.outcome === "read"),
        detail: `${readsOk.filter((r) => r.outcome === "read").length}/${readsOk.length} reads (${readsOk.filter((r) => r.cross).length} cross-community)`,
      },
      {
        name: "an unauthorised reader is refused",
        required: true,
        passed: refusals.length > 0 && refusals.every((r) => r.outcome === "refused" && r.status === 403),
        detail:
          refusals.length === 0
            ? "no revoked reader to try"
            : refusals
                .map((r) =>
                  `${r.reader} on ${r.chain} record ${r.recordId}: ${r.status ?? r.outcome} ${r.code ?? r.detail ?? ""}`.trim(),
                )
                .join("; "),
      },
      {
        name: "every sampling-rate equilibrium is certified",
        required: true,
        passed: facts.economics.certified,
        detail: `${facts.economics.equilibria} equilibria; largest deviation gain ${formatExponential(facts.economics.maxDeviationGain)}, starts agree within ${formatExponential(facts.economics.maxStartDisagreement)}`,
      },
      {
        name: "the digital-twin paper's sampling-rate claims hold",
        required: false,
        passed: facts.economics.claims.every((c) => c.holds !== false),
        detail: facts.economics.claims
          .map((c) => `${c.holds === null ? "–" : c.holds ? "✓" : "✗"} ${c.claim}`)
          .join("; "),
      },
      {
        name: "verifiers attested shared records from the objects they fetched, and the rewards were paid",
        required: true,
        passed:
          attestations.length > 0 && attested.length === attestations.length && rewarded.length === attested.length,
        detail:
          attestations.length === 0
            ? "no record to attest"
            : `${attested.length}/${attestations.length} attested (${attested.filter((a) => a.checkedPlaintext === true).length} with the plaintext checked), ${rewarded.length} paid both rewards` +
              (attested.length < attestations.length
                ? `; FAILED: ${attestations
                    .filter((a) => a.outcome !== "attested")
                    .map((a) => `${a.chain} ${a.device}#${a.recordId} (${a.detail})`)
                    .join(", ")}`
                : ""),
      },
    ];
  }
}

/** The checks of the security probes: each a promise of README's security model. */
export function securityChecks(security: SecurityFacts): RunCheck[] {
  const chains = security.chains;
  const signingOpen = chains.flatMap((c) =>
    c.signing.filter((s) => !s.refused).map((s) => `${c.chain} ${s.method} (${s.detail})`),
  );
  const pageOpen = chains.filter((c) => c.originStatus !== 403 || c.cors);
  const ahead = chains.filter((c) => c.clockOffsetS > MAX_CLOCK_AHEAD_S);
  const local = chains.filter((c) => c.journalLocked !== null);
  const unlocked = local.filter((c) => c.journalLocked !== true);
  const free = security.unprivileged.filter(
    (u) =>
      !u.registerRevert?.startsWith("RegisterKindNeedsRegistrar(") ||
      !u.mintRevert?.startsWith("AccessControlUnauthorizedAccount(") ||
      u.supplyBefore !== u.supplyAfter,
  );
  const flooded = security.gateways.filter((g) => g.limited * 2 < g.sent);
  const offsets = chains.map((c) => c.clockOffsetS);
  return [
    {
      name: "no chain signs for anyone, and none answers a web page",
      required: true,
      passed: chains.length > 0 && signingOpen.length === 0 && pageOpen.length === 0,
      detail:
        `${chains.length} chains: ${chains.reduce((t, c) => t + c.signing.filter((s) => s.refused).length, 0)}/${chains.reduce((t, c) => t + c.signing.length, 0)} signing calls refused; ` +
        `a foreign Origin got ${[...new Set(chains.map((c) => c.originStatus))].join("/")}, OPTIONS ${[...new Set(chains.map((c) => c.preflightStatus))].join("/")}, ${chains.some((c) => c.cors) ? "WITH" : "no"} CORS header` +
        (signingOpen.length > 0 ? `; ANSWERED: ${signingOpen.join(", ")}` : ""),
    },
    {
      name: `no chain's clock ran more than ${MAX_CLOCK_AHEAD_S} s ahead of the wall clock under the run's load`,
      required: true,
      passed: chains.length > 0 && ahead.length === 0,
      detail:
        `latest block minus wall clock: ${chains.map((c) => `${c.chain} ${c.clockOffsetS >= 0 ? "+" : ""}${c.clockOffsetS} s`).join(", ")}` +
        (offsets.length > 0 ? `; largest ${Math.max(...offsets)} s` : ""),
    },
    {
      name: "a second writer of a running chain's journal is refused",
      required: true,
      passed: local.length > 0 && unlocked.length === 0,
      detail:
        `${local.length - unlocked.length}/${local.length} journals held by their chain process` +
        (unlocked.length > 0 ? `; NOT held: ${unlocked.map((c) => `${c.chain} (${c.journalDetail})`).join(", ")}` : ""),
    },
    {
      name: "an account holding no role can neither take a registrar's kind nor mint DataToken",
      required: true,
      passed: security.unprivileged.length > 0 && free.length === 0,
      detail: security.unprivileged
        .map(
          (u) =>
            `${u.chain}: register as ServiceProvider → ${u.registerRevert ?? "WOULD PASS"}, mint → ${u.mintRevert?.split("(")[0] ?? "WOULD PASS"}, supply ${u.supplyBefore === u.supplyAfter ? "unchanged" : `${u.supplyBefore} → ${u.supplyAfter}`}`,
        )
        .join("; "),
    },
    {
      name: "each gateway's limiter refuses most of a burst of throwaway requests",
      required: true,
      passed: security.gateways.length > 0 && flooded.length === 0,
      detail: security.gateways
        .map(
          (g) =>
            `${g.chain}: ${g.limited}/${g.sent} refused 429 (${Object.entries(g.statuses)
              .map(([status, count]) => `${count}× ${status}`)
              .join(", ")})`,
        )
        .join("; "),
    },
  ];
}

/** Builds report.json from the steps' results. */
export function buildRunReport(facts: RunFacts): RunReport {
  const doc = facts.partition;
  const ratio = (name: string) => doc.strategies.find((s) => s.name === name);
  const fleet = facts.fleet;
  const summary = facts.records.summary;
  const deployTxs = new Map(facts.deployments.map((d) => [d.chain, d.transactions]));
  const setupTxs = new Map(facts.setups.map((s) => [s.chain, s.transactions]));
  const unitTxs = new Map<string, number>();
  for (const u of fleet.units)
    unitTxs.set(
      u.chain,
      (unitTxs.get(u.chain) ?? 0) + u.batches + u.statusRecords + u.authorizations + u.revocations + u.reverted,
    );
  const attestations = facts.attestations;
  const attested = attestations.filter((a) => a.outcome === "attested");
  // Upload rewards reach a device in its verifier's transaction, not its own: credit them here.
  const rewardsOf = (device: string) =>
    attested.filter((a) => a.device === device).reduce((total, a) => total + BigInt(a.uploadReward ?? "0"), 0n);
  const perUnit = fleet.units.map((u) => ({ ...u, earned: (BigInt(u.earned) + rewardsOf(u.device)).toString() }));
  const recordTxs = new Map(summary.chains.map((c) => [c.name, c.transactions]));
  const anchorTxs = facts.records.anchors.length;
  const figures = (
    chain: RunFacts["topology"]["main"] & { members?: readonly string[] },
    main: boolean,
  ): ChainFigures => ({
    name: chain.name,
    chainId: chain.chainId,
    rpc: chain.rpc,
    members: chain.members?.length ?? 0,
    blocks: facts.heights[chain.name] ?? 0,
    transactions: {
      deploy: deployTxs.get(chain.name) ?? 0,
      participants: setupTxs.get(chain.name) ?? 0,
      units: unitTxs.get(chain.name) ?? 0,
      attestations: attested.filter((a) => a.chain === chain.name).length,
      records: recordTxs.get(chain.name) ?? 0,
      anchors: main ? anchorTxs : 0,
    },
    contracts: chain.contracts,
  });
  const steps = (record: Readonly<Partial<Record<string, readonly number[]>>>) =>
    Object.fromEntries(
      Object.entries(record)
        .filter(([, values]) => values !== undefined && values.length > 0)
        .map(([step, values]) => [step, distribution(values!)]),
    );
  const reads = facts.verification.reads.filter((r) => r.outcome === "read" && r.ms !== undefined).map((r) => r.ms!);
  const valid =
    facts.verification.records.filter((r) => r.valid).length +
    facts.verification.crossRecords.flatMap((c) => c.copies).filter((c) => c.valid).length;
  const checked = facts.verification.records.length + facts.verification.crossRecords.flatMap((c) => c.copies).length;
  return {
    version: RUN_REPORT_VERSION,
    generatedAt: new Date().toISOString(),
    options: facts.options,
    steps: facts.steps,
    traffic: {
      file: facts.traffic.file,
      generated: facts.traffic.generated,
      records: doc.log.records,
      devices: doc.log.devices,
      spanHours: doc.log.spanHours,
    },
    partition: {
      threshold: doc.threshold.value,
      thresholdUnit: doc.threshold.unit,
      k: doc.chosen.k,
      communities: doc.chosen.communities,
      interChainNodes: doc.chosen.interChainNodes,
      uncovered: doc.chosen.uncovered,
      storage: ["ungrouped", "community", "optimized", "louvain", "edge-strength"]
        .map((name) => ratio(name))
        .filter((s) => s !== undefined)
        .map((s) => ({ strategy: s.name, count: s.count, ratio: s.storageRatio, chains: s.chains })),
      files: facts.partitionFiles,
    },
    chains: {
      main: figures(facts.topology.main, true),
      communities: facts.topology.communities.map((c) => figures(c, false)),
    },
    contracts: {
      total: facts.deployments.reduce((total, d) => total + Object.keys(d.contracts).length, 0),
      hub: facts.hub,
    },
    participants: facts.plan.map((p) => {
      const setup = facts.setups.find((s) => s.chain === p.chain);
      const brief = (x: { id: string; address: string }) => ({ id: x.id, address: x.address });
      return {
        chain: p.chain,
        provider: brief(p.provider),
        thirdParty: brief(p.thirdParty),
        ...(p.crossThirdParty === undefined ? {} : { crossThirdParty: brief(p.crossThirdParty) }),
        devices: p.devices.length,
        machines: setup?.machines ?? 0,
        eprs: Object.keys(setup?.eprs ?? {}).length,
        transactions: setup?.transactions ?? 0,
      };
    }),
    store: facts.store,
    units: {
      devices: fleet.units.length,
      readings: fleet.counts.readingsApplied,
      batches: fleet.counts.batches,
      serviceRequests: fleet.counts.serviceRequests,
      partOrders: fleet.counts.partOrders,
      tokens: {
        seeded: sum(facts.setups.map((s) => s.seeded)),
        earned: sum(perUnit.map((u) => u.earned)),
        spent: sum(fleet.units.map((u) => u.spent)),
      },
      statusRecords: fleet.counts.statusRecords,
      shares: fleet.counts.authorizations,
      revocations: fleet.counts.revocations,
      reverted: fleet.counts.reverted,
      failures: fleet.units.reduce((total, u) => total + u.failures.length, 0),
      perUnit,
    },
    records: {
      records: summary.records,
      intra: summary.intra,
      cross: summary.cross,
      copies: summary.copies,
      storageCount: summary.storageCount,
      seconds: summary.seconds,
      recordsPerSecond: summary.recordsPerSecond,
      perChain: summary.chains.map((c) => ({
        chain: c.name,
        records: c.total,
        batches: c.batches,
        transactions: c.transactions,
        gas: c.gas,
        gasPerRecord: c.gasPerRecord,
        recordsPerSecond: c.recordsPerSecond,
      })),
      placements: summary.placements,
    },
    anchors: {
      transactions: facts.records.anchors.length,
      headers: facts.records.chains.reduce((total, c) => total + c.headers, 0),
      rounds: facts.records.rounds,
      failedRounds: facts.records.failedRounds,
      perChain: facts.records.chains,
      latencyMs: distribution(facts.records.anchorLatencyMs),
    },
    sharing: {
      shareMs: distribution(fleet.shareLatencyMs),
      shareQueuedMs: distribution(fleet.queuedShareLatencyMs),
      readMs: distribution(reads),
      writeStepsMs: steps(fleet.writeStepsMs),
      readStepsMs: steps(facts.verification.readStepsMs),
    },
    verification: {
      anchorsHeld: facts.verification.anchorsHeld,
      valid,
      invalid: checked - valid,
      records: facts.verification.records,
      crossRecords: facts.verification.crossRecords,
      tampered: facts.verification.tampered,
      reads: facts.verification.reads,
    },
    attestations: {
      attested: attested.length,
      failed: attestations.length - attested.length,
      checkedPlaintext: attested.filter((a) => a.checkedPlaintext === true).length,
      uploadRewards: sum(attested.map((a) => a.uploadReward ?? "0")),
      verificationRewards: sum(attested.map((a) => a.verificationReward ?? "0")),
      capped: attested.filter((a) => a.capped === true).length,
      records: attestations,
    },
    economics: facts.economics,
    market: facts.market,
    learning: facts.learning,
    coalition: facts.coalition,
    security: facts.security,
    checks: runChecks(facts),
    seconds: facts.seconds,
  };
}
