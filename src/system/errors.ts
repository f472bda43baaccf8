/** Errors of the main job (`npm start`): bad options, an unusable run directory, a failed step. */
import { CommchainError } from "../errors";

/** Base class of every error of `src/system`. */
export class SystemError extends CommchainError {}

/** An option of the main job is out of range; the message names the option and the value. */
export class StartOptionError extends SystemError {
  constructor(
    readonly option: string,
    readonly problem: string,
  ) {
    super(`--${option}: ${problem}`);
  }
}

/** The run directory cannot be used (it holds something that is not a commchain run). */
export class RunDirError extends SystemError {
  constructor(
    readonly dir: string,
    readonly problem: string,
  ) {
    super(`run directory ${dir}: ${problem}`);
  }
}

/** A step of the main job failed; `step` names it and `cause` is what went wrong. */
export class StepFailedError extends SystemError {
  constructor(
    readonly step: string,
    readonly reason: string,
    options?: ErrorOptions,
  ) {
    super(`step "${step}" failed: ${reason}`, options);
  }
}

/** The run was interrupted (Ctrl-C) during `step`. */
export class RunInterruptedError extends StepFailedError {
  constructor(step: string) {
    super(step, "interrupted (Ctrl-C)");
  }
}

/** A check of the run's own results failed (a verification that should pass did not). */
export class RunCheckError extends SystemError {
  constructor(
    readonly check: string,
    readonly problem: string,
  ) {
    super(`${check}: ${problem}`);
  }
}

/** A transaction setting up the participants of a community chain failed. */
export class ParticipantSetupError extends SystemError {
  constructor(
    readonly chain: string,
    readonly what: string,
    readonly problem: string,
    options?: ErrorOptions,
  ) {
    super(`${chain}: ${what}: ${problem}`, options);
  }
}
