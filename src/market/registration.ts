/**
 * The owner's side of a High registration (paper §4.2, `Transaction(Hash, Timestamp, High, Fee,
 * Sign_A)`): the EIP-712 `Registration` the OwnershipRegistry checks, and the entry the orderer
 * submits with it.
 */
import type { TypedDataDomain, TypedDataField } from "ethers";
import { Level } from "./classify";

/** EIP-712 domain name and version of the OwnershipRegistry (its constants EIP712_NAME / EIP712_VERSION). */
export const REGISTRY_DOMAIN_NAME = "commchain OwnershipRegistry";
export const REGISTRY_DOMAIN_VERSION = "1";

/** The signed type, exactly as the contract hashes it. */
export const REGISTRATION_TYPES: Record<string, TypedDataField[]> = {
  Registration: [
    { name: "dataHash", type: "bytes32" },
    { name: "timestamp", type: "uint64" },
    { name: "level", type: "uint8" },
    { name: "fee", type: "uint256" },
    { name: "owner", type: "address" },
    { name: "nonce", type: "uint256" },
    { name: "deadline", type: "uint64" },
  ],
};

/** The registry's `DataKind` (metadata, §2.1). */
export const DataKind = { Unspecified: 0, Physical: 1, Virtual: 2, ServiceSystem: 3, Fused: 4 } as const;
/** The registry's `LifecycleStage` (metadata, §2.1). */
export const LifecycleStage = {
  Unspecified: 0,
  Design: 1,
  Manufacturing: 2,
  Integration: 3,
  Using: 4,
  Recycling: 5,
} as const;

/** What the owner signs. */
export interface Registration {
  readonly dataHash: string;
  /** Unix seconds. */
  readonly timestamp: bigint;
  readonly level: Level;
  /** Service fee in the data token's smallest unit. */
  readonly fee: bigint;
  readonly owner: string;
  readonly nonce: bigint;
  /** Unix seconds after which the signature is refused. */
  readonly deadline: bigint;
}

/** A registry `HighEntry`: the signed registration plus the (unsigned) metadata. */
export interface HighEntry extends Registration {
  readonly kind: number;
  readonly stage: number;
}

/** An optional EIP-2612 permit of the entry's fee (the registry's `FeePermit`). */
export interface FeePermit {
  readonly value: bigint;
  readonly deadline: bigint;
  readonly v: number;
  readonly r: string;
  readonly s: string;
}

/** A High entry with its owner's signature, as the orderer's pool holds it. */
export interface SignedEntry {
  readonly entry: HighEntry;
  readonly signature: string;
  readonly permit?: FeePermit;
}

/** A key that signs EIP-712 data (an ethers Signer or Wallet). */
export interface TypedDataSigner {
  signTypedData(
    domain: TypedDataDomain,
    types: Record<string, TypedDataField[]>,
    value: Record<string, unknown>,
  ): Promise<string>;
}

/** The registry's EIP-712 domain on chain `chainId` at `registry`. */
export function registryDomain(registry: string, chainId: bigint | number): TypedDataDomain {
  return { name: REGISTRY_DOMAIN_NAME, version: REGISTRY_DOMAIN_VERSION, chainId, verifyingContract: registry };
}

/** The owner's signature of `registration` for the registry at `registry` on chain `chainId`. */
export async function signRegistration(
  signer: TypedDataSigner,
  registry: string,
  chainId: bigint | number,
  registration: Registration,
): Promise<string> {
  const value: Record<string, unknown> = {
    dataHash: registration.dataHash,
    timestamp: registration.timestamp,
    level: registration.level,
    fee: registration.fee,
    owner: registration.owner,
    nonce: registration.nonce,
    deadline: registration.deadline,
  };
  return signer.signTypedData(registryDomain(registry, chainId), REGISTRATION_TYPES, value);
}

/** A High entry with the level set and no metadata unless given. */
export function highEntry(
  registration: Omit<Registration, "level">,
  metadata: { kind?: number; stage?: number } = {},
): HighEntry {
  return {
    ...registration,
    level: Level.High,
    kind: metadata.kind ?? DataKind.Unspecified,
    stage: metadata.stage ?? LifecycleStage.Unspecified,
  };
}
