/**
 * The verifiers of a run (BPIIoT VI.B.3): each community's own third party holds the factory's
 * verifier role and attests records shared with it. For each record it fetches the object through
 * its community's gateway (as a reader the EPR authorizes), checks it against the uploader's
 * commitment, decrypts it and checks the plaintext against the record's hash, signs the EIP-712
 * attestation and sends `EPR.attest`; the EPR then pays the device's upload reward and the
 * verifier's reward, within the relationship's cap. Nothing is minted any other way.
 */
import { getAddress, type Interface, type JsonRpcProvider, type TransactionReceipt } from "ethers";
import { EquipmentProviderRelationship__factory, RelationshipFactory__factory } from "../../typechain-types";
import { chainProvider } from "../chains/providers";
import type { Topology } from "../chains/topology";
import { contractAddress } from "../deploy/contracts";
import { prepareAttestation } from "../iot";
import type { SharedStatusRecord } from "./fleet";
import { walletOf, type CommunityPlan } from "./participants";
import type { RunStores } from "./stores";
import { sendGroup, type Draft } from "./transactions";

/** Records each community's verifier attests (distinct devices first). */
export const ATTESTATIONS_PER_COMMUNITY = 3;

/** One record a verifier attested (or tried to). */
export interface AttestationOutcome {
  readonly chain: string;
  readonly device: string;
  readonly epr: string;
  readonly recordId: number;
  /** The verifier's identity (`<chain>-lab`) and account. */
  readonly verifier: string;
  readonly verifierAddress: string;
  readonly outcome: "attested" | "failed";
  /** The verifier decrypted the object and found the record's content hash. */
  readonly checkedPlaintext?: boolean;
  readonly objectDigest?: string;
  readonly txHash?: string;
  /** Minted by the factory in the attestation's transaction, smallest unit, decimal strings. */
  readonly uploadReward?: string;
  readonly verificationReward?: string;
  /** A reward held back by the relationship's cap. */
  readonly capped?: boolean;
  readonly detail?: string;
}

/** Options of {@link attestSharedRecords}. */
export interface AttestOptions {
  readonly topology: Topology;
  readonly plan: readonly CommunityPlan[];
  readonly records: readonly SharedStatusRecord[];
  readonly stores: RunStores;
  readonly mnemonic?: string;
  readonly perCommunity?: number;
  readonly onProgress?: (attested: number) => void;
}

/**
 * The records community `plan`'s verifier attests: records of its chain it still reads (shared
 * with it, not revoked), one per device in device order, up to `count`.
 */
export function recordsToAttest(
  plan: Pick<CommunityPlan, "chain" | "thirdParty">,
  records: readonly SharedStatusRecord[],
  count: number,
): SharedStatusRecord[] {
  const chosen: SharedStatusRecord[] = [];
  const devices = new Set<string>();
  for (const record of records) {
    if (chosen.length >= count) break;
    if (record.chain !== plan.chain || devices.has(record.device) || !record.readers.includes(plan.thirdParty.address))
      continue;
    devices.add(record.device);
    chosen.push(record);
  }
  return chosen;
}

/** Every community's verifier attests its records, communities in parallel; never throws for one failed attestation (it is in the result). */
export async function attestSharedRecords(options: AttestOptions): Promise<AttestationOutcome[]> {
  let attested = 0;
  const perChain = await Promise.all(
    options.plan.map(async (plan) => {
      const chain = options.topology.communities.find((c) => c.name === plan.chain)!;
      const provider: JsonRpcProvider = chainProvider(chain);
      try {
        const verifier = walletOf(plan.thirdParty, options.mnemonic).connect(provider);
        const gateway = options.stores.of(plan.chain).gateway.url;
        const factory = RelationshipFactory__factory.createInterface();
        const base = (record: SharedStatusRecord) => ({
          chain: plan.chain,
          device: record.device,
          epr: record.epr,
          recordId: record.recordId,
          verifier: plan.thirdParty.id,
          verifierAddress: verifier.address,
        });
        const outcomes: AttestationOutcome[] = [];
        const ready: { record: SharedStatusRecord; draft: Draft; objectDigest: string; checkedPlaintext: boolean }[] =
          [];
        for (const record of recordsToAttest(
          plan,
          options.records,
          options.perCommunity ?? ATTESTATIONS_PER_COMMUNITY,
        )) {
          try {
            const attestation = await prepareAttestation({
              runner: provider,
              epr: record.epr,
              recordId: record.recordId,
              verifier,
              source: { gateway },
            });
            const epr = EquipmentProviderRelationship__factory.connect(record.epr, verifier);
            ready.push({
              record,
              objectDigest: attestation.objectDigest,
              checkedPlaintext: attestation.checkedPlaintext,
              draft: {
                what: `${plan.thirdParty.id} attesting record ${record.recordId} of device ${record.device}`,
                tx: epr.attest.populateTransaction(record.recordId, attestation.objectDigest, attestation.signature),
                abi: epr.interface,
              },
            });
          } catch (error) {
            outcomes.push({ ...base(record), outcome: "failed", detail: (error as Error).message });
          }
        }
        let receipts: TransactionReceipt[] = [];
        try {
          receipts = await sendGroup(
            plan.chain,
            verifier,
            ready.map((r) => r.draft),
          );
        } catch (error) {
          return [
            ...outcomes,
            ...ready.map((r) => ({ ...base(r.record), outcome: "failed" as const, detail: (error as Error).message })),
          ];
        }
        for (const [i, r] of ready.entries()) {
          const minted = rewardsIn(receipts[i], factory, contractAddress(chain, "RelationshipFactory"));
          outcomes.push({
            ...base(r.record),
            outcome: "attested",
            checkedPlaintext: r.checkedPlaintext,
            objectDigest: r.objectDigest,
            txHash: receipts[i].hash,
            uploadReward: minted.upload.toString(),
            verificationReward: minted.verification.toString(),
            capped: minted.capped,
          });
          options.onProgress?.(++attested);
        }
        return outcomes;
      } finally {
        provider.destroy();
      }
    }),
  );
  return perChain.flat();
}

/** The rewards the factory paid (and whether its cap held one back) in a receipt. */
function rewardsIn(
  receipt: TransactionReceipt,
  factory: Interface,
  factoryAddress: string,
): { upload: bigint; verification: bigint; capped: boolean } {
  const result = { upload: 0n, verification: 0n, capped: false };
  for (const log of receipt.logs) {
    if (getAddress(log.address) !== getAddress(factoryAddress)) continue;
    const parsed = factory.parseLog(log);
    if (parsed?.name === "RewardPaid") {
      if (Number(parsed.args.kind) === 0) result.upload += parsed.args.amount as bigint;
      else result.verification += parsed.args.amount as bigint;
    }
    if (parsed?.name === "RewardCapped") result.capped = true;
  }
  return result;
}
