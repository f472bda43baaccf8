/**
 * Errors of `deploy:all` and the contract accessors. Each names the chain (and its RPC, device or
 * contract) and says what is wrong, so the message alone tells a user what to do.
 */
import { CommchainError } from "../errors";
import type { ChainUnreachableError } from "../chains/errors";
import type { ChainDeployment } from "./deployment";

/** Base class of every error raised by `src/deploy`. */
export class DeployError extends CommchainError {}

/** Why one chain's deployment did not finish: its own failure, or the chain not answering. */
export type DeployFailure = DeployError | ChainUnreachableError;

/** Deploying or wiring one chain failed part way; what completed is kept and a re-run resumes. */
export class ChainDeployError extends DeployError {
  constructor(
    readonly chain: string,
    readonly rpc: string,
    readonly stage: string,
    readonly problem: string,
    options?: { cause?: unknown },
  ) {
    super(`chain ${chain} (${rpc}): ${stage} failed: ${problem}`, options);
  }
}

/** An Ignition deployment did not succeed (validation, reconciliation or execution failure). */
export class IgnitionDeploymentError extends DeployError {
  constructor(
    readonly chain: string,
    readonly moduleId: string,
    readonly journal: string,
    readonly problem: string,
  ) {
    super(`chain ${chain}: Ignition module ${moduleId} (journal ${journal}): ${problem}`);
  }
}

/** A file of an Ignition deployment folder cannot be read. */
export class DeploymentJournalError extends DeployError {
  constructor(
    readonly file: string,
    readonly problem: string,
  ) {
    super(`${file}: ${problem}`);
  }
}

/** A member device cannot be registered: its id or its account is already taken by someone else. */
export class MemberRegistrationError extends DeployError {
  constructor(
    readonly chain: string,
    readonly device: string,
    readonly problem: string,
  ) {
    super(`chain ${chain}: device ${JSON.stringify(device)} ${problem}`);
  }
}

/** `deploy:all` finished with at least one chain not done; `completed` holds what the others did. */
export class DeployIncompleteError extends DeployError {
  constructor(
    readonly topologyFile: string,
    readonly failures: readonly DeployFailure[],
    readonly completed: readonly ChainDeployment[],
  ) {
    const names = completed.map((deployment) => deployment.chain);
    const kept =
      names.length === 0
        ? "No chain completed"
        : `${names.join(", ")} completed and ${names.length === 1 ? "is" : "are"} recorded in ${topologyFile}`;
    super(
      `deploy:all did not finish on ${failures.length} chain(s):\n${failures.map((failure) => `  - ${failure.message}`).join("\n")}\n` +
        `${kept}. Run deploy:all again to resume once the cause is fixed (a chain that is down: npx hardhat chains:up).`,
    );
  }
}

/** The topology has no chain of that name. */
export class UnknownChainError extends DeployError {
  constructor(
    readonly chain: string,
    readonly known: readonly string[],
  ) {
    super(`topology.json has no chain ${JSON.stringify(chain)}; its chains are ${known.join(", ")}`);
  }
}

/** A chain of the topology lacks a contract address: it was not deployed (yet). */
export class MissingContractError extends DeployError {
  constructor(
    readonly chain: string,
    readonly contract: string,
  ) {
    super(
      `topology.json: ${chain}.contracts.${contract} is missing; deploy the contracts first (npx hardhat deploy:all)`,
    );
  }
}

/** A deploy:all argument is unusable (reward amount, verifier address). */
export class DeployArgumentError extends DeployError {
  constructor(
    readonly argument: string,
    readonly problem: string,
  ) {
    super(`${argument}: ${problem}`);
  }
}
