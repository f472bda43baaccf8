/**
 * What the `market:*` tasks keep between commands, per community chain, under
 * `<chains dir>/market/<chain>/`:
 *
 * | path | what | who writes it |
 * | --- | --- | --- |
 * | `assets/<hash>.json` | the asset's manifest: fragments, their CIDs once uploaded, the key wrap | the owner (`register --file`, `storage:pay`) |
 * | `sealed/<hash>/<i>.bin` | the owner's sealed fragments, until the store has them | the owner |
 * | `keys/<publicKey>.json` (0600) | a buyer's per-trade receiving key | the buyer (`key`, `buy`) |
 * | `inbox/<hash>.json` | a signed High registration for the orderer | the owner (`register --level high`) |
 * | `orderer-pool.ndjson` | the orderer's pool (`PoolFile`) | `market:orderer` |
 * | `evidence/<trade>.json` | a dispute's evidence (the revealed key, cfrags, ciphertext) | the buyer (`dispute`) |
 *
 * Manifests and sealed fragments hold only ciphertext and public keys, so they can be handed to
 * a buyer on another machine (`--manifest`); the key files are secrets. Every file is written
 * atomically (a temp file renamed), so a crash never leaves half of one.
 */
import { readdir, readFile, rm } from "node:fs/promises";
import path from "node:path";
import { writeFileAtomic } from "../../io/atomic-write";
import { checkManifest, type FragmentManifest } from "../../offchain/envelopes/fragments";
import type { PreKeyWrap, ReceivingKey } from "../../offchain/envelopes/pre";
import { decodeSignedEntry, encodeSignedEntry } from "../pool-file";
import type { SignedEntry } from "../registration";
import { MarketInputError } from "../errors";

/** The market folder of a chains directory. */
export const MARKET_FOLDER = "market";

/** A manifest with the owner's key wrap: what a buyer needs besides the cfrags. */
export type AssetManifest = FragmentManifest & { keyWrap: PreKeyWrap };

/** A stored receiving key, with the trade it was used for once known. */
export interface StoredReceivingKey extends ReceivingKey {
  tradeId?: string;
}

const HASH = /^0x[0-9a-f]{64}$/;

/** The workspace of `chain` in chains directory `dir`. */
export function marketWorkspace(dir: string, chain: string): MarketWorkspace {
  return new MarketWorkspace(path.join(dir, MARKET_FOLDER, chain));
}

/** Reads a JSON file, naming it when it is missing or not JSON. */
export async function readJsonFile(file: string, what: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") throw new MarketInputError(what, `${file} does not exist`);
    throw error;
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new MarketInputError(what, `${file} is not JSON (${(error as Error).message})`);
  }
}

/** Checks that `value` is a manifest with a key wrap whose root is `hash` (when given). */
export function checkAssetManifest(value: unknown, file: string, hash?: string): AssetManifest {
  const manifest = value as AssetManifest;
  try {
    checkManifest(manifest, hash);
  } catch (error) {
    throw new MarketInputError("manifest", `${file}: ${(error as Error).message}`);
  }
  const wrap = manifest.keyWrap as Partial<PreKeyWrap> | undefined;
  if (typeof wrap?.capsule !== "string" || typeof wrap.encryptedKey !== "string")
    throw new MarketInputError("manifest", `${file}: keyWrap is missing (the owner wraps the data key for the asset)`);
  return manifest;
}

export class MarketWorkspace {
  constructor(readonly root: string) {}

  assetFile(hash: string): string {
    return path.join(this.root, "assets", `${normalHash(hash)}.json`);
  }

  async writeManifest(manifest: AssetManifest): Promise<string> {
    const file = this.assetFile(manifest.root);
    await writeFileAtomic(file, `${JSON.stringify(manifest, null, 2)}\n`);
    return file;
  }

  /** The manifest of `hash` from `file` (default: this workspace's), checked against the hash. */
  async readManifest(hash: string, file: string = this.assetFile(hash)): Promise<AssetManifest> {
    return checkAssetManifest(await readJsonFile(file, "manifest"), file, hash);
  }

  sealedFile(hash: string, index: number): string {
    return path.join(this.root, "sealed", normalHash(hash), `${index}.bin`);
  }

  async writeSealed(hash: string, fragments: readonly Uint8Array[]): Promise<void> {
    for (const [i, fragment] of fragments.entries()) await writeFileAtomic(this.sealedFile(hash, i), fragment);
  }

  async readSealed(manifest: AssetManifest): Promise<Uint8Array[]> {
    return Promise.all(
      manifest.fragments.map(async (_, i) => {
        const file = this.sealedFile(manifest.root, i);
        try {
          return new Uint8Array(await readFile(file));
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code === "ENOENT")
            throw new MarketInputError("fragments", `${file} does not exist (register the data with --file here)`);
          throw error;
        }
      }),
    );
  }

  keyFile(publicKey: string): string {
    return path.join(this.root, "keys", `${publicKey.toLowerCase()}.json`);
  }

  async writeKey(key: StoredReceivingKey): Promise<string> {
    const file = this.keyFile(key.publicKey);
    await writeFileAtomic(file, `${JSON.stringify(key, null, 2)}\n`, { mode: 0o600 });
    return file;
  }

  /** The receiving key whose public key is `publicKey` (a trade's `buyerPreKey`). */
  async readKey(publicKey: string): Promise<StoredReceivingKey> {
    const file = this.keyFile(publicKey);
    const key = (await readJsonFile(file, "receiving key")) as StoredReceivingKey;
    if (typeof key.secretKey !== "string" || key.publicKey?.toLowerCase() !== publicKey.toLowerCase())
      throw new MarketInputError("receiving key", `${file} is not the receiving key ${publicKey}`);
    return key;
  }

  get inboxDir(): string {
    return path.join(this.root, "inbox");
  }

  get poolFile(): string {
    return path.join(this.root, "orderer-pool.ndjson");
  }

  /** Leaves a signed High entry for the orderer. */
  async submitToInbox(signed: SignedEntry): Promise<string> {
    const file = path.join(this.inboxDir, `${normalHash(signed.entry.dataHash)}.json`);
    await writeFileAtomic(file, `${encodeSignedEntry(signed)}\n`);
    return file;
  }

  /** The entries in the inbox, oldest name first, each with its file. */
  async readInbox(): Promise<{ file: string; signed: SignedEntry }[]> {
    let names: string[];
    try {
      names = (await readdir(this.inboxDir)).filter((name) => name.endsWith(".json")).sort();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw error;
    }
    return Promise.all(
      names.map(async (name) => {
        const file = path.join(this.inboxDir, name);
        const value = (await readJsonFile(file, "orderer inbox entry")) as { add?: unknown };
        return { file, signed: decodeSignedEntry(value.add, file, 1) };
      }),
    );
  }

  async removeFromInbox(file: string): Promise<void> {
    await rm(file, { force: true });
  }

  evidenceFile(tradeId: bigint | string): string {
    return path.join(this.root, "evidence", `${BigInt(tradeId)}.json`);
  }
}

/** `hash` in lower case; throws unless it is a 32-byte 0x hex hash. */
export function normalHash(hash: string): string {
  const lower = hash.toLowerCase();
  if (!HASH.test(lower)) throw new MarketInputError("hash", `${hash} is not a 32-byte 0x hex hash`);
  return lower;
}
