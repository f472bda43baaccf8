/**
 * What `store:up` leaves behind for `store:status`: `<dir>/cluster.json` (written atomically
 * while the cluster runs, removed when it stops) and, per node, `<dir>/<name>/peer.key` and its
 * blocks. Status is read from files only, so it works whether or not the cluster is running.
 */
import { readdir, readFile, rm, stat } from "node:fs/promises";
import path from "node:path";
import { writeFileAtomic } from "../../io/atomic-write";
import { heliaPaths } from "./helia-store";
import { PEER_KEY_FILE, readPeerId } from "./peer-identity";
import type { StoreCluster } from "./cluster";
import { ClusterFileError } from "../errors";

export const CLUSTER_FILE = "cluster.json";

/** Contents of `<dir>/cluster.json`. */
export interface ClusterFile {
  version: 1;
  /** Process running the cluster. */
  pid: number;
  startedAt: string;
  /** Gateway URL, when one runs in front of the first node. */
  gateway?: string;
  nodes: { name: string; peerId: string; multiaddrs: string[] }[];
}

export interface StoreNodeStatus {
  name: string;
  dir: string;
  peerId?: string;
  /** Number of blocks in the node's blockstore. */
  blocks: number;
  /** Total size of those blocks in bytes. */
  bytes: number;
  /** Listen addresses, when the cluster is running. */
  multiaddrs: string[];
}

export interface StoreStatus {
  dir: string;
  running: boolean;
  pid?: number;
  gateway?: string;
  nodes: StoreNodeStatus[];
}

/** Records a running cluster in `<dir>/cluster.json`. */
export async function writeClusterFile(cluster: StoreCluster, gateway?: string): Promise<string> {
  const file = path.join(cluster.dir, CLUSTER_FILE);
  const content: ClusterFile = {
    version: 1,
    pid: process.pid,
    startedAt: new Date().toISOString(),
    gateway,
    nodes: cluster.nodes.map((node) => ({ name: node.name, peerId: node.peerId, multiaddrs: node.multiaddrs })),
  };
  await writeFileAtomic(file, JSON.stringify(content, null, 2) + "\n");
  return file;
}

/** Removes `<dir>/cluster.json` (the cluster stopped). */
export async function removeClusterFile(dir: string): Promise<void> {
  await rm(path.join(dir, CLUSTER_FILE), { force: true });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

async function readClusterFile(dir: string): Promise<ClusterFile | undefined> {
  const file = path.join(dir, CLUSTER_FILE);
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
  try {
    const parsed = JSON.parse(text) as ClusterFile;
    if (parsed.version !== 1 || !Array.isArray(parsed.nodes)) throw new Error("unknown version or no nodes");
    return parsed;
  } catch (err) {
    throw new ClusterFileError(file, `not a cluster file (${(err as Error).message})`);
  }
}

async function blockUsage(blocksDir: string): Promise<{ blocks: number; bytes: number }> {
  let entries;
  try {
    entries = await readdir(blocksDir, { withFileTypes: true, recursive: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return { blocks: 0, bytes: 0 };
    throw err;
  }
  let blocks = 0;
  let bytes = 0;
  for (const entry of entries) {
    if (!entry.isFile() || !entry.name.endsWith(".data")) continue;
    blocks += 1;
    bytes += (await stat(path.join(entry.parentPath, entry.name))).size;
  }
  return { blocks, bytes };
}

/** The status of the store cluster under `dir`: every node directory with a peer key. */
export async function storeStatus(dir: string): Promise<StoreStatus> {
  const root = path.resolve(dir);
  const clusterFile = await readClusterFile(root);
  const running = clusterFile !== undefined && isAlive(clusterFile.pid);
  let entries: string[] = [];
  try {
    entries = (await readdir(root, { withFileTypes: true }))
      .filter((e) => e.isDirectory())
      .map((e) => e.name)
      .sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
  const nodes: StoreNodeStatus[] = [];
  for (const name of entries) {
    const nodeDir = path.join(root, name);
    const peerId = await readPeerId(nodeDir);
    if (peerId === undefined) continue; // not a node directory (no peer.key)
    const usage = await blockUsage(heliaPaths(nodeDir).blocks);
    const live = running ? clusterFile?.nodes.find((n) => n.name === name) : undefined;
    nodes.push({ name, dir: nodeDir, peerId, ...usage, multiaddrs: live?.multiaddrs ?? [] });
  }
  return {
    dir: root,
    running,
    pid: running ? clusterFile?.pid : undefined,
    gateway: running ? clusterFile?.gateway : undefined,
    nodes,
  };
}

/** A plain-text table of a status, for `store:status`. */
export function formatStoreStatus(status: StoreStatus): string {
  const lines = [
    `store cluster ${status.dir}: ${status.running ? `running (pid ${status.pid})` : "stopped"}` +
      (status.gateway ? `, gateway ${status.gateway}` : ""),
  ];
  if (status.nodes.length === 0) lines.push(`  no nodes (no */${PEER_KEY_FILE}); start them with store:up`);
  for (const node of status.nodes) {
    lines.push(
      `  ${node.name.padEnd(16)} ${node.peerId ?? "?"}  ${String(node.blocks).padStart(6)} blocks ${String(node.bytes).padStart(10)} bytes`,
    );
    for (const address of node.multiaddrs) lines.push(`    ${address}`);
  }
  return lines.join("\n");
}
