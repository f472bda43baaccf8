import { expect } from "chai";
import { getBytes, id, Wallet, SigningKey } from "ethers";
import {
  decodeEnvelope,
  encodeEnvelope,
  hashPlaintext,
  openEnvelope,
  readerKey,
  readerOf,
  sealEnvelope,
  READ_STEPS,
  WRITE_STEPS,
  type Envelope,
  type SharingStep,
} from "../../../../src/offchain/envelopes/envelope";
import { readSharedRecord, writeSharedRecord } from "../../../../src/offchain/envelopes/shared-record";
import { openHeliaStore, type HeliaStore } from "../../../../src/offchain/stores/helia-store";
import {
  DecryptionFailedError,
  EnvelopeFormatError,
  InvalidReaderKeyError,
  NotAReaderError,
  PlaintextHashMismatchError,
} from "../../../../src/offchain/errors";
import { expectRejects, tempDir, text, utf8 } from "../helpers";

const device = new Wallet(id("envelope-test device"));
const provider = new Wallet(id("envelope-test provider"));
const outsider = new Wallet(id("envelope-test outsider"));
const reading = utf8(JSON.stringify({ device: "press-07", vibrationHz: 112.4, temperatureC: 204.1 }));

/** A copy of `envelope` with one byte of a base64 field flipped. */
function flipByte(envelope: Envelope, field: "ciphertext" | "nonce"): Envelope {
  const bytes = Buffer.from(envelope[field], "base64");
  bytes[0] ^= 0x01;
  return { ...envelope, [field]: bytes.toString("base64") };
}

describe("envelope (AES-256-GCM data, ECIES-wrapped keys per reader)", function () {
  it("round-trips for two readers, each with its own wrapped key, checked against the on-chain hash", function () {
    const envelope = sealEnvelope(reading, [readerOf(device), readerOf(provider)]);
    expect(Object.keys(envelope.keys)).to.have.members([device.address, provider.address]);
    expect(envelope.keys[device.address]).not.to.equal(envelope.keys[provider.address]);
    expect(envelope.plaintextHash).to.equal(hashPlaintext(reading));
    const onChainHash = hashPlaintext(reading);
    expect(text(openEnvelope(envelope, device, onChainHash))).to.equal(text(reading));
    expect(text(openEnvelope(envelope, provider.privateKey, onChainHash))).to.equal(text(reading));
  });

  it("uses a fresh data key and nonce per object: the same plaintext seals differently", function () {
    const first = sealEnvelope(reading, [readerOf(device)]);
    const second = sealEnvelope(reading, [readerOf(device)]);
    expect(second.ciphertext).not.to.equal(first.ciphertext);
    expect(second.nonce).not.to.equal(first.nonce);
    expect(second.plaintextHash).to.equal(first.plaintextHash);
  });

  it("refuses a reader with no wrapped key with NotAReaderError naming the reader", function () {
    const envelope = sealEnvelope(reading, [readerOf(device), readerOf(provider)]);
    let error: unknown;
    try {
      openEnvelope(envelope, outsider);
    } catch (e) {
      error = e;
    }
    expect(error).to.be.instanceOf(NotAReaderError);
    expect((error as NotAReaderError).reader).to.equal(outsider.address);
    expect((error as NotAReaderError).readers).to.have.members([device.address, provider.address]);
  });

  it("rejects tampered ciphertext, nonce, header and wrapped key with DecryptionFailedError", function () {
    const envelope = sealEnvelope(reading, [readerOf(device)]);
    expect(() => openEnvelope(flipByte(envelope, "ciphertext"), device)).to.throw(DecryptionFailedError, /ciphertext/);
    expect(() => openEnvelope(flipByte(envelope, "nonce"), device)).to.throw(DecryptionFailedError, /ciphertext/);
    // The header is GCM additional data: claiming another hash or epoch breaks the tag.
    const otherHash = { ...envelope, plaintextHash: hashPlaintext(utf8("forged")) };
    expect(() => openEnvelope(otherHash, device)).to.throw(DecryptionFailedError);
    expect(() => openEnvelope({ ...envelope, epoch: 9 }, device)).to.throw(DecryptionFailedError);
    const wrapped = Buffer.from(envelope.keys[device.address], "base64");
    wrapped[wrapped.length - 1] ^= 0x01;
    const badKey = { ...envelope, keys: { [device.address]: wrapped.toString("base64") } };
    expect(() => openEnvelope(badKey, device)).to.throw(DecryptionFailedError, /wrapped key/);
  });

  it("opens as the address a wallet carries or the one its key derives; a wrong address fails closed", function () {
    const envelope = sealEnvelope(reading, [readerOf(device), readerOf(provider)]);
    for (const secret of [device, device.privateKey, getBytes(device.privateKey), { privateKey: device.privateKey }]) {
      expect(text(openEnvelope(envelope, secret))).to.equal(text(reading));
    }
    // The device's key claiming the provider's address: the provider's wrapped key does not open.
    expect(() => openEnvelope(envelope, { privateKey: device.privateKey, address: provider.address })).to.throw(
      DecryptionFailedError,
      /wrapped key/,
    );
    expect(() => openEnvelope(envelope, { privateKey: device.privateKey, address: outsider.address })).to.throw(
      NotAReaderError,
    );
  });

  it("rejects a plaintext whose keccak-256 differs from the hash on chain", function () {
    const envelope = sealEnvelope(reading, [readerOf(device)]);
    const onChain = hashPlaintext(utf8("the record the chain points at"));
    let error: unknown;
    try {
      openEnvelope(envelope, device, onChain);
    } catch (e) {
      error = e;
    }
    expect(error).to.be.instanceOf(PlaintextHashMismatchError);
    expect((error as PlaintextHashMismatchError).expected).to.equal(onChain);
    expect((error as PlaintextHashMismatchError).actual).to.equal(hashPlaintext(reading));
  });

  it("derives readers from compressed or uncompressed public keys and refuses anything else", function () {
    const key = new SigningKey(device.privateKey);
    expect(readerKey(key.publicKey).address).to.equal(device.address);
    expect(readerKey(key.compressedPublicKey)).to.deep.equal(readerKey(key.publicKey));
    // A 32-byte value is a private key, never accepted where a public key is expected.
    expect(() => readerKey(device.privateKey)).to.throw(InvalidReaderKeyError, /32 bytes/);
    expect(() => readerKey("0x02" + "ff".repeat(32))).to.throw(InvalidReaderKeyError, /not a point/);
    expect(() => readerKey("zz")).to.throw(InvalidReaderKeyError);
  });

  it("encodes to JSON and decodes back; malformed documents name the bad field", function () {
    const envelope = sealEnvelope(reading, [readerOf(provider), readerOf(device)], 3);
    const bytes = encodeEnvelope(envelope);
    expect(decodeEnvelope(bytes)).to.deep.equal(envelope);
    expect(Buffer.from(encodeEnvelope(decodeEnvelope(bytes))).equals(Buffer.from(bytes))).to.equal(true);
    const json = JSON.parse(text(bytes));
    const bad = (patch: object): Uint8Array => utf8(JSON.stringify({ ...json, ...patch }));
    expect(() => decodeEnvelope(utf8("{not json"))).to.throw(EnvelopeFormatError, /\(document\)/);
    expect(() => decodeEnvelope(bad({ version: 2 }))).to.throw(EnvelopeFormatError, /"version".*unsupported version 2/);
    expect(() => decodeEnvelope(bad({ nonce: Buffer.alloc(8).toString("base64") }))).to.throw(
      EnvelopeFormatError,
      /"nonce"/,
    );
    expect(() => decodeEnvelope(bad({ plaintextHash: "0x1234" }))).to.throw(EnvelopeFormatError, /"plaintextHash"/);
    expect(() => decodeEnvelope(bad({ keys: { "0xnot-an-address": "AA==" } }))).to.throw(
      EnvelopeFormatError,
      /keys\.0xnot-an-address/,
    );
  });
});

describe("shared record data path (seal → store → fetch → open)", function () {
  let temp: { dir: string; dispose: () => Promise<void> };
  let store: HeliaStore;

  before(async function () {
    temp = await tempDir("shared-record");
    store = await openHeliaStore({ dir: temp.dir });
  });

  after(async function () {
    await store?.close();
    await temp?.dispose();
  });

  it("stores an envelope and reads it back as an authorized reader, reporting every step in order", async function () {
    const writeSteps: SharingStep[] = [];
    const record = await writeSharedRecord(store, reading, [readerOf(device), readerOf(provider)], {
      onStep: (step, ms) => {
        expect(ms).to.be.a("number");
        writeSteps.push(step);
      },
    });
    expect(writeSteps).to.deep.equal([...WRITE_STEPS]);
    expect(record.plaintextHash).to.equal(hashPlaintext(reading));
    expect(record.readers).to.have.members([device.address, provider.address]);
    const readSteps: SharingStep[] = [];
    const plaintext = await readSharedRecord(store, record.cid, provider, record.plaintextHash, {
      onStep: (step) => readSteps.push(step),
    });
    expect(text(plaintext)).to.equal(text(reading));
    expect(readSteps).to.deep.equal([...READ_STEPS]);
  });

  it("rejects a fetched object that is not the record the chain points at", async function () {
    const wanted = await writeSharedRecord(store, utf8("record 1"), [readerOf(provider)]);
    const other = await writeSharedRecord(store, utf8("record 2"), [readerOf(provider)]);
    // A store (or gateway) answering with another envelope: it opens, but the hash is wrong.
    await expectRejects(readSharedRecord(store, other.cid, provider, wanted.plaintextHash), PlaintextHashMismatchError);
    await expectRejects(readSharedRecord(store, wanted.cid, outsider, wanted.plaintextHash), NotAReaderError);
  });
});
