/**
 * Errors of the anchor module. Every failure is a subclass of {@link AnchorError}; the
 * verification failures of the light client are {@link VerificationError}s carrying a
 * machine-readable {@link VerificationFailure} reason next to a message naming the bad input.
 */

import { CommchainError } from "../errors";

/** Base class of every error raised by `src/anchor`. */
export class AnchorError extends CommchainError {}

/** A block fetched over RPC is missing or its header does not hash to the RPC's `hash`. */
export class BlockHeaderError extends AnchorError {}

/** A chain's trust root cannot be registered: its block 0 is not the genesis recorded for it. */
export class TrustRootError extends AnchorError {}

/** A community chain could not be anchored in a relay round. */
export class RelayError extends AnchorError {}

/**
 * A community chain's blocks no longer link to the hub's last checkpoint (the chain was recreated
 * or reorganised below it): anchoring cannot go on until an admin calls `AnchorHub.resetChain`.
 */
export class ChainResetNeededError extends RelayError {
  constructor(
    message: string,
    /** The hub's epoch and checkpoint, and what the chain holds there. */
    readonly details: {
      readonly epoch: number;
      readonly anchoredHeight: number;
      readonly anchoredHash: string;
      readonly localHash?: string;
      readonly head: number;
    },
  ) {
    super(message);
  }
}

/** The untrusted full node could not produce a proof (it does not hold the record or batch). */
export class ProverError extends AnchorError {}

/** Why a light client rejected a record. */
export type VerificationFailure =
  | "chain-not-anchored"
  | "record-not-anchored"
  | "record-never-written"
  | "block-mismatch"
  | "account-proof"
  | "storage-proof"
  | "wrong-root"
  | "record-mismatch"
  | "merkle-proof"
  | "stale-anchor"
  | "main-chain-proof";

/** A record failed light verification; `reason` says which check failed. */
export class VerificationError extends AnchorError {
  readonly reason: VerificationFailure;
  constructor(reason: VerificationFailure, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.reason = reason;
  }
}

/** The light client holds no anchor of the chain (or none at the height asked for). */
export class ChainNotAnchoredError extends VerificationError {
  constructor(message: string) {
    super("chain-not-anchored", message);
  }
}

/** The record exists on the community chain but was written after the last anchor. */
export class RecordNotAnchoredError extends VerificationError {
  constructor(message: string) {
    super("record-not-anchored", message);
  }
}

/** The record id is beyond every record written (as of the anchor). */
export class RecordNeverWrittenError extends VerificationError {
  constructor(message: string) {
    super("record-never-written", message);
  }
}

/** The proof was made at another block than the anchor it must be checked against. */
export class BlockMismatchError extends VerificationError {
  constructor(message: string) {
    super("block-mismatch", message);
  }
}

/** The RecordLog's account proof does not lead to the anchored state root. */
export class AccountProofError extends VerificationError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("account-proof", message, options);
  }
}

/** A storage proof does not lead to the RecordLog's proven storage root. */
export class StorageProofError extends VerificationError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("storage-proof", message, options);
  }
}

/** The batch root the full node claims is not the one proven on chain. */
export class WrongRootError extends VerificationError {
  constructor(message: string) {
    super("wrong-root", message);
  }
}

/** The record served is not the record asked for, or lies outside its batch's range. */
export class RecordMismatchError extends VerificationError {
  constructor(message: string) {
    super("record-mismatch", message);
  }
}

/** The record's Merkle proof does not lead to its batch root. */
export class MerkleProofError extends VerificationError {
  constructor(message: string) {
    super("merkle-proof", message);
  }
}

/** The checkpoint belongs to an earlier epoch of its chain: an admin reset the chain since. */
export class StaleAnchorError extends VerificationError {
  constructor(message: string) {
    super("stale-anchor", message);
  }
}

/**
 * What the main chain's RPC said about the AnchorHub (its event logs, or a head not descending
 * from the trusted main block) does not match the hub's state proven against the trusted block.
 */
export class MainChainProofError extends VerificationError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("main-chain-proof", message, options);
  }
}
