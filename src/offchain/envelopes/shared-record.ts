/**
 * The data path of one shared record, end to end, timed step by step for the sharing-latency
 * benchmark (the paper's Fig. 8 steps 1 and 5–6: hash + upload, download + check):
 *
 *   write: hash → encrypt → wrap (per reader) → encode → put   → { cid, plaintextHash }
 *   read:  get → decode → unwrap → decrypt → verify             → plaintext
 *
 * The on-chain part (recording `cid` and `plaintextHash` in the EPR, reading them back) sits
 * between the two and belongs to the chain code.
 */
import { performance } from "node:perf_hooks";
import type { ContentStore, StoreCallOptions } from "../stores/store";
import {
  decodeEnvelope,
  encodeEnvelope,
  envelopeReaders,
  openEnvelope,
  sealEnvelope,
  timeStep,
  type ReaderKey,
  type ReaderSecret,
  type SharingStep,
  type StepListener,
} from "./envelope";

/** What goes on chain for a record. */
export interface SharedRecord {
  /** CID of the envelope in the content store. */
  cid: string;
  /** keccak-256 of the plaintext. */
  plaintextHash: string;
  /** Checksummed addresses the data key was wrapped for. */
  readers: string[];
}

async function timeAsyncStep<T>(
  step: SharingStep,
  onStep: StepListener | undefined,
  run: () => Promise<T>,
): Promise<T> {
  const start = performance.now();
  const result = await run();
  onStep?.(step, performance.now() - start);
  return result;
}

/** Encrypts `plaintext` for `readers`, stores the envelope, and returns what goes on chain. */
export async function writeSharedRecord(
  store: ContentStore,
  plaintext: Uint8Array,
  readers: readonly ReaderKey[],
  options: { epoch?: number; onStep?: StepListener } & StoreCallOptions = {},
): Promise<SharedRecord> {
  const envelope = sealEnvelope(plaintext, readers, options.epoch ?? 0, options.onStep);
  const bytes = timeStep("encode", options.onStep, () => encodeEnvelope(envelope));
  const cid = await timeAsyncStep("put", options.onStep, () => store.put(bytes, { signal: options.signal }));
  return { cid, plaintextHash: envelope.plaintextHash, readers: envelopeReaders(envelope) };
}

/**
 * Fetches the envelope `cid`, opens it as `reader` and checks the plaintext against
 * `expectedHash` (the keccak-256 recorded on chain).
 */
export async function readSharedRecord(
  store: ContentStore,
  cid: string,
  reader: ReaderSecret,
  expectedHash: string,
  options: { onStep?: StepListener } & StoreCallOptions = {},
): Promise<Uint8Array> {
  const bytes = await timeAsyncStep("get", options.onStep, () => store.get(cid, { signal: options.signal }));
  const envelope = timeStep("decode", options.onStep, () => decodeEnvelope(bytes));
  return openEnvelope(envelope, reader, expectedHash, options.onStep);
}
