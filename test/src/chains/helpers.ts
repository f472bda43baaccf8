import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import hre from "hardhat";
import { createProvider } from "hardhat/internal/core/providers/construction";
import type { EthereumProvider, HardhatConfig } from "hardhat/types";
import { chainNodeNetwork } from "../../../src/chains/chain-node";
import { buildGenesis, GENESIS_FILE, writeGenesis } from "../../../src/chains/genesis";

/** A fresh temporary directory. */
export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `commchain-${prefix}-`));
}

/** Writes a genesis for a chain of the given members into `chainDir`. */
export function writeTestGenesis(chainDir: string, options: { chainId?: number; members?: string[]; devices?: string[]; timestamp?: number } = {}): void {
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
/** Init code of a contract that reverts on every call. */
export const REVERTER_INIT_CODE = "0x6005600c60003960056000f3" + "60006000fd";
