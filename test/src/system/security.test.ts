// The run's security probes (src/system/security.ts): they report what a running system answers,
// and their checks fail when it answers what the security model says it must not.
import { expect } from "chai";
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { NODE_SIGNING_METHODS } from "../../../src/chains/node-signing";
import type { ChainEntry } from "../../../src/chains/topology";
import { startGateway, type Gateway } from "../../../src/offchain/gateway/gateway";
import { securityChecks } from "../../../src/system/report";
import { burstGateway, probeChain, MAX_CLOCK_AHEAD_S, type SecurityFacts } from "../../../src/system/security";
import { CHAIN_ID, startChain, writeBurstGenesis } from "../../security/chain-fixture";
import { storeWithRecord } from "../../security/gateway-fixture";
import { killChainProcessesUnder, tempDir } from "../chains/helpers";

const entry = (name: string, rpc: string): ChainEntry => ({
  name,
  chainId: CHAIN_ID,
  rpc,
  members: [],
  contracts: {},
  external: false,
});

/** A JSON-RPC endpoint that answers everything with a result and CORS: what an unscreened node does. */
async function openNode(): Promise<{ rpc: string; close: () => Promise<void> }> {
  const server = http.createServer((req, res) => {
    req.resume();
    res.writeHead(200, { "content-type": "application/json", "access-control-allow-origin": "*" });
    res.end(
      JSON.stringify({
        jsonrpc: "2.0",
        id: 1,
        result: req.method === "OPTIONS" ? null : { timestamp: "0x1", signed: "0xsig" },
      }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    rpc: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

const passing = (facts: SecurityFacts) => Object.fromEntries(securityChecks(facts).map((c) => [c.name, c.passed]));

describe("system/security: the run's probes", function () {
  this.timeout(180_000);
  let work: string;

  beforeEach(() => {
    work = tempDir("security-probe");
  });
  afterEach(async () => {
    await killChainProcessesUnder(work);
    fs.rmSync(work, { recursive: true, force: true });
  });

  describe("probeChain", () => {
    it("finds a persistent chain process refusing every signing method and web pages, its clock on time and its journal held", async () => {
      const chainDir = path.join(work, "community-1");
      writeBurstGenesis(chainDir);
      const chain = await startChain(chainDir);
      const probe = await probeChain(entry("community-1", chain.rpc), work);
      expect(probe.signing.map((s) => s.method)).to.deep.equal([...NODE_SIGNING_METHODS].sort());
      expect(probe.signing.filter((s) => !s.refused)).to.deep.equal([]);
      expect(probe.signing[0].detail).to.contain("is refused on persistent chain");
      expect(probe.originStatus).to.equal(403);
      expect(probe.cors).to.equal(false);
      expect(probe.clockOffsetS).to.be.at.most(MAX_CLOCK_AHEAD_S);
      expect(probe.journalLocked).to.equal(true);
      expect(probe.journalDetail).to.equal(`refused: held by process ${chain.pid}`);
      // Probing took nothing: the chain still holds its own lock.
      expect(fs.readFileSync(path.join(chainDir, "journal.ndjson.lock"), "utf8")).to.equal(`${chain.pid}\n`);
    });

    it("reports an unscreened node that signs, answers pages with CORS and holds no journal, and its checks fail", async () => {
      const node = await openNode();
      try {
        fs.mkdirSync(path.join(work, "rogue"));
        const probe = await probeChain(entry("rogue", node.rpc), work);
        expect(probe.signing.every((s) => !s.refused && s.detail.startsWith("answered "))).to.equal(true);
        expect(probe.originStatus).to.equal(200);
        expect(probe.cors).to.equal(true);
        expect(probe.clockOffsetS).to.be.below(-1_000_000);
        expect(probe.journalLocked).to.equal(false);
        expect(fs.existsSync(path.join(work, "rogue", "journal.ndjson.lock"))).to.equal(false);
        const checks = passing({ chains: [probe], unprivileged: [], gateways: [] });
        expect(checks["no chain signs for anyone, and none answers a web page"]).to.equal(false);
        expect(checks["a second writer of a running chain's journal is refused"]).to.equal(false);
      } finally {
        await node.close();
      }
    });
  });

  describe("burstGateway", () => {
    let fixture: Awaited<ReturnType<typeof storeWithRecord>>;
    let gateway: Gateway | undefined;
    before(async () => {
      fixture = await storeWithRecord();
    });
    afterEach(async () => {
      await gateway?.close();
      gateway = undefined;
    });
    after(async () => {
      await fixture.dispose();
    });

    it("counts the limiter's 429s among a burst's answers", async () => {
      // A slow refill, so the count does not depend on how fast a loaded machine sends the burst.
      gateway = await startGateway({
        store: fixture.store,
        predicate: async () => true,
        chainId: 31337n,
        limits: { ratePerSecond: 1, burst: 20 },
      });
      const burst = await burstGateway("community-1", gateway.url, 100);
      expect(burst.sent).to.equal(100);
      expect(Object.values(burst.statuses).reduce((t, c) => t + c, 0)).to.equal(100);
      expect(burst.limited).to.equal(burst.statuses["429"]);
      expect(burst.limited).to.be.at.least(50);
      // The rest reached the handler and were refused there: a throwaway body is no request.
      expect(burst.statuses["400"]).to.equal(100 - burst.limited);
      expect(
        passing({ chains: [], unprivileged: [], gateways: [burst] })[
          "each gateway's limiter refuses most of a burst of throwaway requests"
        ],
      ).to.equal(true);
    });

    it("a gateway without effective limits fails the check", async () => {
      gateway = await startGateway({
        store: fixture.store,
        predicate: async () => true,
        chainId: 31337n,
        limits: { ratePerSecond: 10_000, burst: 10_000, concurrency: 10_000 },
      });
      const burst = await burstGateway("community-1", gateway.url, 100);
      expect(burst.limited).to.equal(0);
      expect(
        passing({ chains: [], unprivileged: [], gateways: [burst] })[
          "each gateway's limiter refuses most of a burst of throwaway requests"
        ],
      ).to.equal(false);
    });
  });

  describe("securityChecks", () => {
    const chain = {
      chain: "c",
      signing: [{ method: "eth_sign", refused: true, detail: "refused" }],
      originStatus: 403,
      preflightStatus: 403,
      cors: false,
      clockOffsetS: 0,
      journalLocked: true,
    };
    const account = {
      chain: "c",
      registerRevert: "RegisterKindNeedsRegistrar(0xabc, 1)",
      mintRevert: "AccessControlUnauthorizedAccount(0xabc, 0x9f)",
      supplyBefore: "5",
      supplyAfter: "5",
    };
    const gateway = { chain: "c", sent: 10, limited: 6, statuses: { "429": 6, "400": 4 } };

    it("passes a system that refuses everything it should", () => {
      expect(Object.values(passing({ chains: [chain], unprivileged: [account], gateways: [gateway] }))).to.deep.equal([
        true,
        true,
        true,
        true,
        true,
      ]);
    });

    it("fails a chain clock ahead, a call that would pass, a supply that moved, and nothing probed", () => {
      const checks = passing({
        chains: [{ ...chain, clockOffsetS: MAX_CLOCK_AHEAD_S + 1 }],
        unprivileged: [{ ...account, registerRevert: undefined }],
        gateways: [gateway],
      });
      expect(
        checks[`no chain's clock ran more than ${MAX_CLOCK_AHEAD_S} s ahead of the wall clock under the run's load`],
      ).to.equal(false);
      expect(checks["an account holding no role can neither take a registrar's kind nor mint DataToken"]).to.equal(
        false,
      );
      expect(
        passing({ chains: [chain], unprivileged: [{ ...account, supplyAfter: "6" }], gateways: [gateway] })[
          "an account holding no role can neither take a registrar's kind nor mint DataToken"
        ],
      ).to.equal(false);
      expect(Object.values(passing({ chains: [], unprivileged: [], gateways: [] }))).to.deep.equal([
        false,
        false,
        false,
        false,
        false,
      ]);
    });
  });
});
