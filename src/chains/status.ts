import { Interface } from "ethers";
import { isChainProcess } from "./chain-process";
import { rpcCall } from "./rpc";
import { allChains, chainDataDir, readTopology, topologyPath, type ChainEntry, type Topology } from "./topology";

/** The one AnchorHub view `chains:status` needs (the anchoring module owns the contract). */
export const ANCHOR_HUB_ABI = ["function lastAnchoredHeight(uint256 chainId) external view returns (uint256)"];

/** One line of `chains:status`. */
export interface ChainStatus {
  name: string;
  chainId: number;
  rpc: string;
  external: boolean;
  /** Local chains: the recorded pid (null when stopped). */
  pid: number | null;
  /** Local chains: whether that pid is alive and is this chain; null for external chains. */
  alive: boolean | null;
  /** Latest block number, or null when the chain does not answer. */
  height: number | null;
  /**
   * The latest block's timestamp minus the wall clock, in seconds (positive: the chain's clock is
   * ahead); null when the chain does not answer. Deadlines on chain are read against this clock.
   */
  clockOffset: number | null;
  /**
   * Community chains: the last height anchored on the main chain's AnchorHub; null when there is
   * no hub (or for the main chain), or when the hub could not be read (see `problem`).
   */
  lastAnchored: number | null;
  /** Why a value is missing: chain unreachable, hub call failed. */
  problem?: string;
}

/** Reads the status of every chain of the topology in `dir`; chains are queried in parallel. */
export async function chainsStatus(
  dir: string,
  timeoutMs = 2_000,
): Promise<{ topology: Topology; chains: ChainStatus[] }> {
  const topology = readTopology(topologyPath(dir));
  const hub = topology.main.contracts.AnchorHub;
  const chains = await Promise.all(
    allChains(topology).map((chain) => chainStatus(dir, topology, chain, hub, timeoutMs)),
  );
  return { topology, chains };
}

async function chainStatus(
  dir: string,
  topology: Topology,
  chain: ChainEntry,
  hub: string | undefined,
  timeoutMs: number,
): Promise<ChainStatus> {
  const status: ChainStatus = {
    name: chain.name,
    chainId: chain.chainId,
    rpc: chain.rpc,
    external: chain.external,
    pid: chain.external ? null : (chain.pid ?? null),
    alive: chain.external ? null : isChainProcess(chain.pid, chainDataDir(dir, chain)),
    height: null,
    clockOffset: null,
    lastAnchored: null,
  };
  const problems: string[] = [];
  // A stopped local chain has nothing listening; asking it would only time out.
  if (status.alive !== false) {
    try {
      const latest = await rpcCall<{ number: string; timestamp: string }>(
        chain.rpc,
        "eth_getBlockByNumber",
        ["latest", false],
        timeoutMs,
      );
      status.height = Number(latest.number);
      status.clockOffset = Number(latest.timestamp) - Math.floor(Date.now() / 1000);
    } catch (error) {
      problems.push((error as Error).message);
    }
  }
  if (hub !== undefined && chain !== topology.main) {
    try {
      status.lastAnchored = await lastAnchoredHeight(topology.main.rpc, hub, chain.chainId, timeoutMs);
    } catch (error) {
      problems.push(`AnchorHub ${hub}: ${(error as Error).message}`);
    }
  }
  if (problems.length > 0) status.problem = problems.join("; ");
  return status;
}

/** `AnchorHub.lastAnchoredHeight(chainId)` on the main chain. */
export async function lastAnchoredHeight(
  mainRpc: string,
  hub: string,
  chainId: number,
  timeoutMs = 2_000,
): Promise<number> {
  const abi = new Interface(ANCHOR_HUB_ABI);
  const data = abi.encodeFunctionData("lastAnchoredHeight", [chainId]);
  const result = await rpcCall<string>(mainRpc, "eth_call", [{ to: hub, data }, "latest"], timeoutMs);
  return Number(abi.decodeFunctionResult("lastAnchoredHeight", result)[0]);
}

/** The status as an aligned text table; "-" marks a value that does not apply or is unknown. */
export function formatStatus(chains: readonly ChainStatus[]): string {
  const header = ["chain", "chain id", "rpc", "pid", "alive", "height", "clock", "anchored"];
  const rows = chains.map((c) => [
    c.name,
    String(c.chainId),
    c.rpc,
    c.external ? "external" : (c.pid?.toString() ?? "-"),
    c.alive === null ? "-" : c.alive ? "yes" : "no",
    c.height?.toString() ?? "-",
    c.clockOffset === null ? "-" : `${c.clockOffset >= 0 ? "+" : ""}${c.clockOffset}s`,
    c.lastAnchored?.toString() ?? "-",
  ]);
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => cell.padEnd(widths[i]))
      .join("  ")
      .trimEnd();
  const notes = chains.filter((c) => c.problem !== undefined).map((c) => `${c.name}: ${c.problem}`);
  return [line(header), ...rows.map(line), ...notes].join("\n");
}
