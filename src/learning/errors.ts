/**
 * Errors of the federated-learning core (data, model, FedAvg, secure aggregation, contribution).
 * `LearningError` is the base class: catch it to handle any failure of this module. Every message
 * names the bad input (option, owner, round) and what is wrong with it.
 */
import { CommchainError } from "../errors";

/** Base class of every error thrown by `src/learning`. */
export class LearningError extends CommchainError {}

/** An option of the data, the model, the training or the aggregation holds a value they cannot use. */
export class LearningConfigError extends LearningError {
  constructor(
    readonly option: string,
    readonly reason: string,
  ) {
    super(`learning option ${option}: ${reason}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Secure aggregation

/** Base class of the secure-aggregation errors. */
export class SecAggError extends LearningError {}

/**
 * Fewer than t owners are left at a stage of a round: the masks cannot be removed (the DA lacks t
 * shares), so the round aborts rather than reveal anything.
 */
export class SecAggTooFewSurvivorsError extends SecAggError {
  constructor(
    readonly round: number,
    readonly survivors: number,
    readonly t: number,
  ) {
    super(`secure aggregation round ${round}: ${survivors} owner(s) left, the threshold needs t = ${t}`);
  }
}

/**
 * n owners' quantised values (each at most q − 1) could sum past the modulus 2^32 and wrap, so the
 * sum would be wrong: refused before round 1.
 */
export class SecAggOverflowError extends SecAggError {
  constructor(
    readonly owners: number,
    readonly q: number,
  ) {
    super(
      `secure aggregation of ${owners} owners at quantisation ${q}: ${owners} x (${q} - 1) >= 2^32, ` +
        `the sum could wrap the modulus (at most ${Math.floor((2 ** 32 - 1) / (q - 1))} owners)`,
    );
  }
}

/**
 * The DA asked an owner for both the self-mask share (b) and the masking-key share (s) of one
 * owner: together they would unmask that owner's input, so the owner refuses.
 */
export class SecAggBothSharesRequestedError extends SecAggError {
  constructor(readonly owner: number) {
    super(`secure aggregation: both the self-mask share and the masking-key share of owner ${owner} were requested`);
  }
}

/** A secure-aggregation message is malformed, out of place, or its signature does not verify. */
export class SecAggMessageError extends SecAggError {
  constructor(
    readonly owner: number,
    readonly stage: string,
    readonly reason: string,
  ) {
    super(`secure aggregation ${stage} message of owner ${owner}: ${reason}`);
  }
}
