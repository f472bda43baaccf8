import { CommchainError } from "../errors";

/**
 * Base class of every error the partition engine throws on its own (document, storage model,
 * strategies, pipeline). Callers can catch `PartitionError` to tell a bad input of the partition
 * engine from a programming error; each subclass names the offending input in its message.
 */
export class PartitionError extends CommchainError {}
