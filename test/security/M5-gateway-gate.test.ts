// Security review M5 (b) and (c), "the gateway gate is not a confidentiality boundary": a record
// in one's own EPR naming another device's CID got that device's ciphertext served, and the signed
// challenge (`cid:recordId:expiry`) bound no EPR, chain, gateway or nonce, so a captured request
// replayed for up to 300 s, at any gateway. The exploits use only what existed before the fix (the
// client's `fetchSharedEnvelope`, raw HTTP posts, the predicate the system gateway used), so they
// also run, and fail, against a9c0a2f.
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import type { Wallet } from "ethers";
import * as gatewayModule from "../../src/offchain/gateway/gateway";
import {
  fetchSharedEnvelope,
  startGateway,
  type Gateway,
  type ReadPredicate,
  type TrustedEprs,
} from "../../src/offchain/gateway/gateway";
import { SharingKeyring } from "../../src/offchain/envelopes/keyring";
import { openHeliaStore, type HeliaStore } from "../../src/offchain/stores/helia-store";
import { GatewayRequestError } from "../../src/offchain/errors";
import { expectRejects, tempDir, utf8 } from "../src/offchain/helpers";
import { Kind, addRecordWithReaders, deploySharingSuite, freshAccount, pointer } from "./sharing-compat";

type Options = { runner: typeof ethers.provider; provider: typeof ethers.provider; trusted: TrustedEprs };
/** The gate a community gateway runs (`src/system/stores.ts`): before the fix, `onChainReadPredicate`. */
const communityGate = (options: Options): ReadPredicate => {
  const module = gatewayModule as unknown as Record<string, ((o: Options) => ReadPredicate) | undefined>;
  return (module.communityReadPredicate ?? module.onChainReadPredicate)!(options);
};

/** A read request captured off the wire (plain HTTP on the LAN) while `run` talks to the gateway. */
async function capture(run: () => Promise<unknown>): Promise<{ url: string; body: string }> {
  const realFetch = globalThis.fetch;
  let captured: { url: string; body: string } | undefined;
  globalThis.fetch = (async (input: string | URL | Request, init?: RequestInit) => {
    if (String(input).endsWith("/v1/read")) captured = { url: String(input), body: String(init?.body) };
    return realFetch(input, init);
  }) as typeof fetch;
  try {
    await run();
  } finally {
    globalThis.fetch = realFetch;
  }
  return captured!;
}

async function post(gateway: Gateway, body: string): Promise<{ status: number; error?: string }> {
  const response = await fetch(`${gateway.url}/v1/read`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body,
  });
  const text = await response.text();
  return { status: response.status, error: response.ok ? undefined : (JSON.parse(text) as { error: string }).error };
}

/** Two devices, each in an accepted EPR with its provider; device A shared a sealed record with a lab. */
async function deployTwoDevices() {
  const suite = await deploySharingSuite();
  const { register, registrar, factory, admin } = suite;
  const [deviceA, providerA, deviceB, providerB, lab, mallory] = await Promise.all(
    Array.from({ length: 6 }, () => freshAccount()),
  );
  const kinds: [Wallet, string, number][] = [
    [deviceA, "robot-a", Kind.Device],
    [providerA, "acme", Kind.ServiceProvider],
    [deviceB, "robot-b", Kind.Device],
    [providerB, "shady", Kind.ServiceProvider],
    [lab, "tu-lab", Kind.ThirdParty],
    [mallory, "mallory", Kind.ThirdParty],
  ];
  for (const [account, name, kind] of kinds) await register.connect(registrar).register(name, account.address, kind);
  const eprs: string[] = [];
  for (const [device, provider] of [
    [deviceA, providerA],
    [deviceB, providerB],
  ]) {
    await factory.connect(admin).createRelationship(device.address, provider.address);
    const epr = await factory.relationshipOf(device.address, provider.address);
    for (const party of [device, provider]) {
      await (
        await ethers.getContractAt("Summary", await register.summaryOf(party.address), party)
      ).acceptRelationship(epr);
    }
    eprs.push(epr);
  }
  return { ...suite, deviceA, providerA, deviceB, providerB, lab, mallory, eprA: eprs[0], eprB: eprs[1] };
}

describe("security M5: the gateway gate (challenge binding, replay, CID ownership)", function () {
  let temp: { dir: string; dispose: () => Promise<void> };
  let store: HeliaStore;
  const gateways: Gateway[] = [];

  before(async function () {
    temp = await tempDir("m5-gate");
    store = await openHeliaStore({ dir: temp.dir });
  });
  afterEach(async function () {
    for (const gateway of gateways.splice(0)) await gateway.close();
  });
  after(async function () {
    await store?.close();
    await temp?.dispose();
  });

  /** Device A's record 0: a sealed envelope in the store, the lab authorized in EPR A. */
  async function sharedRecord() {
    const parties = await loadFixture(deployTwoDevices);
    const keyring = new SharingKeyring(parties.deviceA.signingKey.publicKey);
    keyring.addReader(parties.lab.signingKey.publicKey);
    const record = await keyring.write(store, utf8("spindle temperature log of robot A"));
    await (
      await addRecordWithReaders(parties.eprA, parties.deviceA, { ...pointer(0), uri: `ipfs://${record.cid}` }, [
        parties.lab.address,
      ])
    ).wait();
    const gate = communityGate({
      runner: ethers.provider,
      provider: ethers.provider,
      trusted: gatewayModule.createdByFactory(ethers.provider, await parties.factory.getAddress()),
    });
    const chainId = (await ethers.provider.getNetwork()).chainId;
    const start = async (id: bigint = chainId): Promise<Gateway> => {
      const gateway = await startGateway({ store, predicate: gate, chainId: id } as Parameters<typeof startGateway>[0]);
      gateways.push(gateway);
      return gateway;
    };
    return { ...parties, record, start, chainId };
  }

  describe("a captured request does not replay", function () {
    it("refuses a second use of a request the lab made, with 403 Replayed", async function () {
      const { record, eprA, lab, start } = await sharedRecord();
      const gateway = await start();
      const wire = await capture(() => fetchSharedEnvelope(gateway.url, record.cid, 0n, eprA, lab));
      const replay = await post(gateway, wire.body);
      expect(replay).to.deep.equal({ status: 403, error: "Replayed" });
    });

    it("refuses the lab's request at another gateway of the same chain, with 403 WrongOrigin", async function () {
      const { record, eprA, lab, start } = await sharedRecord();
      const [first, second] = [await start(), await start()];
      const wire = await capture(() => fetchSharedEnvelope(first.url, record.cid, 0n, eprA, lab));
      expect(await post(second, wire.body)).to.deep.equal({ status: 403, error: "WrongOrigin" });
    });

    it("refuses a challenge signed for another chain, with 403 WrongChain", async function () {
      const { record, eprA, lab, start, chainId } = await sharedRecord();
      const gateway = await start();
      const refused = await expectRejects(
        fetchSharedEnvelope(gateway.url, record.cid, 0n, eprA, lab, { chainId: chainId + 1n } as Parameters<
          typeof fetchSharedEnvelope
        >[5]),
        GatewayRequestError,
      );
      expect([refused.status, refused.code]).to.deep.equal([403, "WrongChain"]);
    });

    it("refuses the lab's challenge for EPR A presented for EPR B (the signature binds the EPR)", async function () {
      const { record, eprA, eprB, deviceB, lab, start } = await sharedRecord();
      // Device B names A's CID in its own EPR and lets the lab read it there too.
      await (
        await addRecordWithReaders(eprB, deviceB, { ...pointer(1), uri: `ipfs://${record.cid}` }, [lab.address])
      ).wait();
      const gateway = await start();
      const other = await start();
      const wire = await capture(() => fetchSharedEnvelope(other.url, record.cid, 0n, eprA, lab));
      const forEprB = { ...(JSON.parse(wire.body) as Record<string, unknown>), eprAddress: eprB };
      const answer = await post(other, JSON.stringify(forEprB));
      expect(answer.status).to.equal(401);
      expect(answer.error).to.equal("BadSignature");
      // The lab itself, asking properly: its genuine read of A's record still works.
      expect((await fetchSharedEnvelope(gateway.url, record.cid, 0n, eprA, lab)).length).to.be.greaterThan(0);
    });
  });

  describe("a CID belongs to the EPR that registered it first", function () {
    it("refuses device A's CID read through device B's own EPR, with 403, while A's reader still reads it", async function () {
      const { record, eprA, eprB, deviceB, mallory, lab, start } = await sharedRecord();
      // The exploit: B adds a record in its own EPR whose uri is A's CID, and authorizes mallory.
      await (
        await addRecordWithReaders(eprB, deviceB, { ...pointer(1), uri: `ipfs://${record.cid}` }, [mallory.address])
      ).wait();
      const epr = await ethers.getContractAt("EquipmentProviderRelationship", eprB);
      expect(await epr.canRead(0, mallory.address)).to.equal(true);
      const gateway = await start();
      const refused = await expectRejects(
        fetchSharedEnvelope(gateway.url, record.cid, 0n, eprB, mallory),
        GatewayRequestError,
      );
      expect([refused.status, refused.code]).to.deep.equal([403, "Forbidden"]);
      const served = await fetchSharedEnvelope(gateway.url, record.cid, 0n, eprA, lab);
      expect(Buffer.from(served)).to.deep.equal(Buffer.from(await store.get(record.cid)));
    });
  });
});
