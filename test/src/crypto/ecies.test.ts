import { expect } from "chai";
import { randomBytes } from "node:crypto";
import { getBytes, id, SigningKey, Wallet } from "ethers";
import { decrypt as eciesjsDecrypt, encrypt as eciesjsEncrypt } from "eciesjs";
import { eciesDecrypt, eciesEncrypt } from "../../../src/crypto/ecies";
import { EciesError } from "../../../src/crypto/errors";

const reader = new Wallet(id("ecies-test reader"));
const other = new Wallet(id("ecies-test other"));
const uncompressed = getBytes(reader.signingKey.publicKey);
const compressed = getBytes(SigningKey.computePublicKey(reader.signingKey.publicKey, true));
const secret = getBytes(reader.privateKey);

function expectThrows(run: () => unknown, message: RegExp): EciesError {
  try {
    run();
  } catch (error) {
    expect(error).to.be.instanceOf(EciesError);
    expect((error as Error).message).to.match(message);
    return error as EciesError;
  }
  return expect.fail("expected an EciesError");
}

describe("ecies (eciesjs's construction, interoperable both ways)", function () {
  it("is read by eciesjs, for an uncompressed or a compressed public key", function () {
    for (const publicKey of [uncompressed, compressed]) {
      const data = new Uint8Array(randomBytes(32));
      expect(Buffer.from(eciesjsDecrypt(secret, eciesEncrypt(publicKey, data)))).to.deep.equal(Buffer.from(data));
    }
  });

  it("reads what eciesjs wrote, of any length", function () {
    for (const length of [0, 1, 32, 1000]) {
      const data = new Uint8Array(randomBytes(length));
      expect(Buffer.from(eciesDecrypt(secret, eciesjsEncrypt(uncompressed, data)))).to.deep.equal(Buffer.from(data));
    }
  });

  it("lays a payload out as eciesjs does: 65-byte ephemeral key, 16-byte nonce, 16-byte tag, ciphertext", function () {
    const data = new Uint8Array(randomBytes(32));
    const payload = eciesEncrypt(uncompressed, data);
    expect(payload.length)
      .to.equal(eciesjsEncrypt(uncompressed, data).length)
      .and.to.equal(65 + 16 + 16 + 32);
    expect(payload[0]).to.equal(0x04);
    expect(() => SigningKey.computePublicKey(payload.subarray(0, 65), false)).to.not.throw();
  });

  it("uses a fresh ephemeral key and nonce every time, even for the same receiver and data", function () {
    const data = new Uint8Array(32);
    const [a, b] = [eciesEncrypt(uncompressed, data), eciesEncrypt(uncompressed, data)];
    expect(Buffer.from(a.subarray(0, 65))).to.not.deep.equal(Buffer.from(b.subarray(0, 65)));
    expect(Buffer.from(a.subarray(65, 81))).to.not.deep.equal(Buffer.from(b.subarray(65, 81)));
    expect(Buffer.from(eciesDecrypt(secret, a))).to.deep.equal(Buffer.from(eciesDecrypt(secret, b)));
  });

  it("wraps for the same receiver again and again, each read by eciesjs, ephemeral keys fresh", function () {
    const receiver = new Wallet(id("ecies-test again"));
    const publicKey = getBytes(receiver.signingKey.publicKey);
    const wraps = Array.from({ length: 4 }, () => {
      const data = new Uint8Array(randomBytes(32));
      return { data, payload: eciesEncrypt(publicKey, data) };
    });
    for (const { data, payload } of wraps) {
      expect(Buffer.from(eciesjsDecrypt(getBytes(receiver.privateKey), payload))).to.deep.equal(Buffer.from(data));
    }
    const ephemerals = new Set(wraps.map(({ payload }) => Buffer.from(payload.subarray(0, 65)).toString("hex")));
    expect(ephemerals.size).to.equal(wraps.length);
  });

  it("refuses another key, a tampered payload, a short payload and a key that is not a point", function () {
    const payload = eciesEncrypt(uncompressed, new Uint8Array(32));
    expectThrows(() => eciesDecrypt(getBytes(other.privateKey), payload), /does not authenticate under this key/);
    const tampered = Uint8Array.from(payload);
    tampered[tampered.length - 1] ^= 0x01;
    expectThrows(() => eciesDecrypt(secret, tampered), /does not authenticate/);
    const badEphemeral = Uint8Array.from(payload);
    badEphemeral[1] ^= 0x01;
    expectThrows(() => eciesDecrypt(secret, badEphemeral), /not valid on secp256k1|does not authenticate/);
    expectThrows(
      () => eciesDecrypt(secret, payload.subarray(0, 96)),
      /^payload of 96 bytes is shorter than an ephemeral key, a nonce and a tag \(97\)$/,
    );
    const notAPoint = Uint8Array.from(uncompressed);
    notAPoint[64] ^= 0x01;
    expectThrows(() => eciesEncrypt(notAPoint, new Uint8Array(32)), /is not a secp256k1 public key$/);
  });

  it("keeps working for more receivers than it keeps parsed", function () {
    const wallets = Array.from({ length: 66 }, (_, i) => new Wallet(id(`ecies-test many ${i}`)));
    for (const wallet of [...wallets, ...wallets.slice(0, 2)]) {
      const data = new Uint8Array(randomBytes(32));
      expect(
        Buffer.from(
          eciesDecrypt(getBytes(wallet.privateKey), eciesEncrypt(getBytes(wallet.signingKey.publicKey), data)),
        ),
      ).to.deep.equal(Buffer.from(data));
    }
  });
});
