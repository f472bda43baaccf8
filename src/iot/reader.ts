/**
 * The reader side of status sharing, for a provider or an authorized third party: list a
 * device's records in its EPR, fetch a record's envelope (straight from a content store, or
 * through the predicate-gated gateway), decrypt it and check the plaintext against the record's
 * on-chain `contentHash`.
 *
 * These are steps 3–6 of the paper's sharing process (secure-sharing-big-digital-twin-data 6.1):
 * query the chain for the record (3–4), download the data it points at (5) and open it (6). Each
 * step reports its duration to `onStep` for the sharing-latency benchmark:
 *
 *   query  → (sign → ) get → decode → unwrap → decrypt → verify
 *
 * `query` is the chain read; `sign` (the gateway challenge, gateway only) and `get` (the download
 * with its CID check) are timed by `fetchSharedEnvelope` of `src/offchain` for a gateway, and the
 * last four are the envelope steps of `src/offchain` (same names).
 */
import { performance } from "node:perf_hooks";
import { Contract, getAddress, type ContractRunner } from "ethers";
import {
  decodeEnvelope,
  fetchSharedEnvelope,
  openEnvelope,
  parseCid,
  timeStep,
  type ContentStore,
  type GatewayReadStep,
  type ReaderWallet,
} from "../offchain";
import { EPR_ABI } from "./abi";
import { NoRecordError, RecordPointerError } from "./errors";
import { decodeStatus, type StatusSnapshot } from "./status";

/** A record of an EPR, as a reader sees it. */
export interface SharedRecordView {
  epr: string;
  recordId: bigint;
  query: string;
  /** keccak-256 of the plaintext, as recorded on chain. */
  contentHash: string;
  uri: string;
  addedBy: string;
  /** Block timestamp of the addition, Unix seconds. */
  addedAt: number;
  attestedBy: string;
  attestedAt: number;
  bonus: bigint;
}

/** The steps a read is timed by: the chain query, then those of a gated read (`src/offchain/gateway.ts`). */
export type ReaderStep = "query" | GatewayReadStep;
/** Called once per step with its duration in milliseconds. */
export type ReaderStepListener = (step: ReaderStep, ms: number) => void;

/** Where envelopes come from: a content store the reader can read directly, or a gateway URL. */
export type EnvelopeSource = { store: ContentStore } | { gateway: string };

async function timed<T>(step: ReaderStep, onStep: ReaderStepListener | undefined, run: () => Promise<T>): Promise<T> {
  const start = performance.now();
  const result = await run();
  onStep?.(step, performance.now() - start);
  return result;
}

function eprContract(runner: ContractRunner, epr: string): Contract {
  return new Contract(getAddress(epr), EPR_ABI, runner);
}

function viewOf(
  epr: string,
  recordId: bigint,
  p: {
    query: string;
    contentHash: string;
    uri: string;
    addedBy: string;
    addedAt: bigint;
    attestedBy: string;
    attestedAt: bigint;
    bonus: bigint;
  },
): SharedRecordView {
  return {
    epr: getAddress(epr),
    recordId,
    query: p.query,
    contentHash: p.contentHash,
    uri: p.uri,
    addedBy: p.addedBy,
    addedAt: Number(p.addedAt),
    attestedBy: p.attestedBy,
    attestedAt: Number(p.attestedAt),
    bonus: p.bonus,
  };
}

/** Record `recordId` of `epr` (reverts with the EPR's `RelationshipUnknownRecord` if there is none). */
export async function getRecord(
  runner: ContractRunner,
  epr: string,
  recordId: bigint | number,
): Promise<SharedRecordView> {
  const pointer = await eprContract(runner, epr).record(recordId);
  return viewOf(epr, BigInt(recordId), pointer);
}

/**
 * The records of `epr` with ids in [`from`, `to`) (default: all), optionally only those added by
 * `addedBy` (e.g. the device's own status records), in id order.
 */
export async function listRecords(
  runner: ContractRunner,
  epr: string,
  options: { from?: bigint | number; to?: bigint | number; addedBy?: string } = {},
): Promise<SharedRecordView[]> {
  const contract = eprContract(runner, epr);
  const count = (await contract.recordCount()) as bigint;
  const from = BigInt(options.from ?? 0);
  const to = options.to === undefined || BigInt(options.to) > count ? count : BigInt(options.to);
  const ids: bigint[] = [];
  for (let id = from; id < to; id++) ids.push(id);
  const records = await Promise.all(ids.map(async (id) => viewOf(epr, id, await contract.record(id))));
  const addedBy = options.addedBy === undefined ? undefined : getAddress(options.addedBy);
  return addedBy === undefined ? records : records.filter((r) => r.addedBy === addedBy);
}

/** The newest record of `epr` (optionally the newest added by `addedBy`), or undefined when there is none. */
export async function latestRecord(
  runner: ContractRunner,
  epr: string,
  options: { addedBy?: string } = {},
): Promise<SharedRecordView | undefined> {
  const contract = eprContract(runner, epr);
  const addedBy = options.addedBy === undefined ? undefined : getAddress(options.addedBy);
  for (let id = ((await contract.recordCount()) as bigint) - 1n; id >= 0n; id--) {
    const record = viewOf(epr, id, await contract.record(id));
    if (addedBy === undefined || record.addedBy === addedBy) return record;
  }
  return undefined;
}

/** The CID a record's URI names (`ipfs://<cid>`, `/ipfs/<cid>` or the bare CID). */
export function cidOfRecord(record: SharedRecordView): string {
  const match = /^(?:ipfs:\/\/|\/ipfs\/)?([A-Za-z0-9]+)$/.exec(record.uri);
  if (match === null)
    throw new RecordPointerError(record.epr, record.recordId, record.uri, "not an ipfs:// URI or a CID");
  try {
    parseCid(match[1]);
  } catch (error) {
    throw new RecordPointerError(record.epr, record.recordId, record.uri, (error as Error).message);
  }
  return match[1];
}

/**
 * The stored object a record points at (the sealed envelope's bytes, CID-checked), straight from
 * a content store or through the gateway as `reader` (who must be allowed to read the record).
 */
export async function fetchRecordObject(
  record: SharedRecordView,
  reader: ReaderWallet,
  source: EnvelopeSource,
  options: { signal?: AbortSignal; onStep?: ReaderStepListener } = {},
): Promise<Uint8Array> {
  const { signal, onStep } = options;
  return "store" in source
    ? timed("get", onStep, () => source.store.get(cidOfRecord(record), { signal }))
    : fetchSharedEnvelope(source.gateway, cidOfRecord(record), record.recordId, record.epr, reader, { signal, onStep });
}

/** What `readRecord` returns. */
export interface ReadResult {
  record: SharedRecordView;
  plaintext: Uint8Array;
}

/**
 * Reads record `recordId` (or the newest one, optionally the newest added by `addedBy`) of `epr`
 * as `reader`: the pointer from the chain, the envelope from `source`, decrypted and checked
 * against the on-chain hash. Throws `NotAReaderError` when the envelope holds no key for the
 * reader, `GatewayRequestError` when the gateway refuses (403 for a reader the EPR does not
 * authorize), `PlaintextHashMismatchError` when the data is not what the chain recorded,
 * `NoRecordError` when "latest" finds none.
 */
export async function readRecord(options: {
  runner: ContractRunner;
  epr: string;
  recordId: bigint | number | "latest";
  addedBy?: string;
  reader: ReaderWallet;
  source: EnvelopeSource;
  onStep?: ReaderStepListener;
  signal?: AbortSignal;
}): Promise<ReadResult> {
  const { runner, epr, reader, source, onStep, signal } = options;
  const record = await timed("query", onStep, async () => {
    if (options.recordId !== "latest") return getRecord(runner, epr, options.recordId);
    const latest = await latestRecord(runner, epr, { addedBy: options.addedBy });
    if (latest === undefined) throw new NoRecordError(getAddress(epr), options.addedBy);
    return latest;
  });
  const bytes = await fetchRecordObject(record, reader, source, { signal, onStep });
  const envelope = timeStep("decode", onStep, () => decodeEnvelope(bytes));
  const plaintext = openEnvelope(envelope, reader, record.contentHash, onStep);
  return { record, plaintext };
}

/** `readRecord` for a status record: the plaintext decoded as a `StatusSnapshot`. */
export async function readStatus(
  options: Parameters<typeof readRecord>[0],
): Promise<ReadResult & { snapshot: StatusSnapshot }> {
  const result = await readRecord(options);
  return { ...result, snapshot: decodeStatus(result.plaintext) };
}
