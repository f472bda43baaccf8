/**
 * Errors of the crypto primitives (ECIES, Shamir key shares, prime-field secret sharing).
 * `CryptoError` is the base class: catch it to handle any failure of this module.
 */
import { CommchainError } from "../errors";

/** Base class of every error thrown by `src/crypto`. */
export class CryptoError extends CommchainError {}

/** A public key, payload or private key given to ECIES is not valid, or the payload does not authenticate. */
export class EciesError extends CryptoError {}

// ---------------------------------------------------------------------------------------------
// Secret sharing

/** `n` and `t` do not describe a valid threshold scheme. */
export class InvalidThresholdError extends CryptoError {
  constructor(
    readonly n: number,
    readonly t: number,
    readonly reason: string,
  ) {
    super(`invalid sharing parameters n=${n}, t=${t}: ${reason}`);
  }
}

/** Shares given to a reconstruction or an operation are inconsistent (too few, duplicates, mismatched). */
export class ShareError extends CryptoError {
  constructor(
    readonly field: string,
    readonly reason: string,
  ) {
    super(`shares ${field}: ${reason}`);
  }
}
