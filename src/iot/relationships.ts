/**
 * The unit's equipment-provider relationships (EPRs) and who may read the status data it shares
 * through each: the provider always, plus the third parties the device chose. One
 * `SharingKeyring` per relationship (`src/offchain/keyring.ts`), persisted in
 * `<dir>/keyrings/<epr>.json`: a snapshot is sealed for exactly the readers of the EPR it goes
 * to, and revoking a reader rotates that EPR's keyring, so nothing uploaded afterwards is wrapped
 * for the revoked reader.
 *
 * Public keys, not addresses, are what the unit needs (a data key is wrapped to a reader's
 * secp256k1 public key); the chain only knows addresses, so the caller supplies the keys (e.g.
 * from the readers' registration or recovered from a signature of theirs).
 */
import { access } from "node:fs/promises";
import path from "node:path";
import { getAddress } from "ethers";
import { readerKey, SharingKeyring, type ReaderKey } from "../offchain";
import { UnitStateError, UnknownRelationshipError } from "./errors";

/** One relationship as configured: the EPR's address and its provider's public key. */
export interface RelationshipConfig {
  epr: string;
  /** The provider's secp256k1 public key (hex, compressed or not). */
  provider: string;
}

/** One relationship, resolved. */
export interface Relationship {
  epr: string;
  provider: ReaderKey;
}

async function exists(file: string): Promise<boolean> {
  try {
    await access(file);
    return true;
  } catch {
    return false;
  }
}

export class RelationshipKeyrings {
  private constructor(
    private readonly dir: string,
    private readonly owner: ReaderKey,
    private readonly byEpr: Map<string, { relationship: Relationship; keyring: SharingKeyring }>,
  ) {}

  /**
   * Loads the keyring of every relationship from `dir`, creating missing ones with the owner and
   * the provider as readers. A keyring of another owner is refused; a provider missing from a
   * loaded keyring (the configuration names a new one) is added.
   */
  static async open(
    dir: string,
    ownerPublicKey: string,
    configs: readonly RelationshipConfig[],
  ): Promise<RelationshipKeyrings> {
    const owner = readerKey(ownerPublicKey);
    const byEpr = new Map<string, { relationship: Relationship; keyring: SharingKeyring }>();
    const keyrings = new RelationshipKeyrings(dir, owner, byEpr);
    for (const config of configs) {
      const epr = getAddress(config.epr);
      const provider = readerKey(config.provider);
      const file = keyrings.fileOf(epr);
      let keyring: SharingKeyring;
      if (await exists(file)) {
        keyring = await SharingKeyring.load(file);
        if (keyring.ownerAddress !== owner.address)
          throw new UnitStateError(file, `belongs to ${keyring.ownerAddress}, not to this unit (${owner.address})`);
      } else {
        keyring = new SharingKeyring(owner.publicKey);
      }
      if (!keyring.isReader(provider.address)) keyring.addReader(provider.publicKey);
      byEpr.set(epr, { relationship: { epr, provider }, keyring });
      await keyring.save(file);
    }
    return keyrings;
  }

  /** The EPR addresses, in configuration order. */
  get eprs(): string[] {
    return [...this.byEpr.keys()];
  }

  relationship(epr: string): Relationship {
    return this.entry(epr).relationship;
  }

  keyring(epr: string): SharingKeyring {
    return this.entry(epr).keyring;
  }

  /** The current readers of `epr` other than the device and the provider. */
  thirdParties(epr: string): ReaderKey[] {
    const { relationship, keyring } = this.entry(epr);
    return keyring
      .readers()
      .filter((r) => r.address !== this.owner.address && r.address !== relationship.provider.address);
  }

  async save(epr: string): Promise<void> {
    await this.keyring(epr).save(this.fileOf(getAddress(epr)));
  }

  private fileOf(epr: string): string {
    return path.join(this.dir, "keyrings", `${epr}.json`);
  }

  private entry(epr: string): { relationship: Relationship; keyring: SharingKeyring } {
    let checksummed: string;
    try {
      checksummed = getAddress(epr);
    } catch {
      throw new UnknownRelationshipError(epr, this.eprs);
    }
    const entry = this.byEpr.get(checksummed);
    if (entry === undefined) throw new UnknownRelationshipError(epr, this.eprs);
    return entry;
  }
}
