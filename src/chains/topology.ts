import fs from "node:fs";
import path from "node:path";
import { writeFileAtomicSync } from "../io/atomic-write";
import { checkDeviceId } from "../traffic/device-id";
import { TopologyError } from "./errors";

/** A device id as it appears in partition.json (`graph.nodes`). */
export type DeviceId = string;

/** The current (and only) topology.json format version. */
export const TOPOLOGY_VERSION = 1;

/** The file name of the topology inside a chains directory. */
export const TOPOLOGY_FILE = "topology.json";

/** How a local chain was created; the chain process reads the full genesis file named by `file`. */
export interface GenesisSummary {
  /** The chain's genesis file, relative to the topology's directory. */
  file: string;
  /** Hash of block 0, recorded after the first start (the trust root an anchor hub registers). */
  hash?: string;
  /** Unix seconds of block 0. */
  timestamp: number;
  hardfork: string;
  blockGasLimit: number;
  /** Base fee of block 0 in wei, decimal string. */
  initialBaseFeePerGas: string;
  coinbase: string;
  /** Wei every funded account holds at genesis, decimal string. */
  balance: string;
  /** Number of funded accounts (system accounts + members). */
  accounts: number;
}

/** One chain of the topology: the main chain or a community chain. */
export interface ChainEntry {
  /** `main` or `community-<n>`; also the Hardhat network name and the data directory name. */
  name: string;
  chainId: number;
  /** JSON-RPC URL. */
  rpc: string;
  /** Device ids holding an account on this chain (empty for the main chain). */
  members: DeviceId[];
  /** Deployed contracts by name (e.g. `AnchorHub`), filled in by deployments. */
  contracts: Record<string, string>;
  /** True when `chains:up` does not run the chain but only connects to `rpc` (geth, Besu, …). */
  external: boolean;
  /** Local chains: the TCP port on 127.0.0.1. */
  port?: number;
  /** Local chains: the pid of the running `hardhat node` process, or null when stopped. */
  pid?: number | null;
  /** Local chains: the data directory (genesis, journal, log), relative to the topology's directory. */
  dataDir?: string;
  /** Local chains: the genesis settings. */
  genesis?: GenesisSummary;
}

/** The whole multi-chain layout: `<dir>/topology.json`. */
export interface Topology {
  version: typeof TOPOLOGY_VERSION;
  /** Every device of the partition in its order (`graph.nodes`): a device's account index is its position. */
  devices: DeviceId[];
  /** The partition file the chains were planned from, if any. */
  partition?: string;
  main: ChainEntry;
  communities: ChainEntry[];
}

const CHAIN_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const ADDRESS = /^0x[0-9a-fA-F]{40}$/;
const HASH = /^0x[0-9a-fA-F]{64}$/;
const DECIMAL = /^(0|[1-9][0-9]*)$/;
const MAX_PORT = 65_535;

/** The topology file of a chains directory. */
export function topologyPath(dir: string): string {
  return path.join(dir, TOPOLOGY_FILE);
}

/** The main chain followed by the community chains. */
export function allChains(topology: Topology): ChainEntry[] {
  return [topology.main, ...topology.communities];
}

/** The chain called `name`, or undefined. */
export function findChain(topology: Topology, name: string): ChainEntry | undefined {
  return allChains(topology).find((chain) => chain.name === name);
}

/** Absolute data directory of a local chain of the topology stored in `dir`. */
export function chainDataDir(dir: string, chain: ChainEntry): string {
  return path.resolve(dir, chain.dataDir ?? chain.name);
}

/** Reads and validates a topology file; throws {@link TopologyError} naming the file and key. */
export function readTopology(file: string): Topology {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new TopologyError(
      file,
      "",
      code === "ENOENT" ? "does not exist (run chains:up first)" : `cannot be read (${code})`,
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new TopologyError(file, "", `is not valid JSON (${(error as Error).message})`);
  }
  return validateTopology(value, file);
}

/** Validates then writes a topology atomically (never half-written, never invalid). */
export function writeTopology(file: string, topology: Topology): void {
  validateTopology(topology, file);
  writeFileAtomicSync(file, `${JSON.stringify(topology, null, 2)}\n`);
}

/**
 * Checks a parsed topology and returns it normalised (`external` defaults to false, `contracts`
 * to {}, `devices` to []). `file` only names the source in error messages.
 */
export function validateTopology(value: unknown, file = "topology"): Topology {
  const fail = (key: string, problem: string): never => {
    throw new TopologyError(file, key, problem);
  };
  const root = asObject(value, "", fail);
  if (root.version !== TOPOLOGY_VERSION)
    fail("version", `must be ${TOPOLOGY_VERSION}, got ${JSON.stringify(root.version)}`);
  const devices = root.devices === undefined ? [] : stringList(root.devices, "devices", fail);
  if (root.partition !== undefined && typeof root.partition !== "string") fail("partition", "must be a string");
  const main = validateChain(root.main, "main", fail);
  if (main.members.length > 0) fail("main.members", "must be empty: the main chain has no members");
  if (!Array.isArray(root.communities)) fail("communities", "must be an array");
  const communities = (root.communities as unknown[]).map((chain, i) =>
    validateChain(chain, `communities[${i}]`, fail),
  );

  const chains = [main, ...communities];
  const keys = ["main", ...communities.map((_, i) => `communities[${i}]`)];
  const known = new Set(devices);
  chains.forEach((chain, i) => {
    const earlier = chains.slice(0, i);
    const twin = (pick: (c: ChainEntry) => unknown) => earlier.findIndex((c) => pick(c) === pick(chain));
    if (twin((c) => c.name) >= 0)
      fail(`${keys[i]}.name`, `${chain.name} is also the name of ${keys[twin((c) => c.name)]}`);
    if (twin((c) => c.chainId) >= 0)
      fail(`${keys[i]}.chainId`, `${chain.chainId} is also the chain id of ${keys[twin((c) => c.chainId)]}`);
    if (chain.port !== undefined && twin((c) => c.port) >= 0) {
      fail(`${keys[i]}.port`, `${chain.port} is also the port of ${keys[twin((c) => c.port)]}`);
    }
    if (devices.length > 0) {
      const stranger = chain.members.find((member) => !known.has(member));
      if (stranger !== undefined) fail(`${keys[i]}.members`, `device ${JSON.stringify(stranger)} is not in devices`);
    }
  });
  const topology: Topology = { version: TOPOLOGY_VERSION, devices, main, communities };
  if (root.partition !== undefined) topology.partition = root.partition as string;
  return topology;
}

type Fail = (key: string, problem: string) => never;

function validateChain(value: unknown, key: string, fail: Fail): ChainEntry {
  const raw = asObject(value, key, fail);
  if (typeof raw.name !== "string" || !CHAIN_NAME.test(raw.name)) {
    fail(`${key}.name`, `must be a name of letters, digits, '.', '_' or '-', got ${JSON.stringify(raw.name)}`);
  }
  if (!Number.isSafeInteger(raw.chainId) || (raw.chainId as number) <= 0) {
    fail(`${key}.chainId`, `must be a positive integer, got ${JSON.stringify(raw.chainId)}`);
  }
  if (typeof raw.rpc !== "string" || !isRpcUrl(raw.rpc))
    fail(`${key}.rpc`, `must be an http(s) URL, got ${JSON.stringify(raw.rpc)}`);
  const members = raw.members === undefined ? [] : stringList(raw.members, `${key}.members`, fail);
  const contracts: Record<string, string> = {};
  if (raw.contracts !== undefined) {
    const entries = asObject(raw.contracts, `${key}.contracts`, fail);
    for (const [name, address] of Object.entries(entries)) {
      if (typeof address !== "string" || !ADDRESS.test(address)) {
        fail(`${key}.contracts.${name}`, `must be a 0x-prefixed 20-byte address, got ${JSON.stringify(address)}`);
      }
      contracts[name] = address as string;
    }
  }
  if (raw.external !== undefined && typeof raw.external !== "boolean") fail(`${key}.external`, "must be true or false");
  const chain: ChainEntry = {
    name: raw.name as string,
    chainId: raw.chainId as number,
    rpc: raw.rpc as string,
    members,
    contracts,
    external: raw.external === true,
  };
  if (chain.external) return chain;

  if (!Number.isInteger(raw.port) || (raw.port as number) < 1 || (raw.port as number) > MAX_PORT) {
    fail(`${key}.port`, `a local chain needs a port between 1 and ${MAX_PORT}, got ${JSON.stringify(raw.port)}`);
  }
  chain.port = raw.port as number;
  if (chain.rpc !== `http://127.0.0.1:${chain.port}`) {
    fail(`${key}.rpc`, `a local chain answers on http://127.0.0.1:${chain.port}, got ${chain.rpc}`);
  }
  if (raw.pid !== undefined && raw.pid !== null && (!Number.isInteger(raw.pid) || (raw.pid as number) <= 0)) {
    fail(`${key}.pid`, `must be a positive integer or null, got ${JSON.stringify(raw.pid)}`);
  }
  chain.pid = (raw.pid as number | null | undefined) ?? null;
  if (raw.dataDir !== undefined && (typeof raw.dataDir !== "string" || raw.dataDir === ""))
    fail(`${key}.dataDir`, "must be a non-empty path");
  chain.dataDir = (raw.dataDir as string | undefined) ?? chain.name;
  if (raw.genesis !== undefined) chain.genesis = validateGenesisSummary(raw.genesis, `${key}.genesis`, fail);
  return chain;
}

function validateGenesisSummary(value: unknown, key: string, fail: Fail): GenesisSummary {
  const raw = asObject(value, key, fail);
  if (typeof raw.file !== "string" || raw.file === "") fail(`${key}.file`, "must be a non-empty path");
  if (raw.hash !== undefined && (typeof raw.hash !== "string" || !HASH.test(raw.hash)))
    fail(`${key}.hash`, "must be a 32-byte 0x hash");
  for (const field of ["timestamp", "blockGasLimit", "accounts"] as const) {
    if (!Number.isSafeInteger(raw[field]) || (raw[field] as number) < 0)
      fail(`${key}.${field}`, `must be a non-negative integer, got ${JSON.stringify(raw[field])}`);
  }
  for (const field of ["initialBaseFeePerGas", "balance"] as const) {
    if (typeof raw[field] !== "string" || !DECIMAL.test(raw[field] as string))
      fail(`${key}.${field}`, `must be a decimal string of wei, got ${JSON.stringify(raw[field])}`);
  }
  if (typeof raw.hardfork !== "string" || raw.hardfork === "") fail(`${key}.hardfork`, "must be a hardfork name");
  if (typeof raw.coinbase !== "string" || !ADDRESS.test(raw.coinbase)) fail(`${key}.coinbase`, "must be an address");
  const summary: GenesisSummary = {
    file: raw.file as string,
    timestamp: raw.timestamp as number,
    hardfork: raw.hardfork as string,
    blockGasLimit: raw.blockGasLimit as number,
    initialBaseFeePerGas: raw.initialBaseFeePerGas as string,
    coinbase: raw.coinbase as string,
    balance: raw.balance as string,
    accounts: raw.accounts as number,
  };
  if (raw.hash !== undefined) summary.hash = raw.hash as string;
  return summary;
}

function asObject(value: unknown, key: string, fail: Fail): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value))
    fail(key === "" ? "" : key, key === "" ? "must hold a JSON object" : "must be an object");
  return value as Record<string, unknown>;
}

function stringList(value: unknown, key: string, fail: Fail): string[] {
  if (!Array.isArray(value)) fail(key, "must be an array of device ids");
  const list = value as unknown[];
  const seen = new Set<string>();
  list.forEach((item, i) => {
    if (typeof item !== "string" || item === "")
      fail(`${key}[${i}]`, `must be a non-empty string, got ${JSON.stringify(item)}`);
    // Device ids become unit state directories and on-chain identities (review L1).
    const problem = checkDeviceId(item as string);
    if (problem !== undefined) fail(`${key}[${i}]`, `device id ${problem}`);
    if (seen.has(item as string)) fail(`${key}[${i}]`, `${JSON.stringify(item)} appears twice`);
    seen.add(item as string);
  });
  return list as string[];
}

function isRpcUrl(text: string): boolean {
  try {
    return ["http:", "https:"].includes(new URL(text).protocol);
  } catch {
    return false;
  }
}
