/**
 * The owner's side of a negotiated trade (paper §4.5: "inspected and signed by both"): the EIP-712
 * `Offer` DataTrade checks in `open`, signed by the asset's holder; the buyer's transaction is the
 * second signature.
 */
import type { TypedDataDomain, TypedDataField } from "ethers";
import type { TypedDataSigner } from "./registration";

/** EIP-712 domain name and version of DataTrade (its constants EIP712_NAME / EIP712_VERSION). */
export const TRADE_DOMAIN_NAME = "commchain DataTrade";
export const TRADE_DOMAIN_VERSION = "1";

/** The signed type, exactly as the contract's OFFER_TYPEHASH. */
export const OFFER_TYPES: Record<string, TypedDataField[]> = {
  Offer: [
    { name: "tokenId", type: "uint256" },
    { name: "buyer", type: "address" },
    { name: "price", type: "uint256" },
    { name: "buyerPreKey", type: "bytes" },
    { name: "deliveryWindow", type: "uint64" },
    { name: "confirmWindow", type: "uint64" },
    { name: "nonce", type: "uint256" },
    { name: "deadline", type: "uint64" },
  ],
};

/** An offer of asset `tokenId` to `buyer`. */
export interface TradeOffer {
  readonly tokenId: bigint;
  readonly buyer: string;
  /** In the data token's smallest unit. */
  readonly price: bigint;
  /** The buyer's receiving key for this trade (33-byte compressed secp256k1, 0x hex). */
  readonly buyerPreKey: string;
  /** Seconds from `open` the owner has to grant. */
  readonly deliveryWindow: bigint;
  /** Seconds from `grant` the buyer has to confirm or dispute. */
  readonly confirmWindow: bigint;
  readonly nonce: bigint;
  /** Unix seconds after which the signature is refused. */
  readonly deadline: bigint;
}

/** DataTrade's EIP-712 domain on chain `chainId` at `trade`. */
export function tradeDomain(trade: string, chainId: bigint | number): TypedDataDomain {
  return { name: TRADE_DOMAIN_NAME, version: TRADE_DOMAIN_VERSION, chainId, verifyingContract: trade };
}

/** The holder's signature of `offer` for the DataTrade at `trade` on chain `chainId`. */
export function signOffer(
  signer: TypedDataSigner,
  trade: string,
  chainId: bigint | number,
  offer: TradeOffer,
): Promise<string> {
  return signer.signTypedData(tradeDomain(trade, chainId), OFFER_TYPES, { ...offer });
}
