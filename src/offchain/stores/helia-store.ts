/**
 * `ContentStore` on an embedded Helia node.
 *
 * `openHeliaStore({ dir })` is the default backend: a Helia node with no networking at all
 * (`createHeliaLight`), its blocks and datastore in files under `dir`, so nothing needs to be
 * installed and the data survives a restart. A networked Helia node of the store cluster
 * (`cluster.ts`) is wrapped by the same class with `network: true`: `put` then also announces a
 * provider record on the DHT (in the background; `announced(cid)` waits for it), and `get`
 * fetches missing blocks over bitswap.
 *
 * Helia is ESM-only and pulls in libp2p, so it is loaded with a real dynamic `import()` when a
 * store is opened, never when this module is imported.
 */
import path from "node:path";
import { mkdir } from "node:fs/promises";
import type { Helia } from "@helia/interface";
import type { ContentStore, StoreCallOptions } from "./store";
import { cidOf, parseCid, verifyContent } from "./cid";
import { ContentNotFoundError, NotPinnedError, StoreClosedError, ContentStoreUnavailableError } from "../errors";

/** How long a networked `get` looks for a block before giving up, unless the caller passes a signal. */
export const DEFAULT_NETWORK_GET_TIMEOUT_MS = 30_000;

export interface HeliaStoreOptions {
  /** Name used in error messages (e.g. `helia:/data/store` or the community name). */
  name: string;
  /**
   * The node is on a network: announce every `put` on the DHT and let `get` fetch blocks this
   * node does not hold. False for the standalone store: `get` of a missing CID fails at once.
   */
  network: boolean;
  /** Timeout of a networked `get` without a caller signal. */
  getTimeoutMs?: number;
  /** Stop the Helia node on `close()` (true when the store created it). */
  ownsNode: boolean;
}

export class HeliaStore implements ContentStore {
  readonly name: string;
  private closed = false;
  /** Provider-record publications under way (and failed ones, so `announced` can report them). */
  private readonly announcements = new Map<string, Promise<void>>();
  /** Aborts publications still under way when the store closes. */
  private readonly announcing = new AbortController();

  constructor(
    /** The Helia node behind the store; exposed for the cluster and for diagnostics. */
    readonly helia: Helia,
    private readonly options: HeliaStoreOptions,
  ) {
    this.name = options.name;
  }

  async put(bytes: Uint8Array, options: StoreCallOptions = {}): Promise<string> {
    this.assertOpen();
    const cid = await cidOf(bytes);
    await this.helia.blockstore.put(cid, bytes, { signal: options.signal });
    // Helia does not publish provider records by itself; without one, no other node could find
    // the block without being told where it is. Publishing walks the DHT (hundreds of ms with a
    // few peers), while the block is already stored and served by this node, so `put` does not
    // wait for it: the data path's latency is the local write. `announced(cid)` waits for it.
    if (this.options.network) this.announce(cid);
    return cid.toString();
  }

  /**
   * Resolves once the provider record of `cid` (put on this node) is published on the DHT, and
   * rejects with the reason if publishing failed. Resolves at once for a CID with nothing pending.
   */
  async announced(cid: string): Promise<void> {
    await this.announcements.get(parseCid(cid).toString());
  }

  private announce(cid: Awaited<ReturnType<typeof cidOf>>): void {
    const key = cid.toString();
    const publication = this.helia.routing.provide(cid, { signal: this.announcing.signal });
    this.announcements.set(key, publication);
    // A success forgets the entry; a failure stays for `announced` to report, and is never an
    // unhandled rejection.
    publication.then(
      () => {
        if (this.announcements.get(key) === publication) this.announcements.delete(key);
      },
      () => undefined,
    );
  }

  async get(cid: string, options: StoreCallOptions = {}): Promise<Uint8Array> {
    this.assertOpen();
    const parsed = parseCid(cid);
    // Only a store off the network needs to know up front: a networked get fetches what is missing.
    if (!this.options.network && !(await this.helia.blockstore.has(parsed)))
      throw new ContentNotFoundError(cid, this.name);
    const signal = options.signal ?? AbortSignal.timeout(this.options.getTimeoutMs ?? DEFAULT_NETWORK_GET_TIMEOUT_MS);
    const chunks: Uint8Array[] = [];
    try {
      for await (const chunk of this.helia.blockstore.get(parsed, { signal, offline: !this.options.network })) {
        chunks.push(chunk);
      }
    } catch (err) {
      if (signal.aborted || (err as Error).name === "NotFoundError") {
        throw new ContentNotFoundError(cid, this.name, { cause: err });
      }
      throw err;
    }
    const bytes = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
    await verifyContent(cid, bytes);
    return bytes;
  }

  async has(cid: string): Promise<boolean> {
    this.assertOpen();
    return this.helia.blockstore.has(parseCid(cid));
  }

  async pin(cid: string, options: StoreCallOptions = {}): Promise<void> {
    this.assertOpen();
    const parsed = parseCid(cid);
    if (await this.helia.pins.isPinned(parsed)) return;
    if (!this.options.network && !(await this.helia.blockstore.has(parsed))) {
      throw new ContentNotFoundError(cid, this.name);
    }
    // Pinning is a generator of the CIDs it pinned; it only does its work when drained.
    for await (const _pinned of this.helia.pins.add(parsed, { signal: options.signal })) void _pinned;
  }

  async unpin(cid: string, options: StoreCallOptions = {}): Promise<void> {
    this.assertOpen();
    const parsed = parseCid(cid);
    if (!(await this.helia.pins.isPinned(parsed))) throw new NotPinnedError(cid);
    for await (const _unpinned of this.helia.pins.rm(parsed, { signal: options.signal })) void _unpinned;
  }

  async isPinned(cid: string): Promise<boolean> {
    this.assertOpen();
    return this.helia.pins.isPinned(parseCid(cid));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.announcing.abort();
    await Promise.allSettled(this.announcements.values());
    if (this.options.ownsNode) await this.helia.stop();
  }

  private assertOpen(): void {
    if (this.closed) throw new StoreClosedError(this.name);
  }
}

/** The block and data folders of a Helia node rooted at `dir`. */
export function heliaPaths(dir: string): { blocks: string; datastore: string } {
  return { blocks: path.join(dir, "blocks"), datastore: path.join(dir, "datastore") };
}

/**
 * Opens (creating it if needed) the standalone Helia store under `dir`: no networking, blocks
 * and pins kept in files, so a second `openHeliaStore` on the same `dir` after `close()` sees
 * everything the first one stored.
 */
export async function openHeliaStore(options: { dir: string; name?: string }): Promise<HeliaStore> {
  const dir = path.resolve(options.dir);
  const paths = heliaPaths(dir);
  await mkdir(dir, { recursive: true });
  const [{ createHeliaLight }, { FsBlockstore }, { FsDatastore }] = await Promise.all([
    import("helia"),
    import("blockstore-fs"),
    import("datastore-fs"),
  ]);
  let helia: Helia;
  try {
    helia = createHeliaLight({
      blockstore: new FsBlockstore(paths.blocks),
      datastore: new FsDatastore(paths.datastore),
    });
    await helia.start();
  } catch (err) {
    throw new ContentStoreUnavailableError(dir, `cannot open the Helia store (${(err as Error).message})`, {
      cause: err,
    });
  }
  return new HeliaStore(helia, { name: options.name ?? `helia:${dir}`, network: false, ownsNode: true });
}
