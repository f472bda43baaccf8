import { expect } from "chai";
import { randomBytes } from "node:crypto";
import {
  checkFragment,
  DEFAULT_FRAGMENT_SIZE,
  FRAGMENT_OVERHEAD,
  fragmentLeaf,
  fragmentRoot,
  MAX_FRAGMENT_SIZE,
  openFragments,
  sealFragments,
  type FragmentManifest,
  type SealedFragments,
} from "../../../../src/offchain/envelopes/fragments";
import { MerkleTree } from "../../../../src/records/merkle";
import { FragmentFormatError, FragmentIntegrityError } from "../../../../src/offchain/errors";

const MiB = 1024 * 1024;

/** Runs `fn`, asserts it throws an instance of `type`, returns the error. */
function thrown<E extends Error>(fn: () => unknown, type: abstract new (...args: never[]) => E): E {
  try {
    fn();
  } catch (err) {
    if (err instanceof type) return err;
    expect.fail(`expected a ${type.name}, got ${(err as Error)?.name}: ${(err as Error)?.message}`);
  }
  expect.fail(`expected a ${type.name}, nothing was thrown`);
}

/** A copy of the objects with one byte of fragment `index` flipped. */
function flipped(fragments: readonly Uint8Array[], index: number, at = 100): Uint8Array[] {
  return fragments.map((fragment, i) => {
    if (i !== index) return fragment;
    const copy = fragment.slice();
    copy[at] ^= 0x01;
    return copy;
  });
}

describe("fragments (big data in AES-256-GCM fragments under a Merkle root)", function () {
  let data10MiB: Uint8Array;
  let sealed10MiB: SealedFragments;

  before(function () {
    data10MiB = new Uint8Array(randomBytes(10 * MiB));
    sealed10MiB = sealFragments(data10MiB);
  });

  describe("10 MiB at the default 256 KiB", function () {
    it("makes 40 fragments, each one sealed object that fits a store block, and round-trips", function () {
      const { manifest, fragments, key } = sealed10MiB;
      expect(DEFAULT_FRAGMENT_SIZE).to.equal(256 * 1024);
      expect(manifest.format).to.equal("commchain-bdtd");
      expect(manifest.version).to.equal(1);
      expect(manifest.size).to.equal(10 * MiB);
      expect(fragments).to.have.length(40);
      expect(manifest.fragments.map((entry) => entry.index)).to.deep.equal([...Array(40).keys()]);
      for (const [i, fragment] of fragments.entries()) {
        expect(fragment.length).to.equal(DEFAULT_FRAGMENT_SIZE + FRAGMENT_OVERHEAD);
        expect(manifest.fragments[i].bytes).to.equal(fragment.length);
      }
      const opened = openFragments(manifest, fragments, key, { expectedRoot: manifest.root });
      expect(Buffer.from(opened).equals(Buffer.from(data10MiB))).to.equal(true);
    });

    it("names fragment 17 when one byte of it is flipped", function () {
      const { manifest, fragments, key } = sealed10MiB;
      const error = thrown(() => openFragments(manifest, flipped(fragments, 17), key), FragmentIntegrityError);
      expect(error.index).to.equal(17);
      expect(error.message).to.contain("fragment 17");
    });

    it("still names fragment 17 when the attacker also rewrites its leaf and the root (GCM fails)", function () {
      const { manifest, fragments, key } = sealed10MiB;
      const forged = flipped(fragments, 17);
      const leaves = manifest.fragments.map((entry, i) => (i === 17 ? fragmentLeaf(forged[17]) : entry.leaf));
      const forgedManifest: FragmentManifest = {
        ...manifest,
        fragments: manifest.fragments.map((entry, i) => ({ ...entry, leaf: leaves[i] })),
        root: fragmentRoot(leaves),
      };
      const error = thrown(() => openFragments(forgedManifest, forged, key), FragmentIntegrityError);
      expect(error.index).to.equal(17);
      expect(error.reason).to.contain("does not decrypt");
      // ... and such a manifest no longer matches the on-chain hash.
      const onChain = thrown(
        () => openFragments(forgedManifest, forged, key, { expectedRoot: manifest.root }),
        FragmentFormatError,
      );
      expect(onChain.field).to.equal("root");
    });
  });

  describe("the manifest", function () {
    it("uses one data key and fresh nonces: equal fragments seal to different objects", function () {
      const data = new Uint8Array(3 * 1024).fill(0x42);
      const { fragments, key } = sealFragments(data, { fragmentSize: 1024 });
      expect(fragments).to.have.length(3);
      const nonces = fragments.map((f) => Buffer.from(f.subarray(0, 12)).toString("hex"));
      expect(new Set(nonces).size).to.equal(3);
      expect(Buffer.from(fragments[0]).equals(Buffer.from(fragments[1]))).to.equal(false);
      const again = sealFragments(data, { fragmentSize: 1024, key });
      expect(Buffer.from(again.key).equals(Buffer.from(key))).to.equal(true);
      expect(again.manifest.root).not.to.equal(sealFragments(data, { fragmentSize: 1024, key }).manifest.root);
    });

    it("has root = the Merkle root (records/merkle.ts) of keccak-256 of each sealed object", function () {
      const { manifest, fragments } = sealFragments(new Uint8Array(randomBytes(5000)), { fragmentSize: 1000 });
      expect(manifest.fragments.map((entry) => entry.leaf)).to.deep.equal(fragments.map(fragmentLeaf));
      const tree = MerkleTree.fromLeaves(fragments.map((f) => Buffer.from(fragmentLeaf(f).slice(2), "hex")));
      expect(manifest.root).to.equal(tree.rootHex);
    });

    it("keeps a short last fragment and empty data (one empty fragment) round-tripping", function () {
      const data = new Uint8Array(randomBytes(2500));
      const sealed = sealFragments(data, { fragmentSize: 1000 });
      expect(sealed.fragments.map((f) => f.length)).to.deep.equal([1000, 1000, 500].map((n) => n + FRAGMENT_OVERHEAD));
      expect(Buffer.from(openFragments(sealed.manifest, sealed.fragments, sealed.key))).to.deep.equal(
        Buffer.from(data),
      );
      const empty = sealFragments(new Uint8Array(0));
      expect(empty.fragments).to.have.length(1);
      expect(openFragments(empty.manifest, empty.fragments, empty.key)).to.have.length(0);
    });

    it("lets the cloud check one stored object against its leaf without the key", function () {
      const { manifest, fragments } = sealFragments(new Uint8Array(randomBytes(4000)), { fragmentSize: 1000 });
      checkFragment(manifest, 2, fragments[2]);
      expect(thrown(() => checkFragment(manifest, 2, fragments[3]), FragmentIntegrityError).index).to.equal(2);
      expect(thrown(() => checkFragment(manifest, 1, fragments[1].subarray(1)), FragmentIntegrityError).index).to.equal(
        1,
      );
    });
  });

  describe("refusals", function () {
    const data = new Uint8Array(randomBytes(4000));
    const sealed = sealFragments(data, { fragmentSize: 1000 });

    it("names the swapped fragment when two objects change places", function () {
      const swapped = [sealed.fragments[1], sealed.fragments[0], ...sealed.fragments.slice(2)];
      expect(thrown(() => openFragments(sealed.manifest, swapped, sealed.key), FragmentIntegrityError).index).to.equal(
        0,
      );
    });

    it("names fragment 0 when the key is wrong", function () {
      const wrong = new Uint8Array(randomBytes(32));
      const error = thrown(() => openFragments(sealed.manifest, sealed.fragments, wrong), FragmentIntegrityError);
      expect(error.index).to.equal(0);
    });

    it("refuses a missing object, a manifest root that is not its leaves' root, and another on-chain hash", function () {
      const missing = thrown(
        () => openFragments(sealed.manifest, sealed.fragments.slice(0, 3), sealed.key),
        FragmentFormatError,
      );
      expect(missing.field).to.equal("fragments");
      const badRoot = { ...sealed.manifest, root: sealed.manifest.fragments[0].leaf };
      expect(thrown(() => openFragments(badRoot, sealed.fragments, sealed.key), FragmentFormatError).field).to.equal(
        "root",
      );
      const other = `0x${"ab".repeat(32)}`;
      const error = thrown(
        () => openFragments(sealed.manifest, sealed.fragments, sealed.key, { expectedRoot: other }),
        FragmentFormatError,
      );
      expect(error.message).to.contain(other);
    });

    it("refuses a manifest whose size was edited (fragment count no longer matches) or whose format is foreign", function () {
      const resized = { ...sealed.manifest, size: 5000 };
      expect(thrown(() => openFragments(resized, sealed.fragments, sealed.key), FragmentFormatError).field).to.equal(
        "fragments",
      );
      const foreign = { ...sealed.manifest, format: "other" } as unknown as FragmentManifest;
      expect(thrown(() => openFragments(foreign, sealed.fragments, sealed.key), FragmentFormatError).field).to.equal(
        "format",
      );
    });

    it("refuses a fragment size that would not fit a store block, and a key that is not 32 bytes", function () {
      for (const fragmentSize of [0, 1.5, MAX_FRAGMENT_SIZE + 1]) {
        expect(thrown(() => sealFragments(data, { fragmentSize }), FragmentFormatError).field).to.equal("fragmentSize");
      }
      sealFragments(data, { fragmentSize: MAX_FRAGMENT_SIZE });
      expect(thrown(() => sealFragments(data, { key: new Uint8Array(16) }), FragmentFormatError).field).to.equal("key");
    });
  });
});
