/**
 * Envelopes: how device data is encrypted before it leaves the device.
 *
 *   plaintext ─ keccak-256 ──────────────────────────────► plaintextHash (goes on chain)
 *   plaintext ─ AES-256-GCM with a fresh random key ─────► ciphertext + nonce
 *   data key  ─ ECIES (secp256k1) to each reader's key ──► keys[readerAddress]
 *
 * Readers are Ethereum accounts: the data key is wrapped to the secp256k1 public key of the
 * account (from an ethers `Wallet`/`SigningKey`, or recovered from a signature) and unwrapped
 * with its private key. The envelope is versioned JSON; its CID and the keccak-256 of the
 * plaintext are what go on chain.
 *
 * Symmetric encryption uses `node:crypto` (OpenSSL AES-GCM, hardware-accelerated: the data path
 * is latency-measured, and this is several times faster than a pure-JS AES). Key wrapping is ECIES
 * as `eciesjs` builds it with its defaults (secp256k1, HKDF-SHA256, AES-256-GCM), computed by
 * `ecies.ts` (interoperable with `eciesjs` both ways, several times faster). The GCM additional data
 * binds the format, version, epoch and plaintext hash to the ciphertext, so editing any of them
 * in a stored envelope makes decryption fail.
 *
 * Every step is its own exported function so the sharing-latency benchmark can time them one
 * by one (see `shared-record.ts`).
 */
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { performance } from "node:perf_hooks";
import { computeAddress, getAddress, getBytes, hexlify, isHexString, keccak256, SigningKey } from "ethers";
import { eciesDecrypt, eciesEncrypt } from "../../crypto/ecies";
import {
  DecryptionFailedError,
  EnvelopeFormatError,
  InvalidReaderKeyError,
  NotAReaderError,
  PlaintextHashMismatchError,
} from "../errors";

export const ENVELOPE_FORMAT = "commchain-envelope";
export const ENVELOPE_VERSION = 1;
export const ENVELOPE_CIPHER = "aes-256-gcm";
export const ENVELOPE_KEY_WRAP = "ecies-secp256k1-hkdf-sha256-aes-256-gcm";
/** AES-256 key length. */
export const DATA_KEY_BYTES = 32;
/** GCM nonce length recommended by NIST SP 800-38D. */
export const NONCE_BYTES = 12;
/** GCM authentication tag length, appended to the ciphertext. */
export const TAG_BYTES = 16;

/** A stored envelope (version 1). Binary fields are base64. */
export interface Envelope {
  format: typeof ENVELOPE_FORMAT;
  version: typeof ENVELOPE_VERSION;
  cipher: typeof ENVELOPE_CIPHER;
  keyWrap: typeof ENVELOPE_KEY_WRAP;
  /** Policy epoch of the keyring that sealed it (changes on every reader-set change). */
  epoch: number;
  /** keccak-256 of the plaintext, 0x-prefixed hex: the hash recorded on chain. */
  plaintextHash: string;
  /** 12-byte GCM nonce. */
  nonce: string;
  /** Ciphertext followed by the 16-byte GCM tag. */
  ciphertext: string;
  /** The data key wrapped for each reader, by checksummed Ethereum address. */
  keys: Record<string, string>;
}

/** A reader: an Ethereum address and the secp256k1 public key it derives from. */
export interface ReaderKey {
  /** Checksummed Ethereum address. */
  address: string;
  /** Uncompressed public key, 0x04…, 65 bytes. */
  publicKey: string;
}

/**
 * A reader's secret: a private key (hex or bytes) or anything holding one (an ethers Wallet). An
 * `address` beside the key is taken as the reader's (an ethers Wallet derives it from its key when
 * it is made), saving the scalar multiplication that derives it again on every open; a wrong one
 * finds no wrapped key, or one the key cannot open.
 */
export type ReaderSecret = string | Uint8Array | { privateKey: string; address?: string };

/** The steps of the data path, in order (write, then read). */
export const WRITE_STEPS = ["hash", "encrypt", "wrap", "encode", "put"] as const;
export const READ_STEPS = ["get", "decode", "unwrap", "decrypt", "verify"] as const;
export type SharingStep = (typeof WRITE_STEPS)[number] | (typeof READ_STEPS)[number];

/** Called once per step with its duration in milliseconds (for the sharing-latency benchmark). */
export type StepListener = (step: SharingStep, ms: number) => void;

/** Runs one step, reporting its duration to `onStep`. */
export function timeStep<T>(step: SharingStep, onStep: StepListener | undefined, run: () => T): T {
  if (onStep === undefined) return run();
  const start = performance.now();
  const result = run();
  onStep(step, performance.now() - start);
  return result;
}

// ---------------------------------------------------------------------------------------------
// Keys and addresses

/** Validates a secp256k1 public key (compressed or not, hex or bytes) and returns the reader it names. */
export function readerKey(publicKey: string | Uint8Array): ReaderKey {
  const shown = typeof publicKey === "string" ? publicKey : hexlify(publicKey);
  let bytes: Uint8Array;
  try {
    bytes = getBytes(publicKey);
  } catch {
    throw new InvalidReaderKeyError(shown, "not hex");
  }
  // 32 bytes would be taken as a PRIVATE key by computePublicKey: only accept public-key lengths.
  if (bytes.length !== 33 && bytes.length !== 65) {
    throw new InvalidReaderKeyError(shown, `${bytes.length} bytes, expected 33 (compressed) or 65 (uncompressed)`);
  }
  let uncompressed: string;
  try {
    uncompressed = SigningKey.computePublicKey(bytes, false);
  } catch (err) {
    throw new InvalidReaderKeyError(shown, `not a point of secp256k1 (${(err as Error).message})`);
  }
  return { address: computeAddress(uncompressed), publicKey: uncompressed };
}

/** The reader of a private key or wallet. */
export function readerOf(secret: ReaderSecret): ReaderKey {
  return readerKey(new SigningKey(privateKeyBytes(secret)).publicKey);
}

/** The reader's address: the one its secret carries, else derived from the key. */
function readerAddressOf(secret: ReaderSecret): string {
  if (typeof secret === "object" && !(secret instanceof Uint8Array) && typeof secret.address === "string")
    return getAddress(secret.address);
  return readerOf(secret).address;
}

function privateKeyBytes(secret: ReaderSecret): Uint8Array {
  if (secret instanceof Uint8Array) return secret;
  const hex = typeof secret === "string" ? secret : secret.privateKey;
  if (!isHexString(hex, 32)) throw new InvalidReaderKeyError("(private key)", "expected a 32-byte hex private key");
  return getBytes(hex);
}

// ---------------------------------------------------------------------------------------------
// The steps of the data path, one function each

/** keccak-256 of the plaintext, as recorded on chain. */
export function hashPlaintext(plaintext: Uint8Array): string {
  return keccak256(plaintext);
}

/** A fresh random AES-256 key: one per object, never reused. */
export function generateDataKey(): Uint8Array {
  return new Uint8Array(randomBytes(DATA_KEY_BYTES));
}

/** The GCM additional data of an envelope: the header fields that must not change. */
export function envelopeAad(epoch: number, plaintextHash: string): Uint8Array {
  return new TextEncoder().encode(`${ENVELOPE_FORMAT}/${ENVELOPE_VERSION}/${epoch}/${plaintextHash.toLowerCase()}`);
}

/** AES-256-GCM encryption with a fresh nonce; the tag is appended to the ciphertext. */
export function encryptPayload(
  dataKey: Uint8Array,
  plaintext: Uint8Array,
  aad: Uint8Array,
): { nonce: Uint8Array; ciphertext: Uint8Array } {
  const nonce = new Uint8Array(randomBytes(NONCE_BYTES));
  const cipher = createCipheriv("aes-256-gcm", dataKey, nonce, { authTagLength: TAG_BYTES });
  cipher.setAAD(aad);
  const body = Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
  return { nonce, ciphertext: new Uint8Array(body) };
}

/** AES-256-GCM decryption; throws `DecryptionFailedError` when the tag does not verify. */
export function decryptPayload(
  dataKey: Uint8Array,
  nonce: Uint8Array,
  ciphertext: Uint8Array,
  aad: Uint8Array,
  reader = "(unknown reader)",
): Uint8Array {
  if (ciphertext.length < TAG_BYTES)
    throw new EnvelopeFormatError("ciphertext", `shorter than the ${TAG_BYTES}-byte tag`);
  try {
    const decipher = createDecipheriv("aes-256-gcm", dataKey, nonce, { authTagLength: TAG_BYTES });
    decipher.setAAD(aad);
    decipher.setAuthTag(ciphertext.subarray(ciphertext.length - TAG_BYTES));
    return new Uint8Array(
      Buffer.concat([decipher.update(ciphertext.subarray(0, ciphertext.length - TAG_BYTES)), decipher.final()]),
    );
  } catch (err) {
    throw new DecryptionFailedError("ciphertext", reader, { cause: err });
  }
}

/** Wraps the data key for one reader (ECIES to the reader's public key). */
export function wrapKey(dataKey: Uint8Array, reader: ReaderKey): Uint8Array {
  return eciesEncrypt(getBytes(reader.publicKey), dataKey);
}

/** Unwraps a data key with the reader's private key; throws `DecryptionFailedError` if it fails. */
export function unwrapKey(wrapped: Uint8Array, secret: ReaderSecret, reader = "(unknown reader)"): Uint8Array {
  let key: Uint8Array;
  try {
    key = eciesDecrypt(privateKeyBytes(secret), wrapped);
  } catch (err) {
    throw new DecryptionFailedError("wrapped key", reader, { cause: err });
  }
  if (key.length !== DATA_KEY_BYTES) throw new DecryptionFailedError("wrapped key", reader);
  return key;
}

/** Throws `PlaintextHashMismatchError` unless `plaintext` hashes to `expected` (keccak-256). */
export function verifyPlaintext(plaintext: Uint8Array, expected: string): void {
  const actual = hashPlaintext(plaintext);
  if (actual.toLowerCase() !== expected.toLowerCase()) throw new PlaintextHashMismatchError(expected, actual);
}

// ---------------------------------------------------------------------------------------------
// Sealing and opening

/**
 * Encrypts `plaintext` under a fresh data key and wraps that key for every reader (steps hash,
 * encrypt, wrap). The same reader listed twice is wrapped for once.
 */
export function sealEnvelope(
  plaintext: Uint8Array,
  readers: readonly ReaderKey[],
  epoch = 0,
  onStep?: StepListener,
): Envelope {
  if (!Number.isSafeInteger(epoch) || epoch < 0)
    throw new EnvelopeFormatError("epoch", `${epoch} is not a non-negative integer`);
  const plaintextHash = timeStep("hash", onStep, () => hashPlaintext(plaintext));
  const dataKey = generateDataKey();
  const { nonce, ciphertext } = timeStep("encrypt", onStep, () =>
    encryptPayload(dataKey, plaintext, envelopeAad(epoch, plaintextHash)),
  );
  const keys = timeStep("wrap", onStep, () => {
    const wrapped: Record<string, string> = {};
    for (const reader of readers) {
      wrapped[getAddress(reader.address)] = Buffer.from(wrapKey(dataKey, reader)).toString("base64");
    }
    return wrapped;
  });
  dataKey.fill(0);
  return {
    format: ENVELOPE_FORMAT,
    version: ENVELOPE_VERSION,
    cipher: ENVELOPE_CIPHER,
    keyWrap: ENVELOPE_KEY_WRAP,
    epoch,
    plaintextHash,
    nonce: Buffer.from(nonce).toString("base64"),
    ciphertext: Buffer.from(ciphertext).toString("base64"),
    keys,
  };
}

/** The checksummed addresses an envelope is wrapped for. */
export function envelopeReaders(envelope: Envelope): string[] {
  return Object.keys(envelope.keys);
}

/**
 * Decrypts an envelope as one reader (steps unwrap, decrypt, verify). Throws `NotAReaderError`
 * when it holds no wrapped key for the reader, `DecryptionFailedError` when the wrapped key or
 * the ciphertext was tampered with, and `PlaintextHashMismatchError` when the plaintext does not
 * hash to `expectedHash` (the hash recorded on chain; the envelope's own hash is checked too).
 */
export function openEnvelope(
  envelope: Envelope,
  secret: ReaderSecret,
  expectedHash?: string,
  onStep?: StepListener,
): Uint8Array {
  const reader = readerAddressOf(secret);
  const wrapped = envelope.keys[reader];
  if (wrapped === undefined) throw new NotAReaderError(reader, envelopeReaders(envelope));
  const dataKey = timeStep("unwrap", onStep, () => unwrapKey(Buffer.from(wrapped, "base64"), secret, reader));
  const plaintext = timeStep("decrypt", onStep, () =>
    decryptPayload(
      dataKey,
      Buffer.from(envelope.nonce, "base64"),
      Buffer.from(envelope.ciphertext, "base64"),
      envelopeAad(envelope.epoch, envelope.plaintextHash),
      reader,
    ),
  );
  dataKey.fill(0);
  timeStep("verify", onStep, () => {
    verifyPlaintext(plaintext, envelope.plaintextHash);
    if (expectedHash !== undefined) verifyPlaintext(plaintext, expectedHash);
  });
  return plaintext;
}

// ---------------------------------------------------------------------------------------------
// Encoding

/** Serializes an envelope as UTF-8 JSON with a fixed field order (the same envelope, the same bytes). */
export function encodeEnvelope(envelope: Envelope): Uint8Array {
  const ordered: Envelope = {
    format: envelope.format,
    version: envelope.version,
    cipher: envelope.cipher,
    keyWrap: envelope.keyWrap,
    epoch: envelope.epoch,
    plaintextHash: envelope.plaintextHash,
    nonce: envelope.nonce,
    ciphertext: envelope.ciphertext,
    keys: Object.fromEntries(Object.entries(envelope.keys).sort(([a], [b]) => a.localeCompare(b))),
  };
  return new TextEncoder().encode(JSON.stringify(ordered));
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

function expectString(value: Record<string, unknown>, field: string, pattern?: RegExp): string {
  const v = value[field];
  if (typeof v !== "string") throw new EnvelopeFormatError(field, `expected a string, found ${typeof v}`);
  if (pattern !== undefined && !pattern.test(v))
    throw new EnvelopeFormatError(field, `"${v.slice(0, 40)}" is malformed`);
  return v;
}

/** Parses and validates envelope bytes; throws `EnvelopeFormatError` naming the bad field. */
export function decodeEnvelope(bytes: Uint8Array): Envelope {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch (err) {
    throw new EnvelopeFormatError("(document)", `not UTF-8 JSON (${(err as Error).message})`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new EnvelopeFormatError("(document)", "expected a JSON object");
  }
  const v = value as Record<string, unknown>;
  if (v.format !== ENVELOPE_FORMAT)
    throw new EnvelopeFormatError("format", `expected "${ENVELOPE_FORMAT}", found ${JSON.stringify(v.format)}`);
  if (v.version !== ENVELOPE_VERSION)
    throw new EnvelopeFormatError(
      "version",
      `unsupported version ${JSON.stringify(v.version)} (this reader knows ${ENVELOPE_VERSION})`,
    );
  if (v.cipher !== ENVELOPE_CIPHER)
    throw new EnvelopeFormatError("cipher", `unsupported cipher ${JSON.stringify(v.cipher)}`);
  if (v.keyWrap !== ENVELOPE_KEY_WRAP)
    throw new EnvelopeFormatError("keyWrap", `unsupported key wrap ${JSON.stringify(v.keyWrap)}`);
  if (!Number.isSafeInteger(v.epoch) || (v.epoch as number) < 0)
    throw new EnvelopeFormatError("epoch", `${JSON.stringify(v.epoch)} is not a non-negative integer`);
  const plaintextHash = expectString(v, "plaintextHash", /^0x[0-9a-fA-F]{64}$/);
  const nonce = expectString(v, "nonce", BASE64);
  if (Buffer.from(nonce, "base64").length !== NONCE_BYTES)
    throw new EnvelopeFormatError("nonce", `expected ${NONCE_BYTES} bytes`);
  const ciphertext = expectString(v, "ciphertext", BASE64);
  if (typeof v.keys !== "object" || v.keys === null || Array.isArray(v.keys))
    throw new EnvelopeFormatError("keys", "expected an object of address → wrapped key");
  const keys: Record<string, string> = {};
  for (const [address, wrapped] of Object.entries(v.keys as Record<string, unknown>)) {
    let checksummed: string;
    try {
      checksummed = getAddress(address);
    } catch {
      throw new EnvelopeFormatError(`keys.${address}`, "not an Ethereum address");
    }
    if (typeof wrapped !== "string" || !BASE64.test(wrapped))
      throw new EnvelopeFormatError(`keys.${address}`, "expected a base64 wrapped key");
    keys[checksummed] = wrapped;
  }
  return {
    format: ENVELOPE_FORMAT,
    version: ENVELOPE_VERSION,
    cipher: ENVELOPE_CIPHER,
    keyWrap: ENVELOPE_KEY_WRAP,
    epoch: v.epoch as number,
    plaintextHash: plaintextHash.toLowerCase(),
    nonce,
    ciphertext,
    keys,
  };
}
