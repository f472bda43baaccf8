import { expect } from "chai";
import { randomBytes } from "node:crypto";
import { recoverKey, splitKey } from "../../../src/crypto/key-shares";
import { decryptPayload, encryptPayload, generateDataKey } from "../../../src/offchain/envelopes/envelope";
import { DecryptionFailedError } from "../../../src/offchain/errors";
import { InvalidThresholdError, ShareError } from "../../../src/crypto/errors";
import { expectRejects, text, utf8 } from "../offchain/helpers";

/** Every k-element subset of `items`. */
function subsets<T>(items: readonly T[], k: number): T[][] {
  if (k === 0) return [[]];
  return items.flatMap((item, i) => subsets(items.slice(i + 1), k - 1).map((rest) => [item, ...rest]));
}

describe("key shares (Shamir over the bytes of a data key)", function () {
  it("splits a key into n shares of which every t+1 recover it", async function () {
    const key = generateDataKey();
    const shares = await splitKey(key, 5, 2);
    expect(shares.length).to.equal(5);
    for (const s of shares) expect(s.length).to.equal(key.length + 1);
    const triples = subsets(shares, 3);
    expect(triples.length).to.equal(10);
    for (const triple of triples) expect(Buffer.from(await recoverKey(triple)).equals(Buffer.from(key))).to.equal(true);
    expect(Buffer.from(await recoverKey(shares)).equals(Buffer.from(key))).to.equal(true);
  });

  it("t shares do not recover the key: the result is another value, which fails GCM authentication", async function () {
    const key = generateDataKey();
    const aad = utf8("record 12");
    const { nonce, ciphertext } = encryptPayload(key, utf8("rotor imbalance 0.8 mm/s"), aad);
    const shares = await splitKey(key, 4, 2);
    for (const pair of subsets(shares, 2)) {
      const wrong = await recoverKey(pair);
      expect(Buffer.from(wrong).equals(Buffer.from(key))).to.equal(false);
      expect(() => decryptPayload(wrong, nonce, ciphertext, aad)).to.throw(DecryptionFailedError);
    }
    const right = await recoverKey(shares.slice(1));
    expect(text(decryptPayload(right, nonce, ciphertext, aad))).to.equal("rotor imbalance 0.8 mm/s");
  });

  it("refuses one share alone, mismatched and duplicated shares with ShareError", async function () {
    const shares = await splitKey(randomBytes(16), 3, 1);
    expect((await expectRejects(recoverKey([shares[0]]), ShareError)).field).to.equal("count");
    const short = shares[1].subarray(1);
    expect((await expectRejects(recoverKey([shares[0], short]), ShareError)).field).to.equal("[1]");
    expect((await expectRejects(recoverKey([shares[0], shares[0]]), ShareError)).reason).to.match(/appears twice/);
  });

  it("refuses impossible schemes with InvalidThresholdError", async function () {
    const key = generateDataKey();
    const zero = await expectRejects(splitKey(key, 3, 0), InvalidThresholdError);
    expect([zero.n, zero.t]).to.deep.equal([3, 0]);
    expect((await expectRejects(splitKey(key, 2, 2), InvalidThresholdError)).reason).to.contain("t+1 = 3");
    expect((await expectRejects(splitKey(key, 256, 3), InvalidThresholdError)).reason).to.contain("255");
    expect((await expectRejects(splitKey(new Uint8Array(), 3, 1), ShareError)).field).to.equal("key");
  });
});
