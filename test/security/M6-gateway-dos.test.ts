// Security review M6 (the gateway's part): each read signed with a throwaway key cost up to three
// `eth_call`s on the community chain, with no per-client limit and no cache, so a flood of reads
// delayed the units' transactions. Run against a9c0a2f these fail: nothing is refused 429, every
// read asks the chain, and Origin and the token are not checked.
import { expect } from "chai";
import { Wallet } from "ethers";
import {
  fetchSharedEnvelope,
  startGateway,
  type Gateway,
  type ReadPredicate,
} from "../../src/offchain/gateway/gateway";
import { RPC_TOKEN_ENV } from "../../src/chains/rpc-auth";
import type { HeliaStore } from "../../src/offchain/stores/helia-store";
import type { SharedRecord } from "../../src/offchain/envelopes/shared-record";
import { CHAIN_ID, EPR, post, reader, signedRead, storeWithRecord } from "./gateway-fixture";

describe("security M6: the gateway limits each client and caches predicate answers", function () {
  let fixture: { store: HeliaStore; record: SharedRecord; dispose: () => Promise<void> };
  let gateway: Gateway | undefined;
  /** Stands in for EPR.canRead on a chain: counts each question (each would be an eth_call). */
  let calls = 0;
  const countingPredicate: ReadPredicate = async (request) => {
    calls += 1;
    return request.reader === reader.address;
  };
  const start = (options: Record<string, unknown> = {}) =>
    startGateway({ store: fixture.store, predicate: countingPredicate, chainId: CHAIN_ID, ...options } as Parameters<
      typeof startGateway
    >[0]);

  before(async function () {
    fixture = await storeWithRecord();
  });
  beforeEach(function () {
    calls = 0;
  });
  afterEach(async function () {
    await gateway?.close();
    gateway = undefined;
  });
  after(async function () {
    await fixture.dispose();
  });

  it("refuses a client beyond its rate with 429 and Retry-After", async function () {
    gateway = await start({ limits: { ratePerSecond: 1, burst: 5, concurrency: 100 } });
    const bodies = await Promise.all(
      Array.from({ length: 20 }, () => signedRead(gateway!.url, Wallet.createRandom(), fixture.record.cid)),
    );
    const answers = await Promise.all(bodies.map((body) => post(gateway!.url, body)));
    const limited = answers.filter((a) => a.status === 429);
    expect(limited.length).to.be.at.least(15);
    expect(limited[0].json.error).to.equal("TooManyRequests");
    expect(Number(limited[0].retryAfter)).to.be.at.least(1);
    expect(calls).to.be.at.most(5);
  });

  it("refuses requests beyond a client's concurrency cap with 429", async function () {
    let release: () => void = () => undefined;
    const held = new Promise<boolean>((resolve) => (release = () => resolve(false)));
    gateway = await startGateway({
      store: fixture.store,
      chainId: CHAIN_ID,
      predicate: () => held,
      limits: { concurrency: 2, burst: 100, ratePerSecond: 100 },
    });
    const bodies = await Promise.all(
      Array.from({ length: 6 }, () => signedRead(gateway!.url, Wallet.createRandom(), fixture.record.cid)),
    );
    const pending = bodies.map((body) => post(gateway!.url, body));
    await new Promise((resolve) => setTimeout(resolve, 300));
    release();
    const statuses = (await Promise.all(pending)).map((a) => a.status).sort();
    expect(statuses).to.deep.equal([403, 403, 429, 429, 429, 429]);
  });

  it("a flood of identical reads costs one predicate call per cache lifetime", async function () {
    gateway = await start({
      limits: { ratePerSecond: 1000, burst: 1000, concurrency: 1000 },
      decisionCacheTtlMs: 60_000,
    });
    const bodies = await Promise.all(
      Array.from({ length: 50 }, () => signedRead(gateway!.url, reader, fixture.record.cid)),
    );
    const answers = await Promise.all(bodies.map((body) => post(gateway!.url, body)));
    expect(answers.every((a) => a.status === 200)).to.equal(true);
    expect(calls).to.equal(1);
  });

  it("refuses requests from web pages (Origin) and answers OPTIONS without CORS", async function () {
    gateway = await start();
    const fromPage = await post(gateway.url, await signedRead(gateway.url, reader, fixture.record.cid), {
      origin: "https://evil.example",
    });
    expect(fromPage.status).to.equal(403);
    const preflight = await fetch(`${gateway.url}/v1/read`, { method: "OPTIONS" });
    expect(preflight.status).to.equal(405);
    expect(preflight.headers.get("access-control-allow-origin")).to.equal(null);
    expect(calls).to.equal(0);
  });

  it(`requires the bearer token when ${RPC_TOKEN_ENV} is set, and the client sends it`, async function () {
    const token = "a".repeat(32) + "0123456789abcdef";
    gateway = await start({ token });
    const without = await post(gateway.url, await signedRead(gateway.url, reader, fixture.record.cid));
    expect(without.status).to.equal(401);
    const wrong = await post(gateway.url, await signedRead(gateway.url, reader, fixture.record.cid), {
      authorization: "Bearer " + "b".repeat(48),
    });
    expect(wrong.status).to.equal(401);
    const right = await post(gateway.url, await signedRead(gateway.url, reader, fixture.record.cid), {
      authorization: `Bearer ${token}`,
    });
    expect(right.status).to.equal(200);
    const previous = process.env[RPC_TOKEN_ENV];
    process.env[RPC_TOKEN_ENV] = token;
    try {
      const bytes = await fetchSharedEnvelope(gateway.url, fixture.record.cid, 7n, EPR, reader, { chainId: CHAIN_ID });
      expect(bytes.length).to.be.greaterThan(0);
    } finally {
      if (previous === undefined) delete process.env[RPC_TOKEN_ENV];
      else process.env[RPC_TOKEN_ENV] = previous;
    }
  });
});
