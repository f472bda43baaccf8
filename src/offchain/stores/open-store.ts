/**
 * Choosing the backend from user options: a Kubo RPC URL (`--ipfs-api`) selects Kubo, otherwise
 * the embedded Helia store in a directory (the default: nothing to install).
 */
import type { ContentStore } from "./store";
import { openHeliaStore } from "./helia-store";
import { openKuboStore } from "./kubo-store";
import { StoreClusterConfigError } from "../errors";

export interface OpenContentStoreOptions {
  /** Kubo RPC API URL, e.g. `http://127.0.0.1:5001`; when given, Kubo is used. */
  ipfsApi?: string;
  /** Directory of the embedded Helia store, used when `ipfsApi` is not given. */
  dir?: string;
}

/** Opens Kubo at `ipfsApi` if given, else the Helia store in `dir`. */
export async function openContentStore(options: OpenContentStoreOptions): Promise<ContentStore> {
  if (options.ipfsApi !== undefined && options.ipfsApi !== "") return openKuboStore({ url: options.ipfsApi });
  if (options.dir === undefined || options.dir === "") {
    throw new StoreClusterConfigError("dir", "give a Helia store directory or a Kubo RPC API URL (ipfsApi)");
  }
  return openHeliaStore({ dir: options.dir });
}
