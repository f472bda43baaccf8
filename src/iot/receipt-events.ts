/**
 * What a mined transaction of the unit did, read from its receipt's logs: readings applied,
 * service requests raised, parts ordered and whether they were paid (MaintenanceService), records added and readers
 * authorized or revoked (the unit's EPRs), and tokens earned or spent (DataToken transfers to and
 * from the unit), and readers an EPR skipped because they hold no identity any more. Logs of other contracts, or of look-alike events elsewhere, are ignored: a log
 * counts only when its address is the contract the unit knows.
 */
import { getAddress } from "ethers";
import { dataTokenInterface, eprInterface, maintenanceServiceInterface } from "./abi";
import type { EntryReceipt } from "./tx-queue";

/** Where a mined event happened. */
export interface MinedAt {
  txHash: string;
  blockNumber: number;
  /** Nonce of the unit's transaction. */
  nonce: number;
}

export interface ReadingsAppliedEvent extends MinedAt {
  machine: string;
  readings: number;
  /** The machine's counts after the batch. */
  tempCount: number;
  vibraCount: number;
}

/** Mirrors `MaintenanceService.RequestOrigin`. */
export const REQUEST_ORIGINS = ["vibration", "manual"] as const;

export interface ServiceRequestedEvent extends MinedAt {
  requestId: bigint;
  machine: string;
  provider: string;
  requester: string;
  origin: (typeof REQUEST_ORIGINS)[number] | "unknown";
}

export interface PartOrderedEvent extends MinedAt {
  orderId: bigint;
  machine: string;
  provider: string;
  payer: string;
  price: bigint;
}

/** A part order that could not be paid when it fired: the batch still applied; `payPartOrder` settles it. */
export interface PartOrderUnpaidEvent extends MinedAt {
  orderId: bigint;
  machine: string;
  payer: string;
  price: bigint;
}

/** A formerly unpaid part order, paid by `payer`. */
export interface PartOrderPaidEvent extends MinedAt {
  orderId: bigint;
  machine: string;
  provider: string;
  payer: string;
  price: bigint;
}

export interface RecordAddedEvent extends MinedAt {
  epr: string;
  recordId: bigint;
  addedBy: string;
  contentHash: string;
  objectCommitment: string;
  query: string;
  uri: string;
  bonus: bigint;
}

export interface ReaderChangedEvent extends MinedAt {
  epr: string;
  recordId: bigint;
  /** The account named (for a revocation, possibly the identity's Summary). */
  reader: string;
  /** The identity (the reader's Summary); none for a reader skipped. */
  readerSummary?: string;
}

/** Everything a receipt says that the unit reports. */
export interface ReceiptEvents {
  readings: ReadingsAppliedEvent[];
  requests: ServiceRequestedEvent[];
  orders: PartOrderedEvent[];
  /** Orders of this transaction left unpaid (no allowance or balance). */
  unpaid: PartOrderUnpaidEvent[];
  /** Unpaid orders this transaction paid. */
  paid: PartOrderPaidEvent[];
  records: RecordAddedEvent[];
  authorized: ReaderChangedEvent[];
  revoked: ReaderChangedEvent[];
  /** Readers named for a new record that held no identity, left out by the EPR. */
  skipped: ReaderChangedEvent[];
  /** Tokens transferred to the unit (mints: rewards). */
  earned: bigint;
  /** Tokens transferred from the unit (part payments, bonuses). */
  spent: bigint;
}

/** The contracts whose logs count. */
export interface KnownContracts {
  account: string;
  maintenanceService: string;
  dataToken: string;
  eprs: readonly string[];
}

export function parseReceiptEvents(receipt: EntryReceipt, nonce: number, known: KnownContracts): ReceiptEvents {
  const at: MinedAt = { txHash: receipt.transactionHash, blockNumber: receipt.blockNumber, nonce };
  const result: ReceiptEvents = {
    readings: [],
    requests: [],
    orders: [],
    unpaid: [],
    paid: [],
    records: [],
    authorized: [],
    revoked: [],
    skipped: [],
    earned: 0n,
    spent: 0n,
  };
  const service = getAddress(known.maintenanceService);
  const token = getAddress(known.dataToken);
  const account = getAddress(known.account);
  const eprs = new Set(known.eprs.map((a) => getAddress(a)));
  for (const log of receipt.logs) {
    const address = getAddress(log.address);
    const iface =
      address === service
        ? maintenanceServiceInterface
        : address === token
          ? dataTokenInterface
          : eprs.has(address)
            ? eprInterface
            : undefined;
    if (iface === undefined) continue;
    const parsed = iface.parseLog({ topics: log.topics, data: log.data });
    if (parsed === null) continue;
    const a = parsed.args;
    switch (`${iface === eprInterface ? "epr" : address === service ? "service" : "token"}.${parsed.name}`) {
      case "service.ReadingsReported":
        result.readings.push({
          ...at,
          machine: a.machine,
          readings: Number(a.readings),
          tempCount: Number(a.tempCount),
          vibraCount: Number(a.vibraCount),
        });
        break;
      case "service.ServiceRequested":
        result.requests.push({
          ...at,
          requestId: a.requestId,
          machine: a.machine,
          provider: a.provider,
          requester: a.requester,
          origin: REQUEST_ORIGINS[Number(a.origin)] ?? "unknown",
        });
        break;
      case "service.PartOrdered":
        result.orders.push({
          ...at,
          orderId: a.orderId,
          machine: a.machine,
          provider: a.provider,
          payer: a.payer,
          price: a.price,
        });
        break;
      case "service.PartOrderUnpaid":
        result.unpaid.push({ ...at, orderId: a.orderId, machine: a.machine, payer: a.payer, price: a.price });
        break;
      case "service.PartOrderPaid":
        result.paid.push({
          ...at,
          orderId: a.orderId,
          machine: a.machine,
          provider: a.provider,
          payer: a.payer,
          price: a.price,
        });
        break;
      case "token.Transfer":
        if (a.to === account && a.from !== account) result.earned += a.value as bigint;
        if (a.from === account && a.to !== account) result.spent += a.value as bigint;
        break;
      case "epr.RecordAdded":
        result.records.push({
          ...at,
          epr: address,
          recordId: a.recordId,
          addedBy: a.addedBy,
          contentHash: a.contentHash,
          objectCommitment: a.objectCommitment,
          query: a.query,
          uri: a.uri,
          bonus: a.bonus,
        });
        break;
      case "epr.ReaderAuthorized":
        result.authorized.push({
          ...at,
          epr: address,
          recordId: a.recordId,
          reader: a.reader,
          readerSummary: a.readerSummary,
        });
        break;
      case "epr.ReaderRevoked":
        result.revoked.push({
          ...at,
          epr: address,
          recordId: a.recordId,
          reader: a.reader,
          readerSummary: a.readerSummary,
        });
        break;
      case "epr.ReaderSkipped":
        result.skipped.push({ ...at, epr: address, recordId: a.recordId, reader: a.reader });
        break;
    }
  }
  return result;
}
