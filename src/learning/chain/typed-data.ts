/**
 * The EIP-712 messages of AnalysisMarket (contracts/learning): a data owner's `Join` to a task and
 * a surviving owner's `RoundAck` of a training round. Owners sign them off-chain and the analyst
 * relays them, so owners on other community chains never pay gas on the market's chain; the
 * market checks each signature against the owner it names.
 */
import { TypedDataEncoder, verifyTypedData, type Signer, type TypedDataDomain, type TypedDataField } from "ethers";
import { SurvivorIndexError } from "./errors";

/** EIP-712 domain name and version of AnalysisMarket (its constants EIP712_NAME / EIP712_VERSION). */
export const ANALYSIS_MARKET_DOMAIN_NAME = "commchain AnalysisMarket";
export const ANALYSIS_MARKET_DOMAIN_VERSION = "1";

/** The market's MAX_OWNERS: the survivor bitmap has one bit per selected owner, at most this many. */
export const MAX_OWNERS = 128;

/** The signed types, exactly as the contract's JOIN_TYPEHASH and ROUND_ACK_TYPEHASH. */
export const JOIN_TYPES: Record<string, TypedDataField[]> = {
  Join: [
    { name: "taskId", type: "uint256" },
    { name: "owner", type: "address" },
    { name: "samples", type: "uint64" },
    { name: "keysHash", type: "bytes32" },
  ],
};
export const ROUND_ACK_TYPES: Record<string, TypedDataField[]> = {
  RoundAck: [
    { name: "taskId", type: "uint256" },
    { name: "round", type: "uint32" },
    { name: "survivors", type: "uint256" },
    { name: "aggregateHash", type: "bytes32" },
    { name: "modelHash", type: "bytes32" },
  ],
};

/** A data owner's consent to train in task `taskId` (the contract's `IAnalysisMarket.Join`). */
export interface Join {
  readonly taskId: bigint;
  /** The signer. */
  readonly owner: string;
  /** Training samples contributed: the owner's weight per round survived. */
  readonly samples: bigint;
  /** Hash of the owner's secure-aggregation public keys for this task (0x, 32 bytes). */
  readonly keysHash: string;
}

/** A surviving owner's acknowledgement of round `round` (the contract's `IAnalysisMarket.RoundAck`). */
export interface RoundAck {
  readonly taskId: bigint;
  /** 1, 2, …: the market accepts only the round after its last. */
  readonly round: bigint;
  /** Bit i set when the i-th selected owner (the market's `ownersOf` order) survived: {@link survivorsBitmap}. */
  readonly survivors: bigint;
  readonly aggregateHash: string;
  readonly modelHash: string;
}

/** Anything that signs EIP-712 data: an ethers Wallet, a HardhatEthersSigner, a JsonRpcSigner. */
export type TypedDataSigner = Pick<Signer, "signTypedData">;

/** AnalysisMarket's EIP-712 domain: the market at `market` on chain `chainId`. */
export function analysisMarketDomain(market: string, chainId: bigint | number): TypedDataDomain {
  return {
    name: ANALYSIS_MARKET_DOMAIN_NAME,
    version: ANALYSIS_MARKET_DOMAIN_VERSION,
    chainId,
    verifyingContract: market,
  };
}

/** `wallet`'s signature of `join` (the wallet must be `join.owner` for the market to accept it). */
export function signJoin(wallet: TypedDataSigner, domain: TypedDataDomain, join: Join): Promise<string> {
  return wallet.signTypedData(domain, JOIN_TYPES, { ...join });
}

/** `wallet`'s signature of `ack` (the wallet must be a survivor's owner for the market to accept it). */
export function signRoundAck(wallet: TypedDataSigner, domain: TypedDataDomain, ack: RoundAck): Promise<string> {
  return wallet.signTypedData(domain, ROUND_ACK_TYPES, { ...ack });
}

/** The digest the market checks for `join`: its `joinDigest(join)`. */
export function joinDigest(domain: TypedDataDomain, join: Join): string {
  return TypedDataEncoder.hash(domain, JOIN_TYPES, join);
}

/** The digest the market checks for `ack`: its `roundAckDigest(ack)`. */
export function roundAckDigest(domain: TypedDataDomain, ack: RoundAck): string {
  return TypedDataEncoder.hash(domain, ROUND_ACK_TYPES, ack);
}

/** The address that signed `join` as `signature`, to check a join before relaying it. */
export function joinSigner(domain: TypedDataDomain, join: Join, signature: string): string {
  return verifyTypedData(domain, JOIN_TYPES, join, signature);
}

/** The address that signed `ack` as `signature`, to check an ack before relaying it. */
export function roundAckSigner(domain: TypedDataDomain, ack: RoundAck, signature: string): string {
  return verifyTypedData(domain, ROUND_ACK_TYPES, ack, signature);
}

/**
 * The survivor bitmap of the owners at `indices` (their positions in the market's `ownersOf`),
 * out of `owners` selected. Throws {@link SurvivorIndexError} for an index that is not an integer
 * in [0, owners) or that repeats: a repeat means the caller's survivor list is wrong, and the
 * bitmap would hide it.
 */
export function survivorsBitmap(indices: Iterable<number>, owners: number = MAX_OWNERS): bigint {
  let bitmap = 0n;
  for (const i of indices) {
    if (!Number.isInteger(i) || i < 0 || i >= owners) {
      throw new SurvivorIndexError(i, `expected an integer in [0, ${owners})`);
    }
    const bit = 1n << BigInt(i);
    if ((bitmap & bit) !== 0n) throw new SurvivorIndexError(i, "listed twice");
    bitmap |= bit;
  }
  return bitmap;
}

/**
 * The indices set in `bitmap`, lowest first: the order in which `commitRound` takes the acks
 * (`acks[j]` is the signature of the owner at the j-th index).
 */
export function survivorIndices(bitmap: bigint): number[] {
  const indices: number[] = [];
  for (let i = 0, rest = bitmap; rest > 0n; i++, rest >>= 1n) {
    if ((rest & 1n) === 1n) indices.push(i);
  }
  return indices;
}
