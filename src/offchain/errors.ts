/**
 * Typed errors of the off-chain store. Every error names the offending input and what is wrong
 * with it, so a log line is enough to find the cause. `OffchainError` is the base class: catch
 * it to handle any failure of this module.
 */

import { CommchainError } from "../errors";

/** Base class of every error thrown by `src/offchain`. */
export class OffchainError extends CommchainError {}

// ---------------------------------------------------------------------------------------------
// Content stores

/** A store backend (Kubo daemon, gateway, Helia node) could not be reached or is not running. */
export class ContentStoreUnavailableError extends OffchainError {
  constructor(
    readonly url: string,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`content store at ${url} is unavailable: ${reason}`, options);
  }
}

/** A CID string is not a valid CID, or not one this project produces (CIDv1, raw, sha2-256). */
export class InvalidCidError extends OffchainError {
  constructor(
    readonly cid: string,
    readonly reason: string,
  ) {
    super(`invalid CID "${cid}": ${reason}`);
  }
}

/** The store does not hold the object (or could not find it on the network in time). */
export class ContentNotFoundError extends OffchainError {
  constructor(
    readonly cid: string,
    readonly where: string,
    options?: { cause?: unknown },
  ) {
    super(`content ${cid} not found in ${where}`, options);
  }
}

/** Bytes returned for a CID do not hash to that CID: the store or the network returned other data. */
export class ContentIntegrityError extends OffchainError {
  constructor(
    readonly cid: string,
    readonly actualCid: string,
  ) {
    super(`content integrity check failed: expected ${cid}, the bytes received hash to ${actualCid}`);
  }
}

/** An object is larger than one block may be (see `MAX_OBJECT_BYTES`). */
export class ObjectTooLargeError extends OffchainError {
  constructor(
    readonly size: number,
    readonly max: number,
  ) {
    super(`object of ${size} bytes is larger than the ${max}-byte limit of one raw block`);
  }
}

/** A backend answered a request with an error that is neither "not found" nor "unreachable". */
export class ContentStoreRequestError extends OffchainError {
  constructor(
    readonly store: string,
    readonly operation: string,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`${operation} on ${store} failed: ${reason}`, options);
  }
}

/** `unpin` of a CID that is not pinned. */
export class NotPinnedError extends OffchainError {
  constructor(readonly cid: string) {
    super(`content ${cid} is not pinned`);
  }
}

/** A store was used after `close()`. */
export class StoreClosedError extends OffchainError {
  constructor(readonly store: string) {
    super(`content store ${store} is closed`);
  }
}

// ---------------------------------------------------------------------------------------------
// Cluster

/** Bad options for a store node or cluster (count, names, directories). */
export class StoreClusterConfigError extends OffchainError {
  constructor(
    readonly field: string,
    readonly reason: string,
  ) {
    super(`store cluster option ${field}: ${reason}`);
  }
}

/** A store node did not start or did not join the DHT in time. */
export class StoreClusterStartError extends OffchainError {
  constructor(
    readonly nodes: readonly string[],
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`store node(s) ${nodes.join(", ")}: ${reason}`, options);
  }
}

/** `<dir>/cluster.json` exists but is not a cluster file this version wrote. */
export class ClusterFileError extends OffchainError {
  constructor(
    readonly file: string,
    readonly reason: string,
  ) {
    super(`cluster file ${file}: ${reason}`);
  }
}

/** A peer key file exists but cannot be read as a libp2p private key. */
export class PeerKeyFileError extends OffchainError {
  constructor(
    readonly file: string,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`peer key file ${file}: ${reason}`, options);
  }
}

// ---------------------------------------------------------------------------------------------
// Envelopes

/** Bytes are not a well-formed envelope (bad JSON, unknown version, missing or malformed field). */
export class EnvelopeFormatError extends OffchainError {
  constructor(
    readonly field: string,
    readonly reason: string,
  ) {
    super(`envelope field "${field}": ${reason}`);
  }
}

/** The envelope holds no wrapped key for this reader: the reader is not authorized for it. */
export class NotAReaderError extends OffchainError {
  constructor(
    readonly reader: string,
    readonly readers: readonly string[],
  ) {
    super(`${reader} holds no wrapped key in this envelope (wrapped for: ${readers.join(", ") || "nobody"})`);
  }
}

/** A wrapped key or the ciphertext failed authentication: tampered data or the wrong private key. */
export class DecryptionFailedError extends OffchainError {
  constructor(
    readonly part: "wrapped key" | "ciphertext",
    readonly reader: string,
    options?: { cause?: unknown },
  ) {
    super(
      `decryption of the ${part} failed for ${reader}: the envelope was tampered with or the key is wrong`,
      options,
    );
  }
}

/** The decrypted plaintext does not hash to the keccak-256 expected (the one recorded on chain). */
export class PlaintextHashMismatchError extends OffchainError {
  constructor(
    readonly expected: string,
    readonly actual: string,
  ) {
    super(`plaintext keccak-256 is ${actual}, expected ${expected}`);
  }
}

/** A saved keyring (file or JSON state) is malformed; names the field. */
export class KeyringFormatError extends OffchainError {
  constructor(
    readonly field: string,
    readonly reason: string,
  ) {
    super(`keyring ${field}: ${reason}`);
  }
}

/** A public key given for a reader is not a valid secp256k1 public key. */
export class InvalidReaderKeyError extends OffchainError {
  constructor(
    readonly key: string,
    readonly reason: string,
  ) {
    super(`invalid reader public key ${key}: ${reason}`);
  }
}

/** A keyring operation named a reader that is not in the current reader set. */
export class UnknownReaderError extends OffchainError {
  constructor(readonly reader: string) {
    super(`reader ${reader} is not in the keyring`);
  }
}

/** The keyring owner cannot be revoked: the writer must always be able to read its own data. */
export class OwnerRevocationError extends OffchainError {
  constructor(readonly owner: string) {
    super(`the keyring owner ${owner} cannot be revoked`);
  }
}

/** The store network's pre-shared key file is unreadable, malformed or readable by others. */
export class SwarmKeyFileError extends OffchainError {
  constructor(
    readonly file: string,
    readonly problem: string,
    options?: ErrorOptions,
  ) {
    super(`swarm key ${file} ${problem}`, options);
  }
}

// ---------------------------------------------------------------------------------------------
// Gateway

/** A read request to the gateway is malformed, expired, badly signed or refused. */
export class GatewayRequestError extends OffchainError {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly detail: string,
  ) {
    super(`gateway refused the read (${status} ${code}): ${detail}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Fragments (big data sealed in fragments) and proxy re-encryption (Umbral)

/** Bad fragment options, or a manifest that is malformed or does not match the fragments given; names the field. */
export class FragmentFormatError extends OffchainError {
  constructor(
    readonly field: string,
    readonly reason: string,
  ) {
    super(`fragments ${field}: ${reason}`);
  }
}

/** Fragment `index` does not hash to its manifest leaf, or does not decrypt: it was altered or swapped. */
export class FragmentIntegrityError extends OffchainError {
  constructor(
    readonly index: number,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`fragment ${index} failed its integrity check: ${reason}`, options);
  }
}

/** Fewer distinct capsule fragments than the threshold: a reader needs `need` proxies' answers. */
export class NotEnoughFragmentsError extends OffchainError {
  constructor(
    readonly got: number,
    readonly need: number,
  ) {
    super(`${got} distinct capsule fragment(s) given, the threshold is ${need}`);
  }
}

/** Capsule fragment `index` is malformed or does not verify against the capsule and the key wrap's public keys. */
export class InvalidCapsuleFragError extends OffchainError {
  constructor(
    readonly index: number,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`capsule fragment ${index} is invalid: ${reason}`, options);
  }
}

/** A PRE key, key fragment, capsule, key wrap or threshold is malformed or does not fit; names which. */
export class PreKeyError extends OffchainError {
  constructor(
    readonly what: string,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`proxy re-encryption ${what}: ${reason}`, options);
  }
}
