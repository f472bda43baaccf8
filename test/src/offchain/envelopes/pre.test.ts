import { expect } from "chai";
import { randomBytes } from "node:crypto";
import { id, keccak256, Wallet } from "ethers";
import {
  defaultThreshold,
  freshReceivingKey,
  makeKFrags,
  openWithCFrags,
  ownerPreKeys,
  proxyKFrags,
  reencryptFor,
  unwrapKeyAsOwner,
  wrapKeyForAsset,
  type PreKeyWrap,
} from "../../../../src/offchain/envelopes/pre";
import { openFragments, sealFragments } from "../../../../src/offchain/envelopes/fragments";
import {
  DecryptionFailedError,
  InvalidCapsuleFragError,
  NotEnoughFragmentsError,
  PreKeyError,
} from "../../../../src/offchain/errors";
import { utf8 } from "../helpers";

const owner = new Wallet(id("pre-test owner"));
const assetX = keccak256(utf8("asset X"));
const assetY = keccak256(utf8("asset Y"));
const MARKER = "PLAINTEXT-MARKER-press-07-vibration";

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

/** Data carrying the marker, sealed in fragments; its data key wrapped with Umbral for the asset = the root. */
function sealAsset(size: number): { data: Uint8Array; sealed: ReturnType<typeof sealFragments>; wrap: PreKeyWrap } {
  const data = new Uint8Array(randomBytes(size));
  data.set(utf8(MARKER), 0);
  const sealed = sealFragments(data);
  return { data, sealed, wrap: wrapKeyForAsset(owner, sealed.manifest.root, sealed.key) };
}

/** One trade at t-of-n: a fresh buyer key, the grant, and every proxy's cfrag for the wrap. */
function trade(asset: string, wrap: PreKeyWrap, t: number, n: number) {
  const buyer = freshReceivingKey();
  const grant = makeKFrags(owner, asset, buyer.publicKey, t, n);
  const proxies = proxyKFrags(grant);
  const cfrags = proxies.map((proxy) => reencryptFor(proxy, wrap.capsule));
  return { buyer, grant, proxies, cfrags };
}

/** A copy of a base64 cfrag with one byte near its end (the proof's signature) flipped. */
function tamper(cfrag: string): string {
  const bytes = Buffer.from(cfrag, "base64");
  bytes[bytes.length - 5] ^= 0x01;
  return bytes.toString("base64");
}

describe("proxy re-encryption of the data key (Umbral, per-asset delegation)", function () {
  describe("round trips at 2-of-3", function () {
    for (const [label, size] of [
      ["1 KiB", 1024],
      ["10 MiB", 10 * 1024 * 1024],
    ] as const) {
      it(`${label}: the buyer opens the fragments with 2 proxies' cfrags and its fresh key`, function () {
        const { data, sealed, wrap } = sealAsset(size);
        const root = sealed.manifest.root;
        const { buyer, grant, cfrags } = trade(root, wrap, 2, 3);
        expect(grant.threshold).to.equal(2);
        expect(grant.kfrags).to.have.length(3);
        const key = openWithCFrags(buyer.secretKey, wrap, cfrags.slice(0, 2), 2);
        expect(Buffer.from(key).equals(Buffer.from(sealed.key))).to.equal(true);
        const opened = openFragments(sealed.manifest, sealed.fragments, key, { expectedRoot: root });
        expect(Buffer.from(opened).equals(Buffer.from(data))).to.equal(true);
      });
    }
  });

  describe("the threshold", function () {
    const dataKey = new Uint8Array(randomBytes(32));
    const wrap = wrapKeyForAsset(owner, assetX, dataKey);
    const { buyer, cfrags } = trade(assetX, wrap, 2, 3);

    for (const pair of [
      [0, 1],
      [0, 2],
      [1, 2],
    ]) {
      it(`opens with cfrags ${pair.join(" and ")}`, function () {
        const key = openWithCFrags(
          buyer.secretKey,
          wrap,
          pair.map((i) => cfrags[i]),
          2,
        );
        expect(Buffer.from(key)).to.deep.equal(Buffer.from(dataKey));
      });
    }

    it("opens with all three", function () {
      expect(Buffer.from(openWithCFrags(buyer.secretKey, wrap, cfrags, 2))).to.deep.equal(Buffer.from(dataKey));
    });

    it("reports its verify and decrypt steps, in that order, to onStep", function () {
      const steps: string[] = [];
      openWithCFrags(buyer.secretKey, wrap, cfrags.slice(1), 2, (step, ms) => {
        expect(ms).to.be.a("number");
        steps.push(step);
      });
      expect(steps).to.deep.equal(["verify", "decrypt"]);
    });

    it("refuses one cfrag with NotEnoughFragmentsError(1, 2)", function () {
      const error = thrown(() => openWithCFrags(buyer.secretKey, wrap, [cfrags[1]], 2), NotEnoughFragmentsError);
      expect([error.got, error.need]).to.deep.equal([1, 2]);
    });

    it("counts the same cfrag given twice once: NotEnoughFragmentsError(1, 2)", function () {
      const error = thrown(
        () => openWithCFrags(buyer.secretKey, wrap, [cfrags[0], cfrags[0]], 2),
        NotEnoughFragmentsError,
      );
      expect([error.got, error.need]).to.deep.equal([1, 2]);
    });

    for (const bad of [0, 1, 2]) {
      it(`names tampered cfrag ${bad} with InvalidCapsuleFragError(${bad})`, function () {
        const given = cfrags.map((cfrag, i) => (i === bad ? tamper(cfrag) : cfrag));
        const error = thrown(() => openWithCFrags(buyer.secretKey, wrap, given, 2), InvalidCapsuleFragError);
        expect(error.index).to.equal(bad);
        expect(error.message).to.contain(`capsule fragment ${bad}`);
      });
    }

    it("names a cfrag that is not one at all (garbage bytes) by its index", function () {
      const given = [cfrags[0], Buffer.from("not a cfrag").toString("base64")];
      expect(thrown(() => openWithCFrags(buyer.secretKey, wrap, given, 2), InvalidCapsuleFragError).index).to.equal(1);
    });

    it("refuses cfrags re-encrypted for another buyer: they do not verify for this one's key", function () {
      const other = freshReceivingKey();
      expect(thrown(() => openWithCFrags(other.secretKey, wrap, cfrags, 2), InvalidCapsuleFragError).index).to.equal(0);
    });

    it("defaults to a majority, ⌊n/2⌋ + 1, and 1-of-1 for a single proxy", function () {
      expect([1, 2, 3, 4, 5].map(defaultThreshold)).to.deep.equal([1, 2, 2, 3, 3]);
      const single = makeKFrags(owner, assetX, buyer.publicKey);
      expect([single.threshold, single.shares]).to.deep.equal([1, 1]);
      const five = makeKFrags(owner, assetX, buyer.publicKey, undefined, 5);
      expect([five.threshold, five.shares]).to.deep.equal([3, 5]);
      const cfrag = reencryptFor(proxyKFrags(single)[0], wrap.capsule);
      expect(Buffer.from(openWithCFrags(buyer.secretKey, wrap, [cfrag], 1))).to.deep.equal(Buffer.from(dataKey));
    });

    it("refuses a threshold above the shares or below 1 with PreKeyError", function () {
      expect(thrown(() => makeKFrags(owner, assetX, buyer.publicKey, 4, 3), PreKeyError).what).to.equal("threshold");
      expect(thrown(() => makeKFrags(owner, assetX, buyer.publicKey, 0, 3), PreKeyError).what).to.equal("threshold");
      expect(thrown(() => makeKFrags(owner, assetX, buyer.publicKey, 1, 0), PreKeyError).what).to.equal("shares");
    });
  });

  describe("per-asset delegation", function () {
    const keyX = new Uint8Array(randomBytes(32));
    const keyY = new Uint8Array(randomBytes(32));
    const wrapX = wrapKeyForAsset(owner, assetX, keyX);
    const wrapY = wrapKeyForAsset(owner, assetY, keyY);

    it("derives one delegating key per asset and one signer per owner, the same every time", function () {
      expect(wrapX.delegatingPk).not.to.equal(wrapY.delegatingPk);
      expect(wrapX.verifyingPk).to.equal(wrapY.verifyingPk);
      expect(ownerPreKeys(owner.privateKey, assetX)).to.deep.equal({
        delegatingPk: wrapX.delegatingPk,
        verifyingPk: wrapX.verifyingPk,
      });
      expect(ownerPreKeys(new Wallet(id("another owner")), assetX).delegatingPk).not.to.equal(wrapX.delegatingPk);
    });

    it("lets the owner open its own wrap without a proxy", function () {
      expect(Buffer.from(unwrapKeyAsOwner(owner, assetX, wrapX))).to.deep.equal(Buffer.from(keyX));
      expect(thrown(() => unwrapKeyAsOwner(owner, assetY, wrapX), DecryptionFailedError).part).to.equal("wrapped key");
    });

    it("asset X's kfrags cannot open asset Y: their cfrags do not verify for Y (InvalidCapsuleFragError)", function () {
      const buyer = freshReceivingKey();
      const grantX = makeKFrags(owner, assetX, buyer.publicKey, 2, 3);
      const cfragsOnY = proxyKFrags(grantX).map((proxy) => reencryptFor(proxy, wrapY.capsule));
      const error = thrown(() => openWithCFrags(buyer.secretKey, wrapY, cfragsOnY, 2), InvalidCapsuleFragError);
      expect(error.index).to.equal(0);
      expect(error.message).to.contain(wrapY.delegatingPk);
    });

    it("nor by claiming X's keys for Y's capsule: the cfrags verify for X's key but the key does not decrypt", function () {
      const buyer = freshReceivingKey();
      const grantX = makeKFrags(owner, assetX, buyer.publicKey, 2, 3);
      const cfragsOnY = proxyKFrags(grantX).map((proxy) => reencryptFor(proxy, wrapY.capsule));
      const forged: PreKeyWrap = { ...wrapY, delegatingPk: wrapX.delegatingPk };
      thrown(() => openWithCFrags(buyer.secretKey, forged, cfragsOnY, 2), DecryptionFailedError);
    });

    it("a proxy refuses a kfrag whose public keys were swapped (PreKeyError)", function () {
      const buyer = freshReceivingKey();
      const [proxy] = proxyKFrags(makeKFrags(owner, assetX, buyer.publicKey, 1, 1));
      const swapped = { ...proxy, delegatingPk: wrapY.delegatingPk };
      expect(thrown(() => reencryptFor(swapped, wrapX.capsule), PreKeyError).what).to.equal("key fragment");
      const otherBuyer = { ...proxy, receivingPk: freshReceivingKey().publicKey };
      expect(thrown(() => reencryptFor(otherBuyer, wrapX.capsule), PreKeyError).what).to.equal("key fragment");
    });
  });

  describe("what a proxy sees", function () {
    it("never holds the marker or the data key: not in the capsule, its kfrag, the public keys, the ciphertext, nor its cfrag", function () {
      const { sealed, wrap } = sealAsset(64 * 1024);
      const root = sealed.manifest.root;
      const { buyer, proxies, cfrags } = trade(root, wrap, 2, 3);
      const marker = Buffer.from(MARKER);
      const key = Buffer.from(sealed.key);
      const forms = (bytes: Buffer): string[] => [bytes.toString("hex"), bytes.toString("base64")];
      proxies.forEach((proxy, i) => {
        const received: Buffer[] = [
          Buffer.from(wrap.capsule, "base64"),
          Buffer.from(proxy.kfrag, "base64"),
          Buffer.from(JSON.stringify(proxy)),
          Buffer.from(JSON.stringify(sealed.manifest)),
          ...sealed.fragments.map((f) => Buffer.from(f)),
        ];
        const returned = [Buffer.from(cfrags[i], "base64"), Buffer.from(cfrags[i])];
        for (const bytes of [...received, ...returned]) {
          expect(bytes.includes(marker), "the marker").to.equal(false);
          expect(bytes.includes(key), "the data key").to.equal(false);
          for (const form of forms(key))
            expect(bytes.includes(Buffer.from(form)), "the data key, encoded").to.equal(false);
        }
      });
      // The marker really is in the plaintext the buyer opens (so the test above can fail).
      const key2 = openWithCFrags(buyer.secretKey, wrap, cfrags.slice(1), 2);
      expect(Buffer.from(openFragments(sealed.manifest, sealed.fragments, key2)).includes(marker)).to.equal(true);
    });
  });

  describe("bad inputs", function () {
    it("names the bad owner key, asset hash, buyer key, data key and capsule with PreKeyError", function () {
      const buyer = freshReceivingKey();
      expect(thrown(() => wrapKeyForAsset("0x1234", assetX, new Uint8Array(32)), PreKeyError).what).to.equal(
        "owner key",
      );
      expect(thrown(() => wrapKeyForAsset(owner, "0xabcd", new Uint8Array(32)), PreKeyError).what).to.equal(
        "asset hash",
      );
      expect(thrown(() => wrapKeyForAsset(owner, assetX, new Uint8Array(16)), PreKeyError).what).to.equal("data key");
      expect(thrown(() => makeKFrags(owner, assetX, `0x02${"00".repeat(32)}`), PreKeyError).what).to.equal(
        "buyer public key",
      );
      const [proxy] = proxyKFrags(makeKFrags(owner, assetX, buyer.publicKey));
      expect(thrown(() => reencryptFor(proxy, "bm90IGEgY2Fwc3VsZQ=="), PreKeyError).what).to.equal("capsule");
      const wrap = wrapKeyForAsset(owner, assetX, new Uint8Array(32));
      const cfrag = reencryptFor(proxy, wrap.capsule);
      const garbled = { ...wrap, encryptedKey: "not base64!" };
      expect(thrown(() => openWithCFrags(buyer.secretKey, garbled, [cfrag], 1), PreKeyError).what).to.equal(
        "encryptedKey",
      );
      const foreign = { ...wrap, scheme: "other" } as unknown as PreKeyWrap;
      expect(thrown(() => openWithCFrags(buyer.secretKey, foreign, [cfrag], 1), PreKeyError).what).to.equal("key wrap");
    });

    it("takes the buyer key uncompressed (65 bytes) as well as compressed", function () {
      const buyer = new Wallet(id("pre-test buyer"));
      const wrap = wrapKeyForAsset(owner, assetX, new Uint8Array(32).fill(9));
      const grant = makeKFrags(owner, assetX, buyer.signingKey.publicKey, 1, 1);
      expect(grant.receivingPk).to.equal(buyer.signingKey.compressedPublicKey);
      const cfrag = reencryptFor(proxyKFrags(grant)[0], wrap.capsule);
      expect(openWithCFrags(buyer.privateKey, wrap, [cfrag], 1)).to.deep.equal(new Uint8Array(32).fill(9));
    });
  });
});
