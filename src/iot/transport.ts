/**
 * How the IoT unit talks to its chain: raw JSON-RPC requests through one small interface.
 *
 * The unit does not use an ethers `Provider` for its own traffic. It must tell an outage
 * (connection refused, timeout: retry later) from an answer (a revert, "nonce too low": act on
 * it), and ethers folds both into retries of its own (a `JsonRpcProvider` whose node is down keeps
 * re-detecting the network and logging). A transport gives the raw answer or a
 * `ChainUnreachableError`, nothing else. Adapters accept an RPC URL (fetch with a timeout), an
 * EIP-1193 provider (Hardhat's in-process `network.provider`) or anything with ethers'
 * `send(method, params)` (a `JsonRpcProvider`, Hardhat's `ethers.provider`).
 */
import { authHeaders } from "../chains/rpc-auth";
import { ChainRequestError } from "./errors";
import { ChainUnreachableError } from "../chains/errors";
import { CHAIN_TIMEOUTS } from "../chains/timeouts";

/** One JSON-RPC endpoint. */
export interface ChainTransport {
  /** Where requests go, for messages (a URL or "in-process"). */
  readonly endpoint: string;
  /**
   * Sends one request. Resolves with the result; rejects with `ChainUnreachableError` when the
   * chain cannot be reached and `ChainRequestError` when it answered with an error.
   */
  request<T = unknown>(method: string, params?: readonly unknown[], options?: RequestOptions): Promise<T>;
}

/** Options of one request. */
export interface RequestOptions {
  /** Abandons the request (a transport that cannot abort lets it finish and ignores it). */
  signal?: AbortSignal;
}

/** An EIP-1193 provider (`request({ method, params })`). */
export interface Eip1193Like {
  request(args: { method: string; params?: readonly unknown[] | object }): Promise<unknown>;
}

/** Anything with ethers' `send(method, params)` (JsonRpcProvider, HardhatEthersProvider). */
export interface SendLike {
  send(method: string, params: unknown[]): Promise<unknown>;
}

/** What the SDK accepts as a chain: an RPC URL, a transport, or a provider it can wrap. */
export type ChainEndpoint = string | ChainTransport | Eip1193Like | SendLike;

/** How long one HTTP request may take before the chain counts as unreachable. */
export const DEFAULT_REQUEST_TIMEOUT_MS = CHAIN_TIMEOUTS.request;

/**
 * Error codes of Node's network stack that mean "nobody answered": the chain is down or
 * unreachable, not refusing the request.
 */
const OUTAGE_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
  "UND_ERR_SOCKET",
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_HEADERS_TIMEOUT",
  "UND_ERR_BODY_TIMEOUT",
  "UND_ERR_CLOSED",
]);

/** ethers error codes that mean the request did not get an answer. */
const ETHERS_OUTAGE_CODES = new Set(["NETWORK_ERROR", "TIMEOUT", "SERVER_ERROR"]);

/** Whether `error` (or any error in its `cause` chain) says the chain could not be reached. */
export function isOutage(error: unknown): boolean {
  for (
    let e = error as { code?: unknown; name?: unknown; cause?: unknown; message?: unknown } | undefined, depth = 0;
    e !== undefined && e !== null && depth < 8;
    e = e.cause as typeof e, depth++
  ) {
    if (e instanceof ChainUnreachableError) return true;
    if (typeof e.code === "string" && (OUTAGE_CODES.has(e.code) || ETHERS_OUTAGE_CODES.has(e.code))) return true;
    if (e.name === "TimeoutError" || e.name === "AbortError") return true;
    if (typeof e.message === "string" && /\b(ECONNREFUSED|ECONNRESET|socket hang up|fetch failed)\b/.test(e.message))
      return true;
  }
  return false;
}

/** The JSON-RPC error object of an answer, wherever the client library put it. */
function rpcErrorOf(error: unknown): { code?: number | string; message: string; data?: string } {
  const e = error as {
    code?: number | string;
    message?: string;
    data?: unknown;
    error?: { code?: number; message?: string; data?: unknown };
    info?: { error?: { code?: number; message?: string; data?: unknown } };
  };
  const inner = e?.info?.error ?? e?.error;
  const source = inner ?? e;
  const data = source?.data ?? e?.data;
  const hexData =
    typeof data === "string"
      ? data
      : typeof (data as { data?: unknown })?.data === "string"
        ? (data as { data: string }).data
        : undefined;
  return { code: source?.code, message: String(source?.message ?? e?.message ?? error), data: hexData };
}

/** Wraps whatever a client library threw into the two errors of a transport. */
export function toTransportError(endpoint: string, method: string, error: unknown): Error {
  if (error instanceof ChainUnreachableError || error instanceof ChainRequestError) return error;
  if (isOutage(error))
    return new ChainUnreachableError(endpoint, (error as Error)?.message ?? String(error), { cause: error });
  const { code, message, data } = rpcErrorOf(error);
  return new ChainRequestError(endpoint, method, code, message, data, { cause: error });
}

/** A transport over HTTP JSON-RPC with `fetch`; every request is bounded by `timeoutMs`. */
export function httpTransport(url: string, options: { timeoutMs?: number } = {}): ChainTransport {
  const timeoutMs = options.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  // The chain's bearer token (COMMCHAIN_RPC_TOKEN), read once: a unit runs with one environment.
  const headers = authHeaders();
  let id = 0;
  return {
    endpoint: url,
    async request<T>(method: string, params: readonly unknown[] = [], options: RequestOptions = {}): Promise<T> {
      let body: { result?: T; error?: { code?: number; message?: string; data?: unknown } };
      const timeout = AbortSignal.timeout(timeoutMs);
      try {
        const response = await fetch(url, {
          method: "POST",
          headers: { "content-type": "application/json", ...headers },
          body: JSON.stringify({ jsonrpc: "2.0", id: ++id, method, params }),
          signal: options.signal === undefined ? timeout : AbortSignal.any([timeout, options.signal]),
        });
        const text = await response.text();
        try {
          body = JSON.parse(text) as typeof body;
        } catch {
          // A proxy or a starting node answering with a non-JSON page is not the chain yet.
          throw new ChainUnreachableError(
            url,
            `HTTP ${response.status} with a body that is not JSON-RPC: ${text.slice(0, 80)}`,
          );
        }
      } catch (error) {
        throw toTransportError(url, method, error);
      }
      if (body.error !== undefined) {
        const { code, message, data } = rpcErrorOf({ error: body.error });
        throw new ChainRequestError(url, method, code, message, data);
      }
      return body.result as T;
    },
  };
}

/** A transport over an EIP-1193 provider or an ethers provider with `send`. */
export function providerTransport(provider: Eip1193Like | SendLike, endpoint = "in-process"): ChainTransport {
  const call =
    "request" in provider && typeof provider.request === "function"
      ? (method: string, params: readonly unknown[]) => (provider as Eip1193Like).request({ method, params })
      : (method: string, params: readonly unknown[]) => (provider as SendLike).send(method, [...params]);
  return {
    endpoint,
    async request<T>(method: string, params: readonly unknown[] = []): Promise<T> {
      try {
        return (await call(method, params)) as T;
      } catch (error) {
        throw toTransportError(endpoint, method, error);
      }
    },
  };
}

/** The transport of any accepted chain endpoint. */
export function toTransport(endpoint: ChainEndpoint, options: { timeoutMs?: number } = {}): ChainTransport {
  if (typeof endpoint === "string") return httpTransport(endpoint, options);
  if (
    "endpoint" in endpoint &&
    typeof (endpoint as ChainTransport).request === "function" &&
    typeof (endpoint as ChainTransport).endpoint === "string"
  ) {
    return endpoint as ChainTransport;
  }
  return providerTransport(endpoint as Eip1193Like | SendLike);
}
