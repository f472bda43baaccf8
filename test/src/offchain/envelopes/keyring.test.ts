import { expect } from "chai";
import path from "node:path";
import { readFile, writeFile } from "node:fs/promises";
import { id, Wallet } from "ethers";
import { SharingKeyring } from "../../../../src/offchain/envelopes/keyring";
import { openEnvelope } from "../../../../src/offchain/envelopes/envelope";
import { readSharedRecord } from "../../../../src/offchain/envelopes/shared-record";
import { openHeliaStore } from "../../../../src/offchain/stores/helia-store";
import {
  KeyringFormatError,
  NotAReaderError,
  OwnerRevocationError,
  UnknownReaderError,
} from "../../../../src/offchain/errors";
import { expectRejects, tempDir, text, utf8 } from "../helpers";

const device = new Wallet(id("keyring-test device"));
const maintainer = new Wallet(id("keyring-test maintainer"));
const auditor = new Wallet(id("keyring-test auditor"));

describe("SharingKeyring (reader set, revocation rotates keys of later data)", function () {
  it("wraps for the owner and the current readers; each change starts a new epoch", function () {
    const keyring = new SharingKeyring(device.signingKey.publicKey);
    expect(keyring.epoch).to.equal(0);
    expect(keyring.readers().map((r) => r.address)).to.deep.equal([device.address]);
    keyring.addReader(maintainer.signingKey.publicKey);
    keyring.addReader(maintainer.signingKey.compressedPublicKey); // same reader: no change
    keyring.addReader(auditor.signingKey.publicKey);
    expect(keyring.epoch).to.equal(2);
    const envelope = keyring.seal(utf8("epoch 2 data"));
    expect(envelope.epoch).to.equal(2);
    expect(Object.keys(envelope.keys)).to.have.members([device.address, maintainer.address, auditor.address]);
  });

  it("a revoked reader cannot open data written after revocation, and can still open earlier data", async function () {
    const temp = await tempDir("keyring");
    const store = await openHeliaStore({ dir: temp.dir });
    try {
      const keyring = new SharingKeyring(device.signingKey.publicKey);
      keyring.addReader(maintainer.signingKey.publicKey);
      keyring.addReader(auditor.signingKey.publicKey);
      const before = await keyring.write(store, utf8("before revocation"));

      keyring.revokeReader(auditor.address);
      expect(keyring.isReader(auditor.address)).to.equal(false);
      expect(keyring.epoch).to.equal(3);
      const after = await keyring.write(store, utf8("after revocation"));
      expect(after.readers).to.have.members([device.address, maintainer.address]);

      const error = await expectRejects(
        readSharedRecord(store, after.cid, auditor, after.plaintextHash),
        NotAReaderError,
      );
      expect(error.reader).to.equal(auditor.address);
      expect(text(await readSharedRecord(store, before.cid, auditor, before.plaintextHash))).to.equal(
        "before revocation",
      );
      expect(text(await readSharedRecord(store, after.cid, maintainer, after.plaintextHash))).to.equal(
        "after revocation",
      );
      expect(text(await readSharedRecord(store, after.cid, device, after.plaintextHash))).to.equal("after revocation");
    } finally {
      await store.close();
      await temp.dispose();
    }
  });

  it("refuses to revoke an unknown reader or the owner, with typed errors", function () {
    const keyring = new SharingKeyring(device.signingKey.publicKey);
    expect(() => keyring.revokeReader(auditor.address)).to.throw(UnknownReaderError, auditor.address);
    expect(() => keyring.revokeReader(device.address.toLowerCase())).to.throw(OwnerRevocationError, device.address);
    expect(keyring.epoch).to.equal(0);
  });

  it("saves atomically and loads back the same policy (public keys only)", async function () {
    const temp = await tempDir("keyring-file");
    try {
      const keyring = new SharingKeyring(device.signingKey.publicKey);
      keyring.addReader(maintainer.signingKey.publicKey);
      const file = path.join(temp.dir, "keyring.json");
      await keyring.save(file);
      const saved = await readFile(file, "utf8");
      expect(saved).not.to.contain(device.privateKey.slice(2));
      const loaded = await SharingKeyring.load(file);
      expect(loaded.toJSON()).to.deep.equal(keyring.toJSON());
      const envelope = loaded.seal(utf8("sealed by the loaded keyring"));
      expect(text(openEnvelope(envelope, maintainer))).to.equal("sealed by the loaded keyring");
      await writeFile(file, JSON.stringify({ ...keyring.toJSON(), version: 2 }));
      expect((await expectRejects(SharingKeyring.load(file), KeyringFormatError)).field).to.equal("version");
      await writeFile(file, "{");
      expect((await expectRejects(SharingKeyring.load(file), KeyringFormatError)).field).to.equal(`file ${file}`);
    } finally {
      await temp.dispose();
    }
  });
});
