// The pure parts of the main job: how readings are split, which records are sampled, who the
// participants are, the latency statistics and the run's checks of its own results.
import { expect } from "chai";
import { HDNodeWallet } from "ethers";
import { DEFAULT_MNEMONIC, participantWallet } from "../../../src/chains/accounts";
import type { Topology } from "../../../src/chains/topology";
import {
  DEVICE_SEED_PARTS,
  distribution,
  latencySpec,
  maxPartOrders,
  planParticipants,
  readingsBefore,
  runChecks,
  sampleRecordIds,
  sensorSeed,
  throughputSpec,
  unitChains,
  type RunFacts,
  type RunReport,
} from "../../../src/system";
import { renderSvg } from "../../../src/report/kit/vega";
import { coalitionFacts, learningFacts } from "./learning-facts";

const chain = (name: string, members: string[]) => ({
  name,
  chainId: 1,
  rpc: "http://127.0.0.1:1",
  members,
  contracts: {},
  external: false,
});
const TOPOLOGY = {
  communities: [
    chain("community-1", ["01", "02", "03", "04"]),
    chain("community-2", ["04", "05", "06"]),
    chain("community-3", ["06", "07", "08"]),
  ],
} as unknown as Topology;

describe("system parts", () => {
  it("splits a unit's readings evenly between its snapshots, the rest in the last", () => {
    expect([1, 2, 3].map((k) => readingsBefore(k, 4000, 3))).to.deep.equal([1333, 1333, 1334]);
    expect([1, 2].map((k) => readingsBefore(k, 5, 2))).to.deep.equal([2, 3]);
    expect(sensorSeed(1, 0)).to.not.equal(sensorSeed(1, 1));
    expect(sensorSeed(2, 0)).to.not.equal(sensorSeed(1, 0));
  });

  it("samples a chain's first and last record and draws the rest, the same for the same seed", () => {
    const ids = sampleRecordIds(10_000, 6, 1, 0);
    expect(ids).to.have.length(6);
    expect(ids[0]).to.equal(0);
    expect(ids.at(-1)).to.equal(9_999);
    expect(ids).to.deep.equal([...ids].sort((a, b) => a - b));
    expect(sampleRecordIds(10_000, 6, 1, 0)).to.deep.equal(ids);
    expect(sampleRecordIds(10_000, 6, 1, 1)).to.not.deep.equal(ids);
    expect(sampleRecordIds(3, 6, 1, 0)).to.deep.equal([0, 1, 2]);
    expect(sampleRecordIds(1, 6, 1, 0)).to.deep.equal([0]);
    expect(sampleRecordIds(0, 6, 1, 0)).to.deep.equal([]);
  });

  it("runs each unit on the first chain holding its device; each community gets a provider and a lab, and the next community's lab", () => {
    expect([...unitChains(TOPOLOGY)]).to.deep.equal([
      ["01", "community-1"],
      ["02", "community-1"],
      ["03", "community-1"],
      ["04", "community-1"],
      ["05", "community-2"],
      ["06", "community-2"],
      ["07", "community-3"],
      ["08", "community-3"],
    ]);
    const plan = planParticipants(TOPOLOGY, DEFAULT_MNEMONIC);
    expect(
      plan.map((p) => [p.chain, p.community, p.devices, p.provider.id, p.thirdParty.id, p.crossThirdParty?.id]),
    ).to.deep.equal([
      ["community-1", 1, ["01", "02", "03", "04"], "community-1-provider", "community-1-lab", "community-2-lab"],
      ["community-2", 2, ["05", "06"], "community-2-provider", "community-2-lab", "community-3-lab"],
      ["community-3", 3, ["07", "08"], "community-3-provider", "community-3-lab", "community-1-lab"],
    ]);
    const lab2 = HDNodeWallet.fromPhrase(DEFAULT_MNEMONIC, undefined, "m/44'/60'/2'/0/3");
    expect(plan[1].thirdParty).to.deep.include({
      kind: "thirdParty",
      address: lab2.address,
      publicKey: lab2.signingKey.publicKey,
    });
    expect(plan[0].crossThirdParty).to.deep.equal(plan[1].thirdParty);
    expect(plan[2].provider.address).to.equal(participantWallet("provider", 3, DEFAULT_MNEMONIC).address);
    const alone = planParticipants({ communities: [TOPOLOGY.communities[0]] }, DEFAULT_MNEMONIC);
    expect(alone[0].crossThirdParty).to.equal(undefined);
  });

  it("seeds a device for every part its machine can order, at least ten", () => {
    expect(maxPartOrders(4000, 1000)).to.equal(DEVICE_SEED_PARTS);
    expect(maxPartOrders(400, 10)).to.equal(37);
  });

  it("sums latencies up by nearest rank", () => {
    expect(distribution([])).to.deep.equal({ samples: 0, p50: 0, p95: 0, max: 0, mean: 0 });
    const values = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(distribution(values)).to.deep.equal({ samples: 100, p50: 50, p95: 95, max: 100, mean: 50.5 });
    expect(distribution([3.14159])).to.deep.equal({ samples: 1, p50: 3.1, p95: 3.1, max: 3.1, mean: 3.1 });
  });

  describe("the run's checks", () => {
    const valid = (chain: string, recordId: number) => ({ chain, recordId, valid: true, batchId: 0, anchorHeight: 10 });
    const base = (): RunFacts =>
      ({
        topology: { communities: [{ name: "community-1" }, { name: "community-2" }] },
        partition: {
          chosen: {
            communities: [
              ["01", "02"],
              ["02", "03"],
            ],
          },
          strategies: [{ name: "community", count: 30 }],
        },
        records: { summary: { copies: 20, storageCount: 30, chains: [{ total: 12 }, { total: 8 }] } },
        fleet: { counts: { serviceRequests: 2, partOrders: 1 } },
        verification: {
          records: [valid("community-1", 0), valid("community-2", 7)],
          crossRecords: [{ line: 5, from: "01", to: "03", copies: [valid("community-1", 3), valid("community-2", 2)] }],
          tampered: {
            chain: "community-1",
            recordId: 0,
            valid: false,
            reason: "merkle-proof",
            message: "…",
            tampering: "bytes",
          },
          reads: [
            {
              chain: "community-1",
              device: "01",
              recordId: 0,
              reader: "community-1-lab",
              cross: false,
              expected: "read",
              outcome: "read",
              ms: 40,
            },
            {
              chain: "community-1",
              device: "01",
              recordId: 0,
              reader: "community-2-lab",
              cross: true,
              expected: "refused",
              outcome: "refused",
              status: 403,
              code: "Forbidden",
            },
          ],
        },
        market: {
          communities: [
            {
              chain: "community-1",
              batchSize: 5,
              registrations: { high: 4, snapshots: 4, low: 3, datasets: 3, feesPaid: "0" },
              batches: [
                { batchId: 1, high: 4, low: 1, fees: "0" },
                { batchId: 2, high: 0, low: 2, fees: "0" },
              ],
              lowLeft: 0,
              storage: { leases: 1, bytesPaid: 1, fragments: 9, unpaidPut: { status: 402, code: "PaymentRequired" } },
              assets: { complete: 1, partial: 1, none: 1, listed: 3 },
              noneBuyable: false,
              trades: (["completed", "refunded", "resolved"] as const).map((plan) => ({
                plan,
                openness: plan === "refunded" ? "Partial" : "Complete",
                buyer: "community-1-lab",
                price: "5",
                state: { completed: "Completed", refunded: "Refunded", resolved: "Resolved" }[plan],
                paidToOwner: plan === "refunded" ? "0" : "5",
                refundedToBuyer: plan === "refunded" ? "5" : "0",
                delivered: plan !== "refunded",
              })),
              pre: {
                reads: 2,
                refusedBeforeGrant: { status: 403, code: "NotGranted" },
                refusedAfterRefund: { status: 403, code: "TradeRefunded" },
                filesScanned: 3,
                plaintextFound: false,
              },
              escrowLeft: "0",
            },
          ],
        },
        economics: {
          equilibria: 45,
          certified: true,
          maxDeviationGain: -1e-12,
          maxStartDisagreement: 1e-12,
          claims: [
            {
              id: "ne-higher-many",
              claim: "the equilibrium has the higher sampling rate above six sellers",
              holds: true,
              evidence: "",
            },
          ],
        },
        learning: learningFacts(),
        coalition: coalitionFacts(),
        security: {
          chains: [
            {
              chain: "main",
              signing: [{ method: "eth_sign", refused: true, detail: "refused" }],
              originStatus: 403,
              preflightStatus: 405,
              cors: false,
              clockOffsetS: -1,
              journalLocked: true,
            },
          ],
          unprivileged: [
            {
              chain: "community-1",
              registerRevert: "RegisterKindNeedsRegistrar(0x05, 1)",
              mintRevert: "AccessControlUnauthorizedAccount(0x05, 0x9f)",
              supplyBefore: "7",
              supplyAfter: "7",
            },
          ],
          gateways: [{ chain: "community-1", sent: 100, limited: 60, statuses: { "429": 60, "400": 40 } }],
        },
        attestations: [
          {
            chain: "community-1",
            device: "01",
            epr: "0x01",
            recordId: 0,
            verifier: "community-1-lab",
            verifierAddress: "0x02",
            outcome: "attested",
            checkedPlaintext: true,
            uploadReward: "10",
            verificationReward: "2",
          },
          {
            chain: "community-2",
            device: "03",
            epr: "0x03",
            recordId: 1,
            verifier: "community-2-lab",
            verifierAddress: "0x04",
            outcome: "attested",
            checkedPlaintext: true,
            uploadReward: "10",
            verificationReward: "2",
          },
        ],
      }) as unknown as RunFacts;
    const failed = (facts: RunFacts) =>
      runChecks(facts)
        .filter((c) => !c.passed)
        .map((c) => c.name);

    it("all pass on a consistent run", () => {
      // Ten checks of the run's results, four of the market (test/src/system/market-checks.test.ts fails each), four of
      // federated learning and two of the coalition game (learning-checks.test.ts), then five of its security probes.
      expect(runChecks(base()).map((c) => c.passed)).to.deep.equal(Array(25).fill(true));
      expect(
        runChecks(base())
          .filter((c) => !c.required)
          .map((c) => c.name),
      ).to.deep.equal([
        "service requests and part orders happened",
        "the digital-twin paper's sampling-rate claims hold",
      ]);
    });

    it("fail on what went wrong, naming it", () => {
      const f = base() as unknown as {
        records: { summary: { copies: number } };
        fleet: { counts: { serviceRequests: number } };
        verification: RunFacts["verification"] & {
          tampered: { valid: boolean };
          records: { valid: boolean; reason?: string }[];
          reads: { outcome: string; status?: number }[];
        };
        attestations: { verificationReward?: string }[];
      };
      f.records.summary.copies = 21;
      f.fleet.counts.serviceRequests = 0;
      f.verification.tampered.valid = true;
      f.verification.records[1] = { ...f.verification.records[1], valid: false, reason: "storage-proof" };
      f.verification.reads[1] = { ...f.verification.reads[1], outcome: "read", status: undefined };
      // An attestation whose verifier got nothing (the cap used up, say) is not a paid one.
      f.attestations[1] = { ...f.attestations[1], verificationReward: "0" };
      (f as unknown as { economics: { certified: boolean; claims: { holds: boolean }[] } }).economics.certified = false;
      (f as unknown as { economics: { claims: { holds: boolean }[] } }).economics.claims[0].holds = false;
      const facts = f as unknown as RunFacts;
      expect(failed(facts)).to.deep.equal([
        "records per chain sum to the copies the storage model places",
        "service requests and part orders happened",
        "sampled records verify as a light client",
        "a tampered proof is rejected",
        "an unauthorised reader is refused",
        "every sampling-rate equilibrium is certified",
        "the digital-twin paper's sampling-rate claims hold",
        "verifiers attested shared records from the objects they fetched, and the rewards were paid",
      ]);
      expect(runChecks(facts).find((c) => c.name.startsWith("verifiers attested"))!.detail).to.equal(
        "2/2 attested (2 with the plaintext checked), 1 paid both rewards",
      );
      const none = { ...base(), attestations: [] } as RunFacts;
      expect(runChecks(none).find((c) => c.name.startsWith("verifiers attested"))).to.deep.include({
        passed: false,
        detail: "no record to attest",
      });
      expect(runChecks(facts).find((c) => c.name === "sampled records verify as a light client")!.detail).to.equal(
        "1/2 sampled records and 2/2 cross-chain copies VALID; INVALID: community-2#7 (storage-proof)",
      );
    });
  });

  it("renders the throughput and latency charts to SVG", async () => {
    const chainFigures = (name: string, records: number) => ({
      name,
      chainId: 1,
      rpc: "",
      members: 3,
      blocks: 10,
      contracts: {},
      transactions: { deploy: 5, participants: 3, units: 20, records, anchors: name === "main" ? 4 : 0 },
    });
    const report = {
      chains: {
        main: chainFigures("main", 0),
        communities: [chainFigures("community-1", 3), chainFigures("community-2", 2)],
      },
      records: {
        copies: 5_000,
        recordsPerSecond: 2_500,
        perChain: [
          { chain: "community-1", records: 3_000, recordsPerSecond: 1_500 },
          { chain: "community-2", records: 2_000, recordsPerSecond: 1_000 },
        ],
      },
    } as unknown as RunReport;
    const throughput = await renderSvg(throughputSpec(report));
    expect(throughput)
      .to.match(/^<svg/)
      .and.to.contain("records/s while records were sent")
      .and.to.contain("community-2");
    const latency = await renderSvg(
      latencySpec({ anchorMs: [400, 900, 1200], shareMs: [120, 180], readMs: [40, 60] }, 1000),
    );
    expect(latency)
      .to.match(/^<svg/)
      .and.to.contain("anchor latency of 3 record batches")
      .and.to.contain("sharing latency (2 records, 2 reads)");
  });
});
