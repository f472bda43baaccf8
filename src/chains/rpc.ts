import { ChainError } from "./errors";

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
export async function rpcCall<T = unknown>(url: string, method: string, params: unknown[] = [], timeoutMs = 5_000): Promise<T> {
  let response: Response;
  try {
    response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).name;
    throw new RpcError(url, method, cause === "TimeoutError" ? `no answer within ${timeoutMs} ms` : `unreachable (${cause})`);
  }
  if (!response.ok) throw new RpcError(url, method, `HTTP ${response.status}`);
  const body = (await response.json()) as { result?: T; error?: { code: number; message: string } };
  if (body.error !== undefined) throw new RpcError(url, method, body.error.message, body.error.code);
  return body.result as T;
}
