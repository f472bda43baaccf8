/**
 * Typed errors of the IoT unit SDK. Every message names the offending input (file and line,
 * option, transaction nonce and hash, reader) and what is wrong with it. `IoTError` is the base
 * class: catch it to handle any failure of this module.
 */

import { CommchainError } from "../errors";

/** Base class of every error thrown by `src/iot`. */
export class IoTError extends CommchainError {}

/** An option given to the SDK is missing or out of range. */
export class IoTConfigError extends IoTError {
  constructor(
    readonly option: string,
    readonly reason: string,
  ) {
    super(`IoT unit option ${option}: ${reason}`);
  }
}

/** The unit was used after `close()`. */
export class UnitClosedError extends IoTError {
  constructor(readonly account: string) {
    super(`the IoT unit of ${account} is closed`);
  }
}

// ---------------------------------------------------------------------------------------------
// Chain

/** The chain answered a JSON-RPC request with an error (not an outage). */
export class ChainRequestError extends IoTError {
  constructor(
    readonly endpoint: string,
    readonly method: string,
    readonly code: number | string | undefined,
    readonly reason: string,
    readonly data?: string,
    options?: { cause?: unknown },
  ) {
    super(`${method} on ${endpoint} failed${code === undefined ? "" : ` (${code})`}: ${reason}`, options);
  }
}

// ---------------------------------------------------------------------------------------------
// Transaction queue

/** A queue file is not one this SDK wrote, or was damaged anywhere but in its last line. */
export class QueueFormatError extends IoTError {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly reason: string,
  ) {
    super(`transaction queue ${file}:${line}: ${reason}`);
  }
}

/**
 * The queue and the chain disagree in a way resending cannot fix: another chain id, another
 * account, a nonce used by a transaction that is not ours, or a chain that lost transactions the
 * queue saw applied.
 */
export class QueueConflictError extends IoTError {
  constructor(
    readonly file: string,
    readonly reason: string,
  ) {
    super(`transaction queue ${file}: ${reason}`);
  }
}

/**
 * The chain refused an entry for a reason that is not an outage and the transaction was not
 * mined (e.g. the account cannot pay for gas): its nonce is not used, so every later entry waits
 * behind it. The sender stops; fix the cause and call `resume()`.
 */
export class QueueStalledError extends IoTError {
  constructor(
    readonly file: string,
    readonly nonce: number,
    readonly hash: string,
    readonly kind: string,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`transaction queue ${file}: entry ${kind} (nonce ${nonce}, ${hash}) was refused: ${reason}`, options);
  }
}

/** The unit's state file is damaged or belongs to another account or machine. */
export class UnitStateError extends IoTError {
  constructor(
    readonly file: string,
    readonly reason: string,
  ) {
    super(`IoT unit state ${file}: ${reason}`);
  }
}

/** The queue was used after `close()`. */
export class QueueClosedError extends IoTError {
  constructor(readonly file: string) {
    super(`transaction queue ${file} is closed`);
  }
}

/** A second writer of a transaction queue: another live process holds its lock file. */
export class QueueLockedError extends IoTError {
  constructor(
    readonly file: string,
    readonly lockFile: string,
    readonly pid: number | undefined,
  ) {
    super(
      `transaction queue ${file} is locked by ${pid === undefined ? "another process" : `process ${pid}`} (${lockFile}): one unit process at a time uses a queue; ` +
        "stop that one first, or remove the lock file if that pid is not a unit",
    );
  }
}

/**
 * An append to a transaction queue that did not reach the disk (ENOSPC, EIO) and could not be cut
 * back: the file may end in a partial line, so the queue takes no more lines until it is reopened
 * (which drops that line: it was never acknowledged).
 */
export class QueueWriteError extends IoTError {
  constructor(
    readonly file: string,
    cause: Error,
  ) {
    super(
      `transaction queue ${file}: an append failed (${(cause as NodeJS.ErrnoException).code ?? cause.message}) and could not be cut back; reopen the queue`,
      { cause },
    );
  }
}

// ---------------------------------------------------------------------------------------------
// Sensors

/** A sensor source produced a reading that is not one (a CSV row with a bad field, a NaN). */
export class SensorReadingError extends IoTError {
  constructor(
    readonly source: string,
    readonly position: string,
    readonly field: string,
    readonly reason: string,
  ) {
    super(`${source}${position === "" ? "" : `:${position}`}: field "${field}" ${reason}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Sharing

/** The unit was asked to share through a relationship (EPR) it was not configured with. */
export class UnknownRelationshipError extends IoTError {
  constructor(
    readonly epr: string,
    readonly known: readonly string[],
  ) {
    super(`no relationship ${epr} on this unit (it has: ${known.join(", ") || "none"})`);
  }
}

/** A status snapshot could not be decoded. */
export class StatusFormatError extends IoTError {
  constructor(
    readonly field: string,
    readonly reason: string,
  ) {
    super(`status snapshot field "${field}": ${reason}`);
  }
}

/** A reader the unit was asked to share with holds no identity in the Register. */
export class UnregisteredReaderError extends IoTError {
  constructor(
    readonly reader: string,
    readonly register: string,
  ) {
    super(`reader ${reader} is not registered in the Register at ${register}: the EPR would refuse to authorize it`);
  }
}

/** An EPR holds no record (none added by `addedBy`, when given) to read as the latest. */
export class NoRecordError extends IoTError {
  constructor(
    readonly epr: string,
    readonly addedBy?: string,
  ) {
    super(`EPR ${epr} has no records${addedBy === undefined ? "" : ` added by ${addedBy}`}`);
  }
}

/** A record's storage URI does not name a CID this SDK can fetch. */
export class RecordPointerError extends IoTError {
  constructor(
    readonly epr: string,
    readonly recordId: bigint,
    readonly uri: string,
    readonly reason: string,
  ) {
    super(`record ${recordId} of EPR ${epr} points at "${uri}": ${reason}`);
  }
}

/** The object a record's URI serves is not the one its uploader committed to in the EPR. */
export class AttestationObjectError extends IoTError {
  constructor(
    readonly epr: string,
    readonly recordId: bigint,
    readonly uri: string,
    readonly commitment: string,
    readonly objectDigest: string,
  ) {
    super(
      `record ${recordId} of EPR ${epr}: the object at "${uri}" has digest ${objectDigest}, which does not open the record's commitment ${commitment}`,
    );
  }
}
