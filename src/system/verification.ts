/**
 * Verification at the end of a run, from the outside, as a light client and as readers:
 *
 * - a light client holding only the main chain's anchors verifies a sample of records of every
 *   community chain (proofs from each chain's full node: its RPC and batch store), both copies of
 *   some cross-chain records, and one deliberately tampered proof, which must fail with its
 *   reason;
 * - third parties read shared status data through the gateways (fetch, decrypt, check the hash
 *   on chain): each community's own third party, and the next community's (cross-community);
 *   a reader whose authorization was revoked is refused (403).
 */
import { performance } from "node:perf_hooks";
import { TopologyVerifier, VerificationError, verifyRecordProof, type RecordProof } from "../anchor";
import type { Topology } from "../chains/topology";
import { chainProvider } from "../chains/providers";
import { readStatus, type ReaderStep } from "../iot";
import { GatewayRequestError } from "../offchain";
import { readPlacements, type SendSummary } from "../records";
import { createRandom } from "../util/random";
import type { SharedStatusRecord } from "./fleet";
import { walletOf, type CommunityPlan, type Participant } from "./participants";
import type { RunStores } from "./stores";

/** Cross-chain records whose two copies are both verified. */
const CROSS_RECORDS_CHECKED = 2;

/** The light client's verdict on one record copy. */
export interface RecordCheck {
  readonly chain: string;
  readonly recordId: number;
  readonly valid: boolean;
  /** Valid: the batch and the anchored height it was checked against. */
  readonly batchId?: number;
  readonly anchorHeight?: number;
  /** Invalid: the check that failed (`VerificationError.reason`) and why. */
  readonly reason?: string;
  readonly message?: string;
}

/** Both copies of a cross-chain record. */
export interface CrossRecordCheck {
  /** Its line in the traffic log. */
  readonly line: number;
  readonly from: string;
  readonly to: string;
  readonly copies: readonly RecordCheck[];
}

/** A read of shared status data through a gateway. */
export interface ShareRead {
  readonly chain: string;
  readonly device: string;
  readonly recordId: number;
  /** The reader's identity (`<chain>-lab`). */
  readonly reader: string;
  /** The reader belongs to another community than the data. */
  readonly cross: boolean;
  /** What the run expects: the reader is authorized, or it was revoked. */
  readonly expected: "read" | "refused";
  readonly outcome: "read" | "refused" | "failed";
  /** Refused or failed: the gateway's HTTP status and code, or the error. */
  readonly status?: number;
  readonly code?: string;
  readonly detail?: string;
  /** Read: steps 3–6 end to end, ms, and the snapshot's sequence number. */
  readonly ms?: number;
  readonly sequence?: number;
}

/** Everything the verification found. */
export interface VerificationResult {
  /** Anchors the light client holds (all from the main chain). */
  readonly anchorsHeld: number;
  readonly records: readonly RecordCheck[];
  readonly crossRecords: readonly CrossRecordCheck[];
  readonly tampered?: RecordCheck & { readonly tampering: string };
  readonly reads: readonly ShareRead[];
  /** Duration of each read step (query, sign, get, decode, unwrap, decrypt, verify), ms. */
  readonly readStepsMs: Readonly<Partial<Record<ReaderStep, readonly number[]>>>;
}

/** Options of {@link verifyRun}. */
export interface VerifyRunOptions {
  readonly chainsDir: string;
  readonly topology: Topology;
  readonly summary: SendSummary;
  readonly sample: number;
  readonly seed: number;
  readonly plan: readonly CommunityPlan[];
  readonly records: readonly SharedStatusRecord[];
  readonly rotation?: { readonly device: string; readonly reader: string };
  readonly stores: RunStores;
  readonly mnemonic?: string;
  readonly onProgress?: (checked: number) => void;
}

/** Record ids to verify on a chain holding `total` records: its first and last, the rest drawn. */
export function sampleRecordIds(total: number, sample: number, seed: number, stream: number): number[] {
  if (total === 0) return [];
  const random = createRandom(seed, stream);
  const ids = new Set([0, total - 1]);
  for (let tries = 0; ids.size < Math.min(sample, total) && tries < 16 * sample; tries++) ids.add(random.int(total));
  return [...ids].sort((a, b) => a - b);
}

/** Verifies the run's records and shares; never throws for a failed check (it is in the result). */
export async function verifyRun(options: VerifyRunOptions): Promise<VerificationResult> {
  let checked = 0;
  const tick = () => options.onProgress?.(++checked);
  const verifier = await TopologyVerifier.open(options.topology, options.chainsDir);
  try {
    const client = verifier.client;
    const anchorsHeld = client.chains().reduce((sum, id) => sum + client.anchorsOf(id).length, 0);
    const check = async (chainName: string, recordId: number): Promise<RecordCheck> => {
      try {
        const verdict = await verifier.verify(chainName, recordId);
        if (verdict.valid)
          return {
            chain: chainName,
            recordId,
            valid: true,
            batchId: verdict.verified.batchId,
            anchorHeight: verdict.verified.anchor.height,
          };
        // A full node that cannot prove a record of its own run is a broken run, not a verdict.
        if (verdict.reason === "prover") throw new Error(verdict.message);
        return { chain: chainName, recordId, valid: false, reason: verdict.reason, message: verdict.message };
      } finally {
        tick();
      }
    };

    // Chains are checked in parallel, each chain's records one after the other.
    const perChain = await Promise.all(
      options.summary.chains.map(async (chain, i) => {
        const checks: RecordCheck[] = [];
        for (const id of sampleRecordIds(chain.total, options.sample, options.seed, i))
          checks.push(await check(chain.name, id));
        return checks;
      }),
    );
    const records = perChain.flat();

    const crossRecords: CrossRecordCheck[] = [];
    for await (const placement of readPlacements(options.summary.placements)) {
      if (!placement.cross || placement.records.length < 2) continue;
      const copies: RecordCheck[] = [];
      for (const [chain, id] of placement.records) copies.push(await check(chain, id));
      crossRecords.push({ line: placement.line, from: placement.from, to: placement.to, copies });
      if (crossRecords.length >= CROSS_RECORDS_CHECKED) break;
    }

    const tampered = await tamperedCheck(verifier, records);
    if (tampered !== undefined) tick();
    const { reads, readStepsMs } = await shareReads(options, tick);
    return { anchorsHeld, records, crossRecords, tampered, reads, readStepsMs };
  } finally {
    verifier.close();
  }
}

/** A valid proof of the first verified record with the record's byte count changed: the Merkle proof must no longer lead to the root. */
async function tamperedCheck(
  verifier: TopologyVerifier,
  records: readonly RecordCheck[],
): Promise<(RecordCheck & { tampering: string }) | undefined> {
  const target = records.find((r) => r.valid);
  if (target === undefined) return undefined;
  const { chain, recordLog, prover } = verifier.prover(target.chain);
  const anchor = verifier.client.latestAnchor(chain.chainId)!;
  const proof = await prover.proveRecord(target.recordId, anchor.height);
  const forged = JSON.parse(JSON.stringify(proof)) as { -readonly [K in keyof RecordProof]: RecordProof[K] } & {
    inclusion: { record: { bytes: number } };
  };
  forged.inclusion.record.bytes += 1;
  const tampering = `record ${target.recordId} served with bytes ${proof.inclusion!.record.bytes + 1} instead of ${proof.inclusion!.record.bytes}`;
  try {
    const verified = await verifyRecordProof(anchor, recordLog, target.recordId, forged);
    return {
      chain: target.chain,
      recordId: target.recordId,
      valid: true,
      batchId: verified.batchId,
      anchorHeight: anchor.height,
      tampering,
    };
  } catch (error) {
    if (!(error instanceof VerificationError)) throw error;
    return {
      chain: target.chain,
      recordId: target.recordId,
      valid: false,
      reason: error.reason,
      message: error.message,
      tampering,
    };
  }
}

/**
 * Per community: its own third party reads a record shared with it and the next community's
 * third party reads one shared across; the revoked reader tries a record it lost.
 */
async function shareReads(
  options: VerifyRunOptions,
  tick: () => void,
): Promise<{ reads: ShareRead[]; readStepsMs: Partial<Record<ReaderStep, number[]>> }> {
  const readStepsMs: Partial<Record<ReaderStep, number[]>> = {};
  const reads: ShareRead[] = [];
  const thirdParties = new Map(options.plan.map((p) => [p.thirdParty.address, p.thirdParty]));
  const attempts: { record: SharedStatusRecord; reader: Participant; expected: ShareRead["expected"] }[] = [];
  for (const plan of options.plan) {
    const own = options.records.find((r) => r.chain === plan.chain && r.readers.includes(plan.thirdParty.address));
    if (own !== undefined) attempts.push({ record: own, reader: plan.thirdParty, expected: "read" });
    const cross = plan.crossThirdParty;
    const shared =
      cross === undefined
        ? undefined
        : options.records.find((r) => r.chain === plan.chain && r.readers.includes(cross.address));
    if (shared !== undefined) attempts.push({ record: shared, reader: cross!, expected: "read" });
  }
  const rotation = options.rotation;
  const lost =
    rotation === undefined
      ? undefined
      : options.records.find((r) => r.device === rotation.device && r.revoked.includes(rotation.reader));
  if (lost !== undefined)
    attempts.push({ record: lost, reader: thirdParties.get(rotation!.reader)!, expected: "refused" });

  for (const { record, reader, expected } of attempts) {
    const chain = options.topology.communities.find((c) => c.name === record.chain)!;
    const runner = chainProvider(chain);
    const base = {
      chain: record.chain,
      device: record.device,
      recordId: record.recordId,
      reader: reader.id,
      cross: reader.chain !== record.chain,
      expected,
    };
    const steps: [ReaderStep, number][] = [];
    const start = performance.now();
    try {
      const read = await readStatus({
        runner,
        epr: record.epr,
        recordId: record.recordId,
        reader: walletOf(reader, options.mnemonic),
        source: { gateway: options.stores.of(record.chain).gateway.url },
        onStep: (step, ms) => steps.push([step, ms]),
      });
      const ms = performance.now() - start;
      for (const [step, stepMs] of steps) (readStepsMs[step] ??= []).push(stepMs);
      reads.push({ ...base, outcome: "read", ms, sequence: read.snapshot.sequence });
    } catch (error) {
      if (error instanceof GatewayRequestError)
        reads.push({ ...base, outcome: "refused", status: error.status, code: error.code, detail: error.detail });
      else reads.push({ ...base, outcome: "failed", detail: (error as Error).message });
    } finally {
      runner.destroy();
      tick();
    }
  }
  return { reads, readStepsMs };
}
