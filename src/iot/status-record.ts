/**
 * The EPR transaction that puts a status snapshot's pointer on chain (the digital-twin paper's
 * sharing step 2: one transaction carrying the hash and the storage location). With third-party
 * readers it is `addRecordWithReaders`, which authorizes them in the same transaction; readers
 * beyond the contract's per-record bound are left for one `authorize` each once the record is
 * mined (its id is not known before). Without third parties it is a plain `addRecord`.
 */
import { EPR_MAX_READERS_PER_RECORD, eprInterface } from "./abi";
import { DEFAULT_GAS, recordGasLimit, recordWithReadersGasLimit, type GasSchedule } from "./gas";

/** A status record to add: its pointer and the third parties to authorize on it. */
export interface StatusRecord {
  query: string;
  /** keccak-256 of the snapshot's bytes. */
  contentHash: string;
  uri: string;
  /** `objectCommitmentOf(digest of the stored envelope)`: what a verifier must open to attest the record. */
  objectCommitment: string;
  /** Checksummed addresses of the third-party readers (neither the device nor the provider). */
  thirdParties: readonly string[];
}

/** The call that adds it. */
export interface StatusRecordCall {
  data: string;
  gasLimit: bigint;
  /** The readers this very transaction authorizes. */
  readers: string[];
  /** The readers left for an `authorize` each after the record is mined (over the per-record bound). */
  later: string[];
}

/** Encodes the record's transaction and fixes its gas limit (the bonus is 0: a unit escrows none). */
export function statusRecordCall(record: StatusRecord, gas: GasSchedule = DEFAULT_GAS): StatusRecordCall {
  const { query, contentHash, uri, objectCommitment } = record;
  const readers = record.thirdParties.slice(0, EPR_MAX_READERS_PER_RECORD);
  const later = record.thirdParties.slice(EPR_MAX_READERS_PER_RECORD);
  const [queryBytes, uriBytes] = [Buffer.byteLength(query), Buffer.byteLength(uri)];
  if (readers.length === 0) {
    return {
      data: eprInterface.encodeFunctionData("addRecord", [query, contentHash, uri, objectCommitment, 0n]),
      gasLimit: recordGasLimit(queryBytes, uriBytes, gas),
      readers,
      later,
    };
  }
  return {
    data: eprInterface.encodeFunctionData("addRecordWithReaders", [
      query,
      contentHash,
      uri,
      objectCommitment,
      0n,
      readers,
    ]),
    gasLimit: recordWithReadersGasLimit(queryBytes, uriBytes, readers.length, gas),
    readers,
    later,
  };
}
