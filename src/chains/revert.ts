/**
 * Revert decoding for every domain that sends transactions (deploy, relay, records, the run's
 * participants): one way to turn a failed call into the custom error a contract raised.
 */
import type { Interface } from "ethers";

/**
 * A readable one-line cause: the decoded custom error when a contract call reverted (from
 * ethers' decoding, or by decoding the revert data with `contract`'s ABI: Hardhat's in-process
 * provider hands back only the raw data), else the error's message.
 */
export function describeError(error: unknown, contract?: Pick<Interface, "parseError">): string {
  const e = error as { revert?: { name: string; args: unknown[] } | null; shortMessage?: string; message?: string };
  if (e?.revert !== undefined && e.revert !== null) return `${e.revert.name}(${e.revert.args.map(String).join(", ")})`;
  const data = revertData(error);
  if (data !== undefined && contract !== undefined) {
    try {
      const parsed = contract.parseError(data);
      if (parsed !== null) return `${parsed.name}(${parsed.args.map(String).join(", ")})`;
    } catch {
      // not one of the contract's errors: fall back to the message
    }
  }
  return e?.shortMessage ?? e?.message ?? String(error);
}

/** Revert data wherever ethers or Hardhat put it. */
function revertData(error: unknown): string | undefined {
  for (
    let e = error as { data?: unknown; error?: unknown; info?: { error?: unknown } } | undefined, depth = 0;
    e !== undefined && e !== null && depth < 4;
    depth++
  ) {
    if (typeof e.data === "string" && /^0x[0-9a-fA-F]{8}/.test(e.data)) return e.data;
    e = (e.error ?? e.info?.error) as typeof e;
  }
  return undefined;
}
