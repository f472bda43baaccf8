import { timingSafeEqual } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import { ChainError } from "./errors";

/**
 * The HTTP front rule every commchain server applies (chain RPC and gateway): browsers are kept
 * out, and an optional shared bearer token keeps out other local processes. Hardhat's own JSON-RPC
 * handler answers `Access-Control-Allow-Origin: *`, which lets any web page the operator opens
 * drive a chain on 127.0.0.1; refusing every request that carries an `Origin` header closes that
 * (browsers always send it on cross-origin fetches, command-line clients never do).
 */

/** Environment variable holding the bearer token chain RPCs and gateways require when set. */
export const RPC_TOKEN_ENV = "COMMCHAIN_RPC_TOKEN";

/** Shortest token accepted: 128 bits of hex, so a token cannot be guessed by a local scan. */
export const MIN_RPC_TOKEN_LENGTH = 32;

/** The token is set but unusable. */
export class RpcTokenError extends ChainError {
  constructor(readonly problem: string) {
    super(`${RPC_TOKEN_ENV} ${problem}`);
  }
}

/** The bearer token from the environment, or undefined when none is set (open to local processes). */
export function rpcToken(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const token = env[RPC_TOKEN_ENV];
  if (token === undefined || token === "") return undefined;
  if (/\s/.test(token)) throw new RpcTokenError("holds whitespace; use a hex or base64url string");
  if (token.length < MIN_RPC_TOKEN_LENGTH) {
    throw new RpcTokenError(
      `is ${token.length} characters; use at least ${MIN_RPC_TOKEN_LENGTH} (openssl rand -hex 16)`,
    );
  }
  return token;
}

/** Headers a client adds to every request so a server with the token accepts it. */
export function authHeaders(token: string | undefined = rpcToken()): Record<string, string> {
  return token === undefined ? {} : { authorization: `Bearer ${token}` };
}

/** Why a request is refused before it reaches the handler: the status, a message, extra headers. */
export interface HttpRefusal {
  status: number;
  message: string;
  headers: Record<string, string>;
}

/**
 * Screens one HTTP request. Returns undefined when it may proceed, otherwise the refusal to send.
 * OPTIONS (a CORS preflight) is answered 405 with no `Access-Control-*` header, so the browser
 * never sends the real request; any request with an `Origin` header is refused 403.
 */
export function screenRequest(
  method: string | undefined,
  headers: IncomingHttpHeaders,
  token: string | undefined,
): HttpRefusal | undefined {
  if (method === "OPTIONS")
    return { status: 405, message: "OPTIONS is not served: no cross-origin access", headers: { allow: "POST, GET" } };
  if (headers.origin !== undefined)
    return { status: 403, message: "requests from web pages (with an Origin header) are refused", headers: {} };
  if (token === undefined) return undefined;
  const given = /^Bearer (\S+)$/i.exec(headers.authorization ?? "")?.[1];
  if (given === undefined || !sameToken(given, token)) {
    return {
      status: 401,
      message: `missing or wrong bearer token (${RPC_TOKEN_ENV})`,
      headers: { "www-authenticate": 'Bearer realm="commchain"' },
    };
  }
  return undefined;
}

function sameToken(given: string, token: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}
