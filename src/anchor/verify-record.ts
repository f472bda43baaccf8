/**
 * `verify:record` over a topology: a light client that loads the anchors of the main chain's
 * AnchorHub and checks one record of a community chain with proofs from that chain's full node
 * (its RPC and its batch store under `<dir>/batches/<chain>`). The hub's checkpoints are proven
 * against a main-chain block the caller trusts (`options.trustedMainBlock`), by default the head
 * at load (trust on first use).
 */
import path from "node:path";
import { AnchorHub__factory } from "../../typechain-types";
import { findChain, readTopology, topologyPath } from "../chains/topology";
import { BatchStore, batchStoreDir } from "../records/batch-store";
import { ANCHOR_HUB_CONTRACT, RECORD_LOG_CONTRACT } from "../chains/contract-names";
import { AnchorError, VerificationError, type VerificationFailure } from "./errors";
import { LightClient, type LightClientOptions, type VerifiedRecord } from "./light-client";
import { FullNodeProver } from "./prover";
import { chainProvider } from "../chains/providers";

/** The outcome of verifying one record. */
export type RecordVerdict =
  | { readonly valid: true; readonly chain: string; readonly verified: VerifiedRecord }
  | { readonly valid: false; readonly chain: string; readonly recordId: number; readonly reason: VerificationFailure | "prover"; readonly message: string };

/**
 * Verifies record `recordId` of community chain `chainName` of the topology in `dir`. A record
 * that fails a check, or that the full node cannot prove, is an invalid verdict; a broken setup
 * (no topology, unknown chain, contracts not deployed, main chain down) throws.
 */
export async function verifyRecordInTopology(dir: string, chainName: string, recordId: number, options: LightClientOptions = {}): Promise<RecordVerdict> {
  const topology = readTopology(topologyPath(dir));
  const chain = findChain(topology, chainName);
  if (chain === undefined || chain === topology.main) {
    throw new AnchorError(`${topologyPath(dir)}: no community chain ${JSON.stringify(chainName)} (chains: ${topology.communities.map((c) => c.name).join(", ")})`);
  }
  const hubAddress = topology.main.contracts[ANCHOR_HUB_CONTRACT];
  const recordLog = chain.contracts[RECORD_LOG_CONTRACT];
  if (hubAddress === undefined || recordLog === undefined) {
    throw new AnchorError(`${topologyPath(dir)}: ${hubAddress === undefined ? `main.contracts.${ANCHOR_HUB_CONTRACT}` : `${chain.name}.contracts.${RECORD_LOG_CONTRACT}`} is missing; run deploy:all first`);
  }
  const main = chainProvider(topology.main);
  const community = chainProvider(chain);
  try {
    const client = await LightClient.load(AnchorHub__factory.connect(hubAddress, main), options);
    const prover = new FullNodeProver(community, recordLog, new BatchStore(batchStoreDir(path.resolve(dir), chain.name)));
    try {
      return { valid: true, chain: chain.name, verified: await client.verifyRecord(chain.chainId, recordLog, recordId, prover) };
    } catch (error) {
      if (error instanceof VerificationError) return { valid: false, chain: chain.name, recordId, reason: error.reason, message: error.message };
      if (client.latestAnchor(chain.chainId) !== undefined) {
        // the anchors are in hand: whatever else failed is the full node's side
        return { valid: false, chain: chain.name, recordId, reason: "prover", message: `the full node could not prove record ${recordId}: ${(error as Error).message}` };
      }
      throw error;
    }
  } finally {
    main.destroy();
    community.destroy();
  }
}
