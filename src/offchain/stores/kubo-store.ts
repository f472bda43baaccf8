/**
 * `ContentStore` on a Kubo daemon (or anything speaking the Kubo RPC API, e.g. an IPFS Cluster
 * proxy) through `kubo-rpc-client`.
 *
 * Objects go in with `block/put --cid-codec raw --mhtype sha2-256`, so the CID Kubo returns is the
 * same CIDv1 raw CID the Helia store computes for the same bytes (checked on every put). Only
 * these routes are used: `version`, `block/put`, `block/get`, `block/stat` (with `offline=true`
 * for `has`), `pin/add`, `pin/rm`, `pin/ls`.
 *
 * `openKuboStore` asks the daemon for its version first, so a missing daemon is reported at once
 * as a `ContentStoreUnavailableError` naming the URL instead of failing on the first put.
 */
import type { KuboRPCClient } from "kubo-rpc-client";
import type { ContentStore, StoreCallOptions } from "./store";
import { cidOf, parseCid, verifyContent } from "./cid";
import {
  ContentIntegrityError,
  ContentNotFoundError,
  ContentStoreRequestError,
  ContentStoreUnavailableError,
  NotPinnedError,
  OffchainError,
  StoreClosedError,
} from "../errors";

/** Kubo's default RPC API address. */
export const DEFAULT_KUBO_API = "http://127.0.0.1:5001";
/** How long `openKuboStore` waits for the daemon to answer before declaring it unavailable. */
export const DEFAULT_KUBO_CONNECT_TIMEOUT_MS = 5_000;
/** Timeout of a `get` or `pin` without a caller signal (Kubo may search the network for the block). */
export const DEFAULT_KUBO_CALL_TIMEOUT_MS = 30_000;

export interface KuboStoreOptions {
  /** RPC API base URL, as given to `--ipfs-api`. */
  url?: string;
  connectTimeoutMs?: number;
  callTimeoutMs?: number;
}

/** The Kubo daemon said a block or pin does not exist (its messages vary across versions). */
function isKuboNotFound(err: unknown): boolean {
  return /not found|could not find|no link named|not pinned/i.test((err as Error)?.message ?? "");
}

/** The request never reached a daemon: refused, reset, DNS, aborted before any answer. */
function isUnreachable(err: unknown): boolean {
  const e = err as { name?: string; message?: string; cause?: { code?: string } };
  return e?.name === "TypeError" && /fetch failed/i.test(e.message ?? "");
}

function reasonOf(err: unknown): string {
  const e = err as { message?: string; cause?: { code?: string; message?: string } };
  return e?.cause?.code ?? e?.cause?.message ?? e?.message ?? String(err);
}

export class KuboStore implements ContentStore {
  readonly name: string;
  private closed = false;

  constructor(
    private readonly client: KuboRPCClient,
    readonly url: string,
    private readonly callTimeoutMs: number,
  ) {
    this.name = `kubo:${url}`;
  }

  async put(bytes: Uint8Array, options: StoreCallOptions = {}): Promise<string> {
    this.assertOpen();
    const expected = await cidOf(bytes);
    // camelCase keys become kebab-case query parameters (`cid-codec=raw`).
    const putOptions = { cidCodec: "raw", mhtype: "sha2-256", signal: options.signal };
    const cid = await this.call("block/put", () => this.client.block.put(bytes, putOptions));
    if (cid.toString() !== expected.toString()) throw new ContentIntegrityError(expected.toString(), cid.toString());
    return expected.toString();
  }

  async get(cid: string, options: StoreCallOptions = {}): Promise<Uint8Array> {
    this.assertOpen();
    const parsed = parseCid(cid);
    const signal = options.signal ?? AbortSignal.timeout(this.callTimeoutMs);
    const bytes = await this.call("block/get", () => this.client.block.get(parsed, { signal }), cid);
    await verifyContent(cid, bytes);
    return bytes;
  }

  async has(cid: string, options: StoreCallOptions = {}): Promise<boolean> {
    this.assertOpen();
    const parsed = parseCid(cid);
    try {
      // `offline` keeps Kubo from searching the network: `has` is about this node's repo.
      const offlineStat = { offline: true, signal: options.signal };
      await this.call("block/stat", () => this.client.block.stat(parsed, offlineStat), cid);
      return true;
    } catch (err) {
      if (err instanceof ContentNotFoundError) return false;
      throw err;
    }
  }

  async pin(cid: string, options: StoreCallOptions = {}): Promise<void> {
    this.assertOpen();
    const parsed = parseCid(cid);
    const signal = options.signal ?? AbortSignal.timeout(this.callTimeoutMs);
    await this.call("pin/add", () => this.client.pin.add(parsed, { recursive: true, signal }), cid);
  }

  async unpin(cid: string, options: StoreCallOptions = {}): Promise<void> {
    this.assertOpen();
    const parsed = parseCid(cid);
    try {
      await this.call("pin/rm", () => this.client.pin.rm(parsed, { signal: options.signal }), cid);
    } catch (err) {
      if (err instanceof ContentNotFoundError) throw new NotPinnedError(cid);
      throw err;
    }
  }

  async isPinned(cid: string, options: StoreCallOptions = {}): Promise<boolean> {
    this.assertOpen();
    const parsed = parseCid(cid);
    try {
      const found = await this.call(
        "pin/ls",
        async () => {
          for await (const pin of this.client.pin.ls({ paths: parsed, signal: options.signal })) {
            if (pin.cid.equals(parsed)) return true;
          }
          return false;
        },
        cid,
      );
      return found;
    } catch (err) {
      if (err instanceof ContentNotFoundError) return false;
      throw err;
    }
  }

  async close(): Promise<void> {
    // The client holds no connection of its own between calls (it uses the global fetch).
    this.closed = true;
  }

  /**
   * Runs one RPC call and turns its failures into the module's typed errors: unreachable daemon →
   * `ContentStoreUnavailableError`, "not found" answers and timeouts → `ContentNotFoundError`,
   * any other error answer → `ContentStoreRequestError`.
   */
  private async call<T>(operation: string, run: () => Promise<T>, cid?: string): Promise<T> {
    try {
      return await run();
    } catch (err) {
      if (err instanceof OffchainError) throw err;
      if (isUnreachable(err)) throw new ContentStoreUnavailableError(this.url, reasonOf(err), { cause: err });
      if (
        cid !== undefined &&
        (isKuboNotFound(err) || (err as Error).name === "TimeoutError" || (err as Error).name === "AbortError")
      ) {
        throw new ContentNotFoundError(cid, this.name, { cause: err });
      }
      throw new ContentStoreRequestError(this.name, operation, reasonOf(err), { cause: err });
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new StoreClosedError(this.name);
  }
}

/**
 * Connects to the Kubo RPC API at `url` (default `http://127.0.0.1:5001`) and checks that a
 * daemon answers; throws `ContentStoreUnavailableError` naming the URL if none does.
 */
export async function openKuboStore(options: KuboStoreOptions = {}): Promise<KuboStore> {
  const url = (options.url ?? DEFAULT_KUBO_API).replace(/\/+$/, "");
  let parsedUrl: URL;
  try {
    parsedUrl = new URL(url);
  } catch {
    throw new ContentStoreUnavailableError(url, "not a URL (expected e.g. http://127.0.0.1:5001)");
  }
  const { create } = await import("kubo-rpc-client");
  const client = create({ url: parsedUrl });
  try {
    await client.version({ signal: AbortSignal.timeout(options.connectTimeoutMs ?? DEFAULT_KUBO_CONNECT_TIMEOUT_MS) });
  } catch (err) {
    const reason = isUnreachable(err)
      ? `no Kubo RPC API answered (${reasonOf(err)}); start one with \`ipfs daemon\` or pass another --ipfs-api`
      : `the Kubo RPC API did not answer /api/v0/version (${reasonOf(err)})`;
    throw new ContentStoreUnavailableError(url, reason, { cause: err });
  }
  return new KuboStore(client, url, options.callTimeoutMs ?? DEFAULT_KUBO_CALL_TIMEOUT_MS);
}
