/**
 * Merkle trees of record leaves, compatible with OpenZeppelin's `MerkleProof` (sorted-pair
 * keccak256) and laid out exactly like `@openzeppelin/merkle-tree` (`sortLeaves: false`), so a
 * root or proof from either is interchangeable.
 *
 * Hand-written on `@noble/hashes` rather than using `@openzeppelin/merkle-tree` directly: that
 * library keeps every node as a hex string and re-validates it on each step, which the write path
 * (tens of thousands of records per second) cannot afford — `bench/anchor-merkle.ts` measures
 * both. Nodes live in one flat byte array, 32 bytes each, the root at index 0 and the leaves at
 * the end in reverse order.
 */
import { keccak_256 } from "@noble/hashes/sha3.js";
import { RecordFormatError } from "./errors";

const HASH_BYTES = 32;

/** A 32-byte hash as a 0x-prefixed hex string. */
export type HexHash = `0x${string}`;

/** A Merkle tree over a non-empty list of 32-byte leaves. */
export class MerkleTree {
  private constructor(
    private readonly nodes: Uint8Array,
    /** Number of leaves. */
    readonly size: number,
  ) {}

  /** Builds the tree of `leaves`, leaf `i` staying at index `i` (no sorting). */
  static fromLeaves(leaves: readonly Uint8Array[]): MerkleTree {
    if (leaves.length === 0) throw new RecordFormatError("a Merkle tree needs at least one leaf, got none");
    const count = 2 * leaves.length - 1;
    const nodes = new Uint8Array(count * HASH_BYTES);
    leaves.forEach((leaf, i) => {
      if (leaf.length !== HASH_BYTES) {
        throw new RecordFormatError(`Merkle leaf ${i} must be ${HASH_BYTES} bytes, got ${leaf.length}`);
      }
      nodes.set(leaf, (count - 1 - i) * HASH_BYTES);
    });
    const pair = new Uint8Array(2 * HASH_BYTES);
    for (let i = count - 1 - leaves.length; i >= 0; i--) {
      const left = nodes.subarray((2 * i + 1) * HASH_BYTES, (2 * i + 2) * HASH_BYTES);
      const right = nodes.subarray((2 * i + 2) * HASH_BYTES, (2 * i + 3) * HASH_BYTES);
      nodes.set(hashSortedPair(left, right, pair), i * HASH_BYTES);
    }
    return new MerkleTree(nodes, leaves.length);
  }

  /** The root hash. */
  get root(): Uint8Array {
    return this.node(0);
  }

  /** The root hash as hex. */
  get rootHex(): HexHash {
    return toHex(this.root);
  }

  /** Leaf `index` as given to {@link MerkleTree.fromLeaves}. */
  leaf(index: number): Uint8Array {
    return this.node(this.leafNode(index));
  }

  /** The sibling hashes from leaf `index` up to the root, as OpenZeppelin's `MerkleProof` takes them. */
  proof(index: number): Uint8Array[] {
    const proof: Uint8Array[] = [];
    for (let node = this.leafNode(index); node > 0; node = (node - 1) >> 1) {
      proof.push(this.node(node % 2 === 1 ? node + 1 : node - 1));
    }
    return proof;
  }

  /** {@link MerkleTree.proof} as hex strings. */
  proofHex(index: number): HexHash[] {
    return this.proof(index).map(toHex);
  }

  private leafNode(index: number): number {
    if (!Number.isInteger(index) || index < 0 || index >= this.size) {
      throw new RecordFormatError(`leaf index ${index} is outside the tree's ${this.size} leaves`);
    }
    return 2 * this.size - 2 - index;
  }

  private node(i: number): Uint8Array {
    return this.nodes.slice(i * HASH_BYTES, (i + 1) * HASH_BYTES);
  }
}

/** keccak256 of the two hashes in ascending byte order, as OpenZeppelin's `Hashes.commutativeKeccak256`. */
export function hashPair(a: Uint8Array, b: Uint8Array): Uint8Array {
  return hashSortedPair(a, b, new Uint8Array(2 * HASH_BYTES));
}

/** The root that `proof` leads to from `leaf`. */
export function processProof(leaf: Uint8Array, proof: readonly Uint8Array[]): Uint8Array {
  const pair = new Uint8Array(2 * HASH_BYTES);
  return proof.reduce((node, sibling) => hashSortedPair(node, sibling, pair), leaf);
}

/** Whether `proof` leads from `leaf` to `root`. */
export function verifyProof(root: Uint8Array, leaf: Uint8Array, proof: readonly Uint8Array[]): boolean {
  return equalBytes(processProof(leaf, proof), root);
}

/** Byte-wise equality. */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Lower-case 0x hex of `bytes`. */
export function toHex(bytes: Uint8Array): HexHash {
  return `0x${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex")}`;
}

/** The bytes of a 0x hex string; throws {@link RecordFormatError} naming `what` if it is not hex. */
export function fromHex(hex: string, what = "value"): Uint8Array {
  if (!/^0x([0-9a-fA-F]{2})*$/.test(hex))
    throw new RecordFormatError(`${what} must be 0x-prefixed hex, got ${JSON.stringify(hex)}`);
  return new Uint8Array(Buffer.from(hex.slice(2), "hex"));
}

/** Hashes a and b sorted, reusing `scratch` (64 bytes) to avoid an allocation per node. */
function hashSortedPair(a: Uint8Array, b: Uint8Array, scratch: Uint8Array): Uint8Array {
  if (compareBytes(a, b) <= 0) {
    scratch.set(a, 0);
    scratch.set(b, HASH_BYTES);
  } else {
    scratch.set(b, 0);
    scratch.set(a, HASH_BYTES);
  }
  return keccak_256(scratch);
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < HASH_BYTES; i++) {
    if (a[i] !== b[i]) return a[i] - b[i];
  }
  return 0;
}
