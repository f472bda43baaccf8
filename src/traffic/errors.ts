// Typed errors of the trust model. Every message names the bad input (file, line, field,
// device) and what is wrong with it, so a user can fix the log or the options directly.

import { CommchainError } from "../errors";

/** Base of every error raised while building or reading the trust model. */
export class TrafficError extends CommchainError {}

/** The traffic log as a whole is unusable: missing, empty, no header, a required column absent. */
export class TrafficLogError extends TrafficError {
  constructor(
    readonly file: string,
    readonly problem: string,
  ) {
    super(`${file}: ${problem}`);
  }
}

/** The CSV text itself does not parse (e.g. an unclosed quote); never skippable. */
export class TrafficLogSyntaxError extends TrafficError {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly problem: string,
  ) {
    super(`${file}:${line}: ${problem}`);
  }
}

/** One row has a bad field; `skipInvalid` skips such rows instead of throwing. */
export class TrafficRecordError extends TrafficError {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly field: string,
    readonly problem: string,
  ) {
    super(`${file}:${line}: field "${field}" ${problem}`);
  }

  /** The reason without the file prefix, as listed in `LogSummary.skipped`. */
  get reason(): string {
    return `field "${this.field}" ${this.problem}`;
  }
}

/** A threshold cannot be chosen or applied as asked. */
export class ThresholdError extends TrafficError {}

/** Options of the traffic generator that cannot produce the asked workload. */
export class TrafficOptionsError extends TrafficError {
  constructor(
    readonly option: string,
    readonly problem: string,
  ) {
    super(`option ${option}: ${problem}`);
  }
}
