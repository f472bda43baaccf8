/**
 * Persistent libp2p identities of store nodes: each node keeps its Ed25519 private key in
 * `<dir>/peer.key` (libp2p protobuf encoding, mode 0600), so its peer id, and therefore the
 * provider records and bootstrap lists naming it, stay valid across restarts.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import type { PrivateKey } from "@libp2p/interface";
import { writeFileAtomic } from "../../io/atomic-write";
import { PeerKeyFileError } from "../errors";

/** File name of a node's private key inside its directory. */
export const PEER_KEY_FILE = "peer.key";

/** Loads the node key from `<dir>/peer.key`, creating (atomically) a new Ed25519 key if there is none. */
export async function loadOrCreatePeerKey(
  dir: string,
): Promise<{ privateKey: PrivateKey; peerId: string; created: boolean }> {
  const file = path.join(dir, PEER_KEY_FILE);
  const [{ generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf }, { peerIdFromPrivateKey }] =
    await Promise.all([import("@libp2p/crypto/keys"), import("@libp2p/peer-id")]);
  let encoded: Uint8Array | undefined;
  try {
    encoded = await readFile(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") {
      throw new PeerKeyFileError(file, `cannot be read (${(err as Error).message})`, { cause: err });
    }
  }
  if (encoded !== undefined) {
    let privateKey: PrivateKey;
    try {
      privateKey = privateKeyFromProtobuf(encoded);
    } catch (err) {
      throw new PeerKeyFileError(file, `is not a libp2p private key (${(err as Error).message})`, { cause: err });
    }
    return { privateKey, peerId: peerIdFromPrivateKey(privateKey).toString(), created: false };
  }
  const privateKey = await generateKeyPair("Ed25519");
  await writeFileAtomic(file, privateKeyToProtobuf(privateKey), { mode: 0o600 });
  return { privateKey, peerId: peerIdFromPrivateKey(privateKey).toString(), created: true };
}

/** The peer id stored in `<dir>/peer.key`, or undefined when the node was never started. */
export async function readPeerId(dir: string): Promise<string | undefined> {
  const file = path.join(dir, PEER_KEY_FILE);
  let encoded: Uint8Array;
  try {
    encoded = await readFile(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new PeerKeyFileError(file, `cannot be read (${(err as Error).message})`, { cause: err });
  }
  const [{ privateKeyFromProtobuf }, { peerIdFromPrivateKey }] = await Promise.all([
    import("@libp2p/crypto/keys"),
    import("@libp2p/peer-id"),
  ]);
  try {
    return peerIdFromPrivateKey(privateKeyFromProtobuf(encoded)).toString();
  } catch (err) {
    throw new PeerKeyFileError(file, `is not a libp2p private key (${(err as Error).message})`, { cause: err });
  }
}
