import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import hre from "hardhat";
import { createProvider } from "hardhat/internal/core/providers/construction";
import type { EthereumProvider, HardhatConfig } from "hardhat/types";
import { chainNodeNetwork } from "../../../src/chains/chain-node";
import { isProcessGone } from "../../../src/chains/chain-process";
import { buildGenesis, GENESIS_FILE, writeGenesis } from "../../../src/chains/genesis";
import type { PartitionDocument } from "../../../src/partition/document";

/** A fresh temporary directory. */
export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `commchain-${prefix}-`));
}

/** Writes a genesis for a chain of the given members into `chainDir`. */
export function writeTestGenesis(
  chainDir: string,
  options: { chainId?: number; members?: string[]; devices?: string[]; timestamp?: number } = {},
): void {
  const devices = options.devices ?? ["d1", "d2", "d3"];
  const genesis = buildGenesis(
    { name: path.basename(chainDir), chainId: options.chainId ?? 31001, members: options.members ?? devices },
    devices,
    { timestamp: options.timestamp ?? 1_735_689_600 },
  );
  fs.mkdirSync(chainDir, { recursive: true });
  writeGenesis(path.join(chainDir, GENESIS_FILE), genesis);
}

/**
 * An in-process Hardhat network configured exactly as a chain process configures it from
 * `<chainDir>/genesis.json` (the same `chainNodeNetwork`), without a server.
 */
export async function chainProvider(chainDir: string): Promise<EthereumProvider> {
  const config = structuredClone(hre.config) as HardhatConfig;
  const network = chainNodeNetwork(chainDir);
  config.networks.hardhat = {
    ...hre.config.networks.hardhat,
    ...network,
    mining: { auto: true, interval: 0, mempool: { order: "fifo" } },
  } as HardhatConfig["networks"]["hardhat"];
  return createProvider(config, "hardhat", hre.artifacts);
}

/** Init code of a contract that adds 1 to storage slot 0 on every call. */
export const COUNTER_INIT_CODE = "0x600a600c600039600a6000f3" + "60005460010160005500";
/**
 * Init code of an AnchorHub stand-in whose every call returns its first argument + 7, so
 * `lastAnchoredHeight(chainId)` answers chainId + 7.
 */
export const ANCHOR_HUB_STUB_INIT_CODE = "0x600e600c600039600e6000f3" + "600435600701600052602060" + "00f3";
/** Init code of a contract that reverts on every call. */
export const REVERTER_INIT_CODE = "0x6005600c60003960056000f3" + "60006000fd";

/** A valid partition document with the given devices and chosen communities (DESIGN.md keys). */
export function partitionDocument(nodes: string[], communities: string[][]): PartitionDocument {
  return {
    version: 1,
    log: { file: "traffic.csv", records: 100, devices: nodes.length, spanHours: 1 },
    threshold: { value: 1, unit: "records/hour", auto: true },
    graph: { nodes, edges: [] },
    byK: [{ k: 3, communities, uncovered: [], overlapping: [] }],
    chosen: { k: 3, communities, interChainNodes: [], uncovered: [] },
    strategies: [],
  };
}

/** Pids of live chain processes whose data directory lies under `dir` (scanned in /proc). */
export function chainProcessesUnder(dir: string): number[] {
  const pids: number[] = [];
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    let args: string[];
    try {
      args = fs.readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0");
    } catch {
      continue;
    }
    const at = args.indexOf("--chain-dir");
    if (at >= 0 && args[at + 1]?.startsWith(dir + path.sep)) pids.push(Number(entry));
  }
  return pids;
}

/** SIGKILLs every chain process under `dir` (test clean-up: only processes the test started). */
export async function killChainProcessesUnder(dir: string): Promise<void> {
  const pids = chainProcessesUnder(dir);
  for (const pid of pids) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
  for (let i = 0; i < 50 && chainProcessesUnder(dir).length > 0; i++)
    await new Promise((resolve) => setTimeout(resolve, 100));
  for (const pid of pids) await waitGone(pid);
}

/** Waits until a process has fully exited (its sockets are closed). */
export async function waitGone(pid: number): Promise<void> {
  for (let i = 0; i < 100 && !isProcessGone(pid); i++) await new Promise((resolve) => setTimeout(resolve, 50));
}
