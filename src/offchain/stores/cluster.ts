/**
 * The off-chain network of BPIIoT IV.C: a distributed hash table of store nodes, one per
 * community, each an embedded Helia node. Nodes talk libp2p over TCP (noise encryption, yamux
 * multiplexing, identify, ping) and run a Kademlia DHT in server mode, so an object put on one
 * node is announced with a provider record and any other node finds it through the DHT and
 * fetches it over bitswap, without being told where it is.
 *
 * The DHT is private to the project: its own protocol id (so it never mixes with the public IPFS
 * DHT), no public bootstrap list, no mDNS, and a peer-address filter that keeps private and
 * loopback addresses (the default kad-dht filter drops them, which makes a loopback DHT find
 * nothing). `allowQueryWithZeroPeers` lets the first node answer before it has any peer.
 *
 * The network is private (libp2p pre-shared key, `swarm-key.ts`): a cluster generates its key
 * once, in `<cluster dir>/swarm.key` (0600), and every node wraps each connection in it, so a node
 * without the key can neither join the DHT nor fetch a block over bitswap.
 *
 * Each node keeps its blocks, datastore and private key under its own directory, so peer ids and
 * content survive a restart. Libp2p and Helia are loaded with dynamic `import()` on start.
 */
import { mkdir } from "node:fs/promises";
import path from "node:path";
import type { Helia } from "@helia/interface";
import { HeliaStore, heliaPaths } from "./helia-store";
import { parseCid } from "./cid";
import { loadOrCreatePeerKey } from "./peer-identity";
import { loadOrCreateSwarmKey } from "./swarm-key";
import { StoreClusterConfigError, StoreClusterStartError } from "../errors";

/** Kademlia protocol id of the commchain off-chain network. */
export const DEFAULT_DHT_PROTOCOL = "/commchain/kad/1.0.0";
/** Nodes listen on loopback unless told otherwise. */
export const DEFAULT_STORE_HOST = "127.0.0.1";
/** How long `startStoreCluster` waits for every node to have a DHT peer. */
export const DEFAULT_READY_TIMEOUT_MS = 15_000;
/** Poll interval while waiting for routing tables to fill. */
const READY_POLL_MS = 25;
/** Allowed node names: they become directory names. */
const NODE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

export interface StoreNodeOptions {
  /** Node name (e.g. the community name); also its directory name inside a cluster dir. */
  name: string;
  /** The node's own directory: `peer.key`, `blocks/`, `datastore/`. */
  dir: string;
  /** Listen host (IPv4). Default 127.0.0.1. */
  host?: string;
  /** Listen TCP port. Default 0: any free port. */
  port?: number;
  /** Multiaddrs (with `/p2p/<id>`) of nodes to dial on start. */
  bootstrap?: string[];
  /** Kademlia protocol id. Default `/commchain/kad/1.0.0`. */
  protocol?: string;
  /** Timeout of a networked `get` without a caller signal. */
  getTimeoutMs?: number;
  /**
   * The store network's pre-shared key (text form, `swarm-key.ts`). Default: `<dir>/swarm.key`,
   * created when missing — a node alone in a network of its own.
   */
  swarmKey?: Uint8Array;
}

export interface StoreNode {
  readonly name: string;
  readonly dir: string;
  /** Base58 libp2p peer id, stable across restarts (key in `<dir>/peer.key`). */
  readonly peerId: string;
  /** Dialable multiaddrs, each ending in `/p2p/<peerId>`. */
  readonly multiaddrs: string[];
  /** The node as a `ContentStore`: `put` announces on the DHT, `get` fetches over bitswap. */
  readonly store: HeliaStore;
  /** The multiaddrs this node dialed on start (its bootstrap list). */
  readonly bootstrap: readonly string[];
  /** The Helia node itself, for diagnostics. */
  readonly helia: Helia;
  /** Peer ids this node has an open connection to. */
  connectedPeers(): string[];
  /** Number of peers in the node's Kademlia routing table. */
  routingTableSize(): number;
  /** Peer ids the DHT lists as providers of `cid` (a DHT lookup; does not fetch the content). */
  findProviders(cid: string, options?: { signal?: AbortSignal }): Promise<string[]>;
  /** Stops Helia and libp2p. Idempotent. */
  stop(): Promise<void>;
}

export interface StoreClusterOptions {
  /** Root directory; node `name` lives in `<dir>/<name>`. */
  dir: string;
  /** Number of nodes, named `node-1` … `node-<count>`. Give `count` or `names`. */
  count?: number;
  /** Node names, e.g. community names. */
  names?: string[];
  host?: string;
  protocol?: string;
  getTimeoutMs?: number;
  /** How long to wait for every node to have a peer in its routing table. */
  readyTimeoutMs?: number;
}

export interface StoreCluster {
  readonly dir: string;
  readonly nodes: readonly StoreNode[];
  /** The node called `name`; throws `StoreClusterConfigError` for an unknown name. */
  node(name: string): StoreNode;
  /** Stops every node. Idempotent. */
  stop(): Promise<void>;
}

type KadRoutingTable = { routingTable?: { size: number } };

/** Starts one networked store node and dials its bootstrap peers. */
export async function startStoreNode(options: StoreNodeOptions): Promise<StoreNode> {
  if (!NODE_NAME.test(options.name)) {
    throw new StoreClusterConfigError("name", `"${options.name}" must be letters, digits, ".", "_" or "-"`);
  }
  const dir = path.resolve(options.dir);
  await mkdir(dir, { recursive: true });
  const host = options.host ?? DEFAULT_STORE_HOST;
  const port = options.port ?? 0;
  const [
    { createHelia },
    { tcp },
    { noise },
    { yamux },
    { identify },
    { ping },
    { kadDHT, removePublicAddressesMapper },
    { FsBlockstore },
    { FsDatastore },
    { multiaddr },
    { peerIdFromCID },
    { preSharedKey },
  ] = await Promise.all([
    import("helia"),
    import("@libp2p/tcp"),
    import("@chainsafe/libp2p-noise"),
    import("@chainsafe/libp2p-yamux"),
    import("@libp2p/identify"),
    import("@libp2p/ping"),
    import("@libp2p/kad-dht"),
    import("blockstore-fs"),
    import("datastore-fs"),
    import("@multiformats/multiaddr"),
    import("@libp2p/peer-id"),
    import("@libp2p/pnet"),
  ]);
  const { privateKey, peerId } = await loadOrCreatePeerKey(dir);
  const swarmKey = options.swarmKey ?? (await loadOrCreateSwarmKey(dir)).key;
  const paths = heliaPaths(dir);
  const helia = createHelia({
    blockstore: new FsBlockstore(paths.blocks),
    datastore: new FsDatastore(paths.datastore),
    // No delegated routers or public gateways: the store network must never leave the project.
    http: { delegatedRouters: [], recursiveGateways: [] },
    libp2p: {
      privateKey,
      addresses: { listen: [`/ip4/${host}/tcp/${port}`] },
      transports: [tcp()],
      // Every connection is wrapped in the network's key first: strangers fail the handshake.
      connectionProtector: preSharedKey({ psk: swarmKey }),
      connectionEncrypters: [noise()],
      streamMuxers: [yamux()],
      peerDiscovery: [],
      services: {
        identify: identify(),
        ping: ping(),
        dht: kadDHT({
          protocol: options.protocol ?? DEFAULT_DHT_PROTOCOL,
          clientMode: false,
          allowQueryWithZeroPeers: true,
          peerInfoMapper: removePublicAddressesMapper,
        }),
      },
    },
  });
  try {
    await helia.start();
    for (const address of options.bootstrap ?? []) {
      await helia.libp2p.dial(multiaddr(address));
    }
  } catch (err) {
    await helia.stop();
    throw new StoreClusterStartError([options.name], `failed to start (${(err as Error).message})`, { cause: err });
  }
  const store = new HeliaStore(helia, {
    name: `helia-node:${options.name}`,
    network: true,
    ownsNode: false,
    getTimeoutMs: options.getTimeoutMs,
  });
  let stopped = false;
  return {
    name: options.name,
    dir,
    peerId,
    bootstrap: [...(options.bootstrap ?? [])],
    multiaddrs: helia.libp2p.getMultiaddrs().map((address) => address.toString()),
    store,
    helia,
    connectedPeers: () => helia.libp2p.getPeers().map((peer) => peer.toString()),
    routingTableSize: () => (helia.libp2p.services.dht as unknown as KadRoutingTable).routingTable?.size ?? 0,
    async findProviders(cid, callOptions = {}) {
      const providers = new Set<string>();
      for await (const provider of helia.routing.findProviders(parseCid(cid), { signal: callOptions.signal })) {
        // Helia names providers by the CID form of their peer id.
        providers.add(peerIdFromCID(provider.id).toString());
      }
      return [...providers];
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await store.close();
      await helia.stop();
    },
  };
}

/** Checks and returns the node names of a cluster. */
function clusterNames(options: StoreClusterOptions): string[] {
  if (options.names !== undefined && options.count !== undefined && options.count !== options.names.length) {
    throw new StoreClusterConfigError("count", `is ${options.count} but ${options.names.length} names were given`);
  }
  const names = options.names ?? Array.from({ length: options.count ?? 0 }, (_, i) => `node-${i + 1}`);
  if (names.length === 0) throw new StoreClusterConfigError("count", "a cluster needs at least one node");
  const seen = new Set<string>();
  for (const name of names) {
    if (!NODE_NAME.test(name)) {
      throw new StoreClusterConfigError("names", `"${name}" must be letters, digits, ".", "_" or "-"`);
    }
    if (seen.has(name)) throw new StoreClusterConfigError("names", `"${name}" appears twice`);
    seen.add(name);
  }
  return names;
}

/**
 * Starts a store cluster: node i dials node i−1, then the call waits until every node has at
 * least one peer in its DHT routing table, so a `put` right after start is findable. If any
 * node fails to start, the ones already started are stopped before the error is rethrown.
 */
export async function startStoreCluster(options: StoreClusterOptions): Promise<StoreCluster> {
  const names = clusterNames(options);
  const root = path.resolve(options.dir);
  await mkdir(root, { recursive: true });
  const { key: swarmKey } = await loadOrCreateSwarmKey(root);
  const nodes: StoreNode[] = [];
  const stopAll = async (): Promise<void> => {
    // Reverse order: later nodes were bootstrapped from earlier ones.
    for (const node of [...nodes].reverse()) await node.stop();
  };
  try {
    for (const name of names) {
      const previous = nodes.at(-1);
      nodes.push(
        await startStoreNode({
          name,
          dir: path.join(root, name),
          host: options.host,
          protocol: options.protocol,
          getTimeoutMs: options.getTimeoutMs,
          swarmKey,
          bootstrap: previous === undefined ? [] : [previous.multiaddrs[0]],
        }),
      );
    }
    if (nodes.length > 1) await waitForRoutingTables(nodes, options.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS);
  } catch (err) {
    await stopAll();
    throw err;
  }
  let stopped = false;
  return {
    dir: root,
    nodes,
    node(name) {
      const node = nodes.find((candidate) => candidate.name === name);
      if (node === undefined) {
        throw new StoreClusterConfigError("name", `no node "${name}" (nodes: ${nodes.map((n) => n.name).join(", ")})`);
      }
      return node;
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await stopAll();
    },
  };
}

async function waitForRoutingTables(nodes: readonly StoreNode[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const lonely = nodes.filter((node) => node.routingTableSize() === 0);
    if (lonely.length === 0) return;
    if (Date.now() > deadline) {
      throw new StoreClusterStartError(
        lonely.map((n) => n.name),
        `no DHT peer after ${timeoutMs} ms (raise readyTimeoutMs or check the bootstrap addresses)`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, READY_POLL_MS));
  }
}
