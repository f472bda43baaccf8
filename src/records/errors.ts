/**
 * Errors of `records:send`. Every error names the input that is wrong (log file and line, device,
 * chain, option) and what to do about it, so a user can act on the message alone.
 */
import { CommchainError } from "../errors";

/** Base class of every error raised by `src/records`. */
export class RecordsError extends CommchainError {}

/** A record, batch file or argument does not have the expected shape. */
export class RecordFormatError extends RecordsError {}

/** A batch file of the batch store is missing or does not match what it should hold. */
export class BatchStoreError extends RecordsError {}

/** An option of `records:send` has a bad value. */
export class RecordsOptionError extends RecordsError {
  constructor(
    readonly option: string,
    readonly problem: string,
  ) {
    super(`${option}: ${problem}`);
  }
}

/** A record of the traffic log names a device the partition (topology.json `devices`) does not know. */
export class UnknownLogDeviceError extends RecordsError {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly field: "from" | "to",
    readonly device: string,
  ) {
    super(
      `${file}:${line}: ${field} device ${JSON.stringify(device)} is not a device of the partition the chains run ` +
        "(topology.json devices); pass --skip-unknown to skip such records",
    );
  }
}

/** The chains directory cannot take records: no topology, no RecordLog deployed. */
export class RecordsSetupError extends RecordsError {
  constructor(
    readonly file: string,
    readonly problem: string,
  ) {
    super(`${file}: ${problem}`);
  }
}

/**
 * A chain's RecordLog already holds records that are not the ones this log places on it (another
 * log, another partition, or records written by something else), so resuming would misnumber them.
 */
export class ResumeMismatchError extends RecordsError {
  constructor(
    readonly chain: string,
    readonly problem: string,
  ) {
    super(`chain ${chain}: cannot resume: ${problem}`);
  }
}

/** What `records:send` says when a chain is down: a re-run resumes where each chain is. */
export const RESUME_ADVICE =
  "start it (npx hardhat chains:up) and run records:send again, it resumes where the chain is";
