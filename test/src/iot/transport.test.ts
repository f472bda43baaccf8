// Transports tell an outage (retry later) from an answer (act on it), whatever carries the request.
import { expect } from "chai";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { network } from "hardhat";
import { ChainRequestError } from "../../../src/iot/errors";
import { ChainUnreachableError } from "../../../src/chains/errors";
import { httpTransport, isOutage, providerTransport, toTransport } from "../../../src/iot/transport";
import { freePort } from "../../../src/chains/ports";
import { expectRejects } from "./helpers";

/** A local HTTP server answering every request with `handler`; closed by the returned function. */
async function serve(handler: http.RequestListener): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

describe("iot/transport", () => {
  it("calls a refused connection an outage", async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const error = await expectRejects(httpTransport(url).request("eth_chainId"), ChainUnreachableError);
    expect(error.endpoint).to.equal(url);
    expect(isOutage(error)).to.equal(true);
  });

  it("calls a request that times out an outage", async () => {
    const server = await serve(() => undefined); // never answers
    try {
      const error = await expectRejects(
        httpTransport(server.url, { timeoutMs: 50 }).request("eth_chainId"),
        ChainUnreachableError,
      );
      expect(isOutage(error)).to.equal(true);
    } finally {
      await server.close();
    }
  });

  it("calls an answer that is not JSON-RPC an outage (a proxy page, a node still starting)", async () => {
    const server = await serve((_req, res) => res.writeHead(502).end("<html>bad gateway</html>"));
    try {
      const error = await expectRejects(httpTransport(server.url).request("eth_chainId"), ChainUnreachableError);
      expect(error.reason).to.contain("HTTP 502");
    } finally {
      await server.close();
    }
  });

  it("passes a JSON-RPC error on as an answer, with its code, message and revert data", async () => {
    const server = await serve((_req, res) =>
      res.writeHead(200, { "content-type": "application/json" }).end(
        JSON.stringify({
          jsonrpc: "2.0",
          id: 1,
          error: { code: -32000, message: "nonce too low", data: { data: "0x1234" } },
        }),
      ),
    );
    try {
      const error = await expectRejects(
        httpTransport(server.url).request("eth_sendRawTransaction", ["0x00"]),
        ChainRequestError,
      );
      expect([error.method, error.code, error.reason, error.data]).to.deep.equal([
        "eth_sendRawTransaction",
        -32000,
        "nonce too low",
        "0x1234",
      ]);
      expect(isOutage(error)).to.equal(false);
    } finally {
      await server.close();
    }
  });

  it("answers results, and lets a caller abandon a request", async () => {
    const server = await serve((req, res) => {
      let body = "";
      req.on("data", (chunk) => (body += chunk));
      req.on("end", () =>
        res.writeHead(200).end(JSON.stringify({ jsonrpc: "2.0", id: JSON.parse(body).id, result: "0x7a69" })),
      );
    });
    try {
      const transport = httpTransport(server.url);
      expect(await transport.request("eth_chainId")).to.equal("0x7a69");
      const abort = new AbortController();
      abort.abort();
      await expectRejects(transport.request("eth_chainId", [], { signal: abort.signal }), ChainUnreachableError);
    } finally {
      await server.close();
    }
  });

  it("wraps an EIP-1193 provider: errors become answers with the revert data", async () => {
    const transport = providerTransport(network.provider);
    expect(Number(await transport.request<string>("eth_chainId"))).to.equal(31337);
    // A call to an address with init code that reverts with data 0x2a.
    const revertingCode = "0x602a60005260206000fd";
    const error = await expectRejects(
      transport.request("eth_call", [{ data: revertingCode }, "latest"]),
      ChainRequestError,
    );
    expect(error.endpoint).to.equal("in-process");
    expect(error.data).to.equal("0x000000000000000000000000000000000000000000000000000000000000002a");
  });

  it("finds an outage anywhere in an error's cause chain, and only there", () => {
    const refused = Object.assign(new Error("connect"), { code: "ECONNREFUSED" });
    expect(isOutage(new Error("wrapped", { cause: new Error("again", { cause: refused }) }))).to.equal(true);
    expect(isOutage(Object.assign(new Error("ethers"), { code: "TIMEOUT" }))).to.equal(true);
    expect(isOutage(new DOMException("timed out", "TimeoutError"))).to.equal(true);
    expect(isOutage(new Error("execution reverted"))).to.equal(false);
    expect(isOutage(undefined)).to.equal(false);
  });

  it("takes a transport as it is, a URL as HTTP, anything else as a provider", () => {
    const transport = httpTransport("http://127.0.0.1:1");
    expect(toTransport(transport)).to.equal(transport);
    expect(toTransport("http://127.0.0.1:2").endpoint).to.equal("http://127.0.0.1:2");
    expect(toTransport(network.provider).endpoint).to.equal("in-process");
  });
});
