// The reader side on its own: record listing and lookup, and which URIs name a CID.
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { NoRecordError, RecordPointerError } from "../../../src/iot/errors";
import {
  cidOfRecord,
  getRecord,
  latestRecord,
  listRecords,
  readRecord,
  type SharedRecordView,
} from "../../../src/iot/reader";
import { deploySuite } from "./fixture";
import { expectRejects } from "./helpers";

const CID = "bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy";

async function deployWithRecords() {
  const suite = await deploySuite();
  const provider = suite.wallets.provider.connect(ethers.provider);
  const device = suite.wallets.unit.connect(ethers.provider);
  const hash = (n: number) => ethers.keccak256(ethers.toUtf8Bytes(`status ${n}`));
  const commitment = ethers.keccak256(ethers.toUtf8Bytes("commitment"));
  await (await suite.epr.connect(provider).addRecord("q0", hash(0), `ipfs://${CID}`, commitment, 0n)).wait();
  await (await suite.epr.connect(device).addRecord("q1", hash(1), `/ipfs/${CID}`, commitment, 0n)).wait();
  await (await suite.epr.connect(provider).addRecord("q2", hash(2), CID, commitment, 0n)).wait();
  await (
    await suite.epr.connect(device).addRecord("q3", hash(3), "https://example.com/data.json", commitment, 0n)
  ).wait();
  return { ...suite, hash };
}

describe("iot/reader", () => {
  it("lists records in id order, in a range, or by who added them", async () => {
    const { epr, hash, wallets } = await loadFixture(deployWithRecords);
    const { unit: unitWallet, provider: providerWallet } = wallets;
    const address = await epr.getAddress();
    const all = await listRecords(ethers.provider, address);
    expect(all.map((r) => [r.recordId, r.query, r.contentHash, r.addedBy])).to.deep.equal([
      [0n, "q0", hash(0), providerWallet.address],
      [1n, "q1", hash(1), unitWallet.address],
      [2n, "q2", hash(2), providerWallet.address],
      [3n, "q3", hash(3), unitWallet.address],
    ]);
    expect((await listRecords(ethers.provider, address, { from: 1, to: 3 })).map((r) => r.recordId)).to.deep.equal([
      1n,
      2n,
    ]);
    expect((await listRecords(ethers.provider, address, { from: 2, to: 99 })).map((r) => r.recordId)).to.deep.equal([
      2n,
      3n,
    ]);
    expect(
      (await listRecords(ethers.provider, address, { addedBy: unitWallet.address })).map((r) => r.recordId),
    ).to.deep.equal([1n, 3n]);
    expect((await latestRecord(ethers.provider, address))?.recordId).to.equal(3n);
    expect((await latestRecord(ethers.provider, address, { addedBy: providerWallet.address }))?.recordId).to.equal(2n);
    expect(await latestRecord(ethers.provider, address, { addedBy: ethers.ZeroAddress })).to.equal(undefined);
    const one = await getRecord(ethers.provider, address, 1);
    expect([one.epr, one.uri, one.attestedBy, one.bonus]).to.deep.equal([
      address,
      `/ipfs/${CID}`,
      ethers.ZeroAddress,
      0n,
    ]);
  });

  it("takes ipfs://<cid>, /ipfs/<cid> and a bare CID as pointers; anything else is a RecordPointerError", async () => {
    const { epr } = await loadFixture(deployWithRecords);
    const records = await listRecords(ethers.provider, await epr.getAddress());
    expect(records.slice(0, 3).map(cidOfRecord)).to.deep.equal([CID, CID, CID]);
    const error = (() => {
      try {
        cidOfRecord(records[3]);
      } catch (e) {
        return e as RecordPointerError;
      }
    })();
    expect(error).to.be.instanceOf(RecordPointerError);
    expect([error!.recordId, error!.uri]).to.deep.equal([3n, "https://example.com/data.json"]);
    const notRaw: SharedRecordView = { ...records[0], uri: "ipfs://QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG" };
    expect(() => cidOfRecord(notRaw)).to.throw(RecordPointerError, /CID version 0/);
  });

  it("refuses to read the latest record of an empty relationship, naming it", async () => {
    const { factory, register, wallets } = await loadFixture(deploySuite);
    const { unit: unitWallet, provider: providerWallet } = wallets;
    // A second provider's relationship with the device has no records.
    const [admin] = await ethers.getSigners();
    const other = ethers.Wallet.createRandom();
    await register.connect(admin).register("second-provider", other.address, 1);
    await factory.connect(admin).createRelationship(unitWallet.address, other.address);
    const empty = await factory.relationshipOf(unitWallet.address, other.address);
    const error = await expectRejects(
      readRecord({
        runner: ethers.provider,
        epr: empty,
        recordId: "latest",
        reader: providerWallet,
        source: { gateway: "http://127.0.0.1:1" },
      }),
      NoRecordError,
    );
    expect(error.epr).to.equal(empty);
    expect(error.message).to.equal(`EPR ${empty} has no records`);
  });
});
