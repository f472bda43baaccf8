import { expect } from "chai";
import { randomBytes } from "node:crypto";
import { getBytes, hexlify, id, Signature, SigningKey, verifyMessage, Wallet } from "ethers";
import { secp256k1 as noble } from "@noble/curves/secp256k1.js";
import {
  publicKeyOf,
  randomSecretKey,
  recoverMessageSigner,
  sharedPoint,
  signDigest,
  signMessageWith,
} from "../../../src/crypto/secp256k1";

const alice = new Wallet(id("secp256k1-test alice"));
const bob = new Wallet(id("secp256k1-test bob"));

describe("crypto/secp256k1 (libsecp256k1, checked against @noble/curves and ethers)", function () {
  describe("sharedPoint", function () {
    it("is the whole uncompressed point noble computes, the same from either side", function () {
      const [a, b] = [getBytes(alice.privateKey), getBytes(bob.privateKey)];
      const fromAlice = sharedPoint(a, getBytes(bob.signingKey.publicKey));
      expect(fromAlice.length).to.equal(65);
      expect(fromAlice[0]).to.equal(0x04);
      expect(hexlify(fromAlice)).to.equal(hexlify(noble.getSharedSecret(a, getBytes(bob.signingKey.publicKey), false)));
      expect(hexlify(sharedPoint(b, getBytes(alice.signingKey.publicKey)))).to.equal(hexlify(fromAlice));
    });

    it("takes a compressed public key too", function () {
      const compressed = getBytes(SigningKey.computePublicKey(bob.signingKey.publicKey, true));
      const a = getBytes(alice.privateKey);
      expect(hexlify(sharedPoint(a, compressed))).to.equal(hexlify(sharedPoint(a, getBytes(bob.signingKey.publicKey))));
    });

    it("refuses a public key off the curve and a secret key out of range", function () {
      const offCurve = getBytes(bob.signingKey.publicKey);
      offCurve[64] ^= 0x01;
      expect(() => sharedPoint(getBytes(alice.privateKey), offCurve)).to.throw();
      expect(() => sharedPoint(new Uint8Array(32), getBytes(bob.signingKey.publicKey))).to.throw();
    });
  });

  describe("publicKeyOf and randomSecretKey", function () {
    it("give the uncompressed public key ethers gives, for fresh valid secret keys", function () {
      const keys = Array.from({ length: 5 }, () => randomSecretKey());
      expect(new Set(keys.map((k) => hexlify(k))).size).to.equal(keys.length);
      for (const key of keys) expect(hexlify(publicKeyOf(key))).to.equal(new SigningKey(key).publicKey);
    });
  });

  describe("recoverMessageSigner", function () {
    it("answers what ethers' verifyMessage answers, for strings and bytes", async function () {
      for (const message of ["commchain:read", "", "ü ∞ 🙂", randomBytes(40)]) {
        const signature = await alice.signMessage(message);
        expect(recoverMessageSigner(message, signature))
          .to.equal(alice.address)
          .and.to.equal(verifyMessage(message, signature));
      }
    });

    it("takes a signature with v = 27/28 or a compact EIP-2098 one", async function () {
      const signature = Signature.from(await bob.signMessage("compact"));
      expect(recoverMessageSigner("compact", signature.compactSerialized)).to.equal(bob.address);
      expect(recoverMessageSigner("compact", signature.serialized)).to.equal(bob.address);
    });

    it("names another address for another message, and throws on a malformed signature", async function () {
      const signature = await alice.signMessage("one message");
      expect(recoverMessageSigner("another message", signature)).to.not.equal(alice.address);
      expect(() => recoverMessageSigner("one message", "0x1234")).to.throw();
      expect(() => recoverMessageSigner("one message", `0x${"00".repeat(64)}1b`)).to.throw();
    });
  });

  describe("signDigest and signMessageWith", function () {
    it("make the very signatures ethers makes (RFC 6979 nonces, low s)", async function () {
      for (let i = 0; i < 8; i++) {
        const digest = randomBytes(32);
        expect(signDigest(digest, alice.privateKey).serialized).to.equal(alice.signingKey.sign(digest).serialized);
      }
      for (const message of ["commchain:read", "", randomBytes(17)]) {
        expect(signMessageWith(bob.privateKey, message)).to.equal(await bob.signMessage(message));
      }
    });

    it("refuses a digest that is not 32 bytes and a secret key out of range", function () {
      expect(() => signDigest(randomBytes(31), alice.privateKey)).to.throw();
      expect(() => signDigest(randomBytes(32), new Uint8Array(32))).to.throw();
    });
  });
});
