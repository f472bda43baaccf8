/**
 * The arbiter's check of a delivery dispute (design §2, `DataTrade.dispute` / `resolve`; the paper
 * has none). Because the buyer's receiving key is fresh per trade, the buyer can reveal it: with it,
 * the cfrags the proxies gave and the ciphertext (manifest and sealed fragments), anyone can redo
 * the buyer's side and see whether the delivery fails.
 *
 * - The evidence only counts when the revealed key is the trade's `buyerPreKey` and at least t
 *   cfrags verify against the key wrap (a cfrag is signed through the owner's kfrag, so the buyer
 *   cannot forge one): otherwise the claim is unfounded and the owner is paid.
 * - With counting evidence, the claim is true when the data key does not decrypt, a fragment does
 *   not open, or the root is not the on-chain hash: the buyer is refunded (`buyerBps` 10 000).
 *   When everything opens to the hash, the claim is false: the owner is paid (`buyerBps` 0).
 */
import { SigningKey } from "ethers";
import { openWithCFrags, type PreKeyWrap } from "../offchain/envelopes/pre";
import { openFragments, type FragmentManifest } from "../offchain/envelopes/fragments";
import { DecryptionFailedError } from "../offchain/errors";

/** Basis points of the escrow to the buyer, as `DataTrade.resolve` takes them. */
export const REFUND_BUYER_BPS = 10_000;
export const PAY_OWNER_BPS = 0;

export interface DisputeEvidence {
  /** The revealed receiving secret key (0x hex). */
  receivingSecretKey: string;
  /** The trade's `buyerPreKey` on chain. */
  buyerPreKey: string;
  /** The cfrags the buyer got (base64). */
  cfrags: readonly string[];
  threshold: number;
  /** The manifest as delivered (with the owner's key wrap) and the sealed objects. */
  manifest: FragmentManifest & { keyWrap: PreKeyWrap };
  fragments: readonly Uint8Array[];
  /** The on-chain hash (the token id as bytes32). */
  dataHash: string;
}

export interface Verdict {
  /** Whether the buyer's claim (the delivery does not open to the hash) holds. */
  claimHolds: boolean;
  /** What the arbiter passes to `resolve`. */
  buyerBps: number;
  reason: string;
}

/** Checks dispute evidence and answers the `buyerBps` an arbiter would pass to `DataTrade.resolve`. */
export function arbitrate(evidence: DisputeEvidence): Verdict {
  const unfounded = (reason: string): Verdict => ({ claimHolds: false, buyerBps: PAY_OWNER_BPS, reason });
  let revealedPk: string;
  try {
    revealedPk = SigningKey.computePublicKey(evidence.receivingSecretKey, true);
  } catch (err) {
    return unfounded(`the revealed key is not a secp256k1 secret key (${(err as Error).message})`);
  }
  if (revealedPk.toLowerCase() !== evidence.buyerPreKey.toLowerCase())
    return unfounded(
      `the revealed key's public key ${revealedPk} is not the trade's buyerPreKey ${evidence.buyerPreKey}`,
    );
  let key: Uint8Array;
  try {
    key = openWithCFrags(evidence.receivingSecretKey, evidence.manifest.keyWrap, evidence.cfrags, evidence.threshold);
  } catch (err) {
    if (err instanceof DecryptionFailedError)
      return {
        claimHolds: true,
        buyerBps: REFUND_BUYER_BPS,
        reason: `the data key does not decrypt: ${(err as Error).message}`,
      };
    return unfounded(`the cfrags are not evidence: ${(err as Error).message}`);
  }
  try {
    openFragments(evidence.manifest, evidence.fragments, key, { expectedRoot: evidence.dataHash });
    return unfounded("the delivery opens and its root is the on-chain hash");
  } catch (err) {
    return {
      claimHolds: true,
      buyerBps: REFUND_BUYER_BPS,
      reason: `the delivery does not open to the on-chain hash: ${(err as Error).message}`,
    };
  } finally {
    key.fill(0);
  }
}
