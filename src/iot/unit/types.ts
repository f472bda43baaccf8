/**
 * The types of the IoT unit's public API: its options, what it reports and its events. They live
 * apart from `IoTUnit` (which re-exports them) so that the unit's parts (`unit/*.ts`) can name
 * them without importing the façade that imports the parts.
 */
import type { ContentStore } from "../../offchain";
import type { FundingPolicy, TypedDataSigner } from "../funding";
import type { GasSchedule } from "../gas";
import type { JsonValue } from "../queue-file";
import type { BatchPolicy } from "../readings";
import type {
  PartOrderedEvent,
  PartOrderPaidEvent,
  PartOrderUnpaidEvent,
  ReadingsAppliedEvent,
  ReaderChangedEvent,
  RecordAddedEvent,
  ServiceRequestedEvent,
} from "../receipt-events";
import type { RelationshipConfig } from "../relationships";
import type { SensorSource } from "../sensors";
import type { StatusSnapshot } from "../status";
import type { ChainEndpoint } from "../transport";
import type { OfflineSigner, TransactionQueueOptions } from "../tx-queue";
import type { MachineSettings, RevocationIntent } from "../unit-state";

/** The unit's key: an ethers `Wallet` (signs offline, exposes its public key for the keyrings). */
export type UnitWallet = OfflineSigner &
  TypedDataSigner & { readonly privateKey: string; readonly signingKey: { readonly publicKey: string } };

/** The contracts the unit talks to on its chain. */
export interface UnitContracts {
  maintenanceService: string;
  dataToken: string;
  /** Checked before a third party is added as a reader (it must be registered). Optional. */
  register?: string;
}

/** Off-chain status sharing. */
export interface SharingOptions {
  /** Where envelopes go (`openHeliaStore`, `openKuboStore`, a cluster node). */
  store: ContentStore;
  /** The device's EPRs with their providers' public keys. */
  relationships: readonly RelationshipConfig[];
  /** Upload a status snapshot every this many readings (0 or missing: only on `uploadStatus()`). */
  statusEvery?: number;
  /**
   * The public key of a reader's new account, when a reader moves its identity (`AccountChanged`
   * in the Register): later snapshots are wrapped for it. Missing, or answering undefined: the
   * old key is dropped and the unit reports `readerMoved` with `rewrapped: false`, for the
   * application to `shareWith` the new key once it knows it.
   */
  readerKeyOf?: (account: string) => Promise<string | undefined> | string | undefined;
}

export interface IoTUnitOptions {
  wallet: UnitWallet;
  /** The community chain: an RPC URL, an EIP-1193 provider, an ethers provider, or a transport. */
  chain: ChainEndpoint;
  /** The chain id (asked of the chain the first time when missing). */
  chainId?: number;
  contracts: UnitContracts;
  /** The machine's address in MaintenanceService (the unit must be its registered unit). */
  machine: string;
  /** Directory of the unit's queue, state and keyrings. */
  stateDir: string;
  sensor?: SensorSource;
  batch?: Partial<BatchPolicy>;
  /** Permit policy; `false` never signs permits (the unit is approved some other way). Defaults from the part price. */
  funding?: Partial<FundingPolicy> | false;
  sharing?: SharingOptions;
  queue?: Pick<
    TransactionQueueOptions,
    "retry" | "pollIntervalMs" | "resendAfterMs" | "compactEvery" | "fees" | "startNonce" | "nonceUsedGraceMs"
  >;
  gas?: Partial<GasSchedule>;
  /** Timeout of one RPC request when `chain` is a URL. */
  requestTimeoutMs?: number;
}

/** A status snapshot uploaded and its pointer queued for the EPR. */
export interface StatusUpload {
  epr: string;
  cid: string;
  uri: string;
  /** keccak-256 of the snapshot's bytes: the EPR record's contentHash. */
  contentHash: string;
  /** keccak-256 of the stored envelope: what a verifier reveals to attest the record. */
  objectDigest: string;
  /** The commitment to `objectDigest` the record carries. */
  objectCommitment: string;
  query: string;
  sequence: number;
  /** Addresses the data key was wrapped for. */
  readers: string[];
  /**
   * Nonce of the queued record transaction: `addRecordWithReaders` authorizing the third-party
   * readers with the record (`addRecord` when there are none).
   */
  nonce: number;
  snapshot: StatusSnapshot;
}

/** The unit's token account as far as it has seen: from its own transactions' receipts. */
export interface TokenLedger {
  /** Tokens received (upload rewards). */
  earned: bigint;
  /** Tokens paid (parts). */
  spent: bigint;
  /** The balance on chain right after the last change, when the chain could be asked. */
  balance?: bigint;
}

/** A queued transaction that was mined and reverted. */
export interface RevertedTransaction {
  nonce: number;
  hash: string;
  kind: string;
  reason: string;
  meta: { [key: string]: JsonValue };
}

/** Settings the machine's owner proposed, waiting for the unit or for their delay. */
export interface PendingMachineSettings extends Omit<MachineSettings, "partPrice"> {
  unit: string;
  partPrice: bigint;
  /** When anyone may put them into effect (Unix s). */
  effectiveAt: number;
}

/** Events of the unit. */
export interface IoTUnitEvents {
  /** A reading batch was signed and queued durably. */
  batchQueued: [info: { nonce: number; readings: number; permit: boolean }];
  /** A permit was signed and rides on the batch with nonce `batchNonce`. */
  permitSigned: [info: { value: bigint; nonce: bigint; deadline: bigint; batchNonce: number }];
  readingsApplied: [event: ReadingsAppliedEvent];
  serviceRequested: [event: ServiceRequestedEvent];
  partOrdered: [event: PartOrderedEvent];
  /**
   * A part order could not be paid (no allowance or balance): its batch still applied, every
   * reading and request is on chain; `payUnpaidOrders` settles it once the unit is funded.
   */
  partOrderUnpaid: [event: PartOrderUnpaidEvent];
  /** An unpaid part order was paid. */
  partOrderPaid: [event: PartOrderPaidEvent];
  /**
   * The machine's owner proposed settings that take effect at `effectiveAt` (Unix s) unless the
   * unit accepts them earlier (`acceptPendingSettings`): seen when the unit reads the chain after
   * each batch or an outage (one found on open is in `unit.pendingSettings`). A device program
   * that does not agree stops reporting, or lowers its allowance, before then.
   */
  settingsPending: [info: PendingMachineSettings];
  statusUploaded: [upload: StatusUpload];
  recordAdded: [event: RecordAddedEvent];
  readerAuthorized: [event: ReaderChangedEvent];
  readerRevoked: [event: ReaderChangedEvent];
  /** A reader named for a record held no identity any more and was left out of it by the EPR. */
  readerSkipped: [event: ReaderChangedEvent];
  /**
   * A reader moved its identity from `previous` to `next`: the old key gets nothing sealed from
   * now on, the authorizations are the new account's; `rewrapped` when the new key was found
   * (`sharing.readerKeyOf`) and later snapshots are sealed for it.
   */
  readerMoved: [info: { previous: string; next: string; eprs: string[]; rewrapped: boolean }];
  /** A revocation a crash interrupted was finished on open: `queued` are the revokes queued now. */
  revocationResumed: [info: RevocationIntent & { queued: number[] }];
  /** A status upload a crash or a failed store interrupted was finished: `queued` are the nonces of the records queued now. */
  uploadResumed: [info: { sequence: number; eprs: string[]; queued: number[] }];
  /** The token ledger changed (a reward came in, a part was paid). */
  balance: [ledger: TokenLedger];
  reverted: [info: RevertedTransaction];
  outage: [info: { error: Error; attempt: number; retryInMs: number }];
  recovered: [info: { downForMs: number }];
  /** The queue stopped on an error retrying cannot fix; see `TransactionQueue.resume`. */
  stalled: [error: Error];
  /** Background work failed (a delayed flush, an automatic upload, a listener that threw). */
  failure: [info: { operation: string; error: Error }];
  /** The sensor source ended (`run()` resolves next). */
  sensorEnded: [];
}
