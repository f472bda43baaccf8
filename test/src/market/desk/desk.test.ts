import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import { deviceWallet, participantWallet, projectMnemonic, systemWallet } from "../../../../src/chains/accounts";
import type { ChainEntry, Topology } from "../../../../src/chains/topology";
import { MarketInputError } from "../../../../src/market/errors";
import { formatFields, textTable } from "../../../../src/market/desk/format";
import { marketAccount, marketChain } from "../../../../src/market/desk/session";
import { opennessOf } from "../../../../src/market/desk/trading";
import { marketWorkspace, normalHash } from "../../../../src/market/desk/workspace";
import { freshReceivingKey } from "../../../../src/offchain/envelopes/pre";
import { rejection } from "../../../helpers/rejection";

const chain = (name: string): ChainEntry =>
  ({ name, chainId: 1, rpc: "http://127.0.0.1:1", contracts: {} }) as ChainEntry;
const M = projectMnemonic();
const topology = {
  version: 1,
  devices: ["1", "2", "cloud"],
  main: chain("main"),
  communities: [chain("community-1"), chain("community-2")],
} as unknown as Topology;

describe("market desk: what the market:* tasks resolve before they act", function () {
  describe("marketChain", function () {
    it("takes a named community chain, or the only one", function () {
      expect(marketChain(topology, "community-2", "t.json").name).to.equal("community-2");
      expect(marketChain({ ...topology, communities: [chain("solo")] }, undefined, "t.json").name).to.equal("solo");
    });
    it("refuses the main chain, an unknown name and a missing name with several communities", function () {
      expect(() => marketChain(topology, "main", "t.json")).to.throw(MarketInputError, /the main chain runs no market/);
      expect(() => marketChain(topology, "nope", "t.json")).to.throw(
        MarketInputError,
        /^--chain: "nope" is not a community chain of t.json; they are community-1, community-2$/,
      );
      expect(() => marketChain(topology, undefined, "t.json")).to.throw(
        MarketInputError,
        /^--chain: t.json has 2 community chains; name one of community-1, community-2$/,
      );
    });
  });

  describe("marketAccount", function () {
    const c2 = topology.communities[1];
    it("resolves system roles, the community's participants and devices (device: when an id is a role)", function () {
      expect(marketAccount("orderer", topology, c2, M).address).to.equal(systemWallet("orderer").address);
      expect(marketAccount("cloud", topology, c2, M).address).to.equal(systemWallet("cloud").address);
      expect(marketAccount("lab", topology, c2, M).address).to.equal(participantWallet("thirdParty", 2).address);
      expect(marketAccount("provider", topology, c2, M).address).to.equal(participantWallet("provider", 2).address);
      expect(marketAccount("2", topology, c2, M).address).to.equal(deviceWallet("2", topology).address);
      expect(marketAccount("device:cloud", topology, c2, M).address).to.equal(deviceWallet("cloud", topology).address);
    });
    it("refuses a name that is none of these", function () {
      expect(() => marketAccount("9", topology, c2, M)).to.throw(MarketInputError, /^--account: "9" is neither/);
    });
  });

  describe("inputs", function () {
    it("openness by name, hashes as 32-byte hex", function () {
      expect(["complete", "Partial", "NONE"].map(opennessOf)).to.deep.equal([0, 1, 2]);
      expect(() => opennessOf("public")).to.throw(MarketInputError, /^--openness: "public" is not one of/);
      expect(normalHash(`0x${"AB".repeat(32)}`)).to.equal(`0x${"ab".repeat(32)}`);
      expect(() => normalHash("0x1234")).to.throw(MarketInputError, /^hash: 0x1234 is not a 32-byte 0x hex hash$/);
    });
  });

  describe("workspace", function () {
    let dir: string;
    beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "commchain-desk-"))));
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("keeps receiving keys 0600 and finds them by public key", async function () {
      const ws = marketWorkspace(dir, "community-1");
      const key = freshReceivingKey();
      const file = await ws.writeKey({ ...key, tradeId: "3" });
      expect(file).to.equal(path.join(dir, "market", "community-1", "keys", `${key.publicKey.toLowerCase()}.json`));
      expect(fs.statSync(file).mode & 0o777).to.equal(0o600);
      expect(await ws.readKey(key.publicKey.toUpperCase().replace("0X", "0x"))).to.deep.equal({ ...key, tradeId: "3" });
    });
    it("names a missing or broken manifest by file", async function () {
      const ws = marketWorkspace(dir, "community-1");
      const hash = `0x${"11".repeat(32)}`;
      const missing = await rejection(ws.readManifest(hash));
      expect(missing.message).to.equal(`manifest: ${ws.assetFile(hash)} does not exist`);
      fs.mkdirSync(path.dirname(ws.assetFile(hash)), { recursive: true });
      fs.writeFileSync(ws.assetFile(hash), "{not json");
      expect((await rejection(ws.readManifest(hash))).message).to.match(/^manifest: .* is not JSON/);
      expect(await ws.readInbox()).to.deep.equal([]);
    });
  });

  describe("format", function () {
    it("pads table columns to the widest cell and prints fields a line each", function () {
      expect(
        textTable(
          ["id", "state"],
          [
            ["1", "Paid"],
            ["12", "Completed"],
          ],
        ),
      ).to.equal(["id  state", "--  ---------", "1   Paid", "12  Completed"].join("\n"));
      expect(formatFields("granted", { tradeId: "1", proxies: ["a", "b"], skipped: undefined })).to.equal(
        "granted\n  tradeId: 1\n  proxies: a, b",
      );
    });
  });
});
