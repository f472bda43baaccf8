/**
 * Errors of `src/learning/chain`, the contract side of the analysis market. Every error names the
 * input that is wrong and what is expected instead.
 */
import { CommchainError } from "../../errors";

/** Base class of every error raised by `src/learning/chain`. */
export class LearningChainError extends CommchainError {}

/** A survivor index that no bitmap over the selected owners can hold. */
export class SurvivorIndexError extends LearningChainError {
  constructor(
    readonly index: number,
    readonly problem: string,
  ) {
    super(`survivor index ${index}: ${problem}`);
  }
}
