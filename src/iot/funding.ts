/**
 * Keeping part payments funded without an `approve` transaction (BPIIoT VI.A: the device pays for
 * spare parts in the data token). MaintenanceService pulls a part's price from the unit with
 * `transferFrom`, so the unit must have approved it. Instead of a separate `approve`, the unit
 * signs an EIP-2612 permit (offline: a typed-data signature) and sends it with its next reading
 * batch (`reportReadingsWithPermit`), whenever the allowance it last saw on chain is below a low
 * water mark. The permit sets the allowance to a target (it does not add to it).
 *
 * Only one permit is in flight at a time: a permit's nonce is the token's `nonces(unit)`, which
 * moves only when a permit is applied, so a second permit signed before the first is mined would
 * reuse its nonce and fail. The unit therefore waits for the batch carrying a permit to settle
 * before it considers another.
 */
import { Signature, type TypedDataDomain } from "ethers";
import { IoTConfigError } from "./errors";

/** The EIP-712 types of an EIP-2612 permit. */
export const PERMIT_TYPES = {
  Permit: [
    { name: "owner", type: "address" },
    { name: "spender", type: "address" },
    { name: "value", type: "uint256" },
    { name: "nonce", type: "uint256" },
    { name: "deadline", type: "uint256" },
  ],
} as const;

/** A signer of typed data (an ethers `Wallet`). */
export interface TypedDataSigner {
  readonly address: string;
  signTypedData(
    domain: TypedDataDomain,
    types: Record<string, { name: string; type: string }[]>,
    value: Record<string, unknown>,
  ): Promise<string>;
}

/** A permit, signed. */
export interface SignedPermit {
  owner: string;
  spender: string;
  value: bigint;
  nonce: bigint;
  deadline: bigint;
  v: number;
  r: string;
  s: string;
}

/** Signs a permit letting `spender` pull up to `value` of the signer's tokens until `deadline` (Unix s). */
export async function signPermit(
  signer: TypedDataSigner,
  domain: TypedDataDomain,
  permit: { spender: string; value: bigint; nonce: bigint; deadline: bigint },
): Promise<SignedPermit> {
  const types = { Permit: PERMIT_TYPES.Permit.map((f) => ({ ...f })) };
  const signature = await signer.signTypedData(domain, types, { owner: signer.address, ...permit });
  const { v, r, s } = Signature.from(signature);
  return { owner: signer.address, ...permit, v, r, s };
}

/** When and how much the unit permits MaintenanceService to pull. */
export interface FundingPolicy {
  /** Sign a new permit when the allowance seen on chain is below this. */
  lowWater: bigint;
  /** The allowance a permit sets. */
  target: bigint;
  /** How long a permit stays valid, in seconds (it may wait in the queue through an outage). */
  permitTtlSeconds: number;
}

/** Part prices a permit covers by default: a new permit every `target - lowWater` = 8 parts. */
export const DEFAULT_PERMIT_PARTS = 10n;
/** Parts' worth of allowance under which a new permit is signed. */
export const DEFAULT_LOW_WATER_PARTS = 2n;
/** A week: a permit survives any outage a unit is expected to ride out. */
export const DEFAULT_PERMIT_TTL_SECONDS = 7 * 24 * 3600;

/** The default policy for a machine whose part costs `partPrice`. */
export function defaultFundingPolicy(partPrice: bigint): FundingPolicy {
  return {
    lowWater: partPrice * DEFAULT_LOW_WATER_PARTS,
    target: partPrice * DEFAULT_PERMIT_PARTS,
    permitTtlSeconds: DEFAULT_PERMIT_TTL_SECONDS,
  };
}

/** Checks a policy; throws `IoTConfigError` naming the bad field. */
export function checkFundingPolicy(policy: FundingPolicy): FundingPolicy {
  if (policy.lowWater < 0n)
    throw new IoTConfigError("funding.lowWater", `must not be negative, got ${policy.lowWater}`);
  if (policy.target < policy.lowWater)
    throw new IoTConfigError("funding.target", `must be at least lowWater (${policy.lowWater}), got ${policy.target}`);
  if (!(Number.isSafeInteger(policy.permitTtlSeconds) && policy.permitTtlSeconds > 0)) {
    throw new IoTConfigError("funding.permitTtlSeconds", `must be a positive integer, got ${policy.permitTtlSeconds}`);
  }
  return policy;
}

/** Whether an allowance calls for a new permit under `policy`. */
export function needsPermit(allowance: bigint, policy: FundingPolicy): boolean {
  return allowance < policy.lowWater;
}
