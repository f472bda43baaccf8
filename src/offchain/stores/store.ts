/**
 * The one interface every off-chain backend implements. Callers (the envelope pipeline, the
 * gateway, IoT units) depend on this and never on Helia or Kubo directly, so a deployment can
 * swap the embedded node for a Kubo daemon or an IPFS cluster without touching them.
 *
 * CIDs are strings: CIDv1, raw codec, sha2-256 (see `cid.ts`). `get` always verifies that the
 * bytes it returns hash to the CID asked for.
 */

/** Options of the calls that may wait on a network. */
export interface StoreCallOptions {
  /** Aborts the call (e.g. `AbortSignal.timeout(ms)`). */
  signal?: AbortSignal;
}

export interface ContentStore {
  /** A short human-readable name of the backend and its location, used in error messages. */
  readonly name: string;
  /** Stores `bytes` as one raw block and returns its CID string. Idempotent. */
  put(bytes: Uint8Array, options?: StoreCallOptions): Promise<string>;
  /**
   * Returns the bytes of `cid`, verified against it. Throws `ContentNotFoundError` when the
   * backend cannot find them, `ContentIntegrityError` when the bytes do not match.
   */
  get(cid: string, options?: StoreCallOptions): Promise<Uint8Array>;
  /** Whether this backend holds `cid` locally (no network lookup). */
  has(cid: string, options?: StoreCallOptions): Promise<boolean>;
  /** Pins `cid` so garbage collection keeps it. */
  pin(cid: string, options?: StoreCallOptions): Promise<void>;
  /** Removes the pin of `cid`; throws `NotPinnedError` if it was not pinned. */
  unpin(cid: string, options?: StoreCallOptions): Promise<void>;
  /** Whether `cid` is pinned here. */
  isPinned(cid: string, options?: StoreCallOptions): Promise<boolean>;
  /** Releases the backend (stops an embedded node, closes connections). Idempotent. */
  close(): Promise<void>;
}
