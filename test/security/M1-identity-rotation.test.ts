// Security review M1, "reader key rotation is unsafe": readers were authorized by address, so a
// rotated-away key that registers again could read everything it was ever shared (P2), and a
// record naming a reader that rotated reverted for every reader (P3), losing the device's status
// upload. Now readers are authorized by identity (their Summary), a stale reader is skipped, and
// the IoT unit follows AccountChanged. The contract cases use only calls that existed before the
// fix (sharing-compat.ts), so they also run, and fail, against 3b3b9ea.
import { expect } from "chai";
import { ethers, network } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { Wallet } from "ethers";
import { openHeliaStore, type HeliaStore } from "../../src/offchain";
import { readStatus } from "../../src/iot/reader";
import { IoTUnit } from "../../src/iot/unit";
import { deploySuite, MACHINE, reading } from "../src/iot/fixture";
import { tempDir } from "../src/iot/helpers";
import { Kind, addRecord, addRecordWithReaders, deploySharingSuite, freshAccount, pointer } from "./sharing-compat";

/** A device's accepted relationship with record 0 shared with a lab, and a second lab. */
async function deployWithSharedRecord() {
  const suite = await deploySharingSuite();
  const { register, registrar, factory, admin } = suite;
  const [device, provider, lab, otherLab] = [
    await freshAccount(),
    await freshAccount(),
    await freshAccount(),
    await freshAccount(),
  ];
  await register.connect(registrar).register("robot-1", device.address, Kind.Device);
  await register.connect(registrar).register("acme-maintenance", provider.address, Kind.ServiceProvider);
  await register.connect(registrar).register("tu-lab", lab.address, Kind.ThirdParty);
  await register.connect(registrar).register("other-lab", otherLab.address, Kind.ThirdParty);
  await factory.connect(admin).createRelationship(device.address, provider.address);
  const eprAddress = await factory.relationshipOf(device.address, provider.address);
  const epr = await ethers.getContractAt("EquipmentProviderRelationship", eprAddress);
  await addRecord(eprAddress, device, pointer(0));
  await epr.connect(device).authorize(0, lab.address);
  return { ...suite, device, provider, lab, otherLab, epr, eprAddress };
}

describe("security M1: identity rotation", () => {
  it("P2: a key rotated away from, registered again, is not a reader again; the identity's new key is", async () => {
    const { register, registrar, epr, lab } = await loadFixture(deployWithSharedRecord);
    const newKey = await freshAccount();
    expect(await epr.canRead(0, lab.address)).to.equal(true);
    // The lab's key leaked: it moves its identity to a new key.
    await register.connect(lab).changeAccount("tu-lab", newKey.address);
    // The attacker holding the old key gets it registered again (even the registrar may be fooled).
    await register.connect(registrar).register("new-id", lab.address, Kind.ThirdParty);
    expect(await register.isRegistered(lab.address)).to.equal(true);
    expect(await epr.canRead(0, lab.address)).to.equal(false);
    expect(await epr.canRead(0, newKey.address)).to.equal(true);
  });

  it("P2's own route, registering the old key as a third party itself, is refused outright", async () => {
    const { register, lab } = await loadFixture(deployWithSharedRecord);
    await register.connect(lab).changeAccount("tu-lab", Wallet.createRandom().address);
    await expect(register.connect(lab).register("new-id", lab.address, Kind.ThirdParty))
      .to.be.revertedWithCustomError(register, "RegisterKindNeedsRegistrar")
      .withArgs(lab.address, Kind.ThirdParty);
  });

  it("P3: a record naming a reader that rotated is still added, for the other readers; the stale one is skipped", async () => {
    const { register, epr, eprAddress, device, lab, otherLab } = await loadFixture(deployWithSharedRecord);
    await register.connect(lab).changeAccount("tu-lab", Wallet.createRandom().address);
    const p = pointer(1);
    // The device's next status upload still names the lab's old account.
    const tx = await addRecordWithReaders(eprAddress, device, p, [lab.address, otherLab.address]).catch(
      (error: Error) => error,
    );
    expect(tx).to.not.be.instanceOf(Error);
    expect(await epr.recordCount()).to.equal(2n);
    expect(await epr.canRead(1, otherLab.address)).to.equal(true);
    expect(await epr.canRead(1, lab.address)).to.equal(false);
    await expect(tx as Exclude<typeof tx, Error>)
      .to.emit(epr, "ReaderSkipped")
      .withArgs(1n, lab.address);
  });

  describe("the IoT unit follows AccountChanged", function () {
    this.timeout(120_000);
    let store: HeliaStore | undefined;
    let unit: IoTUnit | undefined;
    let dispose: (() => Promise<void>) | undefined;

    after(async () => {
      await unit?.close();
      await store?.close();
      await dispose?.();
    });

    it("uploads after a reader's rotation are neither lost nor sealed for the old key; the new key reads them", async () => {
      const suite = await deploySuite();
      const { lab: labWallet } = suite.wallets;
      const temp = await tempDir("security-m1");
      dispose = temp.dispose;
      store = await openHeliaStore({ dir: `${temp.dir}/store` });
      const rotated = new Wallet(Wallet.createRandom().privateKey);
      const eprAddress = await suite.epr.getAddress();
      unit = await IoTUnit.open({
        wallet: suite.wallets.unit,
        chain: network.provider,
        contracts: suite.contracts,
        machine: MACHINE,
        stateDir: `${temp.dir}/unit`,
        funding: false,
        queue: { pollIntervalMs: 5, retry: { initialMs: 10, maxMs: 50 } },
        sharing: {
          store,
          relationships: [{ epr: eprAddress, provider: suite.wallets.provider.signingKey.publicKey }],
          readerKeyOf: (account) => (account === rotated.address ? rotated.signingKey.publicKey : undefined),
        },
      });
      const reverted: string[] = [];
      unit.on("reverted", (r) => reverted.push(r.reason));
      await unit.shareWith(labWallet.signingKey.publicKey);
      await unit.record(reading(0, 90, 50));
      await unit.uploadStatus();
      await unit.idle();

      await (
        await suite.register.connect(labWallet.connect(ethers.provider)).changeAccount("tu-lab", rotated.address)
      ).wait();
      await unit.record(reading(1, 91, 50));
      const [after] = await unit.uploadStatus();
      await unit.idle();

      expect(reverted).to.deep.equal([]);
      expect(await suite.epr.recordCount()).to.equal(2n);
      expect(after.readers).to.include(rotated.address).and.not.include(labWallet.address);
      const read = await readStatus({
        runner: ethers.provider,
        epr: eprAddress,
        recordId: 1,
        reader: rotated,
        source: { store },
      });
      expect(read.snapshot.sequence).to.equal(2);
      expect(await suite.epr.canRead(1, rotated.address)).to.equal(true);
      expect(await suite.epr.canRead(1, labWallet.address)).to.equal(false);
    });
  });
});
