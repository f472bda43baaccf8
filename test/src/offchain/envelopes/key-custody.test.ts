import { expect } from "chai";
import path from "node:path";
import { id, Wallet } from "ethers";
import { collectKeyShares, depositKeyShares, type KeyCustodian } from "../../../../src/offchain/envelopes/key-custody";
import { generateDataKey, readerOf } from "../../../../src/offchain/envelopes/envelope";
import { openHeliaStore, type HeliaStore } from "../../../../src/offchain/stores/helia-store";
import { readSharedRecord } from "../../../../src/offchain/envelopes/shared-record";
import { NotAReaderError } from "../../../../src/offchain/errors";
import { ShareError } from "../../../../src/crypto/errors";
import { expectRejects, tempDir } from "../helpers";

describe("key custody (a data key kept as Shamir shares on n store nodes)", function () {
  const operators = [1, 2, 3, 4].map((i) => new Wallet(id(`custody operator ${i}`)));
  let temp: { dir: string; dispose: () => Promise<void> };
  let stores: HeliaStore[] = [];

  before(async function () {
    temp = await tempDir("custody");
    for (let i = 0; i < operators.length; i++)
      stores.push(await openHeliaStore({ dir: path.join(temp.dir, `node-${i + 1}`) }));
  });

  after(async function () {
    for (const store of stores) await store.close();
    stores = [];
    await temp?.dispose();
  });

  it("stores share i only on node i, sealed for custodian i; any t+1 custodians recover the key, t do not", async function () {
    const key = generateDataKey();
    const custodians: KeyCustodian[] = operators.map((w, i) => ({ store: stores[i], holder: readerOf(w) }));
    const deposits = await depositKeyShares(key, custodians, 1);
    expect(deposits.map((d) => d.holder)).to.deep.equal(operators.map((w) => w.address));
    for (let i = 0; i < deposits.length; i++) {
      for (let j = 0; j < stores.length; j++) expect(await stores[j].has(deposits[i].cid)).to.equal(i === j);
    }
    const pair = [1, 3].map((i) => ({ store: stores[i], secret: operators[i] }));
    expect(Buffer.from(await collectKeyShares(deposits, pair)).equals(Buffer.from(key))).to.equal(true);
    const alone = await expectRejects(collectKeyShares(deposits, [pair[0]]), ShareError);
    expect(alone.field).to.equal("count");
    // A node operator cannot open another custodian's share.
    await expectRejects(
      readSharedRecord(stores[0], deposits[0].cid, operators[1], deposits[0].shareHash),
      NotAReaderError,
    );
  });

  it("refuses a cooperating party that holds no share", async function () {
    const custodians: KeyCustodian[] = operators.slice(0, 3).map((w, i) => ({ store: stores[i], holder: readerOf(w) }));
    const deposits = await depositKeyShares(generateDataKey(), custodians, 1);
    const error = await expectRejects(
      collectKeyShares(deposits, [
        { store: stores[0], secret: operators[0] },
        { store: stores[3], secret: operators[3] },
      ]),
      ShareError,
    );
    expect(error.reason).to.contain(operators[3].address);
  });
});
