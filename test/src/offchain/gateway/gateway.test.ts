import { expect } from "chai";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { id, Interface, Wallet, type TransactionRequest } from "ethers";
import { ethers, network } from "hardhat";
import {
  createdByFactory,
  EPR_CAN_READ_ABI,
  EPR_RECORD_ABI,
  eprCanRead,
  eprRecordPointsTo,
  fetchShared,
  fetchSharedEnvelope,
  onChainReadPredicate,
  newChallengeNonce,
  readChallenge,
  startGateway,
  type Gateway,
  type GatewayOptions,
  type GatewayReadStep,
  type ReadPredicate,
  type ReadRequest,
} from "../../../../src/offchain/gateway/gateway";
import { SharingKeyring } from "../../../../src/offchain/envelopes/keyring";
import { openHeliaStore, type HeliaStore } from "../../../../src/offchain/stores/helia-store";
import { cidOf } from "../../../../src/offchain/stores/cid";
import type { SharedRecord } from "../../../../src/offchain/envelopes/shared-record";
import { ContentIntegrityError, GatewayRequestError } from "../../../../src/offchain/errors";
import { expectRejects, tempDir, text, utf8 } from "../helpers";

const device = new Wallet(id("gateway-test device"));
const provider = new Wallet(id("gateway-test provider"));
const outsider = new Wallet(id("gateway-test outsider"));
const EPR = "0x00000000000000000000000000000000000e9a01";
const RECORD_ID = 7n;

const CHAIN_ID = 31337n;
/** Origin of the gateway the test started last: what its challenges name. */
let activeOrigin = "";

/** Starts a gateway for chain CHAIN_ID and remembers its origin for `signedBody`. */
async function start(options: Omit<GatewayOptions, "chainId"> & { chainId?: bigint }): Promise<Gateway> {
  const gateway = await startGateway({ chainId: CHAIN_ID, ...options });
  activeOrigin = new URL(gateway.url).origin;
  return gateway;
}

/** Posts a raw read request and returns status and JSON body (without the per-request id). */
async function postRead(gateway: Gateway, body: object): Promise<{ status: number; json: Record<string, string> }> {
  const response = await fetch(`${gateway.url}/v1/read`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const json = (await response.json()) as Record<string, string>;
  delete json.requestId;
  return { status: response.status, json };
}

async function signedBody(wallet: Wallet, cid: string, expiry: number, reader = wallet.address): Promise<object> {
  const nonce = newChallengeNonce();
  const signature = await wallet.signMessage(
    readChallenge({
      chainId: CHAIN_ID,
      eprAddress: EPR,
      recordId: RECORD_ID,
      cid,
      origin: activeOrigin,
      expiry,
      nonce,
    }),
  );
  return {
    cid,
    recordId: RECORD_ID.toString(),
    eprAddress: EPR,
    reader,
    chainId: CHAIN_ID.toString(),
    origin: activeOrigin,
    expiry,
    nonce,
    signature,
  };
}

const nowSeconds = (): number => Math.floor(Date.now() / 1000);

describe("gateway (reads gated by a signed challenge and a chain predicate)", function () {
  let temp: { dir: string; dispose: () => Promise<void> };
  let store: HeliaStore;
  let gateway: Gateway | undefined;
  let record: SharedRecord;
  let asked: ReadRequest[];

  /** Stand-in for EPR.canRead: the provider may read record 7 of EPR. */
  const standIn: ReadPredicate = async (request) => {
    asked.push(request);
    return (
      request.eprAddress === ethers.getAddress(EPR) &&
      request.recordId === RECORD_ID &&
      request.reader === provider.address
    );
  };

  before(async function () {
    temp = await tempDir("gateway");
    store = await openHeliaStore({ dir: temp.dir });
    const keyring = new SharingKeyring(device.signingKey.publicKey);
    keyring.addReader(provider.signingKey.publicKey);
    keyring.addReader(outsider.signingKey.publicKey); // holds a key, yet the chain says no
    record = await keyring.write(store, utf8("maintenance log: bearing replaced"));
  });

  beforeEach(function () {
    asked = [];
  });

  afterEach(async function () {
    await gateway?.close();
    gateway = undefined;
  });

  after(async function () {
    await store?.close();
    await temp?.dispose();
  });

  it("serves an authorized reader, who decrypts and checks the on-chain hash", async function () {
    gateway = await start({ store, predicate: standIn });
    const plaintext = await fetchShared(gateway.url, record.cid, RECORD_ID, EPR, provider, {
      expectedHash: record.plaintextHash,
    });
    expect(text(plaintext)).to.equal("maintenance log: bearing replaced");
    expect(asked).to.deep.equal([
      { cid: record.cid, recordId: RECORD_ID, eprAddress: ethers.getAddress(EPR), reader: provider.address },
    ]);
  });

  it("reports each step of a read to onStep, in order, with its duration", async function () {
    gateway = await start({ store, predicate: standIn });
    const steps: [GatewayReadStep, number][] = [];
    const plaintext = await fetchShared(gateway.url, record.cid, RECORD_ID, EPR, provider, {
      expectedHash: record.plaintextHash,
      onStep: (step, ms) => steps.push([step, ms]),
    });
    expect(text(plaintext)).to.equal("maintenance log: bearing replaced");
    expect(steps.map(([step]) => step)).to.deep.equal(["sign", "get", "decode", "unwrap", "decrypt", "verify"]);
    for (const [step, ms] of steps) expect(ms, step).to.be.a("number").and.at.least(0);
  });

  it("fetchSharedEnvelope hands back the stored envelope still sealed, after checking it against the CID", async function () {
    gateway = await start({ store, predicate: standIn });
    const steps: GatewayReadStep[] = [];
    const bytes = await fetchSharedEnvelope(gateway.url, record.cid, RECORD_ID, EPR, provider, {
      onStep: (step) => steps.push(step),
    });
    expect(Buffer.from(bytes)).to.deep.equal(Buffer.from(await store.get(record.cid)));
    expect(steps).to.deep.equal(["sign", "get"]);
    const refused = await expectRejects(
      fetchSharedEnvelope(gateway.url, record.cid, RECORD_ID, EPR, outsider),
      GatewayRequestError,
    );
    expect([refused.status, refused.code]).to.deep.equal([403, "Forbidden"]);
  });

  it("asks a gateway's chain id again when a restarted gateway on the same port serves another chain", async function () {
    gateway = await start({ store, predicate: standIn });
    await fetchSharedEnvelope(gateway.url, record.cid, RECORD_ID, EPR, provider); // remembers chain CHAIN_ID
    const port = Number(new URL(gateway.url).port);
    await gateway.close();
    // Let fetch's pooled keep-alive connection see the old server's close before the next request.
    await new Promise((resolve) => setTimeout(resolve, 100));
    gateway = await start({ store, predicate: standIn, chainId: CHAIN_ID + 1n, port });
    const bytes = await fetchSharedEnvelope(gateway.url, record.cid, RECORD_ID, EPR, provider);
    expect(Buffer.from(bytes)).to.deep.equal(Buffer.from(await store.get(record.cid)));
    // A challenge for a chain the gateway never served is still refused: the client asks again only once.
    const refused = await expectRejects(
      fetchSharedEnvelope(gateway.url, record.cid, RECORD_ID, EPR, provider, { chainId: CHAIN_ID }),
      GatewayRequestError,
    );
    expect([refused.status, refused.code]).to.deep.equal([403, "WrongChain"]);
  });

  it("answers 403 with a JSON error when the predicate refuses the reader", async function () {
    gateway = await start({ store, predicate: standIn });
    const error = await expectRejects(
      fetchShared(gateway.url, record.cid, RECORD_ID, EPR, outsider),
      GatewayRequestError,
    );
    expect(error.status).to.equal(403);
    expect(error.code).to.equal("Forbidden");
    expect(error.detail).to.contain(outsider.address);
    const raw = await postRead(gateway, await signedBody(outsider, record.cid, nowSeconds() + 30));
    expect(raw).to.deep.equal({
      status: 403,
      json: {
        error: "Forbidden",
        detail:
          `${outsider.address} may not read record 7 of EPR ${ethers.getAddress(EPR)} at ${record.cid} ` +
          `(not a reader, the record names another CID, or the CID was first registered in another EPR)`,
      },
    });
  });

  it("refuses a signature by someone other than the claimed reader, without asking the predicate", async function () {
    gateway = await start({ store, predicate: standIn });
    const forged = await postRead(gateway, await signedBody(outsider, record.cid, nowSeconds() + 30, provider.address));
    expect(forged.status).to.equal(401);
    expect(forged.json.error).to.equal("BadSignature");
    expect(forged.json.detail).to.contain(`signed by ${outsider.address}, not by reader ${provider.address}`);
    const garbage = await postRead(gateway, {
      ...(await signedBody(provider, record.cid, nowSeconds() + 30)),
      signature: "0x1234",
    });
    expect(garbage.status).to.equal(401);
    expect(garbage.json.error).to.equal("BadSignature");
    // A signature over another CID does not carry over.
    const other = (await cidOf(utf8("another object"))).toString();
    const swapped = { ...(await signedBody(provider, other, nowSeconds() + 30)), cid: record.cid };
    expect((await postRead(gateway, swapped)).json.error).to.equal("BadSignature");
    expect(asked).to.deep.equal([]);
  });

  it("refuses expired challenges and challenges valid for longer than the gateway allows", async function () {
    const fixedNow = 1_800_000_000;
    gateway = await start({ store, predicate: standIn, now: () => fixedNow, maxChallengeTtlSeconds: 120 });
    const expired = await postRead(gateway, await signedBody(provider, record.cid, fixedNow - 1));
    expect(expired).to.deep.equal({
      status: 401,
      json: { error: "Expired", detail: `the challenge expired at ${fixedNow - 1}, it is now ${fixedNow}` },
    });
    const tooLong = await postRead(gateway, await signedBody(provider, record.cid, fixedNow + 121));
    expect(tooLong.status).to.equal(401);
    expect(tooLong.json.error).to.equal("Expired");
    const fine = await fetch(`${gateway.url}/v1/read`, {
      method: "POST",
      body: JSON.stringify(await signedBody(provider, record.cid, fixedNow + 120)),
    });
    expect(fine.status).to.equal(200);
    expect(asked.length).to.equal(1);
  });

  it("answers 400 for malformed requests, 404 for unknown content, 503 when the predicate fails", async function () {
    gateway = await start({ store, predicate: standIn });
    const noCid = await postRead(gateway, { recordId: "7" });
    expect(noCid).to.deep.equal({ status: 400, json: { error: "BadRequest", detail: 'field "cid" is missing' } });
    const badRecord = await postRead(gateway, {
      ...(await signedBody(provider, record.cid, nowSeconds() + 30)),
      recordId: "-1",
    });
    expect(badRecord.status).to.equal(400);
    expect(badRecord.json.detail).to.contain("recordId");
    const absent = (await cidOf(utf8("never stored"))).toString();
    const missing = await postRead(gateway, await signedBody(provider, absent, nowSeconds() + 30));
    expect(missing.status).to.equal(404);
    expect(missing.json.error).to.equal("NotFound");
    await gateway.close();

    gateway = await start({
      store,
      predicate: async () => {
        throw new Error("chain RPC down");
      },
      log: () => undefined,
    });
    const error = await expectRejects(
      fetchShared(gateway.url, record.cid, RECORD_ID, EPR, provider),
      GatewayRequestError,
    );
    expect(error.status).to.equal(503);
    expect(error.code).to.equal("PredicateUnavailable");
    // L5: the cause is logged on the gateway's side, not sent to the client.
    expect(error.detail).to.not.contain("chain RPC down");
  });

  it("the client rejects bytes that do not match the CID, whatever the gateway says", async function () {
    const liar = http.createServer((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end('{"format":"commchain-envelope"}');
    });
    await new Promise<void>((resolve) => liar.listen(0, "127.0.0.1", resolve));
    try {
      const url = `http://127.0.0.1:${(liar.address() as AddressInfo).port}`;
      const error = await expectRejects(
        fetchShared(url, record.cid, RECORD_ID, EPR, provider, { chainId: CHAIN_ID }),
        ContentIntegrityError,
      );
      expect(error.cid).to.equal(record.cid);
    } finally {
      liar.closeAllConnections();
      await new Promise<void>((resolve) => liar.close(() => resolve()));
    }
  });

  describe("refusing is cheap: the limiter and the size cap decide before the body is read", function () {
    /** A raw POST /v1/read: headers sent, then `body` (which may be shorter than declared). */
    function rawPost(
      url: string,
      headers: Record<string, string>,
      body: string,
    ): Promise<{ status: number; json: Record<string, string> }> {
      return new Promise((resolve, reject) => {
        const request = http.request(
          `${url}/v1/read`,
          { method: "POST", headers: { "content-type": "application/json", ...headers } },
          (response) => {
            const chunks: Buffer[] = [];
            response.on("data", (chunk: Buffer) => chunks.push(chunk));
            response.on("end", () =>
              resolve({
                status: response.statusCode!,
                json: JSON.parse(Buffer.concat(chunks).toString("utf8")) as Record<string, string>,
              }),
            );
          },
        );
        request.on("error", reject);
        request.write(body);
      });
    }

    it("a request over the client's limit is a 429 even when its body is not JSON: it is never parsed", async function () {
      gateway = await start({ store, predicate: standIn, limits: { ratePerSecond: 1, burst: 1, concurrency: 10 } });
      expect((await postRead(gateway, { not: "a read" })).status).to.equal(400);
      const response = await fetch(`${gateway.url}/v1/read`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: "{ not json",
      });
      expect(response.status).to.equal(429);
      expect(((await response.json()) as { error: string }).error).to.equal("TooManyRequests");
      expect(asked).to.deep.equal([]);
    });

    it("a body declared over 16 KiB is a 413 at once, without waiting for (or reading) the body", async function () {
      gateway = await start({ store, predicate: standIn });
      const answer = await rawPost(gateway.url, { "content-length": String(1_000_000_000) }, "{");
      expect(answer.status).to.equal(413);
      expect(answer.json.error).to.equal("TooLarge");
      expect(asked).to.deep.equal([]);
    });
  });

  describe("on-chain predicates (EPR.canRead, EPR.record, factory.isRelationship through ethers on the Hardhat network)", function () {
    // Stand-in contracts in hand-assembled EVM code (the real EPR lives on branch wip/sharing):
    //   EPR:     canRead(recordId, reader) = recordId == 7 && reader == provider
    //            record(7) = a data pointer whose uri is ipfs://<record.cid>; record(other) reverts
    //   factory: isRelationship(a) = a == EPR
    const FACTORY = "0x00000000000000000000000000000000000fac01";
    const canReadSelector = new Interface(EPR_CAN_READ_ABI).getFunction("canRead")!.selector.slice(2);
    const recordSelector = new Interface(EPR_RECORD_ABI).getFunction("record")!.selector.slice(2);
    const push20 = (address: string): string => "73" + address.slice(2).toLowerCase();

    type Item = string | { label: string } | { jumpTo: string };
    /** Concatenates hex code, resolving `{ jumpTo }` (PUSH2 of a label's offset) and `{ label }` (JUMPDEST). */
    function assemble(items: Item[]): string {
      const size = (item: Item): number => (typeof item === "string" ? item.length / 2 : "label" in item ? 1 : 3);
      const offsets = new Map<string, number>();
      let at = 0;
      for (const item of items) {
        if (typeof item !== "string" && "label" in item) offsets.set(item.label, at);
        at += size(item);
      }
      return (
        "0x" +
        items
          .map((item) => {
            if (typeof item === "string") return item;
            if ("label" in item) return "5b";
            return "61" + offsets.get(item.jumpTo)!.toString(16).padStart(4, "0");
          })
          .join("")
      );
    }

    function eprCode(uri: string): string {
      const pointer = new Interface(EPR_RECORD_ABI)
        .encodeFunctionResult("record", [
          ["temperature>200", record.plaintextHash, uri, provider.address, 1_800_000_000n, ethers.ZeroAddress, 0n, 0n],
        ])
        .slice(2);
      const length = (pointer.length / 2).toString(16).padStart(4, "0");
      const head: Item[] = [
        "600035" + "60e01c", // selector = calldata[0:4]
        "80" + "63" + canReadSelector + "14",
        { jumpTo: "canRead" },
        "57",
        "63" + recordSelector + "14",
        { jumpTo: "record" },
        "57",
        "600080fd", // unknown selector: revert
        { label: "canRead" },
        "600435" + "600714" + "602435" + push20(provider.address) + "14" + "16" + "600052" + "6020" + "6000" + "f3",
        { label: "record" },
        "600435" + "600714",
        { jumpTo: "known" },
        "57",
        "600080fd", // unknown record id: revert
        { label: "known" },
        "61" + length,
        { jumpTo: "payload" },
        "6000" + "39", // codecopy(0, payload, length)
        "61" + length + "6000" + "f3",
        { label: "payload" },
      ];
      // The payload label marks where the data starts; its JUMPDEST byte is not part of it.
      const code = assemble(head);
      return code.slice(0, -2) + pointer;
    }

    before(async function () {
      await network.provider.send("hardhat_setCode", [EPR, eprCode(`ipfs://${record.cid}`)]);
      await network.provider.send("hardhat_setCode", [
        FACTORY,
        "0x" + "600435" + push20(EPR) + "14" + "600052" + "6020" + "6000" + "f3",
      ]);
    });

    it("eprCanRead asks canRead of a trusted EPR and refuses untrusted EPRs without asking", async function () {
      const predicate = eprCanRead({ runner: ethers.provider, trusted: [EPR] });
      const request = { cid: record.cid, recordId: RECORD_ID, eprAddress: ethers.getAddress(EPR) };
      expect(await predicate({ ...request, reader: provider.address })).to.equal(true);
      expect(await predicate({ ...request, reader: outsider.address })).to.equal(false);
      expect(await predicate({ ...request, recordId: 8n, reader: provider.address })).to.equal(false);
      const untrusted = eprCanRead({ runner: ethers.provider, trusted: [] });
      expect(await untrusted({ ...request, reader: provider.address })).to.equal(false);
      const byFactory = eprCanRead({ runner: ethers.provider, trusted: createdByFactory(ethers.provider, FACTORY) });
      expect(await byFactory({ ...request, reader: provider.address })).to.equal(true);
      const notFromFactory = "0x00000000000000000000000000000000000e9a02";
      expect(
        await byFactory({ ...request, eprAddress: ethers.getAddress(notFromFactory), reader: provider.address }),
      ).to.equal(false);
    });

    it("eprRecordPointsTo holds only for the CID the record's uri names; unknown records are a no", async function () {
      const predicate = eprRecordPointsTo(ethers.provider);
      const request = { recordId: RECORD_ID, eprAddress: ethers.getAddress(EPR), reader: provider.address };
      expect(await predicate({ ...request, cid: record.cid })).to.equal(true);
      const other = (await cidOf(utf8("another object"))).toString();
      expect(await predicate({ ...request, cid: other })).to.equal(false);
      expect(await predicate({ ...request, recordId: 8n, cid: record.cid })).to.equal(false);
    });

    it("onChainReadPredicate holds only when the EPR is trusted, the reader may read and the record names the CID; it never calls an untrusted EPR", async function () {
      const calls: string[] = [];
      const runner = {
        provider: ethers.provider,
        call: async (tx: TransactionRequest) => (calls.push(String(tx.to)), ethers.provider.call(tx)),
      };
      const request = {
        cid: record.cid,
        recordId: RECORD_ID,
        eprAddress: ethers.getAddress(EPR),
        reader: provider.address,
      };
      const other = (await cidOf(utf8("another object"))).toString();
      const byFactory = onChainReadPredicate({ runner, trusted: createdByFactory(runner, FACTORY) });
      expect(await byFactory(request)).to.equal(true);
      expect(await byFactory({ ...request, reader: outsider.address })).to.equal(false);
      expect(await byFactory({ ...request, cid: other })).to.equal(false);
      expect(await byFactory({ ...request, recordId: 8n })).to.equal(false);
      // The factory is asked once (an EPR it created stays created), canRead on every read, and
      // record(7) once (a record's uri never changes); record(8) does not exist, so it is asked
      // again on each read that names it.
      expect(calls.map((to) => ethers.getAddress(to))).to.have.members([
        ethers.getAddress(FACTORY),
        ...Array(4 + 2).fill(ethers.getAddress(EPR)),
      ]);
      calls.length = 0;
      const untrusted = onChainReadPredicate({ runner, trusted: [] });
      expect(await untrusted(request)).to.equal(false);
      expect(calls).to.deep.equal([]);
    });

    it("gates the gateway: the chain's yes serves, its no is a 403, a CID the record does not name is a 403", async function () {
      const other = await new SharingKeyring(device.signingKey.publicKey).write(store, utf8("not record 7"));
      gateway = await start({ store, predicate: onChainReadPredicate({ runner: ethers.provider, trusted: [EPR] }) });
      const plaintext = await fetchShared(gateway.url, record.cid, RECORD_ID, EPR, provider, {
        expectedHash: record.plaintextHash,
      });
      expect(text(plaintext)).to.equal("maintenance log: bearing replaced");
      const refused = await expectRejects(
        fetchShared(gateway.url, record.cid, RECORD_ID, EPR, outsider),
        GatewayRequestError,
      );
      expect(refused.status).to.equal(403);
      const unbound = await expectRejects(
        fetchShared(gateway.url, other.cid, RECORD_ID, EPR, provider),
        GatewayRequestError,
      );
      expect(unbound.status).to.equal(403);
      expect(unbound.code).to.equal("Forbidden");
    });
  });
});
