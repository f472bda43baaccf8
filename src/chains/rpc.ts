import { FetchRequest } from "ethers";
import { ChainError } from "./errors";
import { authHeaders } from "./rpc-auth";
import { CHAIN_TIMEOUTS } from "./timeouts";

/** A JSON-RPC call that failed: unreachable endpoint, timeout, HTTP error or an error response. */
export class RpcError extends ChainError {
  constructor(
    readonly url: string,
    readonly method: string,
    readonly problem: string,
    readonly code?: number,
  ) {
    super(`${method} at ${url}: ${problem}`);
  }
}

/**
 * One JSON-RPC call over HTTP with a deadline. Hand-written on `fetch` rather than an ethers
 * provider because status and start-up polling must fail fast on a dead endpoint, where ethers
 * retries network detection in the background.
 */
export async function rpcCall<T = unknown>(
  url: string,
  method: string,
  params: unknown[] = [],
  timeoutMs: number = CHAIN_TIMEOUTS.probe,
): Promise<T> {
  let response: Response;
  try {
    response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", ...authHeaders() },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).name;
    throw new RpcError(
      url,
      method,
      cause === "TimeoutError" ? `no answer within ${timeoutMs} ms` : `unreachable (${cause})`,
    );
  }
  if (!response.ok) throw new RpcError(url, method, `HTTP ${response.status}`);
  const body = (await response.json()) as { result?: T; error?: { code: number; message: string } };
  if (body.error !== undefined) throw new RpcError(url, method, body.error.message, body.error.code);
  return body.result as T;
}

/**
 * An ethers request for a chain's RPC carrying the `COMMCHAIN_RPC_TOKEN` bearer token when one is
 * set: what every ethers `JsonRpcProvider` of the project is built on.
 */
export function rpcFetchRequest(url: string, timeoutMs?: number): FetchRequest {
  const request = new FetchRequest(url);
  for (const [name, value] of Object.entries(authHeaders())) request.setHeader(name, value);
  if (timeoutMs !== undefined) request.timeout = timeoutMs;
  return request;
}
