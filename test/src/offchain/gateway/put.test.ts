import { expect } from "chai";
import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { startGateway, type Gateway } from "../../../../src/offchain/gateway/gateway";
import {
  collectExpired,
  chainNow,
  PUT_HEADER,
  PUT_LEDGER_FILE,
  PutLedger,
  paidPutRoute,
  putChallenge,
  putPaid,
} from "../../../../src/offchain/gateway/put";
import { newChallengeNonce } from "../../../../src/offchain/gateway/gateway";
import { cidOf } from "../../../../src/offchain/stores/cid";
import { openHeliaStore, type HeliaStore } from "../../../../src/offchain/stores/helia-store";
import { GatewayRequestError } from "../../../../src/offchain/errors";
import { deployMarket } from "../../../contracts/market/trade-fixture";
import { expectRejects, tempDir } from "../helpers";

const MIB = 1024 * 1024;
const HOUR = 3600;

describe("gateway POST /v1/put (storage paid on StorageLedger)", function () {
  this.timeout(60_000);
  let temp: { dir: string; dispose: () => Promise<void> };
  let store: HeliaStore;
  let gateway: Gateway;
  let f: Awaited<ReturnType<typeof deployMarket>>;
  let ledgerFile: string;

  async function deploy() {
    const market = await deployMarket();
    await market.ledger.connect(market.provider).setOffer(1n, 100n);
    return market;
  }

  async function pay(bytes: number, hours: number): Promise<void> {
    await f.ledger
      .connect(f.owner)
      .payStorage(f.provider.address, bytes, hours, ethers.parseEther("1"), await chainNow(ethers.provider));
  }

  beforeEach(async function () {
    f = await loadFixture(deploy);
    temp = await tempDir("put");
    store = await openHeliaStore({ dir: path.join(temp.dir, "store") });
    const { chainId } = await ethers.provider.getNetwork();
    const route = await paidPutRoute({
      store,
      runner: ethers.provider,
      ledger: await f.ledger.getAddress(),
      provider: f.provider.address,
      dataDir: temp.dir,
    });
    ledgerFile = path.join(temp.dir, PUT_LEDGER_FILE);
    gateway = await startGateway({
      store,
      chainId,
      predicate: async () => false,
      routes: [route],
      limits: { ratePerSecond: 1000, burst: 1000 },
    });
  });

  afterEach(async function () {
    await gateway.close();
    await store.close();
    await temp.dispose();
  });

  it("refuses a put before payment with 402 PaymentRequired, and stores and pins it after", async function () {
    const bytes = new Uint8Array(randomBytes(4096));
    const refused = await expectRejects(putPaid(gateway.url, bytes, f.owner), GatewayRequestError);
    expect(refused.status).to.equal(402);
    expect(refused.code).to.equal("PaymentRequired");
    expect(refused.message).to.include("for 0 bytes and uses 0");

    await pay(MIB, 2);
    const receipt = await putPaid(gateway.url, bytes, f.owner);
    expect(receipt.cid).to.equal((await cidOf(bytes)).toString());
    expect(receipt.used).to.equal(4096);
    expect(receipt.paid).to.equal(BigInt(MIB));
    expect(receipt.leaseId).to.equal("1");
    expect(await store.isPinned(receipt.cid)).to.equal(true);
    const lines = (await readFile(ledgerFile, "utf8")).trim().split("\n");
    expect(lines).to.have.length(1);
    expect(JSON.parse(lines[0])).to.include({ owner: f.owner.address, cid: receipt.cid, bytes: 4096 });
  });

  it("a 1 MiB lease refuses a 2 MiB put (402, paid and used bytes in the detail)", async function () {
    await pay(MIB, 2);
    const half = new Uint8Array(randomBytes(MIB / 2));
    await putPaid(gateway.url, half, f.owner);
    const big = new Uint8Array(randomBytes(2 * MIB));
    const refused = await expectRejects(putPaid(gateway.url, big, f.owner), GatewayRequestError);
    expect(refused.status).to.equal(402);
    expect(refused.code).to.equal("PaymentRequired");
    expect(refused.message).to.include(`for ${MIB} bytes and uses ${MIB / 2}`);
    expect(refused.message).to.include(`${2 * MIB} more`);
    // The refused bytes were not counted: the ledger still holds one entry.
    const ledger = await PutLedger.open(temp.dir);
    expect(ledger.used(f.owner.address, await chainNow(ethers.provider))).to.equal(MIB / 2);
  });

  it("refuses a replayed put (403 Replayed) and a put signed by another than the owner (401 BadSignature)", async function () {
    await pay(MIB, 2);
    const bytes = new Uint8Array(randomBytes(1000));
    const cid = (await cidOf(bytes)).toString();
    const { chainId } = await ethers.provider.getNetwork();
    const origin = new URL(gateway.url).origin;
    const expiry = Math.floor(Date.now() / 1000) + 60;
    const nonce = newChallengeNonce();
    const signature = await f.owner.signMessage(putChallenge({ chainId, cid, bytes: 1000, origin, expiry, nonce }));
    const send = (fields: object) =>
      fetch(`${gateway.url}/v1/put`, {
        method: "POST",
        headers: { "content-type": "application/octet-stream", [PUT_HEADER]: JSON.stringify(fields) },
        body: bytes,
      });
    const fields = {
      owner: f.owner.address,
      cid,
      bytes: 1000,
      chainId: `${chainId}`,
      origin,
      expiry,
      nonce,
      signature,
    };
    expect((await send(fields)).status).to.equal(200);
    const replay = await send(fields);
    expect(replay.status).to.equal(403);
    expect(((await replay.json()) as { error: string }).error).to.equal("Replayed");
    const forged = await send({ ...fields, owner: f.stranger.address, nonce: newChallengeNonce() });
    expect(forged.status).to.equal(401);
    expect(((await forged.json()) as { error: string }).error).to.equal("BadSignature");
  });

  it("store gc unpins the CIDs of an expired lease and keeps those of a live one", async function () {
    await pay(MIB, 1); // lease 1: one hour
    const shortLived = new Uint8Array(randomBytes(MIB / 2 + 1)); // more than half: lease 2 cannot take it
    const first = await putPaid(gateway.url, shortLived, f.owner);
    expect(first.leaseId).to.equal("1");
    await pay(MIB, 10); // lease 2: ten hours, more room than what is left of lease 1
    const longLived = new Uint8Array(randomBytes(1000));
    const second = await putPaid(gateway.url, longLived, f.owner);
    expect(second.leaseId).to.equal("2");

    await time.increase(2 * HOUR);
    const ledger = await PutLedger.open(temp.dir);
    const now = await chainNow(ethers.provider);
    const dry = await collectExpired(ledger, store, now, { dryRun: true });
    expect(dry.expired.map((e) => e.cid)).to.deep.equal([first.cid]);
    expect(await store.isPinned(first.cid)).to.equal(true);

    const summary = await collectExpired(ledger, store, now);
    expect(summary.expired).to.deep.equal([
      { cid: first.cid, owner: f.owner.address, leaseId: "1", leaseEnd: first.leaseEnd, unpinned: true },
    ]);
    expect(summary.kept).to.equal(1);
    expect(summary.bytesFreed).to.equal(MIB / 2 + 1);
    expect(await store.isPinned(first.cid)).to.equal(false);
    expect(await store.isPinned(second.cid)).to.equal(true);
    // The collection is durable: a reopened ledger no longer lists the expired entry.
    const reopened = await PutLedger.open(temp.dir);
    expect(reopened.live().map((e) => e.cid)).to.deep.equal([second.cid]);
  });

  it("an owner's puts at once never pass its paid bytes: of two 600 KiB puts on a 1 MiB lease one is refused 402", async function () {
    await pay(MIB, 2);
    const results = await Promise.allSettled([
      putPaid(gateway.url, new Uint8Array(randomBytes(600 * 1024)), f.owner),
      putPaid(gateway.url, new Uint8Array(randomBytes(600 * 1024)), f.owner),
    ]);
    expect(results.map((r) => r.status).sort()).to.deep.equal(["fulfilled", "rejected"]);
    const refused = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
    expect((refused.reason as GatewayRequestError).status).to.equal(402);
    const ledger = await PutLedger.open(temp.dir);
    expect(ledger.used(f.owner.address, await chainNow(ethers.provider))).to.equal(600 * 1024);
  });

  it("another owner's put goes on while one owner's put waits on the store", async function () {
    await pay(MIB, 2);
    await f.ledger
      .connect(f.buyer)
      .payStorage(f.provider.address, MIB, 2, ethers.parseEther("1"), await chainNow(ethers.provider));
    const slow = new Uint8Array(randomBytes(4096));
    const slowCid = (await cidOf(slow)).toString();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    // A store whose put of the owner's object waits until released.
    const gatedStore = Object.create(store) as HeliaStore;
    gatedStore.put = async (bytes, options) => {
      if ((await cidOf(bytes)).toString() === slowCid) await gate;
      return store.put(bytes, options);
    };
    const { chainId } = await ethers.provider.getNetwork();
    const route = await paidPutRoute({
      store: gatedStore,
      runner: ethers.provider,
      ledger: await f.ledger.getAddress(),
      provider: f.provider.address,
      dataDir: path.join(temp.dir, "gated"),
    });
    const gated = await startGateway({ store, chainId, predicate: async () => false, routes: [route] });
    try {
      const waiting = putPaid(gated.url, slow, f.owner);
      const other = await putPaid(gated.url, new Uint8Array(randomBytes(4096)), f.buyer);
      expect(other.used).to.equal(4096);
      expect(await store.isPinned(slowCid)).to.equal(false); // the owner's put still waits
      release();
      expect((await waiting).cid).to.equal(slowCid);
    } finally {
      release();
      await gated.close();
    }
  });
});
