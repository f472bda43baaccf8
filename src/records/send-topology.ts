/**
 * `records:send` over a chains directory: the community chains of topology.json, each written by
 * the project's `writer` account into its RecordLog, with batch stores under `<dir>/batches/<chain>`
 * (what `verify:record` serves proofs from) and the outputs under `<dir>/records/`.
 */
import path from "node:path";
import type { JsonRpcProvider } from "ethers";
import { BatchStore, batchStoreDir } from "./batch-store";
import { RECORD_LOG_CONTRACT } from "../chains/contract-names";
import { chainProvider, roleWallet } from "../chains/providers";
import { writeFileAtomicSync } from "../io/atomic-write";
import { rpcCall, RpcError } from "../chains/rpc";
import { readTopology, topologyPath, type ChainEntry } from "../chains/topology";
import { RecordsSetupError, RESUME_ADVICE } from "./errors";
import { ChainUnreachableError } from "../chains/errors";
import { placementsPath, summaryPath } from "./placements";
import { RecordRouter } from "./router";
import { writeLogRecords, type RecordChain, type SendSummary, type WriteLogRecordsOptions } from "./send";
import { CHAIN_TIMEOUTS } from "../chains/timeouts";

/** How long a chain may take to answer the check before it counts as down. */
const CHECK_TIMEOUT_MS = CHAIN_TIMEOUTS.probe;

/** Options of {@link sendRecords}: those of {@link writeLogRecords} that are not derived from the directory. */
export interface SendRecordsOptions extends Omit<WriteLogRecordsOptions, "router" | "chains" | "placementsFile"> {
  /** The chains directory (topology.json, batch stores, records/). */
  readonly dir: string;
  readonly mnemonic?: string;
}

/** A run over a chains directory, with where its outputs went. */
export interface SendRecordsResult {
  readonly summary: SendSummary;
  readonly summaryFile: string;
  readonly placementsFile: string;
}

/**
 * Replays the log onto the community chains of `<dir>/topology.json` (see {@link writeLogRecords});
 * writes `<dir>/records/placements.ndjson` and `<dir>/records/summary.json`. Every community
 * chain must answer and hold its RecordLog before anything is written.
 */
export async function sendRecords(options: SendRecordsOptions): Promise<SendRecordsResult> {
  const dir = path.resolve(options.dir);
  const file = topologyPath(dir);
  const topology = readTopology(file);
  const providers: JsonRpcProvider[] = [];
  try {
    const chains: RecordChain[] = [];
    for (const [i, entry] of topology.communities.entries()) {
      const recordLog = entry.contracts[RECORD_LOG_CONTRACT];
      if (recordLog === undefined) {
        throw new RecordsSetupError(
          file,
          `communities[${i}] (${entry.name}): contracts.${RECORD_LOG_CONTRACT} is missing; deploy the contracts first (npx hardhat deploy:all)`,
        );
      }
      await checkChain(file, entry, recordLog);
      const provider = chainProvider(entry);
      providers.push(provider);
      chains.push({
        name: entry.name,
        rpc: entry.rpc,
        writer: roleWallet("writer", provider, options.mnemonic),
        recordLog,
        store: new BatchStore(batchStoreDir(dir, entry.name)),
      });
    }
    const placementsFile = placementsPath(dir);
    const summary = await writeLogRecords({
      ...options,
      router: RecordRouter.fromTopology(topology),
      chains,
      placementsFile,
    });
    const summaryFile = summaryPath(dir);
    writeFileAtomicSync(summaryFile, `${JSON.stringify(summary, null, 2)}\n`);
    return { summary, summaryFile, placementsFile };
  } finally {
    for (const provider of providers) provider.destroy();
  }
}

/** The chain answers with its chain id and has code at its RecordLog's address. */
async function checkChain(file: string, chain: ChainEntry, recordLog: string): Promise<void> {
  let chainId: number;
  let code: string;
  try {
    [chainId, code] = await Promise.all([
      rpcCall<string>(chain.rpc, "eth_chainId", [], CHECK_TIMEOUT_MS).then(Number),
      rpcCall<string>(chain.rpc, "eth_getCode", [recordLog, "latest"], CHECK_TIMEOUT_MS),
    ]);
  } catch (error) {
    if (error instanceof RpcError)
      throw new ChainUnreachableError(chain.rpc, error.problem, {
        chain: chain.name,
        advice: RESUME_ADVICE,
        cause: error,
      });
    throw error;
  }
  if (chainId !== chain.chainId)
    throw new RecordsSetupError(
      file,
      `${chain.name}: ${chain.rpc} answers with chain id ${chainId}, not ${chain.chainId}`,
    );
  if (code === "0x")
    throw new RecordsSetupError(
      file,
      `${chain.name}: no contract at its RecordLog address ${recordLog}; deploy the contracts again (npx hardhat deploy:all)`,
    );
}
