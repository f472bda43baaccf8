/**
 * The pre-shared key of a store network (libp2p private network, `@libp2p/pnet`). Every
 * connection between store nodes is wrapped in XSalsa20 under this key before noise even starts,
 * so a node without the key cannot complete a connection, let alone ask for blocks over bitswap:
 * CIDs are public on chain, and without the key anyone who can reach a node's port could fetch
 * every envelope (ciphertext, but still more than the chain authorizes).
 *
 * The key is generated once per store cluster (its root directory, `swarm.key`, mode 0600, the
 * go-ipfs `/key/swarm/psk/1.0.0/` text format, so a Kubo node can join with the same file) and
 * handed to every node of the cluster; a node started alone keeps one in its own directory.
 */
import { readFile, stat } from "node:fs/promises";
import path from "node:path";
import { writeFileAtomic } from "../../io/atomic-write";
import { SwarmKeyFileError } from "../errors";

/** File name of the pre-shared key in a cluster's (or a lone node's) directory. */
export const SWARM_KEY_FILE = "swarm.key";
/** Length of the text form `/key/swarm/psk/1.0.0/\n/base16/\n<64 hex>`. */
const SWARM_KEY_TEXT_LENGTH = 95;
const SWARM_KEY_PATTERN = /^\/key\/swarm\/psk\/1\.0\.0\/\r?\n\/base16\/\r?\n[0-9a-fA-F]{64}\s*$/;

/** Checks the text form of a swarm key; returns it as bytes for `preSharedKey({ psk })`. */
export function parseSwarmKey(bytes: Uint8Array, file: string): Uint8Array {
  if (!SWARM_KEY_PATTERN.test(Buffer.from(bytes).toString("utf8"))) {
    throw new SwarmKeyFileError(
      file,
      `is not a libp2p swarm key (expected "/key/swarm/psk/1.0.0/", "/base16/" and 64 hex digits, one per line)`,
    );
  }
  return bytes;
}

/** A fresh swarm key in the text form (32 random bytes, by `@libp2p/pnet`'s generator). */
export async function generateSwarmKey(): Promise<Uint8Array> {
  const { generateKey } = await import("@libp2p/pnet");
  const key = new Uint8Array(SWARM_KEY_TEXT_LENGTH);
  generateKey(key);
  return key;
}

/**
 * Loads `<dir>/swarm.key`, creating it (atomically, mode 0600) when there is none. A key file
 * others can read is refused: whoever reads it can join the network.
 */
export async function loadOrCreateSwarmKey(dir: string): Promise<{ key: Uint8Array; file: string; created: boolean }> {
  const file = path.join(dir, SWARM_KEY_FILE);
  let bytes: Uint8Array | undefined;
  try {
    bytes = await readFile(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") {
      throw new SwarmKeyFileError(file, `cannot be read (${(err as Error).message})`, { cause: err });
    }
  }
  if (bytes !== undefined) {
    const mode = (await stat(file)).mode & 0o777;
    if ((mode & 0o077) !== 0) {
      throw new SwarmKeyFileError(
        file,
        `has mode ${mode.toString(8)}; it must be readable by its owner only (chmod 600)`,
      );
    }
    return { key: parseSwarmKey(bytes, file), file, created: false };
  }
  const key = await generateSwarmKey();
  await writeFileAtomic(file, key, { mode: 0o600 });
  return { key, file, created: true };
}
