/** Errors of the shared utilities. */
import { CommchainError } from "../errors";

/** A duration given as text (an option, a config field) is not one `parseDuration` reads. */
export class DurationError extends CommchainError {}
