/**
 * One Ignition module deployed on one chain, with its journal inside the chain's data directory
 * (`<chain dir>/ignition/<deployment id>`), so the record of what was deployed lives and dies with
 * the chain's state. Ignition's journal makes a deployment resumable and a re-run a no-op; before
 * trusting a journal, the code at every address it recorded is checked, and a journal whose
 * contracts are gone (the chain was reset under it) is moved aside and the module deployed anew.
 */
import fs from "node:fs";
import path from "node:path";
import {
  deploy,
  DeploymentResultType,
  ExecutionEventResultType,
  type ArtifactResolver,
  type DeploymentParameters,
  type EIP1193Provider,
  type ExecutionEventListener,
  type IgnitionModule,
  type IgnitionModuleResult,
} from "@nomicfoundation/ignition-core";
import { errorDeploymentResultToExceptionMessage } from "@nomicfoundation/hardhat-ignition/helpers";
import type { ChainEntry } from "../chains/topology";
import type { ModuleDeploymentOutcome } from "./deployment";
import { DeploymentJournalError, IgnitionDeploymentError } from "./errors";

/** The folder of a chain's Ignition deployments, inside its data directory. */
export const IGNITION_DIR = "ignition";

/** Ignition's file of the addresses a deployment has deployed, by future id. */
export const DEPLOYED_ADDRESSES_FILE = "deployed_addresses.json";

/**
 * How often Ignition polls a chain for new blocks. A local chain mines each transaction as it
 * arrives, so Ignition's default (1 s per batch of futures) would only add waiting.
 */
export const LOCAL_BLOCK_POLLING_MS = 100;

/** The deployment id of `chain`'s contracts: `commchain-main`, `commchain-community-1`, … */
export function deploymentId(chain: Pick<ChainEntry, "name">): string {
  return `commchain-${chain.name}`;
}

/** The Ignition deployment folder of `chain`, whose data directory is `chainDir`. */
export function deploymentDir(chainDir: string, chain: Pick<ChainEntry, "name">): string {
  return path.join(chainDir, IGNITION_DIR, deploymentId(chain));
}

/** A progress line of a module deployment. */
export interface ModuleProgress {
  readonly message: string;
  /** Futures finished in this run, and how many this run has to execute. */
  readonly done: number;
  readonly total: number;
}

/** What {@link deployModule} needs. */
export interface ModuleDeploymentInput<
  ModuleIdT extends string,
  ContractNameT extends string,
  ResultT extends IgnitionModuleResult<ContractNameT>,
> {
  readonly chain: Pick<ChainEntry, "name" | "rpc" | "external">;
  /** The chain's data directory; the journal goes to `<chainDir>/ignition/<deployment id>`. */
  readonly chainDir: string;
  readonly module: IgnitionModule<ModuleIdT, ContractNameT, ResultT>;
  readonly parameters?: DeploymentParameters;
  readonly provider: EIP1193Provider;
  /** Ignition's account list: the system accounts in `SYSTEM_ROLES` order. */
  readonly accounts: string[];
  readonly artifactResolver: ArtifactResolver;
  readonly onProgress?: (progress: ModuleProgress) => void;
}

/** A recorded contract without code on the chain. */
export interface MissingCode {
  readonly futureId: string;
  readonly address: string;
}

/** The Ignition-recorded contracts of a deployment folder that have no code on the chain. */
export async function missingRecordedCode(dir: string, provider: EIP1193Provider): Promise<MissingCode[]> {
  const file = path.join(dir, DEPLOYED_ADDRESSES_FILE);
  if (!fs.existsSync(file)) return [];
  let recorded: Record<string, string>;
  try {
    recorded = JSON.parse(fs.readFileSync(file, "utf8")) as Record<string, string>;
  } catch (error) {
    throw new DeploymentJournalError(
      file,
      `cannot be read as Ignition's deployed addresses (${(error as Error).message})`,
    );
  }
  const checks = await Promise.all(
    Object.entries(recorded).map(async ([futureId, address]) => ({
      futureId,
      address,
      code: (await provider.request({ method: "eth_getCode", params: [address, "latest"] })) as string,
    })),
  );
  return checks.filter((check) => check.code === "0x").map(({ futureId, address }) => ({ futureId, address }));
}

/**
 * Deploys `module` on the chain (or finishes a deployment an earlier run began). Throws
 * {@link IgnitionDeploymentError} with Ignition's explanation when the deployment does not
 * succeed, and passes on what the provider throws when the chain is down; either way the journal
 * keeps every step that completed, so the next call resumes.
 */
export async function deployModule<
  ModuleIdT extends string,
  ContractNameT extends string,
  ResultT extends IgnitionModuleResult<ContractNameT>,
>(input: ModuleDeploymentInput<ModuleIdT, ContractNameT, ResultT>): Promise<ModuleDeploymentOutcome> {
  const dir = deploymentDir(input.chainDir, input.chain);
  const report = input.onProgress ?? (() => undefined);
  let discardedJournal: string | undefined;
  const missing = await missingRecordedCode(dir, input.provider);
  if (missing.length > 0) {
    // The chain no longer holds what the journal says was deployed: its state was wiped or it
    // is another chain on the same URL. Continuing would record dead addresses.
    discardedJournal = `${dir}.stale-${new Date().toISOString().replace(/[:.]/g, "-")}`;
    fs.renameSync(dir, discardedJournal);
    const first = missing[0];
    report({
      message: `the recorded ${first.futureId} at ${first.address} has no code (chain reset?); earlier journal moved to ${discardedJournal}, deploying anew`,
      done: 0,
      total: 0,
    });
  }
  const resumed = fs.existsSync(path.join(dir, "journal.jsonl"));
  const tracker = new ProgressTracker(input.module.id, report);
  const result = await deploy({
    config: input.chain.external ? {} : { blockPollingInterval: LOCAL_BLOCK_POLLING_MS },
    artifactResolver: input.artifactResolver,
    provider: input.provider,
    executionEventListener: tracker.listener(),
    deploymentDir: dir,
    ignitionModule: input.module,
    deploymentParameters: input.parameters ?? {},
    accounts: input.accounts,
    defaultSender: input.accounts[0],
  });
  if (result.type !== DeploymentResultType.SUCCESSFUL_DEPLOYMENT) {
    throw new IgnitionDeploymentError(
      input.chain.name,
      input.module.id,
      dir,
      errorDeploymentResultToExceptionMessage(result).replace(/\n\n/g, "\n"),
    );
  }
  const prefix = `${input.module.id}#`;
  const contracts: Record<string, string> = {};
  for (const [futureId, contract] of Object.entries(result.contracts))
    contracts[futureId.startsWith(prefix) ? futureId.slice(prefix.length) : futureId] = contract.address;
  return {
    moduleId: input.module.id,
    deploymentId: deploymentId(input.chain),
    deploymentDir: dir,
    contracts,
    deployed: tracker.deployed.map((futureId) =>
      futureId.startsWith(prefix) ? futureId.slice(prefix.length) : futureId,
    ),
    transactions: tracker.transactions,
    resumed,
    ...(discardedJournal === undefined ? {} : { discardedJournal }),
  };
}

/** Turns Ignition's execution events into progress lines and counts what this run did. */
class ProgressTracker {
  readonly deployed: string[] = [];
  transactions = 0;
  private done = 0;
  private total = 0;

  constructor(
    private readonly moduleId: string,
    private readonly report: (progress: ModuleProgress) => void,
  ) {}

  listener(): ExecutionEventListener {
    const ignore = () => undefined;
    const finished =
      (verb: string) =>
      (event: { futureId: string; result: { type: ExecutionEventResultType; result?: string; error?: string } }) => {
        this.done += 1;
        const name = event.futureId.slice(this.moduleId.length + 1);
        if (event.result.type === ExecutionEventResultType.SUCCESS) {
          if (verb === "deployed") this.deployed.push(event.futureId);
          this.say(verb === "deployed" ? `${name} deployed at ${event.result.result}` : `${name} ${verb}`);
        } else {
          this.say(`${name} FAILED: ${event.result.error ?? "held"}`);
        }
      };
    return {
      deploymentStart: (event) =>
        this.say(
          event.isResumed
            ? `resuming Ignition deployment ${this.moduleId}`
            : `starting Ignition deployment ${this.moduleId}`,
        ),
      batchInitialize: (event) => {
        this.total = event.batches.reduce((sum, batch) => sum + batch.length, 0);
        if (this.total === 0) this.say(`${this.moduleId}: nothing to do, every step is in the journal`);
      },
      reconciliationWarnings: (event) => this.say(`${this.moduleId}: ${event.warnings.join("; ")}`),
      deploymentExecutionStateComplete: finished("deployed"),
      callExecutionStateComplete: finished("done"),
      staticCallExecutionStateComplete: finished("read"),
      sendDataExecutionStateComplete: finished("sent"),
      transactionSend: () => {
        this.transactions += 1;
      },
      onchainInteractionDropped: (event) =>
        this.say(`${event.futureId}: transaction dropped by the chain, sending it again`),
      onchainInteractionReplacedByUser: (event) =>
        this.say(`${event.futureId}: its nonce was used by another transaction, sending it again`),
      onchainInteractionTimeout: (event) => this.say(`${event.futureId}: transaction timed out`),
      wipeApply: ignore,
      deploymentExecutionStateInitialize: ignore,
      callExecutionStateInitialize: ignore,
      staticCallExecutionStateInitialize: ignore,
      sendDataExecutionStateInitialize: ignore,
      contractAtExecutionStateInitialize: ignore,
      readEventArgumentExecutionStateInitialize: ignore,
      encodeFunctionCallExecutionStateInitialize: ignore,
      networkInteractionRequest: ignore,
      transactionConfirm: ignore,
      staticCallComplete: ignore,
      onchainInteractionBumpFees: ignore,
      deploymentInitialize: ignore,
      runStart: ignore,
      beginNextBatch: ignore,
      deploymentComplete: ignore,
      setModuleId: ignore,
      setStrategy: ignore,
    };
  }

  private say(message: string): void {
    this.report({ message, done: this.done, total: this.total });
  }
}
