/**
 * Big digital-twin data in fragments (the paper's §4.3 step 4: "A fragments the data locally,
 * encrypts it and uploads it"). A store block holds at most 1 MiB, so an asset is cut into
 * fragments of `fragmentSize` bytes (256 KiB by default), each sealed as its own AES-256-GCM object
 * under ONE data key with a fresh nonce:
 *
 *   fragment i ─ AES-256-GCM(data key, fresh nonce, aad = format/version/size/fragmentSize/count/i)
 *              ─► object i = nonce ‖ ciphertext ‖ tag ─ keccak-256 ─► leaf i
 *   leaves ─ Merkle tree (sorted pairs, as OpenZeppelin's MerkleProof) ─► root: the on-chain hash
 *
 * The leaves hash the SEALED objects, not the plaintext, for three reasons. (1) The cloud (the
 * auditor of `DataAsset.confirmStored`) checks `root == hash` and each stored object against its
 * leaf without the key. (2) A keccak of a plaintext fragment would be an offline guessing oracle
 * for low-entropy sensor data, readable by anyone who sees the chain. (3) A corrupted fragment is
 * named by its leaf before any decryption. The plaintext is still bound: GCM authenticates each
 * fragment under the data key, and the additional data fixes its position and the totals, so a
 * swapped, reordered or truncated fragment fails too (and is named).
 *
 * The data key is wrapped separately (Umbral for a trade, `pre.ts`; the manifest's `keyWrap`).
 */
import { keccak_256 } from "@noble/hashes/sha3.js";
import { MerkleTree, toHex, type HexHash } from "../../records/merkle";
import { MAX_OBJECT_BYTES } from "../stores/cid";
import { DecryptionFailedError, FragmentFormatError, FragmentIntegrityError } from "../errors";
import { DATA_KEY_BYTES, decryptPayload, encryptPayload, generateDataKey, NONCE_BYTES, TAG_BYTES } from "./envelope";
import type { PreKeyWrap } from "./pre";

export const FRAGMENTS_FORMAT = "commchain-bdtd";
export const FRAGMENTS_VERSION = 1;
export const FRAGMENTS_CIPHER = "aes-256-gcm";
/** The default plaintext bytes per fragment: 256 KiB. */
export const DEFAULT_FRAGMENT_SIZE = 256 * 1024;
/** Bytes a sealed object adds to its fragment: the nonce and the tag. */
export const FRAGMENT_OVERHEAD = NONCE_BYTES + TAG_BYTES;
/** The largest fragment size whose sealed object still fits one store block. */
export const MAX_FRAGMENT_SIZE = MAX_OBJECT_BYTES - FRAGMENT_OVERHEAD;

/** One sealed fragment in the manifest. */
export interface FragmentEntry {
  /** Position, 0-based. */
  index: number;
  /** keccak-256 of the sealed object (nonce ‖ ciphertext ‖ tag), 0x hex: the Merkle leaf. */
  leaf: HexHash;
  /** Length of the sealed object (the fragment's plaintext plus {@link FRAGMENT_OVERHEAD}). */
  bytes: number;
  /** Where the object is stored, once it is (set by the uploader). */
  cid?: string;
}

/** The manifest of a fragmented asset (version 1). */
export interface FragmentManifest {
  format: typeof FRAGMENTS_FORMAT;
  version: typeof FRAGMENTS_VERSION;
  cipher: typeof FRAGMENTS_CIPHER;
  /** Plaintext bytes in all. */
  size: number;
  /** Plaintext bytes per fragment (the last may be shorter). */
  fragmentSize: number;
  fragments: FragmentEntry[];
  /** Merkle root of the leaves, 0x hex: the asset's on-chain hash. */
  root: HexHash;
  /** The data key, wrapped (added once the owner wraps it for the asset, `wrapKeyForAsset(owner, root, key)`). */
  keyWrap?: PreKeyWrap;
}

/** The result of {@link sealFragments}: the manifest, the sealed objects in order, and the data key. */
export interface SealedFragments {
  manifest: FragmentManifest;
  fragments: Uint8Array[];
  /** The AES-256 data key (the caller wraps it, then should zero it). */
  key: Uint8Array;
}

export interface SealFragmentsOptions {
  /** Plaintext bytes per fragment, 1 to {@link MAX_FRAGMENT_SIZE}; default 256 KiB. */
  fragmentSize?: number;
  /** The data key (32 bytes); default a fresh random one. */
  key?: Uint8Array;
}

export interface OpenFragmentsOptions {
  /** The on-chain hash the manifest's root must equal. */
  expectedRoot?: string;
}

/** The number of fragments `size` bytes make (at least one: empty data is one empty fragment). */
export function fragmentCount(size: number, fragmentSize: number): number {
  return Math.max(1, Math.ceil(size / fragmentSize));
}

/** The Merkle leaf of a sealed object: its keccak-256. */
export function fragmentLeaf(sealed: Uint8Array): HexHash {
  return toHex(keccak_256(sealed));
}

/** The Merkle root of the leaves, in order (a single leaf is its own root). */
export function fragmentRoot(leaves: readonly string[]): HexHash {
  return MerkleTree.fromLeaves(leaves.map((leaf, i) => leafBytes(leaf, i))).rootHex;
}

/** Cuts `bytes` into fragments and seals each under one data key with a fresh nonce. */
export function sealFragments(bytes: Uint8Array, options: SealFragmentsOptions = {}): SealedFragments {
  const fragmentSize = options.fragmentSize ?? DEFAULT_FRAGMENT_SIZE;
  checkFragmentSize(fragmentSize);
  if (options.key !== undefined && options.key.length !== DATA_KEY_BYTES)
    throw new FragmentFormatError("key", `${options.key.length} bytes, expected ${DATA_KEY_BYTES}`);
  const key = options.key ?? generateDataKey();
  const count = fragmentCount(bytes.length, fragmentSize);
  const fragments: Uint8Array[] = [];
  const entries: FragmentEntry[] = [];
  for (let index = 0; index < count; index++) {
    const plaintext = bytes.subarray(index * fragmentSize, Math.min(bytes.length, (index + 1) * fragmentSize));
    const { nonce, ciphertext } = encryptPayload(key, plaintext, fragmentAad(bytes.length, fragmentSize, count, index));
    const sealed = new Uint8Array(nonce.length + ciphertext.length);
    sealed.set(nonce);
    sealed.set(ciphertext, nonce.length);
    fragments.push(sealed);
    entries.push({ index, leaf: fragmentLeaf(sealed), bytes: sealed.length });
  }
  const manifest: FragmentManifest = {
    format: FRAGMENTS_FORMAT,
    version: FRAGMENTS_VERSION,
    cipher: FRAGMENTS_CIPHER,
    size: bytes.length,
    fragmentSize,
    fragments: entries,
    root: fragmentRoot(entries.map((entry) => entry.leaf)),
  };
  return { manifest, fragments, key };
}

/**
 * Checks one sealed object against its manifest entry (length and leaf), without the key: what the
 * cloud audits per stored object, after {@link checkManifest}. Throws `FragmentIntegrityError(index)`.
 */
export function checkFragment(manifest: FragmentManifest, index: number, sealed: Uint8Array): void {
  const entry = manifest.fragments[index];
  if (entry === undefined)
    throw new FragmentFormatError("index", `${index} is outside the ${manifest.fragments.length} fragments`);
  if (sealed.length !== entry.bytes)
    throw new FragmentIntegrityError(index, `${sealed.length} bytes, the manifest says ${entry.bytes}`);
  const leaf = fragmentLeaf(sealed);
  if (leaf !== entry.leaf.toLowerCase())
    throw new FragmentIntegrityError(index, `hashes to ${leaf}, the manifest leaf is ${entry.leaf}`);
}

/**
 * Checks the manifest and every object (`FragmentIntegrityError` naming the first bad index),
 * decrypts them with `key` and returns the data.
 */
export function openFragments(
  manifest: FragmentManifest,
  fragments: readonly Uint8Array[],
  key: Uint8Array,
  options: OpenFragmentsOptions = {},
): Uint8Array {
  checkManifest(manifest, options.expectedRoot);
  if (key.length !== DATA_KEY_BYTES)
    throw new FragmentFormatError("key", `${key.length} bytes, expected ${DATA_KEY_BYTES}`);
  const count = manifest.fragments.length;
  if (fragments.length !== count)
    throw new FragmentFormatError("fragments", `${fragments.length} objects given, the manifest lists ${count}`);
  fragments.forEach((sealed, index) => checkFragment(manifest, index, sealed));
  const out = new Uint8Array(manifest.size);
  fragments.forEach((sealed, index) => {
    let plaintext: Uint8Array;
    try {
      plaintext = decryptPayload(
        key,
        sealed.subarray(0, NONCE_BYTES),
        sealed.subarray(NONCE_BYTES),
        fragmentAad(manifest.size, manifest.fragmentSize, count, index),
        `fragment ${index}`,
      );
    } catch (err) {
      if (!(err instanceof DecryptionFailedError)) throw err;
      throw new FragmentIntegrityError(index, "does not decrypt under the data key (altered, moved or wrong key)", {
        cause: err,
      });
    }
    const expected = Math.min(manifest.fragmentSize, manifest.size - index * manifest.fragmentSize);
    if (plaintext.length !== expected)
      throw new FragmentIntegrityError(index, `${plaintext.length} plaintext bytes, expected ${expected}`);
    out.set(plaintext, index * manifest.fragmentSize);
  });
  return out;
}

/** The GCM additional data of fragment `index`: its position and the totals, which must not change. */
function fragmentAad(size: number, fragmentSize: number, count: number, index: number): Uint8Array {
  return new TextEncoder().encode(`${FRAGMENTS_FORMAT}/${FRAGMENTS_VERSION}/${size}/${fragmentSize}/${count}/${index}`);
}

function checkFragmentSize(fragmentSize: number): void {
  if (!Number.isSafeInteger(fragmentSize) || fragmentSize < 1 || fragmentSize > MAX_FRAGMENT_SIZE)
    throw new FragmentFormatError(
      "fragmentSize",
      `${fragmentSize} is not an integer from 1 to ${MAX_FRAGMENT_SIZE} (one sealed object must fit a ${MAX_OBJECT_BYTES}-byte block)`,
    );
}

/**
 * Checks the manifest's shape and that its root is the Merkle root of its leaves (and equals
 * `expectedRoot`, the on-chain hash, if given); throws `FragmentFormatError` naming the field.
 */
export function checkManifest(manifest: FragmentManifest, expectedRoot?: string): void {
  if (manifest.format !== FRAGMENTS_FORMAT)
    throw new FragmentFormatError("format", `${String(manifest.format)}, expected ${FRAGMENTS_FORMAT}`);
  if (manifest.version !== FRAGMENTS_VERSION)
    throw new FragmentFormatError("version", `${String(manifest.version)}, expected ${FRAGMENTS_VERSION}`);
  if (manifest.cipher !== FRAGMENTS_CIPHER)
    throw new FragmentFormatError("cipher", `${String(manifest.cipher)}, expected ${FRAGMENTS_CIPHER}`);
  checkFragmentSize(manifest.fragmentSize);
  if (!Number.isSafeInteger(manifest.size) || manifest.size < 0)
    throw new FragmentFormatError("size", `${manifest.size} is not a non-negative integer`);
  const count = fragmentCount(manifest.size, manifest.fragmentSize);
  if (!Array.isArray(manifest.fragments) || manifest.fragments.length !== count)
    throw new FragmentFormatError(
      "fragments",
      `lists ${Array.isArray(manifest.fragments) ? manifest.fragments.length : "no"} entries, ${manifest.size} bytes in ${manifest.fragmentSize}-byte fragments make ${count}`,
    );
  manifest.fragments.forEach((entry, i) => {
    if (entry.index !== i) throw new FragmentFormatError(`fragments[${i}].index`, `is ${entry.index}, expected ${i}`);
  });
  const root = fragmentRoot(manifest.fragments.map((entry) => entry.leaf));
  if (typeof manifest.root !== "string" || root !== manifest.root.toLowerCase())
    throw new FragmentFormatError("root", `${manifest.root} is not the Merkle root of the leaves (${root})`);
  if (expectedRoot !== undefined && expectedRoot.toLowerCase() !== root)
    throw new FragmentFormatError("root", `${root}, the on-chain hash is ${expectedRoot}`);
}

function leafBytes(leaf: string, index: number): Uint8Array {
  if (!/^0x[0-9a-fA-F]{64}$/.test(leaf))
    throw new FragmentFormatError(`fragments[${index}].leaf`, `${leaf} is not a 32-byte 0x hex hash`);
  return new Uint8Array(Buffer.from(leaf.slice(2), "hex"));
}
