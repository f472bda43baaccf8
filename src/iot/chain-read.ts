/**
 * Read-only contract calls over a `ChainTransport`: `eth_call` with an ABI-encoded call, the
 * answer decoded. The unit reads little (its machine's thresholds and part price, its token
 * balance, allowance and permit nonce) and only when the chain is up; a failure is the transport's
 * typed error, so the caller can tell "down, use the cached value" from a real problem.
 */
import type { Interface, Result } from "ethers";
import type { ChainTransport } from "./transport";

/** Calls view function `fn` of the contract at `to` and returns its decoded result. */
export async function readContract(
  transport: ChainTransport,
  to: string,
  iface: Interface,
  fn: string,
  args: readonly unknown[] = [],
  options: { from?: string; signal?: AbortSignal } = {},
): Promise<Result> {
  const data = iface.encodeFunctionData(fn, args);
  const call: { to: string; data: string; from?: string } = { to, data };
  if (options.from !== undefined) call.from = options.from;
  const answer = await transport.request<string>("eth_call", [call, "latest"], { signal: options.signal });
  return iface.decodeFunctionResult(fn, answer);
}
