/** report.md of a run: every figure of report.json as tables, with the charts. Pure. */
import { formatEther } from "ethers";
import {
  formatExponential,
  formatFixed,
  formatInteger,
  formatNumber,
  formatRatio,
  heading,
  markdownDocument,
  markdownTable,
  section,
} from "../report/kit/markdown";
import { winnerChance } from "./coalition";
import { learningMarkdown } from "./learning";
import { marketMarkdown } from "./market/markdown";
import type { Distribution, RunReport } from "./report";

/** Chart files of a run, relative to the run directory. */
export interface RunCharts {
  readonly trustGraph: string;
  readonly storage: string;
  readonly throughput: string;
  readonly latency: string;
}

const n = formatInteger;

function tokens(wei: string): string {
  return `${formatNumber(Number(formatEther(wei)), 2)} CDT`;
}

function ms(d: Distribution): string {
  return d.samples === 0 ? "–" : `${d.p50} / ${d.p95} / ${d.max} ms (${d.samples})`;
}

/** The Markdown report of a run. */
export function renderRunReport(report: RunReport, charts: RunCharts): string {
  const v = report.verification;
  const failed = report.checks.filter((c) => !c.passed && c.required).length;
  const warnings = report.checks.filter((c) => !c.passed && !c.required).length;
  const communities = report.chains.communities;
  const community = report.partition.storage.find((s) => s.strategy === "community");
  const lines: string[] = [];
  lines.push(
    heading("commchain run"),
    `${failed > 0 ? "**Some checks FAILED**" : warnings > 0 ? `All required checks passed (${warnings} warning${warnings === 1 ? "" : "s"})` : "All checks passed"} — ${n(report.traffic.devices)} devices in ${communities.length} communities, ` +
      `${n(report.records.records)} records on ${communities.length + 1} chains, ${formatFixed(report.seconds, 1)} s (generated ${report.generatedAt}).`,
  );
  lines.push(
    section(
      "Figures",
      markdownTable(
        ["figure", "value"],
        [
          ["devices", n(report.traffic.devices)],
          ["communities (chosen k)", `${communities.length} (k = ${report.partition.k})`],
          ["storage ratio (community / ungrouped)", community === undefined ? "–" : formatRatio(community.ratio)],
          ["chains", `${communities.length + 1} (main + ${communities.length} community)`],
          ["contracts deployed", n(report.contracts.total)],
          ["sensor readings applied", n(report.units.readings)],
          ["service requests", n(report.units.serviceRequests)],
          ["part orders", n(report.units.partOrders)],
          [
            "tokens seeded / earned / spent",
            `${tokens(report.units.tokens.seeded)} / ${tokens(report.units.tokens.earned)} / ${tokens(report.units.tokens.spent)}`,
          ],
          [
            "records attested / rewards (upload + verification)",
            `${n(report.attestations.attested)} / ${tokens(report.attestations.uploadRewards)} + ${tokens(report.attestations.verificationRewards)}`,
          ],
          ["status records shared", n(report.units.statusRecords)],
          ["shares (readers authorized) / revocations", `${n(report.units.shares)} / ${n(report.units.revocations)}`],
          ["log records / copies on chains", `${n(report.records.records)} / ${n(report.records.copies)}`],
          [
            "anchor transactions / headers anchored",
            `${n(report.anchors.transactions)} / ${n(report.anchors.headers)}`,
          ],
          ["anchor latency p50 / p95 / max", ms(report.anchors.latencyMs)],
          [
            "light verification",
            `${v.valid} VALID, ${v.invalid} INVALID; tampered proof ${v.tampered === undefined ? "not tried" : v.tampered.valid ? "ACCEPTED" : `INVALID (${v.tampered.reason})`}`,
          ],
          ["sharing steps 1–2 p50 / p95 / max", ms(report.sharing.shareMs)],
          ["…with the wait behind queued reading batches", ms(report.sharing.shareQueuedMs)],
          ["sharing steps 3–6 p50 / p95 / max", ms(report.sharing.readMs)],
        ],
        ["left", "right"],
      ),
    ),
  );
  lines.push(
    section(
      "Checks",
      markdownTable(
        ["check", "result", "detail"],
        report.checks.map((c) => [c.name, c.passed ? "passed" : c.required ? "FAILED" : "warning", c.detail]),
      ),
    ),
  );
  lines.push(
    section(
      "Steps",
      markdownTable(
        ["step", "status", "seconds"],
        report.steps.map((s) => [s.step, s.status, formatFixed(s.seconds, 1)]),
        ["left", "left", "right"],
      ),
    ),
  );
  lines.push(
    section(
      "Partition",
      `${report.traffic.generated ? "Generated" : "Given"} log \`${report.traffic.file}\`: ${n(report.traffic.records)} records, ${n(report.traffic.devices)} devices over ${report.traffic.spanHours} h. ` +
        `Threshold ${report.partition.threshold} ${report.partition.thresholdUnit}, chosen k = ${report.partition.k}; bridge devices ${report.partition.interChainNodes.join(", ") || "none"}; ` +
        `uncovered ${report.partition.uncovered.join(", ") || "none"}. Full partition report: [${report.partition.files.report}](${report.partition.files.report}).`,
      markdownTable(
        ["strategy", "chains", "count (formula 1)", "ratio"],
        report.partition.storage.map((s) => [s.strategy, n(s.chains), n(s.count), formatRatio(s.ratio)]),
        ["left", "right", "right", "right"],
      ),
      `![trust graph](${charts.trustGraph})`,
      `![storage by strategy](${charts.storage})`,
    ),
  );
  lines.push(
    section(
      "Chains and contracts",
      markdownTable(
        [
          "chain",
          "chain id",
          "members",
          "blocks",
          "deploy",
          "participants",
          "units",
          "attestations",
          "records",
          "anchors",
        ],
        [report.chains.main, ...communities].map((c) => [
          c.name,
          String(c.chainId),
          n(c.members),
          n(c.blocks),
          n(c.transactions.deploy),
          n(c.transactions.participants),
          n(c.transactions.units),
          n(c.transactions.attestations),
          n(c.transactions.records),
          n(c.transactions.anchors),
        ]),
        ["left", "right", "right", "right", "right", "right", "right", "right", "right", "right"],
      ),
      `AnchorHub on the main chain: \`${report.contracts.hub}\`; ${n(report.contracts.total)} contracts in all. Transactions are counted by what sent them; every transaction is mined in a block of its own.`,
    ),
  );
  lines.push(
    section(
      "Participants",
      markdownTable(
        [
          "chain",
          "service provider",
          "third party",
          "also registered (cross-community)",
          "devices",
          "machines",
          "EPRs",
          "txs",
        ],
        report.participants.map((p) => [
          p.chain,
          p.provider.id,
          p.thirdParty.id,
          p.crossThirdParty?.id ?? "–",
          n(p.devices),
          n(p.machines),
          n(p.eprs),
          n(p.transactions),
        ]),
        ["left", "left", "left", "left", "right", "right", "right", "right"],
      ),
      markdownTable(
        ["store node", "peer id", "gateway"],
        report.store.map((s) => [s.chain, s.peerId, s.gateway]),
      ),
    ),
  );
  lines.push(
    section(
      "IoT units",
      `${n(report.units.devices)} units took ${n(report.units.readings)} readings in ${n(report.units.batches)} MaintenanceService batches: ` +
        `${n(report.units.serviceRequests)} service requests, ${n(report.units.partOrders)} part orders; ${n(report.units.statusRecords)} status records shared, ` +
        `${n(report.units.shares)} reader authorizations, ${n(report.units.revocations)} revocations, ${n(report.units.reverted)} reverted transactions, ${n(report.units.failures)} background failures.`,
      markdownTable(
        ["device", "chain", "readings", "requests", "orders", "earned", "spent", "balance", "records", "shares"],
        report.units.perUnit.map((u) => [
          u.device,
          u.chain,
          n(u.readings),
          n(u.serviceRequests),
          n(u.partOrders),
          tokens(u.earned),
          tokens(u.spent),
          tokens(u.balance),
          n(u.statusRecords),
          n(u.authorizations),
        ]),
        ["left", "left", "right", "right", "right", "right", "right", "right", "right", "right"],
      ),
    ),
  );
  lines.push(
    section(
      "Records and anchors",
      `${n(report.records.records)} log records (${n(report.records.intra)} intra-chain, ${n(report.records.cross)} cross-chain) → ${n(report.records.copies)} copies; ` +
        `formula 1 count ${n(report.records.storageCount)}; ${formatFixed(report.records.seconds, 1)} s, ${n(report.records.recordsPerSecond)} records/s. ` +
        `Relay: ${n(report.anchors.rounds)} rounds (${n(report.anchors.failedRounds)} with a failed chain), ${n(report.anchors.transactions)} anchor transactions.`,
      markdownTable(
        ["chain", "records", "batches", "gas/record", "records/s", "anchored height", "anchor txs", "headers"],
        report.records.perChain.map((c) => {
          const anchored = report.anchors.perChain.find((a) => a.chain === c.chain);
          return [
            c.chain,
            n(c.records),
            n(c.batches),
            n(c.gasPerRecord),
            n(c.recordsPerSecond),
            n(anchored?.height ?? 0),
            n(anchored?.transactions ?? 0),
            n(anchored?.headers ?? 0),
          ];
        }),
        ["left", "right", "right", "right", "right", "right", "right", "right"],
      ),
      `![throughput per chain](${charts.throughput})`,
    ),
  );
  const verdict = (r: { valid: boolean; reason?: string }) => (r.valid ? "VALID" : `INVALID (${r.reason})`);
  lines.push(
    section(
      "Verification",
      `A light client holding only the main chain's ${n(v.anchorsHeld)} anchors checked records against proofs from each chain's full node.`,
      markdownTable(
        ["chain", "record", "verdict", "batch", "anchored height"],
        v.records.map((r) => [
          r.chain,
          String(r.recordId),
          verdict(r),
          r.batchId === undefined ? "–" : String(r.batchId),
          r.anchorHeight === undefined ? "–" : String(r.anchorHeight),
        ]),
      ),
      markdownTable(
        ["log line", "from → to", "copies"],
        v.crossRecords.map((c) => [
          String(c.line),
          `${c.from} → ${c.to}`,
          c.copies.map((copy) => `${copy.chain}#${copy.recordId} ${verdict(copy)}`).join(", "),
        ]),
      ),
      v.tampered === undefined
        ? "No proof was tampered with."
        : `Tampered proof (${v.tampered.tampering}): **${verdict(v.tampered)}** — ${v.tampered.message ?? "accepted"}`,
      markdownTable(
        ["reader", "data", "expected", "outcome", "detail"],
        v.reads.map((r) => [
          `${r.reader}${r.cross ? " (cross-community)" : ""}`,
          `${r.device} on ${r.chain}, record ${r.recordId}`,
          r.expected,
          r.outcome === "refused" ? `refused (${r.status} ${r.code})` : r.outcome,
          r.outcome === "read" ? `snapshot ${r.sequence}, ${r.ms?.toFixed(1)} ms` : (r.detail ?? ""),
        ]),
      ),
    ),
  );
  lines.push(
    section(
      "Attestations and rewards",
      `Nothing is minted on upload: each community's verifier (its third party, VERIFIER_ROLE) fetched records shared with it through the gateway, checked the object against the uploader's commitment ` +
        `and the plaintext against the record's hash, and signed an EIP-712 attestation; \`EPR.attest\` then paid the device's upload reward and the verifier's reward, within the relationship's cap. ` +
        `${n(report.attestations.attested)} attested, ${n(report.attestations.failed)} failed, ${n(report.attestations.capped)} capped.`,
      markdownTable(
        ["verifier", "record", "outcome", "plaintext checked", "upload reward", "verification reward"],
        report.attestations.records.map((a) => [
          a.verifier,
          `${a.device} on ${a.chain}, record ${a.recordId}`,
          a.outcome === "attested" ? `attested${a.capped === true ? " (capped)" : ""}` : `FAILED: ${a.detail ?? ""}`,
          a.checkedPlaintext === true ? "yes" : "no",
          a.uploadReward === undefined ? "–" : tokens(a.uploadReward),
          a.verificationReward === undefined ? "–" : tokens(a.verificationReward),
        ]),
      ),
    ),
  );
  const security = report.security;
  lines.push(
    section(
      "Security probes",
      `After the load, the run asked its own system what an attacker on the local network would ask (README, "Security model"): every chain was sent the methods that sign with a node's keys, ` +
        `a request from a web page (\`Origin: https://attacker.example\`) and a CORS preflight; its latest block's time was compared with the wall clock; its journal's lock was tried; ` +
        `an account holding no role asked each community's Register for a registrar-only kind and DataToken for a mint (\`eth_call\`: nothing was sent); and each gateway got a burst of throwaway requests at once.`,
      markdownTable(
        [
          "chain",
          "signing methods refused",
          "foreign Origin",
          "OPTIONS",
          "CORS header",
          "clock vs wall clock",
          "journal's second writer",
        ],
        security.chains.map((c) => [
          c.chain,
          `${c.signing.filter((m) => m.refused).length}/${c.signing.length}`,
          String(c.originStatus),
          String(c.preflightStatus),
          c.cors ? "**sent**" : "none",
          `${c.clockOffsetS >= 0 ? "+" : ""}${c.clockOffsetS} s`,
          c.journalLocked === null
            ? "external"
            : c.journalLocked
              ? "refused"
              : `**not refused** (${c.journalDetail ?? ""})`,
        ]),
      ),
      markdownTable(
        ["community", "register as ServiceProvider", "mint 1 DT", "DataToken supply", "gateway burst", "refused (429)"],
        security.unprivileged.map((u) => {
          const burst = security.gateways.find((g) => g.chain === u.chain);
          return [
            u.chain,
            u.registerRevert?.split("(")[0] ?? "**would pass**",
            u.mintRevert?.split("(")[0] ?? "**would pass**",
            u.supplyBefore === u.supplyAfter ? "unchanged" : `**${u.supplyBefore} → ${u.supplyAfter}**`,
            burst === undefined ? "–" : n(burst.sent),
            burst === undefined ? "–" : n(burst.limited),
          ];
        }),
      ),
    ),
  );
  const economics = report.economics;
  const figure = (name: string) => `![${name}](${economics.files[name]})`;
  lines.push(
    section(
      "Sampling-rate game (digital-twin market)",
      `The optimal sampling-rate game of the digital-twin paper (§5, §6.2) with its parameters: ${n(economics.equilibria)} Nash equilibria (3 budgets × 1–15 sellers), ` +
        `${economics.certified ? "every one certified" : "**not all certified**"} (largest gain from a unilateral deviation ${formatExponential(economics.maxDeviationGain)}, three starts agree within ${formatExponential(economics.maxStartDisagreement)}), ` +
        `against uniform pricing at p = ${formatFixed(economics.priceRatio, 4)}·B. The equilibrium samples faster than uniform pricing from ` +
        `${economics.crossings.map((c) => `${c.sellers ?? "never"} sellers at B = ${c.budget}`).join(", ")}. Details: [economics/report.md](${economics.files.report}), data: [sampling.json](${economics.files.json}).`,
      markdownTable(
        ["the paper claims", "ours", "our numbers"],
        economics.claims.map((c) => [c.claim, c.holds === null ? "–" : c.holds ? "✓" : "✗", c.evidence]),
      ),
      ["fig9", "fig10", "fig11", "fig12"].map(figure).join(" "),
    ),
  );
  lines.push(section("Data market", ...marketMarkdown(report.market)));
  lines.push(section("Federated learning across community chains", ...learningMarkdown(report.learning)));
  lines.push(
    report.coalition.markdown,
    `The coalitions then played round ${report.coalition.round.round} of CoalitionRewards on the main chain: ` +
      `${report.coalition.round.coalitions.length} registered with every member's signature, each committed to a seed and revealed it, and coalition ${report.coalition.round.winner} ` +
      `(chance ${formatFixed(100 * winnerChance(report.coalition.round), 1)} % by D^γ) won; its members withdrew ${tokens(report.coalition.round.reward)} ETH by capacity ` +
      `(${report.coalition.round.conserved ? "the whole reward" : "**not** the whole reward"}). Gas: register ${n(report.coalition.round.gas.register)}, commit ${n(report.coalition.round.gas.commit)}, reveal ${n(report.coalition.round.gas.reveal)}, draw ${n(report.coalition.round.gas.draw)}.`,
  );
  const stepRows = (steps: Readonly<Record<string, Distribution>>) =>
    Object.entries(steps).map(([step, d]) => [step, String(d.p50), String(d.p95), String(d.max), n(d.samples)]);
  lines.push(
    section(
      "Latency",
      `Anchor latency (batch receipt → anchored on the main chain): ${ms(report.anchors.latencyMs)} (p50 / p95 / max). ` +
        `Sharing, after the digital-twin paper's Fig. 8: steps 1–2 (seal and store the snapshot, its EPR record sent → mined) ${ms(report.sharing.shareMs)}; ` +
        `counted from the upload's start, with the wait behind the unit's queued reading batches, ${ms(report.sharing.shareQueuedMs)}; ` +
        `steps 3–6 (query, gateway read, decrypt, verify) ${ms(report.sharing.readMs)}. \`bench/sharing-latency.ts\` measures steps 1–6 alone, for 1 to 10 concurrent sensors.`,
      markdownTable(
        ["step", "p50 ms", "p95 ms", "max ms", "samples"],
        [...stepRows(report.sharing.writeStepsMs), ...stepRows(report.sharing.readStepsMs)],
        ["left", "right", "right", "right", "right"],
      ),
      `![latency](${charts.latency})`,
    ),
  );
  return markdownDocument(lines);
}
