/**
 * Test fixtures of the anchor module: extra in-process Hardhat chains (each its own EDR
 * instance with its own chain id, so no ports and no processes), record generators, and a
 * community + main chain pair with a RecordLog, an AnchorHub and a batch store.
 */
import { BatchStore, type Communication } from "../../../src/records";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import hre, { ethers } from "hardhat";
import { createProvider } from "hardhat/internal/core/providers/construction";
import { normalizeHardhatNetworkAccountsConfig } from "hardhat/internal/core/providers/util";
import { BrowserProvider, type Signer } from "ethers";
import type { EthereumProvider, HardhatNetworkAccountConfig } from "hardhat/types";
import type { AnchorHub, RecordLog } from "../../../typechain-types";
import { deployAnchorHub, deployRecordLog, type RpcClient } from "../../../src/anchor";

/** An in-process chain. */
export interface TestChain {
  readonly chainId: number;
  readonly eip1193: EthereumProvider;
  readonly provider: BrowserProvider;
  /** A JSON-RPC client as the relay and prover take it. */
  readonly rpc: RpcClient;
  signer(index?: number): Promise<Signer>;
  /** Mines `count` blocks one by one (hardhat_mine's skipped blocks carry no parent hash). */
  mine(count: number): Promise<void>;
}

let accounts: HardhatNetworkAccountConfig[] | undefined;

/** A fresh in-process Hardhat chain with `chainId`, optionally at another hardfork. */
export async function inProcessChain(chainId: number, hardfork?: string): Promise<TestChain> {
  // Deriving the HD accounts takes about a second: do it once for every chain of the run.
  accounts ??= normalizeHardhatNetworkAccountsConfig(hre.config.networks.hardhat.accounts);
  const hardhat = {
    ...hre.config.networks.hardhat,
    chainId,
    accounts,
    ...(hardfork === undefined ? {} : { hardfork }),
  };
  const config = { ...hre.config, networks: { ...hre.config.networks, hardhat } };
  const eip1193 = await createProvider(config, "hardhat");
  const provider = new BrowserProvider(eip1193, undefined, { pollingInterval: 50, cacheTimeout: -1 });
  const rpc: RpcClient = { send: (method, params) => eip1193.request({ method, params }) };
  return {
    chainId,
    eip1193,
    provider,
    rpc,
    signer: (index = 0) => provider.getSigner(index),
    mine: async (count) => {
      for (let i = 0; i < count; i++) await eip1193.request({ method: "evm_mine", params: [] });
    },
  };
}

/** `count` communications between the paper's 44 devices, deterministic. */
export function communications(count: number, seed = 0): Communication[] {
  return Array.from({ length: count }, (_, i) => ({
    timestamp: 1_700_000_000_000 + 250 * (seed + i),
    from: String(((seed + i) % 44) + 1).padStart(2, "0"),
    to: String(((seed + 3 * i + 5) % 44) + 1).padStart(2, "0"),
    bytes: 40 + ((seed * 7 + i * 13) % 1_460),
  }));
}

/** A fresh temporary directory, removed by the returned cleanup. */
export function tempDir(prefix = "commchain-anchor-"): { dir: string; cleanup: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  return { dir, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** A community chain (in-process, chain id `chainId`) with a RecordLog and a batch store. */
export interface TestCommunity {
  readonly name: string;
  readonly chain: TestChain;
  readonly log: RecordLog;
  readonly recordLog: string;
  readonly writer: Signer;
  readonly store: BatchStore;
}

/** Deploys a RecordLog on a new in-process chain; account 1 is its writer. */
export async function community(name: string, chainId: number, storeDir: string): Promise<TestCommunity> {
  const chain = await inProcessChain(chainId);
  const admin = await chain.signer(0);
  const writer = await chain.signer(1);
  const log = await deployRecordLog(admin, [await writer.getAddress()]);
  return {
    name,
    chain,
    log,
    recordLog: await log.getAddress(),
    writer,
    store: new BatchStore(path.join(storeDir, name)),
  };
}

/** The AnchorHub on the test's main chain (Hardhat's in-process network); account 1 relays. */
export async function mainHub(): Promise<{ hub: AnchorHub; relayerHub: AnchorHub }> {
  const [admin, relayer] = await ethers.getSigners();
  const hub = await deployAnchorHub(admin, [relayer.address]);
  return { hub, relayerHub: hub.connect(relayer) };
}

/** Awaits `promise` and checks it rejects with a `type` whose message matches `message`; returns the error. */
export async function expectReject<E extends Error>(
  promise: Promise<unknown>,
  type: new (...args: never[]) => E,
  message: RegExp,
): Promise<E> {
  try {
    await promise;
  } catch (error) {
    expect(error).to.be.instanceOf(type);
    expect((error as Error).message).to.match(message);
    return error as E;
  }
  return expect.fail(`expected ${type.name} matching ${message}`);
}
