/**
 * `verify:record` over a topology: a light client that loads the anchors of the main chain's
 * AnchorHub and checks one record of a community chain with proofs from that chain's full node
 * (its RPC and its batch store under `<dir>/batches/<chain>`). The hub's checkpoints are proven
 * against a main-chain block the caller trusts (`options.trustedMainBlock`), by default the head
 * at load (trust on first use).
 */
import path from "node:path";
import { AnchorHub__factory } from "../../typechain-types";
import type { JsonRpcProvider } from "ethers";
import { findChain, readTopology, topologyPath, type ChainEntry, type Topology } from "../chains/topology";
import { BatchStore, batchStoreDir } from "../records/batch-store";
import { ANCHOR_HUB_CONTRACT, RECORD_LOG_CONTRACT } from "../chains/contract-names";
import { AnchorError, VerificationError, type VerificationFailure } from "./errors";
import { LightClient, type LightClientOptions, type VerifiedRecord } from "./light-client";
import { FullNodeProver } from "./prover";
import { chainProvider } from "../chains/providers";

/** The outcome of verifying one record. */
export type RecordVerdict =
  | { readonly valid: true; readonly chain: string; readonly verified: VerifiedRecord }
  | {
      readonly valid: false;
      readonly chain: string;
      readonly recordId: number;
      readonly reason: VerificationFailure | "prover";
      readonly message: string;
    };

/** A community chain of the topology with its RecordLog; throws {@link AnchorError} naming the file otherwise. */
function communityOf(topology: Topology, file: string, chainName: string): { chain: ChainEntry; recordLog: string } {
  const chain = findChain(topology, chainName);
  if (chain === undefined || chain === topology.main) {
    throw new AnchorError(
      `${file}: no community chain ${JSON.stringify(chainName)} (chains: ${topology.communities.map((c) => c.name).join(", ")})`,
    );
  }
  const recordLog = chain.contracts[RECORD_LOG_CONTRACT];
  if (recordLog === undefined)
    throw new AnchorError(`${file}: ${chain.name}.contracts.${RECORD_LOG_CONTRACT} is missing; run deploy:all first`);
  return { chain, recordLog };
}

/** Options of {@link TopologyVerifier.open}. */
export interface TopologyVerifierOptions extends LightClientOptions {
  /** The topology file, for error messages (default `<chainsDir>/topology.json`). */
  readonly topologyFile?: string;
}

/**
 * A light client over a whole topology, opened once and asked many times: the main chain's
 * anchors are loaded (and proven) once, each community chain gets one provider and one
 * {@link FullNodeProver} (its RPC and its batch store under `<chainsDir>/batches/<chain>`) on first
 * use. `verify:record`, `records:verify` and the main job's verification all verify through it.
 */
export class TopologyVerifier {
  private readonly provers = new Map<string, { chain: ChainEntry; recordLog: string; prover: FullNodeProver }>();
  private readonly providers: JsonRpcProvider[] = [];

  private constructor(
    readonly topology: Topology,
    private readonly chainsDir: string,
    private readonly file: string,
    readonly client: LightClient,
    main: JsonRpcProvider,
  ) {
    this.providers.push(main);
  }

  /** Loads the anchors of the main chain's AnchorHub; throws if the hub is not deployed or the main chain is down. */
  static async open(
    topology: Topology,
    chainsDir: string,
    options: TopologyVerifierOptions = {},
  ): Promise<TopologyVerifier> {
    const file = options.topologyFile ?? topologyPath(chainsDir);
    const hubAddress = topology.main.contracts[ANCHOR_HUB_CONTRACT];
    if (hubAddress === undefined)
      throw new AnchorError(`${file}: main.contracts.${ANCHOR_HUB_CONTRACT} is missing; run deploy:all first`);
    const main = chainProvider(topology.main);
    try {
      const client = await LightClient.load(AnchorHub__factory.connect(hubAddress, main), options);
      return new TopologyVerifier(topology, path.resolve(chainsDir), file, client, main);
    } catch (error) {
      main.destroy();
      throw error;
    }
  }

  /** The community chain `chainName`, its RecordLog and its full node's prover. */
  prover(chainName: string): { chain: ChainEntry; recordLog: string; prover: FullNodeProver } {
    let entry = this.provers.get(chainName);
    if (entry === undefined) {
      const { chain, recordLog } = communityOf(this.topology, this.file, chainName);
      const provider = chainProvider(chain);
      this.providers.push(provider);
      entry = {
        chain,
        recordLog,
        prover: new FullNodeProver(provider, recordLog, new BatchStore(batchStoreDir(this.chainsDir, chain.name))),
      };
      this.provers.set(chainName, entry);
    }
    return entry;
  }

  /**
   * Verifies record `recordId` of community chain `chainName`. A record that fails a check, or
   * that the full node cannot prove once the chain's anchors are in hand, is an invalid verdict;
   * a broken setup (unknown chain, contracts not deployed) throws.
   */
  async verify(chainName: string, recordId: number): Promise<RecordVerdict> {
    const { chain, recordLog, prover } = this.prover(chainName);
    try {
      return {
        valid: true,
        chain: chain.name,
        verified: await this.client.verifyRecord(chain.chainId, recordLog, recordId, prover),
      };
    } catch (error) {
      if (error instanceof VerificationError)
        return { valid: false, chain: chain.name, recordId, reason: error.reason, message: error.message };
      if (this.client.latestAnchor(chain.chainId) !== undefined) {
        // the anchors are in hand: whatever else failed is the full node's side
        return {
          valid: false,
          chain: chain.name,
          recordId,
          reason: "prover",
          message: `the full node could not prove record ${recordId}: ${(error as Error).message}`,
        };
      }
      throw error;
    }
  }

  /** Closes every provider it opened. */
  close(): void {
    for (const provider of this.providers.splice(0)) provider.destroy();
  }
}

/**
 * Verifies record `recordId` of community chain `chainName` of the topology in `dir` (see
 * {@link TopologyVerifier.verify}); opens a verifier for the one record and closes it.
 */
export async function verifyRecordInTopology(
  dir: string,
  chainName: string,
  recordId: number,
  options: LightClientOptions = {},
): Promise<RecordVerdict> {
  const file = topologyPath(dir);
  const topology = readTopology(file);
  // The setup is checked before anything is asked of the main chain: the chain, then the hub, then its log.
  const chain = findChain(topology, chainName);
  if (chain !== undefined && chain !== topology.main && topology.main.contracts[ANCHOR_HUB_CONTRACT] === undefined) {
    throw new AnchorError(`${file}: main.contracts.${ANCHOR_HUB_CONTRACT} is missing; run deploy:all first`);
  }
  communityOf(topology, file, chainName);
  const verifier = await TopologyVerifier.open(topology, dir, { ...options, topologyFile: file });
  try {
    return await verifier.verify(chainName, recordId);
  } finally {
    verifier.close();
  }
}
