/**
 * Review finding H2: every chain RPC was an unauthenticated signing oracle. A chain process holds
 * the genesis keys (deployer, relayer, devices), answered eth_sendTransaction / eth_sign /
 * personal_sign / eth_signTypedData_v4 for any local process, and Hardhat's handler sent
 * `Access-Control-Allow-Origin: *`, so any web page could drive it too. These tests start real
 * chain processes with `chains:up` and replay the exploits against them.
 */
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { expect } from "chai";
import { parseEther } from "ethers";
import { chainProvider } from "../../src/chains/providers";
import { systemWallet } from "../../src/chains/accounts";
import { RpcError, rpcCall } from "../../src/chains/rpc";
import { RPC_TOKEN_ENV } from "../../src/chains/rpc-auth";
import { readTopology, topologyPath, type ChainEntry } from "../../src/chains/topology";
import type { ChainsUpResult } from "../../src/chains/up";
import { writePartition } from "../../src/partition/document";
import { killChainProcessesUnder, partitionDocument, tempDir } from "../src/chains/helpers";
import { runTask } from "../helpers/run-task";

interface RawAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** One HTTP request with exactly the headers given (no bearer token added from the environment). */
function raw(url: string, method: string, headers: Record<string, string>, body?: string): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      url,
      { method, headers: { ...(body === undefined ? {} : { "content-type": "application/json" }), ...headers } },
      (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("end", () =>
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            body: Buffer.concat(chunks).toString("utf8"),
          }),
        );
        response.on("error", reject);
      },
    );
    request.on("error", reject);
    request.end(body);
  });
}

const CHAIN_ID_CALL = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] });

function corsHeaders(headers: http.IncomingHttpHeaders): string[] {
  return Object.keys(headers).filter((name) => name.toLowerCase().startsWith("access-control-"));
}

/** Asks `url` for a websocket upgrade with `headers`; resolves with the HTTP status of a refusal, or "open" (101). */
function websocket(url: string, headers: Record<string, string>): Promise<number | "open"> {
  return new Promise((resolve, reject) => {
    const request = http.request(url, {
      headers: {
        connection: "Upgrade",
        upgrade: "websocket",
        "sec-websocket-version": "13",
        "sec-websocket-key": randomBytes(16).toString("base64"),
        ...headers,
      },
    });
    request.on("upgrade", (_response, socket) => {
      socket.destroy();
      resolve("open");
    });
    request.on("response", (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    });
    request.on("error", reject);
    request.end();
  });
}

describe("security H2: no chain RPC signs for anyone or serves web pages, and a token keeps other processes out", function () {
  this.timeout(300_000);
  const token = randomBytes(16).toString("hex");
  let saved: string | undefined;
  let work: string;
  let dir: string;
  let community: ChainEntry;

  before(async () => {
    saved = process.env[RPC_TOKEN_ENV];
    // chains:up passes its environment to the chain processes: they start with this token.
    process.env[RPC_TOKEN_ENV] = token;
    work = tempDir("h2");
    dir = path.join(work, "chains");
    const partition = path.join(work, "partition.json");
    await writePartition(partition, partitionDocument(["01", "02"], [["01", "02"]]));
    const { result } = await runTask<ChainsUpResult>("chains:up", { partition, dir, basePort: 0, mainChainId: 42100 });
    expect(result.chains.map((c) => c.action)).to.deep.equal(["started", "started"]);
    community = readTopology(topologyPath(dir)).communities[0];
  });

  after(async () => {
    if (saved === undefined) delete process.env[RPC_TOKEN_ENV];
    else process.env[RPC_TOKEN_ENV] = saved;
    if (dir !== undefined) await killChainProcessesUnder(dir);
    if (work !== undefined) fs.rmSync(work, { recursive: true, force: true });
  });

  describe("no signing oracle", () => {
    const deployer = systemWallet("deployer").address;
    const typedData = {
      types: { EIP712Domain: [{ name: "name", type: "string" }], Grant: [{ name: "to", type: "address" }] },
      primaryType: "Grant",
      domain: { name: "commchain" },
      message: { to: deployer },
    };
    const exploits: [string, unknown[]][] = [
      ["eth_sendTransaction", [{ from: deployer, to: deployer, value: "0x1" }]],
      ["eth_sign", [deployer, "0x1234"]],
      ["personal_sign", ["0x1234", deployer]],
      ["eth_signTypedData_v4", [deployer, JSON.stringify(typedData)]],
    ];
    for (const [method, params] of exploits) {
      it(`refuses ${method} with the deployer's key, saying to sign locally`, async () => {
        const error = await rpcCall(community.rpc, method, params).then(
          () => expect.fail(`${method} was answered`),
          (e: RpcError) => e,
        );
        expect(error).to.be.instanceOf(RpcError);
        expect(error.code).to.equal(-32004);
        expect(error.problem).to.contain(
          `${method} is refused on persistent chain ${community.name}: the node does not sign for anyone`,
        );
        expect(error.problem).to.contain("sign locally");
      });
    }

    it("still takes a transaction the sender signed itself", async () => {
      const provider = chainProvider(community);
      try {
        const before = await provider.getBalance(systemWallet("writer").address);
        const sent = await systemWallet("deployer")
          .connect(provider)
          .sendTransaction({ to: systemWallet("writer").address, value: parseEther("1") });
        expect((await sent.wait())?.status).to.equal(1);
        expect(await provider.getBalance(systemWallet("writer").address)).to.equal(before + parseEther("1"));
      } finally {
        provider.destroy();
      }
    });
  });

  describe("no web pages", () => {
    it("refuses a POST with an Origin header, without any CORS header", async () => {
      const answer = await raw(
        community.rpc,
        "POST",
        { origin: "https://evil.example", authorization: `Bearer ${token}` },
        CHAIN_ID_CALL,
      );
      expect(answer.status).to.equal(403);
      expect(corsHeaders(answer.headers)).to.deep.equal([]);
      expect(JSON.parse(answer.body).error.message).to.contain("Origin header");
      expect(answer.body).to.not.contain(`0x${community.chainId.toString(16)}`);
    });

    it("answers a CORS preflight (OPTIONS) without any access-control-* header", async () => {
      const answer = await raw(community.rpc, "OPTIONS", {
        origin: "https://evil.example",
        "access-control-request-method": "POST",
      });
      expect(answer.status).to.equal(405);
      expect(corsHeaders(answer.headers)).to.deep.equal([]);
    });

    it("refuses a websocket upgrade from a web page", async () => {
      expect(
        await websocket(community.rpc, { origin: "https://evil.example", authorization: `Bearer ${token}` }),
      ).to.equal(403);
    });
  });

  describe(`with ${RPC_TOKEN_ENV} set`, () => {
    it("refuses a request without the token or with a wrong one", async () => {
      const wrong: Record<string, string>[] = [
        {},
        { authorization: `Bearer ${"0".repeat(32)}` },
        { authorization: token },
      ];
      for (const headers of wrong) {
        const answer = await raw(community.rpc, "POST", headers, CHAIN_ID_CALL);
        expect(answer.status).to.equal(401);
        expect(answer.headers["www-authenticate"]).to.equal('Bearer realm="commchain"');
        expect(JSON.parse(answer.body).error.message).to.contain(RPC_TOKEN_ENV);
      }
      expect(await websocket(community.rpc, {})).to.equal(401);
    });

    it("accepts every client of the project, which sends the token", async () => {
      expect(Number(await rpcCall<string>(community.rpc, "eth_chainId"))).to.equal(community.chainId);
      const provider = chainProvider(community);
      try {
        expect(Number((await provider.getNetwork()).chainId)).to.equal(community.chainId);
        expect(await provider.getBlockNumber()).to.be.a("number");
      } finally {
        provider.destroy();
      }
      const answer = await raw(community.rpc, "POST", { authorization: `Bearer ${token}` }, CHAIN_ID_CALL);
      expect(answer.status).to.equal(200);
      expect(JSON.parse(answer.body).result).to.equal(`0x${community.chainId.toString(16)}`);
      expect(await websocket(community.rpc, { authorization: `Bearer ${token}` })).to.equal("open");
    });

    it("keeps a chain status working, through the token", async () => {
      const { result } = await runTask<{ name: string; height: number | null; problem?: string }[]>("chains:status", {
        dir,
        json: true,
      });
      expect(result.map((s) => [s.name, typeof s.height, s.problem])).to.deep.equal([
        ["main", "number", undefined],
        ["community-1", "number", undefined],
      ]);
    });
  });
});
