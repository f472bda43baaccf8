/**
 * Defaults of `records:send`, in a module without contract bindings so that the task can show them
 * in its help before anything is compiled.
 */

/** Records per batch that {@link RecordWriter.write} flushes at, and `records:send`'s default. */
export const DEFAULT_BATCH_SIZE = 1024;
/** Batches a chain may have queued or unconfirmed before the log waits for it. */
export const DEFAULT_IN_FLIGHT = 4;
/** A partial batch older than this is sent without waiting to fill (matters at low `--rate`s). */
export const DEFAULT_MAX_BATCH_AGE_MS = 1_000;
/**
 * Gas limit of one `appendBatch`: above the 285,461 gas a batch with the longest location the
 * RecordLog accepts (256 bytes) uses. Pipelined batches need a fixed limit, since a batch's gas
 * cannot be estimated before the batch before it is mined; a local chain charges the gas used.
 */
export const APPEND_BATCH_GAS_LIMIT = 400_000n;
