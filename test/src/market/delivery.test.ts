import { expect } from "chai";
import { readdir, readFile, stat } from "node:fs/promises";
import path from "node:path";
import { id, Wallet } from "ethers";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { startGateway, type Gateway } from "../../../src/offchain/gateway/gateway";
import { proxyRoutes, PROXY_KEY_FILE, type ProxyRoutes } from "../../../src/offchain/gateway/proxy";
import { openHeliaStore, type HeliaStore } from "../../../src/offchain/stores/helia-store";
import { sealFragments, type FragmentManifest } from "../../../src/offchain/envelopes/fragments";
import {
  freshReceivingKey,
  makeKFrags,
  proxyKFrags,
  wrapKeyForAsset,
  type PreKeyWrap,
  type ReceivingKey,
} from "../../../src/offchain/envelopes/pre";
import { GatewayRequestError, NotEnoughFragmentsError } from "../../../src/offchain/errors";
import {
  depositKFrag,
  fetchTradeFragments,
  grantTrade,
  receiveTrade,
  requestCFrag,
  requestFragment,
} from "../../../src/market/delivery";
import { arbitrate, PAY_OWNER_BPS, REFUND_BUYER_BPS } from "../../../src/market/arbitrate";
import {
  DELIVERY_WINDOW,
  deployMarket,
  listAsset,
  offer,
  signOffer,
  TradeState,
} from "../../contracts/market/trade-fixture";
import { expectRejects, tempDir } from "../offchain/helpers";

const MARKER = "PLAINTEXT-MARKER-7f3c91";
const ownerKey = new Wallet(id("delivery-test owner"));
const strangerKey = new Wallet(id("delivery-test stranger"));

/** 600 KiB of data (three 256 KiB fragments) with the marker in each fragment. */
function plaintext(): Uint8Array {
  const bytes = new Uint8Array(600 * 1024).fill(0x2e);
  const marker = new TextEncoder().encode(MARKER);
  for (const at of [0, 300 * 1024, 590 * 1024]) bytes.set(marker, at);
  return bytes;
}

async function deploy() {
  const f = await deployMarket();
  const owner = ownerKey.connect(ethers.provider);
  await f.admin.sendTransaction({ to: owner.address, value: ethers.parseEther("10") });
  const sealed = sealFragments(plaintext());
  const keyWrap = wrapKeyForAsset(owner, sealed.manifest.root, sealed.key);
  const manifest = { ...sealed.manifest, keyWrap } as FragmentManifest & { keyWrap: PreKeyWrap };
  const dataHash = sealed.manifest.root;
  await listAsset(f, { hash: dataHash, owner: owner as unknown as HardhatEthersSigner, allowlist: [f.buyer.address] });
  const receiving = freshReceivingKey();
  const now = BigInt((await ethers.provider.getBlock("latest"))!.timestamp);
  const o = offer(f.buyer.address, now, { tokenId: BigInt(dataHash), buyerPreKey: receiving.publicKey });
  await f.trade.connect(f.buyer).open(o, await signOffer(f.trade, owner as unknown as HardhatEthersSigner, o));
  const tradeId = await f.trade.tradeCount();
  return { ...f, owner, sealed, manifest, dataHash, receiving, tradeId };
}

describe("market delivery by proxy re-encryption (POST /v1/kfrag, POST /v1/reencrypt)", function () {
  this.timeout(120_000);
  let temp: { dir: string; dispose: () => Promise<void> };
  let store: HeliaStore;
  let proxies: { gateway: Gateway; proxy: ProxyRoutes; dir: string }[];
  let urls: string[];
  let f: Awaited<ReturnType<typeof deploy>>;
  let receiving: ReceivingKey;
  /** Every request body sent to a proxy. */
  let bodies: string[];
  let realFetch: typeof fetch;

  beforeEach(async function () {
    f = await loadFixture(deploy);
    receiving = f.receiving;
    temp = await tempDir("proxy");
    store = await openHeliaStore({ dir: path.join(temp.dir, "store") });
    const { chainId } = await ethers.provider.getNetwork();
    proxies = [];
    for (const name of ["p1", "p2", "p3"]) {
      const dir = path.join(temp.dir, name);
      const proxy = await proxyRoutes({
        runner: ethers.provider,
        trade: await f.trade.getAddress(),
        dataDir: dir,
        store,
      });
      const gateway = await startGateway({ store, chainId, predicate: async () => false, routes: proxy.routes });
      proxies.push({ gateway, proxy, dir });
    }
    urls = proxies.map((p) => p.gateway.url);
    bodies = [];
    realFetch = globalThis.fetch;
    globalThis.fetch = (async (input: string | URL | Request, init?: RequestInit) => {
      if (urls.some((url) => String(input).startsWith(url)) && init?.body !== undefined) {
        const body = init.body;
        bodies.push(typeof body === "string" ? body : Buffer.from(body as Uint8Array).toString("latin1"));
      }
      return realFetch(input, init);
    }) as typeof fetch;
  });

  afterEach(async function () {
    globalThis.fetch = realFetch;
    for (const p of proxies) await p.gateway.close();
    await store.close();
    await temp.dispose();
  });

  async function depositAll(): Promise<void> {
    const kfrags = proxyKFrags(makeKFrags(f.owner, f.dataHash, receiving.publicKey, 2, 3));
    for (let i = 0; i < 3; i++) await depositKFrag(urls[i], f.tradeId, kfrags[i], f.owner);
  }

  async function refusal(promise: Promise<unknown>): Promise<{ status: number; code: string }> {
    const err = await expectRejects(promise, GatewayRequestError);
    return { status: err.status, code: err.code };
  }

  it("makes each proxy's key on first start, 0600, and names it in GET /v1/info", async function () {
    for (const p of proxies) {
      const info = (await (await realFetch(`${p.gateway.url}/v1/info`)).json()) as { proxyPublicKey: string };
      expect(info.proxyPublicKey).to.equal(p.proxy.publicKey);
      expect((await stat(path.join(p.dir, PROXY_KEY_FILE))).mode & 0o777).to.equal(0o600);
    }
    const again = await proxyRoutes({
      runner: ethers.provider,
      trade: await f.trade.getAddress(),
      dataDir: proxies[0].dir,
    });
    expect(again.publicKey).to.equal(proxies[0].proxy.publicKey);
  });

  it("2 of 3 proxies deliver, the buyer decrypts and confirms; no proxy saw the plaintext or the data key", async function () {
    const { threshold } = await grantTrade({
      owner: f.owner,
      trade: f.trade.connect(f.owner),
      tradeId: f.tradeId,
      assetHash: f.dataHash,
      buyerPreKey: receiving.publicKey,
      proxies: urls,
    });
    expect(threshold).to.equal(2);
    expect((await f.trade.trade(f.tradeId)).state).to.equal(TradeState.Granted);
    await proxies[0].gateway.close(); // one proxy down: two are enough
    const received = await receiveTrade({
      buyer: f.buyer,
      tradeId: f.tradeId,
      receivingSecretKey: receiving.secretKey,
      manifest: f.manifest,
      fragments: f.sealed.fragments,
      dataHash: f.dataHash,
      proxies: urls,
      threshold,
      trade: f.trade.connect(f.buyer),
    });
    expect(Buffer.from(received.data).equals(Buffer.from(plaintext()))).to.equal(true);
    expect(received.cfrags).to.have.length(2);
    expect(received.refused.map((r) => r.proxy)).to.deep.equal([urls[0]]);
    expect((await f.trade.trade(f.tradeId)).state).to.equal(TradeState.Completed);

    const secrets = [
      MARKER,
      Buffer.from(f.sealed.key).toString("hex"),
      Buffer.from(f.sealed.key).toString("base64"),
      receiving.secretKey.slice(2),
    ];
    expect(bodies.length).to.be.greaterThan(4); // three deposits and two re-encryptions at least
    for (const body of bodies) for (const secret of secrets) expect(body).to.not.include(secret);
    let files = 0;
    for (const p of proxies)
      for (const name of await readdir(p.dir, { recursive: true })) {
        const file = path.join(p.dir, name);
        if (!(await stat(file)).isFile()) continue;
        files += 1;
        const content = (await readFile(file)).toString("latin1");
        for (const secret of secrets) expect(content, `${file}`).to.not.include(secret);
      }
    expect(files).to.be.at.least(6); // a key and a kfrag per proxy
  });

  it("one proxy's cfrag is not enough (NotEnoughFragmentsError(1, 2))", async function () {
    await grantTrade({
      owner: f.owner,
      trade: f.trade.connect(f.owner),
      tradeId: f.tradeId,
      assetHash: f.dataHash,
      buyerPreKey: receiving.publicKey,
      proxies: urls,
    });
    const err = await expectRejects(
      receiveTrade({
        buyer: f.buyer,
        tradeId: f.tradeId,
        receivingSecretKey: receiving.secretKey,
        manifest: f.manifest,
        fragments: f.sealed.fragments,
        dataHash: f.dataHash,
        proxies: [urls[1]],
        threshold: 2,
      }),
      NotEnoughFragmentsError,
    );
    expect(err.message).to.match(/\b1\b.*\b2\b/);
  });

  it("refuses reencrypt before the grant (403 NotGranted) and after a refund (403 TradeRefunded, kfrag dropped)", async function () {
    await depositAll();
    const capsule = f.manifest.keyWrap.capsule;
    expect(await refusal(requestCFrag(urls[0], f.tradeId, capsule, f.buyer))).to.deep.equal({
      status: 403,
      code: "NotGranted",
    });
    await time.increase(DELIVERY_WINDOW + 1n);
    await f.trade.connect(f.buyer).refund(f.tradeId);
    expect(await refusal(requestCFrag(urls[0], f.tradeId, capsule, f.buyer))).to.deep.equal({
      status: 403,
      code: "TradeRefunded",
    });
    expect(await readdir(path.join(proxies[0].dir, "kfrags"))).to.deep.equal([]);
    // The others drop theirs on their sweep.
    expect(await proxies[1].proxy.sweep()).to.deep.equal([f.tradeId.toString()]);
    expect(await readdir(path.join(proxies[1].dir, "kfrags"))).to.deep.equal([]);
  });

  it("refuses a non-buyer's reencrypt (403 NotBuyer) and a kfrag deposit by a non-owner (403 NotAssetOwner)", async function () {
    const kfrags = proxyKFrags(makeKFrags(strangerKey, f.dataHash, receiving.publicKey, 2, 3));
    expect(await refusal(depositKFrag(urls[0], f.tradeId, kfrags[0], strangerKey))).to.deep.equal({
      status: 403,
      code: "NotAssetOwner",
    });
    expect(await readdir(path.join(proxies[0].dir, "kfrags"))).to.deep.equal([]);
    await grantTrade({
      owner: f.owner,
      trade: f.trade.connect(f.owner),
      tradeId: f.tradeId,
      assetHash: f.dataHash,
      buyerPreKey: receiving.publicKey,
      proxies: urls,
    });
    expect(await refusal(requestCFrag(urls[0], f.tradeId, f.manifest.keyWrap.capsule, f.stranger))).to.deep.equal({
      status: 403,
      code: "NotBuyer",
    });
    // The buyer is served by the same proxy.
    expect(await requestCFrag(urls[0], f.tradeId, f.manifest.keyWrap.capsule, f.buyer)).to.be.a("string");
  });

  describe("POST /v1/fragment: the buyer of a granted trade reads the asset's sealed fragments", function () {
    /** The manifest with the CID of every fragment, stored in the proxies' store. */
    async function stored(): Promise<FragmentManifest & { keyWrap: PreKeyWrap }> {
      const cids = await Promise.all(f.sealed.fragments.map((fragment) => store.put(fragment)));
      return { ...f.manifest, fragments: f.manifest.fragments.map((entry, i) => ({ ...entry, cid: cids[i] })) };
    }
    const grant = () =>
      grantTrade({
        owner: f.owner,
        trade: f.trade.connect(f.owner),
        tradeId: f.tradeId,
        assetHash: f.dataHash,
        buyerPreKey: receiving.publicKey,
        proxies: urls,
      });

    it("serves every fragment once granted, each checked against its leaf; they open to the data", async function () {
      const manifest = await stored();
      expect(await refusal(requestFragment(urls[0], f.tradeId, manifest, 0, f.buyer))).to.deep.equal({
        status: 403,
        code: "NotGranted",
      });
      const { threshold } = await grant();
      await proxies[0].gateway.close(); // the next proxy serves
      const fragments = await fetchTradeFragments(urls, f.tradeId, manifest, f.buyer);
      expect(fragments.map((b) => Buffer.from(b).toString("hex"))).to.deep.equal(
        f.sealed.fragments.map((b) => Buffer.from(b).toString("hex")),
      );
      const received = await receiveTrade({
        buyer: f.buyer,
        tradeId: f.tradeId,
        receivingSecretKey: receiving.secretKey,
        manifest,
        fragments,
        dataHash: f.dataHash,
        proxies: urls,
        threshold,
      });
      expect(Buffer.from(received.data).equals(Buffer.from(plaintext()))).to.equal(true);
    });

    it("refuses anyone but the buyer (403 NotBuyer)", async function () {
      const manifest = await stored();
      await grant();
      expect(await refusal(requestFragment(urls[1], f.tradeId, manifest, 1, f.stranger))).to.deep.equal({
        status: 403,
        code: "NotBuyer",
      });
    });

    it("serves no other object of the store: leaves of another root, or a CID whose bytes are not the leaf (403 NotOfAsset)", async function () {
      const manifest = await stored();
      await grant();
      const other = sealFragments(new TextEncoder().encode("another owner's data"));
      const otherCid = await store.put(other.fragments[0]);
      // The other object's own manifest: its root is not the trade's asset.
      const foreign = { ...other.manifest, fragments: [{ ...other.manifest.fragments[0], cid: otherCid }] };
      expect(await refusal(requestFragment(urls[1], f.tradeId, foreign, 0, f.buyer))).to.deep.equal({
        status: 403,
        code: "NotOfAsset",
      });
      // The asset's leaves, but the other object's CID in place of fragment 0.
      const swapped = {
        ...manifest,
        fragments: manifest.fragments.map((e, i) => (i === 0 ? { ...e, cid: otherCid } : e)),
      };
      expect(await refusal(requestFragment(urls[1], f.tradeId, swapped, 0, f.buyer))).to.deep.equal({
        status: 403,
        code: "NotOfAsset",
      });
    });
  });

  describe("arbitrate", function () {
    async function evidence(fragments: Uint8Array[]) {
      await grantTrade({
        owner: f.owner,
        trade: f.trade.connect(f.owner),
        tradeId: f.tradeId,
        assetHash: f.dataHash,
        buyerPreKey: receiving.publicKey,
        proxies: urls,
      });
      const cfrags = [
        await requestCFrag(urls[0], f.tradeId, f.manifest.keyWrap.capsule, f.buyer),
        await requestCFrag(urls[2], f.tradeId, f.manifest.keyWrap.capsule, f.buyer),
      ];
      return {
        receivingSecretKey: receiving.secretKey,
        buyerPreKey: (await f.trade.trade(f.tradeId)).buyerPreKey,
        cfrags,
        threshold: 2,
        manifest: f.manifest,
        fragments,
        dataHash: f.dataHash,
      };
    }

    it("true evidence (a delivered fragment does not open to the hash) gives the refund answer", async function () {
      const bad = f.sealed.fragments.map((fragment) => new Uint8Array(fragment));
      bad[1][100] ^= 0x01;
      const verdict = arbitrate(await evidence(bad));
      expect(verdict.claimHolds).to.equal(true);
      expect(verdict.buyerBps).to.equal(REFUND_BUYER_BPS);
      expect(verdict.reason).to.include("fragment 1");
    });

    it("false evidence (the delivery opens to the hash) gives the pay-owner answer, as does a key not the trade's", async function () {
      const good = await evidence(f.sealed.fragments);
      const verdict = arbitrate(good);
      expect(verdict.claimHolds).to.equal(false);
      expect(verdict.buyerBps).to.equal(PAY_OWNER_BPS);
      const otherKey = freshReceivingKey();
      const wrongKey = arbitrate({ ...good, receivingSecretKey: otherKey.secretKey, fragments: [] });
      expect(wrongKey.buyerBps).to.equal(PAY_OWNER_BPS);
      expect(wrongKey.reason).to.include("not the trade's buyerPreKey");
    });
  });
});
