/**
 * Keeping a data key in the off-chain network as Shamir shares (BPIIoT IV.C, V.B): share i is
 * sealed for custodian i (an Ethereum key, e.g. of the operator of store node i) and stored on
 * store node i. No node holds the key; any t+1 custodians together recover it.
 *
 * Each share travels as an envelope wrapped for its custodian only, because a store node of the
 * DHT serves any CID it holds to anyone who asks: the share must be useless to everyone else.
 */
import type { ContentStore } from "../stores/store";
import { readerOf, type ReaderKey, type ReaderSecret } from "./envelope";
import { readSharedRecord, writeSharedRecord } from "./shared-record";
import { recoverKey, splitKey } from "../../crypto/key-shares";
import { ShareError } from "../../crypto/errors";

/** One custodian of a share: where its share is stored and whose key it is sealed for. */
export interface KeyCustodian {
  store: ContentStore;
  holder: ReaderKey;
}

/** Where share i went: enough to find it again and to check it. */
export interface KeyShareDeposit {
  /** Checksummed address of the custodian. */
  holder: string;
  /** CID of the sealed share in the custodian's store. */
  cid: string;
  /** keccak-256 of the share (to check it when collecting). */
  shareHash: string;
}

/** Splits `key` among `custodians` (any t+1 recover it) and stores share i with custodian i. */
export async function depositKeyShares(
  key: Uint8Array,
  custodians: readonly KeyCustodian[],
  t: number,
): Promise<KeyShareDeposit[]> {
  const shares = await splitKey(key, custodians.length, t);
  return Promise.all(
    custodians.map(async (custodian, i) => {
      const record = await writeSharedRecord(custodian.store, shares[i], [custodian.holder]);
      return { holder: custodian.holder.address, cid: record.cid, shareHash: record.plaintextHash };
    }),
  );
}

/**
 * Recovers the key from the shares of the custodians who cooperate: each opens its own share
 * (from its store, with its key). At least t+1 of them are needed for the right key.
 */
export async function collectKeyShares(
  deposits: readonly KeyShareDeposit[],
  cooperating: readonly { store: ContentStore; secret: ReaderSecret }[],
): Promise<Uint8Array> {
  const shares = await Promise.all(
    cooperating.map(async ({ store, secret }) => {
      const holder = readerOf(secret).address;
      const deposit = deposits.find((d) => d.holder === holder);
      if (deposit === undefined) {
        throw new ShareError("holder", `${holder} holds no share of this key`);
      }
      return readSharedRecord(store, deposit.cid, secret, deposit.shareHash);
    }),
  );
  return recoverKey(shares);
}
