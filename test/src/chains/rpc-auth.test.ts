import { expect } from "chai";
import {
  authHeaders,
  MIN_RPC_TOKEN_LENGTH,
  RPC_TOKEN_ENV,
  rpcToken,
  RpcTokenError,
  screenRequest,
} from "../../../src/chains/rpc-auth";

const TOKEN = "a".repeat(MIN_RPC_TOKEN_LENGTH);

describe("src/chains/rpc-auth", () => {
  describe("rpcToken", () => {
    it("is undefined when the variable is unset or empty", () => {
      expect(rpcToken({})).to.equal(undefined);
      expect(rpcToken({ [RPC_TOKEN_ENV]: "" })).to.equal(undefined);
    });
    it("returns a long enough token", () => {
      expect(rpcToken({ [RPC_TOKEN_ENV]: TOKEN })).to.equal(TOKEN);
    });
    it("refuses a short token, naming the variable and the length", () => {
      expect(() => rpcToken({ [RPC_TOKEN_ENV]: "short" })).to.throw(
        RpcTokenError,
        /COMMCHAIN_RPC_TOKEN is 5 characters; use at least 32/,
      );
    });
    it("refuses a token with whitespace", () => {
      expect(() => rpcToken({ [RPC_TOKEN_ENV]: `${TOKEN} x` })).to.throw(RpcTokenError, /whitespace/);
    });
  });

  describe("screenRequest", () => {
    it("lets a plain request through when no token is set", () => {
      expect(screenRequest("POST", {}, undefined)).to.equal(undefined);
    });
    it("answers OPTIONS 405 with no CORS header", () => {
      const refusal = screenRequest("OPTIONS", { origin: "https://evil.example" }, undefined);
      expect(refusal?.status).to.equal(405);
      expect(Object.keys(refusal?.headers ?? {}).some((h) => h.startsWith("access-control"))).to.equal(false);
    });
    it("refuses any request with an Origin header", () => {
      expect(screenRequest("POST", { origin: "http://127.0.0.1:8600" }, undefined)?.status).to.equal(403);
      expect(screenRequest("POST", { origin: "null" }, TOKEN)?.status).to.equal(403);
    });
    it("asks for the bearer token when one is set", () => {
      expect(screenRequest("POST", {}, TOKEN)).to.deep.include({ status: 401 });
      expect(screenRequest("POST", { authorization: `Bearer ${"b".repeat(32)}` }, TOKEN)?.status).to.equal(401);
      expect(screenRequest("POST", { authorization: `Bearer ${TOKEN}x` }, TOKEN)?.status).to.equal(401);
      expect(screenRequest("POST", { authorization: `Bearer ${TOKEN}` }, TOKEN)).to.equal(undefined);
    });
    it("clients send the header the screen accepts", () => {
      expect(screenRequest("POST", authHeaders(TOKEN), TOKEN)).to.equal(undefined);
      expect(authHeaders(undefined)).to.deep.equal({});
    });
  });
});
