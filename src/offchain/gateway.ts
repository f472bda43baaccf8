/**
 * Gated serving: the predicate p of the paper's `DHT.set(k, v, p)` (BPIIoT V.C). An HTTP
 * gateway in front of a content store hands an envelope to a reader only when
 *
 *   1. the reader proves it holds its Ethereum address, by an EIP-191 `personal_sign` of
 *      `commchain:read:<cid>:<recordId>:<expiry>` (expiry in Unix seconds, not past, not further
 *      ahead than the gateway's maximum TTL), and
 *   2. a predicate says this reader may read this record — on chain, the EPR contract's
 *      `canRead(recordId, reader)`.
 *
 * The gateway returns the stored envelope bytes unchanged, so the client checks them against
 * the CID itself and does not have to trust the gateway; the envelope's key wrapping still
 * decides who can decrypt. The gate keeps ciphertext away from parties the chain does not
 * authorize (defense in depth, and the paper's access model).
 *
 * API: `POST /v1/read` with JSON `{ cid, recordId, eprAddress, reader, expiry, signature }`
 *   200 → envelope bytes (application/json)
 *   400 BadRequest · 401 BadSignature | Expired · 403 Forbidden · 404 NotFound ·
 *   413 TooLarge · 502 StoreUnavailable · 503 PredicateUnavailable — all as
 *   `{ "error": code, "detail": text }`.
 * `GET /health` → `{ "ok": true }`.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { performance } from "node:perf_hooks";
import { Contract, getAddress, Interface, isAddress, type ContractRunner } from "ethers";
import type { ContentStore } from "./store";
import { parseCid, verifyContent } from "./cid";
import { decodeEnvelope, openEnvelope, timeStep, type SharingStep } from "./envelope";
import { ContentNotFoundError, GatewayRequestError, InvalidCidError } from "./errors";
import { recoverMessageSigner } from "../crypto/secp256k1";

/** What a predicate decides on. */
export interface ReadRequest {
  cid: string;
  recordId: bigint;
  /** Checksummed address of the EPR contract the record lives in. */
  eprAddress: string;
  /** Checksummed address of the reader, already proven by its signature. */
  reader: string;
}

/** The paper's predicate p: may `reader` read record `recordId` (stored at `cid`)? */
export type ReadPredicate = (request: ReadRequest) => Promise<boolean>;

export const READ_CHALLENGE_PREFIX = "commchain:read";
/** Longest a signed read challenge may be valid for, unless the gateway is told otherwise. */
export const DEFAULT_MAX_CHALLENGE_TTL_S = 300;
/** Default validity of the challenges `fetchShared` signs. */
export const DEFAULT_CHALLENGE_TTL_S = 60;
/** Largest request body the gateway reads. */
const MAX_REQUEST_BYTES = 16 * 1024;
/** How long the gateway waits for the store to produce an envelope. */
export const DEFAULT_GATEWAY_FETCH_TIMEOUT_MS = 30_000;

/** The message a reader signs (EIP-191 personal_sign) to read `cid` as record `recordId`. */
export function readChallenge(cid: string, recordId: bigint | number | string, expiry: number): string {
  return `${READ_CHALLENGE_PREFIX}:${cid}:${BigInt(recordId).toString()}:${expiry}`;
}

/** The minimal ABI of the EPR used here (see `contracts/sharing/EquipmentProviderRelationship.sol`). */
export const EPR_CAN_READ_ABI = ["function canRead(uint256 recordId, address reader) view returns (bool)"] as const;

/**
 * Whether the gate trusts an EPR: a list of addresses, or a check such as "created by our
 * relationship factory" ({@link createdByFactory}).
 */
export type TrustedEprs = readonly string[] | ((eprAddress: string) => Promise<boolean>);

/** `trusted` as one check. */
function trustCheck(trusted: TrustedEprs): (eprAddress: string) => Promise<boolean> {
  if (!Array.isArray(trusted)) return trusted as (eprAddress: string) => Promise<boolean>;
  const trustedSet = new Set(trusted.map((a) => getAddress(a)));
  return async (eprAddress) => trustedSet.has(eprAddress);
}

/** `canRead(recordId, reader)` of the request's EPR, trusted or not. */
function askCanRead(runner: ContractRunner): ReadPredicate {
  return async (request) => {
    const epr = new Contract(request.eprAddress, EPR_GATE_INTERFACE, runner);
    return (await epr.canRead(request.recordId, request.reader)) as boolean;
  };
}

/**
 * The on-chain predicate: asks the EPR contract `canRead(recordId, reader)`. Only EPRs the
 * gateway trusts are asked (`trusted`: a list of addresses, or a check such as "created by our
 * relationship factory"); for any other address the answer is no — otherwise a reader could name
 * a contract of its own that always says yes.
 */
export function eprCanRead(options: { runner: ContractRunner; trusted: TrustedEprs }): ReadPredicate {
  const isTrusted = trustCheck(options.trusted);
  const canRead = askCanRead(options.runner);
  return async (request) => (await isTrusted(request.eprAddress)) && canRead(request);
}

/**
 * ABI of EPR's `record(uint256)` getter: the data pointer struct as `wip/sharing` defines it
 * (`IEquipmentProviderRelationship.DataPointer`). If that struct changes, change this too.
 */
export const EPR_RECORD_ABI = [
  "function record(uint256 recordId) view returns (tuple(string query, bytes32 contentHash, string uri, address addedBy, uint64 addedAt, address attestedBy, uint64 attestedAt, uint256 bonus))",
] as const;

// Parsed once: a contract built from an ABI of strings parses it again on every read.
const EPR_GATE_INTERFACE = new Interface([...EPR_CAN_READ_ABI, ...EPR_RECORD_ABI]);

/**
 * Whether a failed call reverted (as opposed to a transport failure): ethers reports reverts as
 * CALL_EXCEPTION, Hardhat's in-process provider as "Transaction reverted …".
 */
function isRevert(err: unknown): boolean {
  const e = err as { code?: string; message?: string };
  return e?.code === "CALL_EXCEPTION" || /\brevert/i.test(e?.message ?? "");
}

/** URI forms of a CID accepted as a record's storage URI. */
function uriNamesCid(uri: string, cid: string): boolean {
  return uri === cid || uri === `ipfs://${cid}` || uri === `/ipfs/${cid}`;
}

/**
 * Binds the CID to the record: holds only when EPR record `recordId` points at `cid` (its `uri`
 * is the CID, `ipfs://<cid>` or `/ipfs/<cid>`). Without it, a reader allowed to read one record
 * could name any CID next to that record id. An unknown record id (the getter reverts) is a no.
 */
export function eprRecordPointsTo(runner: ContractRunner): ReadPredicate {
  return async (request) => {
    const epr = new Contract(request.eprAddress, EPR_GATE_INTERFACE, runner);
    let pointer: { uri: string };
    try {
      pointer = (await epr.record(request.recordId)) as { uri: string };
    } catch (err) {
      if (isRevert(err)) return false;
      throw err;
    }
    return uriNamesCid(pointer.uri, request.cid);
  };
}

/** ABI of the relationship factory's registry of the EPRs it created. */
export const FACTORY_IS_RELATIONSHIP_ABI = ["function isRelationship(address relationship) view returns (bool)"] as const;
const FACTORY_GATE_INTERFACE = new Interface(FACTORY_IS_RELATIONSHIP_ABI);

/** A trust check for `eprCanRead`: the EPR was created by the relationship factory at `factory`. */
export function createdByFactory(runner: ContractRunner, factory: string): (eprAddress: string) => Promise<boolean> {
  const contract = new Contract(factory, FACTORY_GATE_INTERFACE, runner);
  return async (eprAddress) => (await contract.isRelationship(eprAddress)) as boolean;
}

/**
 * The full on-chain gate: the EPR is trusted, the record points at the CID, and the reader may
 * read it. An untrusted EPR is never called (its code could be made costly to run); the two
 * questions for a trusted one go to the chain together, so a read waits for two round trips to
 * the chain instead of three.
 */
export function onChainReadPredicate(options: { runner: ContractRunner; trusted: TrustedEprs }): ReadPredicate {
  const isTrusted = trustCheck(options.trusted);
  const canRead = askCanRead(options.runner);
  const pointsTo = eprRecordPointsTo(options.runner);
  return async (request) => {
    if (!(await isTrusted(request.eprAddress))) return false;
    const [mayRead, pointsAtCid] = await Promise.all([canRead(request), pointsTo(request)]);
    return mayRead && pointsAtCid;
  };
}

/** A predicate that holds when every one of `predicates` holds (checked in order, stopping at the first no). */
export function allOf(...predicates: ReadPredicate[]): ReadPredicate {
  return async (request) => {
    for (const predicate of predicates) if (!(await predicate(request))) return false;
    return true;
  };
}

export interface GatewayOptions {
  store: ContentStore;
  predicate: ReadPredicate;
  /** Listen host. Default 127.0.0.1. */
  host?: string;
  /** Listen port. Default 0 (any free port). */
  port?: number;
  /** Longest validity a challenge may claim, in seconds. */
  maxChallengeTtlSeconds?: number;
  /** Clock in Unix seconds (tests pass a fixed one). */
  now?: () => number;
  fetchTimeoutMs?: number;
}

export interface Gateway {
  /** Base URL, e.g. `http://127.0.0.1:41234`. */
  readonly url: string;
  /** Stops listening and drops open connections. Idempotent. */
  close(): Promise<void>;
}

/** A refusal the gateway answers with; internal to the request handler. */
class Refusal {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly detail: string,
  ) {}
}

function field(body: Record<string, unknown>, name: string): unknown {
  if (!(name in body)) throw new Refusal(400, "BadRequest", `field "${name}" is missing`);
  return body[name];
}

/** Parses and checks a read request body; returns the request the predicate sees. */
function parseReadBody(
  raw: Buffer,
  nowSeconds: number,
  maxTtl: number,
): ReadRequest {
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(raw.toString("utf8")) as Record<string, unknown>;
  } catch {
    throw new Refusal(400, "BadRequest", "body is not JSON");
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) throw new Refusal(400, "BadRequest", "body must be a JSON object");
  const cid = field(body, "cid");
  if (typeof cid !== "string") throw new Refusal(400, "BadRequest", `field "cid" must be a string`);
  try {
    parseCid(cid);
  } catch (err) {
    throw new Refusal(400, "BadRequest", (err as InvalidCidError).message);
  }
  const recordIdRaw = field(body, "recordId");
  if (typeof recordIdRaw !== "string" || !/^\d{1,78}$/.test(recordIdRaw)) {
    throw new Refusal(400, "BadRequest", `field "recordId" must be a decimal string, got ${JSON.stringify(recordIdRaw)}`);
  }
  const eprAddress = field(body, "eprAddress");
  const reader = field(body, "reader");
  for (const [name, value] of [["eprAddress", eprAddress], ["reader", reader]] as const) {
    if (typeof value !== "string" || !isAddress(value)) {
      throw new Refusal(400, "BadRequest", `field "${name}" must be an Ethereum address, got ${JSON.stringify(value)}`);
    }
  }
  const expiry = field(body, "expiry");
  if (typeof expiry !== "number" || !Number.isSafeInteger(expiry)) {
    throw new Refusal(400, "BadRequest", `field "expiry" must be an integer Unix time in seconds`);
  }
  if (expiry < nowSeconds) throw new Refusal(401, "Expired", `the challenge expired at ${expiry}, it is now ${nowSeconds}`);
  if (expiry > nowSeconds + maxTtl) {
    throw new Refusal(401, "Expired", `expiry ${expiry} is more than ${maxTtl} s ahead; sign a shorter-lived challenge`);
  }
  const signature = field(body, "signature");
  if (typeof signature !== "string") throw new Refusal(401, "BadSignature", `field "signature" must be a hex string`);
  const message = readChallenge(cid, recordIdRaw, expiry);
  let signer: string;
  try {
    signer = recoverMessageSigner(message, signature);
  } catch (err) {
    throw new Refusal(401, "BadSignature", `not a valid signature (${(err as Error).message.split(" (")[0]})`);
  }
  if (signer !== getAddress(reader as string)) {
    throw new Refusal(401, "BadSignature", `"${message}" was signed by ${signer}, not by reader ${getAddress(reader as string)}`);
  }
  return { cid, recordId: BigInt(recordIdRaw), eprAddress: getAddress(eprAddress as string), reader: signer };
}

async function readBody(req: http.IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_REQUEST_BYTES) throw new Refusal(413, "TooLarge", `request body over ${MAX_REQUEST_BYTES} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

/** Starts the gateway; `close()` it when done. */
export async function startGateway(options: GatewayOptions): Promise<Gateway> {
  const now = options.now ?? (() => Math.floor(Date.now() / 1000));
  const maxTtl = options.maxChallengeTtlSeconds ?? DEFAULT_MAX_CHALLENGE_TTL_S;
  const fetchTimeoutMs = options.fetchTimeoutMs ?? DEFAULT_GATEWAY_FETCH_TIMEOUT_MS;

  async function handleRead(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const request = parseReadBody(await readBody(req), now(), maxTtl);
    let allowed: boolean;
    try {
      allowed = await options.predicate(request);
    } catch (err) {
      throw new Refusal(503, "PredicateUnavailable", `the access predicate failed: ${(err as Error).message}`);
    }
    if (!allowed) {
      throw new Refusal(
        403,
        "Forbidden",
        `${request.reader} may not read record ${request.recordId} of EPR ${request.eprAddress}`,
      );
    }
    let bytes: Uint8Array;
    try {
      bytes = await options.store.get(request.cid, { signal: AbortSignal.timeout(fetchTimeoutMs) });
    } catch (err) {
      if (err instanceof ContentNotFoundError) throw new Refusal(404, "NotFound", `no content ${request.cid} in ${options.store.name}`);
      throw new Refusal(502, "StoreUnavailable", (err as Error).message);
    }
    res.writeHead(200, { "content-type": "application/json", "content-length": bytes.length });
    res.end(Buffer.from(bytes));
  }

  const server = http.createServer((req, res) => {
    const route = `${req.method} ${(req.url ?? "").split("?")[0]}`;
    const work =
      route === "POST /v1/read"
        ? handleRead(req, res)
        : route === "GET /health"
          ? Promise.resolve(sendJson(res, 200, { ok: true, store: options.store.name }))
          : Promise.reject(new Refusal(404, "NoSuchRoute", `${route} (use POST /v1/read)`));
    work.catch((err: unknown) => {
      if (res.headersSent) return res.destroy();
      if (err instanceof Refusal) return sendJson(res, err.status, { error: err.code, detail: err.detail });
      sendJson(res, 500, { error: "Internal", detail: (err as Error).message });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  let closed = false;
  return {
    url: `http://${host}:${address.port}`,
    close: async () => {
      if (closed) return;
      closed = true;
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A reader able to sign read challenges (an ethers `Wallet` or a `LocalSender` is one). */
export interface ChallengeSigner {
  readonly address: string;
  signMessage(message: string): Promise<string>;
}

/** A reader able to sign challenges and decrypt envelopes (an ethers `Wallet` is one). */
export interface ReaderWallet extends ChallengeSigner {
  readonly privateKey: string;
}

/**
 * The steps of a read through the gateway, each reported to `onStep` with its duration: `sign`
 * (the read challenge), `get` (the request and the CID check of the bytes), then the envelope's
 * `decode`, `unwrap`, `decrypt` and `verify` (the same names as `src/offchain/envelope.ts`).
 */
export type GatewayReadStep = "sign" | SharingStep;
/** Called once per step of a gated read with its duration in milliseconds. */
export type GatewayStepListener = (step: GatewayReadStep, ms: number) => void;

/** Options of {@link fetchSharedEnvelope}. */
export interface FetchEnvelopeOptions {
  /** Validity of the signed read challenge, in seconds (default {@link DEFAULT_CHALLENGE_TTL_S}). */
  ttlSeconds?: number;
  signal?: AbortSignal;
  onStep?: GatewayStepListener;
}

async function timeAsync<T>(step: GatewayReadStep, onStep: GatewayStepListener | undefined, run: () => Promise<T>): Promise<T> {
  const start = performance.now();
  const result = await run();
  onStep?.(step, performance.now() - start);
  return result;
}

/**
 * The protocol half of a gated read: signs the challenge for `cid` as record `recordId` of EPR
 * `eprAddress`, asks the gateway for the envelope and checks the bytes against the CID (the
 * gateway is not trusted). Resolves with the envelope's bytes, still sealed. Throws
 * `GatewayRequestError` with the gateway's status and code when it refuses.
 */
export async function fetchSharedEnvelope(
  gatewayUrl: string,
  cid: string,
  recordId: bigint | number | string,
  eprAddress: string,
  readerWallet: ChallengeSigner,
  options: FetchEnvelopeOptions = {},
): Promise<Uint8Array> {
  parseCid(cid);
  const expiry = Math.floor(Date.now() / 1000) + (options.ttlSeconds ?? DEFAULT_CHALLENGE_TTL_S);
  const signature = await timeAsync("sign", options.onStep, () => readerWallet.signMessage(readChallenge(cid, recordId, expiry)));
  return timeAsync("get", options.onStep, async () => {
    const body = {
      cid,
      recordId: BigInt(recordId).toString(),
      eprAddress,
      reader: readerWallet.address,
      expiry,
      signature,
    };
    const response = await fetch(new URL("/v1/read", gatewayUrl), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
      signal: options.signal,
    });
    const bytes = new Uint8Array(await response.arrayBuffer());
    if (!response.ok) {
      let code = "Unknown";
      let detail = Buffer.from(bytes).toString("utf8");
      try {
        const parsed = JSON.parse(detail) as { error?: string; detail?: string };
        code = parsed.error ?? code;
        detail = parsed.detail ?? detail;
      } catch {
        // Not our gateway's JSON: keep the raw text as the detail.
      }
      throw new GatewayRequestError(response.status, code, detail);
    }
    await verifyContent(cid, bytes);
    return bytes;
  });
}

/**
 * Reads a shared record through a gateway: signs the challenge, fetches the envelope, checks it
 * against the CID, decrypts it with the wallet's key and checks the plaintext against
 * `expectedHash` (the keccak-256 on chain) when given. Throws `GatewayRequestError` with the
 * gateway's status and code when it refuses. `onStep` gets the duration of each step.
 */
export async function fetchShared(
  gatewayUrl: string,
  cid: string,
  recordId: bigint | number | string,
  eprAddress: string,
  readerWallet: ReaderWallet,
  options: FetchEnvelopeOptions & { expectedHash?: string } = {},
): Promise<Uint8Array> {
  const bytes = await fetchSharedEnvelope(gatewayUrl, cid, recordId, eprAddress, readerWallet, options);
  const envelope = timeStep("decode", options.onStep, () => decodeEnvelope(bytes));
  return openEnvelope(envelope, readerWallet, options.expectedHash, options.onStep);
}
