/**
 * Test-side replica of CoalitionRewards: the EIP-712 `Membership` each member signs, the members
 * hash and seed commitment, and the draw (weights, randomness, winner, shares) recomputed in
 * TypeScript from the same inputs, so tests compare the contract with an independent model.
 * Tests only: the runtime driver is the lead's.
 */
import { AbiCoder, keccak256, concat, type Signer, type TypedDataDomain, type TypedDataField } from "ethers";

/** EIP-712 domain name and version of CoalitionRewards (its EIP712_NAME / EIP712_VERSION). */
export const REWARDS_DOMAIN_NAME = "commchain CoalitionRewards";
export const REWARDS_DOMAIN_VERSION = "1";

/** The signed type, exactly as the contract's MEMBERSHIP_TYPEHASH. */
export const MEMBERSHIP_TYPES: Record<string, TypedDataField[]> = {
  Membership: [
    { name: "round", type: "uint256" },
    { name: "membersHash", type: "bytes32" },
    { name: "miner", type: "address" },
    { name: "capacity", type: "uint96" },
  ],
};

/** γ in tenths, as the contract's GAMMA_1, GAMMA_1_5, GAMMA_2. */
export const Gamma = { One: 10, OneAndHalf: 15, Two: 20 } as const;
export type GammaCode = (typeof Gamma)[keyof typeof Gamma];
export const GAMMAS: readonly GammaCode[] = [Gamma.One, Gamma.OneAndHalf, Gamma.Two];

/** What γ = 1.5 scales a capacity by before its integer square root (the contract's SQRT_SCALE). */
export const SQRT_SCALE = 10n ** 18n;
/** A capacity of 1.0: capacities are in thousandths. */
export const UNIT = 1_000n;

/** A coalition member; `capacity` in thousandths of a unit. */
export interface Member {
  readonly miner: string;
  readonly capacity: bigint;
}

/** keccak256 of the abi-encoded `Member[]` (the contract's `hashMembers`). */
export function hashMembers(members: readonly Member[]): string {
  return keccak256(
    AbiCoder.defaultAbiCoder().encode(
      ["tuple(address miner,uint96 capacity)[]"],
      [members.map((m) => [m.miner, m.capacity])],
    ),
  );
}

/** `keccak256(abi.encode(round, coalitionId, seed))`, what a coalition commits to. */
export function commitmentOf(round: bigint, coalitionId: bigint, seed: string): string {
  return keccak256(AbiCoder.defaultAbiCoder().encode(["uint256", "uint256", "bytes32"], [round, coalitionId, seed]));
}

/** CoalitionRewards' EIP-712 domain on chain `chainId` at `rewards`. */
export function rewardsDomain(rewards: string, chainId: bigint): TypedDataDomain {
  return { name: REWARDS_DOMAIN_NAME, version: REWARDS_DOMAIN_VERSION, chainId, verifyingContract: rewards };
}

/** `signer`'s `Membership` signature for coalition `membersHash` of `round` with `capacity`. */
export function signMembership(
  signer: Pick<Signer, "signTypedData">,
  domain: TypedDataDomain,
  round: bigint,
  membersHash: string,
  miner: string,
  capacity: bigint,
): Promise<string> {
  return signer.signTypedData(domain, MEMBERSHIP_TYPES, { round, membersHash, miner, capacity });
}

/** A signer with its address, as hardhat's signers and ethers wallets are. */
export type MinerSigner = Pick<Signer, "signTypedData"> & { readonly address: string };

/**
 * The members (sorted by address, as the contract requires) and their signatures for a coalition
 * of `miners[i]` with `capacities[i]` in `round`.
 */
export async function signCoalition(
  domain: TypedDataDomain,
  round: bigint,
  miners: readonly MinerSigner[],
  capacities: readonly bigint[],
): Promise<{ members: Member[]; signatures: string[] }> {
  const pairs = miners
    .map((signer, i) => ({ signer, capacity: capacities[i]! }))
    .sort((a, b) => compareAddresses(a.signer.address, b.signer.address));
  const members = pairs.map((p) => ({ miner: p.signer.address, capacity: p.capacity }));
  const hash = hashMembers(members);
  const signatures = await Promise.all(
    pairs.map((p) => signMembership(p.signer, domain, round, hash, p.signer.address, p.capacity)),
  );
  return { members, signatures };
}

/** Orders addresses as uint160, as the contract compares them. */
export function compareAddresses(a: string, b: string): number {
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** ⌊√n⌋ for n ≥ 0 (Newton's method on bigints), as OpenZeppelin's Math.sqrt. */
export function isqrt(n: bigint): bigint {
  if (n < 2n) return n;
  let x = n;
  let y = (x + 1n) / 2n;
  while (y < x) {
    x = y;
    y = (x + n / x) / 2n;
  }
  return x;
}

/** The contract's `weightOf(capacity, gamma)`. */
export function weightOf(capacity: bigint, gamma: GammaCode): bigint {
  if (gamma === Gamma.One) return capacity;
  if (gamma === Gamma.OneAndHalf) return capacity * isqrt(capacity * SQRT_SCALE);
  return capacity * capacity;
}

/** A coalition as the draw sees it. */
export interface DrawEntry {
  readonly id: bigint;
  readonly totalCapacity: bigint;
  /** The revealed seed, or undefined when the coalition did not reveal. */
  readonly seed?: string;
}

/** The outcome of a draw: winner 0 and randomness 0 when nobody revealed. */
export interface DrawOutcome {
  readonly winner: bigint;
  readonly randomness: string;
}

export const ZERO_HASH = "0x" + "00".repeat(32);

/** The contract's draw over `coalitions` (any order; ids decide): the replica the tests compare with. */
export function drawWinner(coalitions: readonly DrawEntry[], gamma: GammaCode): DrawOutcome {
  const revealed = coalitions
    .filter((c): c is DrawEntry & { seed: string } => c.seed !== undefined)
    .sort((a, b) => (a.id < b.id ? -1 : 1));
  if (revealed.length === 0) return { winner: 0n, randomness: ZERO_HASH };
  const randomness = keccak256(concat(revealed.map((c) => c.seed)));
  const total = revealed.reduce((s, c) => s + weightOf(c.totalCapacity, gamma), 0n);
  let ticket = BigInt(randomness) % total;
  for (const c of revealed) {
    const w = weightOf(c.totalCapacity, gamma);
    if (ticket < w) return { winner: c.id, randomness };
    ticket -= w;
  }
  throw new Error("unreachable: the ticket is below the total weight");
}

/** Each member's credit from `reward`: `reward·d_m/D_S` rounded down, the dust to the first member. */
export function sharesOf(reward: bigint, capacities: readonly bigint[]): bigint[] {
  const total = capacities.reduce((s, c) => s + c, 0n);
  const shares = capacities.map((c) => (reward * c) / total);
  const others = shares.slice(1).reduce((s, x) => s + x, 0n);
  shares[0] = reward - others;
  return shares;
}
