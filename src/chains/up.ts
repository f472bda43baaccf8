import fs from "node:fs";
import path from "node:path";
import { readPartition } from "../partition/document";
import { projectMnemonic, refuseDevelopmentMnemonic } from "./accounts";
import { isChainProcess, launchChain, NODE_LOG_FILE, stopChainProcess, waitForChain } from "./chain-process";
import { ChainStartError, ExternalChainError, PartitionFileError, PortInUseError, StaleChainDataError } from "./errors";
import { buildGenesis, GENESIS_FILE, summarizeGenesis, writeGenesis } from "./genesis";
import { JOURNAL_FILE } from "./journal";
import { planTopology, type ExternalChain } from "./plan";
import { freePorts, isPortFree } from "./ports";
import { rpcCall } from "./rpc";
import {
  allChains,
  chainDataDir,
  readTopology,
  topologyPath,
  writeTopology,
  type ChainEntry,
  type Topology,
} from "./topology";

/** Options of {@link chainsUp}. */
export interface ChainsUpOptions {
  /** The chains directory (topology.json and one data directory per chain). */
  dir: string;
  /** The partition to plan from; required when the directory has no topology yet. */
  partition?: string;
  /** Port of the main chain; community n gets basePort + n. 0 picks free ports. */
  basePort: number;
  /** Chain id of the main chain; community n gets mainChainId + n. */
  mainChainId: number;
  /** Chains run elsewhere (name → RPC URL), when planning a new topology. */
  external?: Readonly<Record<string, string>>;
  /** How long each chain may take to answer (a restart replays its journal first). */
  timeoutMs: number;
  /** Project root and Hardhat config the chain processes run with. */
  projectRoot: string;
  configFile: string;
  /** Progress lines. */
  onProgress?: (message: string) => void;
}

/** What `chains:up` did with a chain. */
export type ChainAction = "started" | "restarted" | "running" | "external";

export interface ChainUpResult {
  name: string;
  chainId: number;
  rpc: string;
  pid: number | null;
  action: ChainAction;
}

export interface ChainsUpResult {
  topologyFile: string;
  topology: Topology;
  chains: ChainUpResult[];
}

/**
 * Brings every chain of a chains directory up. Without a topology it plans one from the partition
 * (main chain + one chain per community), writes each local chain's genesis and starts them; with
 * one it leaves running chains alone, checks external ones and restarts stopped ones, which replay
 * their journals. Chains start in parallel. If any chain fails, every process started by this call
 * is stopped, files it created are removed, and topology.json is left as it was; on success it is
 * written atomically with the new pids.
 */
export async function chainsUp(options: ChainsUpOptions): Promise<ChainsUpResult> {
  const dir = path.resolve(options.dir);
  const file = topologyPath(dir);
  const progress = options.onProgress ?? (() => undefined);
  const fresh = !fs.existsSync(file);
  // Before any external chain is even asked for its id: the public keys must not be used there.
  if (fresh) {
    const external = Object.keys(options.external ?? {}).map((name) => ({ name, external: true }));
    refuseDevelopmentMnemonic(external, projectMnemonic(), "--external");
  }
  const topology = fresh ? await planFromPartition(dir, options) : reuseTopology(file, options);
  refuseDevelopmentMnemonic(topology, projectMnemonic(), file);

  const results = new Map<string, ChainUpResult>();
  const toStart: ChainEntry[] = [];
  for (const chain of allChains(topology)) {
    const result = (action: ChainAction): ChainUpResult => ({
      name: chain.name,
      chainId: chain.chainId,
      rpc: chain.rpc,
      pid: chain.pid ?? null,
      action,
    });
    if (chain.external) {
      await waitForExternal(chain, options.timeoutMs);
      results.set(chain.name, result("external"));
    } else if (isChainProcess(chain.pid, chainDataDir(dir, chain))) {
      await waitForChain({ chain: chain.name, rpc: chain.rpc, chainId: chain.chainId, timeoutMs: options.timeoutMs });
      results.set(chain.name, result("running"));
      progress(`${chain.name} is already running (pid ${chain.pid}, ${chain.rpc})`);
    } else {
      toStart.push(chain);
    }
  }
  for (const chain of toStart) await assertPortFree(chain);

  const created: string[] = [];
  const launched: { chain: ChainEntry; pid: number }[] = [];
  try {
    if (fresh) created.push(...writeGeneses(dir, file, topology, toStart));
    for (const chain of toStart) {
      const chainDir = chainDataDir(dir, chain);
      const pid = launchChain({
        chain: chain.name,
        chainDir,
        port: chain.port as number,
        projectRoot: options.projectRoot,
        configFile: options.configFile,
      });
      launched.push({ chain, pid });
      if (fresh) created.push(path.join(chainDir, JOURNAL_FILE));
      const replay = fresh ? "" : `, replaying ${journaledBlocks(path.join(chainDir, JOURNAL_FILE))} journaled blocks`;
      progress(
        `${fresh ? "starting" : "restarting"} ${chain.name} (chain id ${chain.chainId}) on ${chain.rpc}, pid ${pid}${replay}`,
      );
    }
    const outcomes = await Promise.allSettled(
      launched.map(async ({ chain, pid }) => {
        const chainDir = chainDataDir(dir, chain);
        await waitForChain({
          chain: chain.name,
          rpc: chain.rpc,
          chainId: chain.chainId,
          timeoutMs: options.timeoutMs,
          process: { pid, chainDir, logFile: path.join(chainDir, NODE_LOG_FILE) },
        });
        const genesis = await rpcCall<{ hash: string }>(chain.rpc, "eth_getBlockByNumber", ["0x0", false]);
        if (chain.genesis !== undefined) chain.genesis.hash = genesis.hash;
        chain.pid = pid;
        results.set(chain.name, {
          name: chain.name,
          chainId: chain.chainId,
          rpc: chain.rpc,
          pid,
          action: fresh ? "started" : "restarted",
        });
        progress(`${chain.name} is up (pid ${pid})`);
      }),
    );
    const failure = outcomes.find((outcome): outcome is PromiseRejectedResult => outcome.status === "rejected");
    if (failure !== undefined) throw failure.reason;
    writeTopology(file, topology);
  } catch (error) {
    await Promise.all(launched.map(({ chain, pid }) => stopChainProcess(pid, chainDataDir(dir, chain))));
    for (const leftover of created) fs.rmSync(leftover, { force: true });
    throw error;
  }
  return {
    topologyFile: file,
    topology,
    chains: allChains(topology).map((chain) => results.get(chain.name) as ChainUpResult),
  };
}

/** How long a port may stay busy before it counts as taken: a chain killed a moment ago may still hold it. */
const PORT_SETTLE_MS = 2_000;

async function assertPortFree(chain: ChainEntry): Promise<void> {
  const port = chain.port as number;
  for (let waited = 0; !(await isPortFree(port)); waited += 200) {
    if (waited >= PORT_SETTLE_MS) throw new PortInUseError(port, chain.name);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function planFromPartition(dir: string, options: ChainsUpOptions): Promise<Topology> {
  if (options.partition === undefined) {
    throw new PartitionFileError(
      topologyPath(dir),
      "",
      "does not exist and no partition was given to plan the chains from (--partition)",
    );
  }
  const partition = path.resolve(options.partition);
  const doc = readPartition(partition);
  const count = doc.chosen.communities.length + 1;
  const ports =
    options.basePort === 0 ? await freePorts(count) : Array.from({ length: count }, (_, i) => options.basePort + i);
  const external: Record<string, ExternalChain> = {};
  for (const [name, rpc] of Object.entries(options.external ?? {})) {
    external[name] = { rpc, chainId: await externalChainId(name, rpc, options.timeoutMs) };
  }
  return planTopology(doc.graph.nodes, doc.chosen.communities, {
    mainChainId: options.mainChainId,
    ports,
    external,
    partition,
  });
}

/** An existing topology, checked against the partition if one was given. */
function reuseTopology(file: string, options: ChainsUpOptions): Topology {
  const topology = readTopology(file);
  if (options.partition === undefined) return topology;
  const partition = path.resolve(options.partition);
  const doc = readPartition(partition);
  const planned = JSON.stringify(doc.chosen.communities);
  const running = JSON.stringify(topology.communities.map((chain) => chain.members));
  if (planned !== running || JSON.stringify(doc.graph.nodes) !== JSON.stringify(topology.devices)) {
    throw new PartitionFileError(
      partition,
      "chosen.communities",
      `differs from the chains of ${file}; stop them (chains:down) and use another --dir to run this partition`,
    );
  }
  return topology;
}

/** Writes the genesis of every chain to start, refusing to overwrite data of an earlier run. */
function writeGeneses(dir: string, topologyFile: string, topology: Topology, chains: readonly ChainEntry[]): string[] {
  const timestamp = Math.floor(Date.now() / 1000);
  const mnemonic = projectMnemonic();
  for (const chain of chains) {
    const journal = path.join(chainDataDir(dir, chain), JOURNAL_FILE);
    if (fs.existsSync(journal)) throw new StaleChainDataError(journal, topologyFile);
  }
  return chains.map((chain) => {
    const relative = path.join(chain.dataDir ?? chain.name, GENESIS_FILE);
    const genesis = buildGenesis(chain, topology, { timestamp, mnemonic });
    writeGenesis(path.join(dir, relative), genesis);
    chain.genesis = summarizeGenesis(genesis, relative);
    return path.join(dir, relative);
  });
}

/** Complete block lines of a journal (its first line is the genesis record), for progress only. */
function journaledBlocks(file: string): number {
  try {
    const lines = fs.readFileSync(file).filter((byte) => byte === 0x0a).length;
    return Math.max(0, lines - 1);
  } catch {
    return 0;
  }
}

async function externalChainId(name: string, rpc: string, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return Number(await rpcCall<string>(rpc, "eth_chainId", [], 2_000));
    } catch (error) {
      if (Date.now() >= deadline)
        throw new ExternalChainError(
          name,
          rpc,
          `no chain id within ${Math.round(timeoutMs / 1000)} s (${(error as Error).message})`,
        );
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}

async function waitForExternal(chain: ChainEntry, timeoutMs: number): Promise<void> {
  try {
    await waitForChain({ chain: chain.name, rpc: chain.rpc, chainId: chain.chainId, timeoutMs });
  } catch (error) {
    if (error instanceof ChainStartError) throw new ExternalChainError(chain.name, chain.rpc, error.problem);
    throw error;
  }
}
