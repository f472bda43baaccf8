/**
 * Gated serving: the predicate p of the paper's `DHT.set(k, v, p)` (BPIIoT V.C). An HTTP
 * gateway in front of a content store hands an envelope to a reader only when
 *
 *   1. the reader proves it holds its Ethereum address, by an EIP-191 `personal_sign` of the
 *      read challenge ({@link readChallenge}): chain id, EPR, record id, CID, the gateway's origin,
 *      an expiry (Unix seconds, not past, not further ahead than the gateway's maximum TTL) and a
 *      random nonce of at least 128 bits, which the gateway accepts once (replay cache), and
 *   2. a predicate says this reader may read this record — on chain, the EPR contract's
 *      `canRead(recordId, reader)`, the record's `uri` naming the CID, and the CID first
 *      registered in that EPR ({@link cidFirstRegisteredIn}).
 *
 * The gate is advisory: CIDs are public on chain, so the boundary that protects the plaintext is
 * the envelope's encryption. The gate keeps ciphertext away from parties the chain does not
 * authorize (defense in depth, and the paper's access model), and the limits below keep a flood
 * of requests signed with throwaway keys from turning into a flood of `eth_call`s on the chain.
 *
 * The gateway returns the stored envelope bytes unchanged, so the client checks them against
 * the CID itself and does not have to trust the gateway.
 *
 * Front rules (`src/chains/rpc-auth.ts`): a request with an `Origin` header is refused 403,
 * OPTIONS is 405 without CORS headers, and with `COMMCHAIN_RPC_TOKEN` set a bearer token is
 * required (401). Each client (remote IP) has a token bucket and a concurrency cap; beyond them
 * the answer is 429 with `Retry-After`. Predicate answers are cached for a few seconds.
 *
 * API: `POST /v1/read` with JSON
 *   `{ cid, recordId, eprAddress, reader, chainId, origin, expiry, nonce, signature }`
 *   200 → envelope bytes (application/json)
 *   400 BadRequest · 401 BadSignature | Expired | Unauthorized · 403 Forbidden | WrongChain |
 *   WrongOrigin | Replayed | Refused · 404 NotFound · 405 · 413 TooLarge · 429 TooManyRequests ·
 *   500 Internal · 502 StoreUnavailable · 503 PredicateUnavailable | Busy — all as
 *   `{ "error": code, "detail": text, "requestId": id }`. 5xx details are generic: the cause is
 *   logged on the gateway's side under the request id, never sent to the client.
 * `GET /v1/info` → `{ chainId, origin, maxChallengeTtlSeconds }` (what a client binds its
 * challenge to). `GET /health` → `{ "ok": true }`.
 */
import { randomBytes, randomUUID } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { performance } from "node:perf_hooks";
import { Contract, getAddress, Interface, isAddress, type ContractRunner } from "ethers";
import type { ContentStore } from "../stores/store";
import { parseCid, verifyContent } from "../stores/cid";
import { decodeEnvelope, openEnvelope, timeStep, type SharingStep } from "../envelopes/envelope";
import { ContentNotFoundError, GatewayRequestError, InvalidCidError } from "../errors";
import {
  challengeCommon,
  field,
  jsonObject,
  MAX_REQUEST_BYTES,
  readBody,
  Refusal,
  ReplayCache,
  sendJson,
  verifyChallenge,
  type ChallengeContext,
  type GatewayRoute,
  type RouteContext,
} from "./http";
import { authHeaders, rpcToken, screenRequest } from "../../chains/rpc-auth";

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

/** First line of a read challenge; the version changes whenever its fields do. */
export const READ_CHALLENGE_PREFIX = "commchain:read:v2";
/** Longest a signed read challenge may be valid for, unless the gateway is told otherwise. */
export const DEFAULT_MAX_CHALLENGE_TTL_S = 300;
/** Default validity of the challenges `fetchShared` signs. */
export const DEFAULT_CHALLENGE_TTL_S = 60;
/** How long a client may take to send a request's headers and body. */
const REQUEST_TIMEOUT_MS = 10_000;
/** How long the gateway waits for the store to produce an envelope. */
export const DEFAULT_GATEWAY_FETCH_TIMEOUT_MS = 30_000;

/** Bytes of randomness in a challenge nonce: 128 bits, so a nonce is never guessed or repeated. */
export const CHALLENGE_NONCE_BYTES = 16;
/** Largest uint256: a record id above it cannot exist on chain. */
const MAX_UINT256 = (1n << 256n) - 1n;

/** What a read challenge binds: a signature over it is good for one read, at one gateway, until `expiry`. */
export interface ReadChallengeFields {
  /** Chain id of the community chain the EPR lives on. */
  chainId: bigint | number | string;
  /** The EPR contract (any case; the challenge holds it checksummed). */
  eprAddress: string;
  recordId: bigint | number | string;
  cid: string;
  /** The gateway's origin (`http://host:port`), as `new URL(url).origin` gives it. */
  origin: string;
  /** Unix seconds. */
  expiry: number;
  /** Random hex, at least 128 bits ({@link newChallengeNonce}). */
  nonce: string;
}

/** A fresh random nonce for a read challenge. */
export function newChallengeNonce(): string {
  return randomBytes(CHALLENGE_NONCE_BYTES).toString("hex");
}

/**
 * The message a reader signs (EIP-191 personal_sign) to read `cid` as record `recordId`: one
 * `name:value` field per line, so no field can run into the next (an origin holds colons).
 */
export function readChallenge(fields: ReadChallengeFields): string {
  return [
    READ_CHALLENGE_PREFIX,
    `chain:${BigInt(fields.chainId).toString()}`,
    `epr:${getAddress(fields.eprAddress)}`,
    `record:${BigInt(fields.recordId).toString()}`,
    `cid:${fields.cid}`,
    `origin:${fields.origin}`,
    `expiry:${fields.expiry}`,
    `nonce:${fields.nonce}`,
  ].join("\n");
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
  // A record's uri never changes once the record exists (the EPR has no setter for it, and the
  // local chains do not reorg), so it is asked once per record, concurrent questions sharing the
  // call: a flood of requests for one record, each with a fresh reader key, costs the chain one
  // record(id) call in all. An unknown record (the getter reverts) is not remembered: it may be
  // added later.
  const uris = new BoundedMap<string, Promise<string | undefined>>(DEFAULT_DECISION_CACHE_SIZE);
  const ask = async (eprAddress: string, recordId: bigint): Promise<string | undefined> => {
    const epr = new Contract(eprAddress, EPR_GATE_INTERFACE, runner);
    try {
      return ((await epr.record(recordId)) as { uri: string }).uri;
    } catch (err) {
      if (isRevert(err)) return undefined;
      throw err;
    }
  };
  return async (request) => {
    const key = `${request.eprAddress}/${request.recordId}`;
    let uri = uris.get(key);
    if (uri === undefined) {
      const asked = ask(request.eprAddress, request.recordId);
      uri = asked;
      uris.set(key, asked);
      asked.then(
        (answer) => answer === undefined && uris.delete(key, asked),
        () => uris.delete(key, asked),
      );
    }
    const answer = await uri;
    return answer !== undefined && uriNamesCid(answer, request.cid);
  };
}

/**
 * A map that holds at most `maxSize` entries, dropping the oldest first: for answers that never
 * change (a record's uri, an EPR created by the factory), kept from growing without bound.
 */
class BoundedMap<K, V> {
  private readonly entries = new Map<K, V>();
  constructor(private readonly maxSize: number) {}

  get(key: K): V | undefined {
    return this.entries.get(key);
  }

  set(key: K, value: V): void {
    this.entries.set(key, value);
    while (this.entries.size > this.maxSize) this.entries.delete(this.entries.keys().next().value as K);
  }

  /** Removes `key` if it still maps to `value` (not a newer entry). */
  delete(key: K, value: V): void {
    if (this.entries.get(key) === value) this.entries.delete(key);
  }
}

/** ABI of the relationship factory's registry of the EPRs it created. */
export const FACTORY_IS_RELATIONSHIP_ABI = [
  "function isRelationship(address relationship) view returns (bool)",
] as const;
const FACTORY_GATE_INTERFACE = new Interface(FACTORY_IS_RELATIONSHIP_ABI);

/**
 * A trust check for `eprCanRead`: the EPR was created by the relationship factory at `factory`.
 * The factory never forgets an EPR it created, so a yes is remembered and only a no (or an
 * address not asked yet) goes to the chain again.
 */
export function createdByFactory(runner: ContractRunner, factory: string): (eprAddress: string) => Promise<boolean> {
  const contract = new Contract(factory, FACTORY_GATE_INTERFACE, runner);
  // Concurrent questions about one address share the call; a no or a failure is forgotten.
  const created = new BoundedMap<string, Promise<boolean>>(DEFAULT_DECISION_CACHE_SIZE);
  return (eprAddress) => {
    let answer = created.get(eprAddress);
    if (answer === undefined) {
      const asked = contract.isRelationship(eprAddress) as Promise<boolean>;
      answer = asked;
      created.set(eprAddress, asked);
      asked.then(
        (yes) => !yes && created.delete(eprAddress, asked),
        () => created.delete(eprAddress, asked),
      );
    }
    return answer;
  };
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

/** ABI of EPR's `RecordAdded` event, as `contracts/sharing/IEquipmentProviderRelationship.sol` declares it. */
export const EPR_RECORD_ADDED_ABI = [
  "event RecordAdded(uint256 indexed recordId, address indexed addedBy, bytes32 contentHash, bytes32 objectCommitment, string query, string uri, uint256 bonus)",
] as const;
const EPR_EVENT_INTERFACE = new Interface(EPR_RECORD_ADDED_ABI);
const RECORD_ADDED_TOPIC = EPR_EVENT_INTERFACE.getEvent("RecordAdded")!.topicHash;

/** The CID a record `uri` names, or undefined when it names none. */
function cidOfUri(uri: string): string | undefined {
  const match = /^(?:ipfs:\/\/|\/ipfs\/)?([A-Za-z0-9]+)$/.exec(uri);
  if (match === null) return undefined;
  try {
    return parseCid(match[1]).toString();
  } catch {
    return undefined;
  }
}

/** The part of an ethers provider {@link cidFirstRegisteredIn} uses. */
export interface LogSource {
  getBlockNumber(): Promise<number>;
  getLogs(filter: {
    fromBlock: number;
    toBlock: number;
    topics: string[];
  }): Promise<readonly { address: string; data: string; topics: readonly string[] }[]>;
}

/**
 * Which EPR a CID belongs to, and the predicate that holds when it is the request's EPR.
 *
 * The rule: a CID belongs to the trusted EPR whose `RecordAdded` event named it first on this
 * chain (earliest block, then log index). Anyone party to *some* relationship can add a record in
 * it whose `uri` is another device's CID (CIDs are public on chain), and the record, `canRead` and
 * `uri` checks of that relationship all say yes; only the order of registration tells the
 * uploader's record from the copy. The uploader's CID cannot be registered by anyone before it,
 * since the CID is the hash of a fresh envelope (random key and nonce) that leaves the uploader
 * only with the uploader's own `addRecord`, and the store network is private (PSK).
 *
 * The index is built from `RecordAdded` logs, scanned forward from the last block seen, so each
 * log is read once; an unknown CID triggers one scan of the new blocks (concurrent lookups share
 * it). A first registration never changes, so known CIDs cost no call. Events of contracts the
 * gateway does not trust (any contract can emit the same topic) are ignored.
 */
export function cidFirstRegisteredIn(options: {
  provider: LogSource;
  trusted: TrustedEprs;
}): ReadPredicate & { owner(cid: string): Promise<string | undefined> } {
  const isTrusted = trustCheck(options.trusted);
  const trustedByAddress = new Map<string, Promise<boolean>>();
  const firstEpr = new Map<string, string>();
  let scannedTo = -1;
  let scanning: Promise<void> | undefined;

  const trustedEpr = (address: string): Promise<boolean> => {
    let answer = trustedByAddress.get(address);
    if (answer === undefined) {
      answer = isTrusted(address);
      trustedByAddress.set(address, answer);
      // A failed check is asked again next time rather than remembered as a no.
      answer.catch(() => trustedByAddress.delete(address));
    }
    return answer;
  };

  async function scan(): Promise<void> {
    const latest = await options.provider.getBlockNumber();
    if (latest <= scannedTo) return;
    const logs = await options.provider.getLogs({
      fromBlock: scannedTo + 1,
      toBlock: latest,
      topics: [RECORD_ADDED_TOPIC],
    });
    for (const log of logs) {
      let uri: string;
      try {
        uri = EPR_EVENT_INTERFACE.parseLog({ topics: [...log.topics], data: log.data })!.args.uri as string;
      } catch {
        continue; // the same topic with another layout: not an EPR of ours
      }
      const cid = cidOfUri(uri);
      if (cid === undefined || firstEpr.has(cid)) continue;
      const epr = getAddress(log.address);
      if (await trustedEpr(epr)) firstEpr.set(cid, epr);
    }
    scannedTo = latest;
  }

  const refresh = (): Promise<void> => {
    scanning ??= scan().finally(() => {
      scanning = undefined;
    });
    return scanning;
  };

  const owner = async (cid: string): Promise<string | undefined> => {
    const key = parseCid(cid).toString();
    if (!firstEpr.has(key)) await refresh();
    return firstEpr.get(key);
  };
  const predicate = async (request: ReadRequest): Promise<boolean> => (await owner(request.cid)) === request.eprAddress;
  return Object.assign(predicate, { owner });
}

/**
 * The gate of a community's gateway: {@link onChainReadPredicate} (trusted EPR, the record names
 * the CID, the reader may read it) and {@link cidFirstRegisteredIn} (the CID is that EPR's own).
 */
export function communityReadPredicate(options: {
  runner: ContractRunner;
  provider: LogSource;
  trusted: TrustedEprs;
}): ReadPredicate {
  return allOf(onChainReadPredicate(options), cidFirstRegisteredIn(options));
}

/** A predicate that holds when every one of `predicates` holds (checked in order, stopping at the first no). */
export function allOf(...predicates: ReadPredicate[]): ReadPredicate {
  return async (request) => {
    for (const predicate of predicates) if (!(await predicate(request))) return false;
    return true;
  };
}

/** Requests a client (remote IP) may make per second, on average, unless told otherwise. */
export const DEFAULT_CLIENT_RATE_PER_SECOND = 20;
/** Requests a client may make at once after being idle (the bucket's size). */
export const DEFAULT_CLIENT_BURST = 40;
/** Requests of one client the gateway works on at the same time; more are refused 429. */
export const DEFAULT_CLIENT_CONCURRENCY = 8;
/** Clients whose buckets the gateway remembers; the longest idle is forgotten first. */
export const DEFAULT_MAX_TRACKED_CLIENTS = 10_000;
/** How long a predicate answer is reused, in milliseconds. */
export const DEFAULT_DECISION_CACHE_TTL_MS = 3_000;
/** Predicate answers the cache holds; the least recently used goes first. */
export const DEFAULT_DECISION_CACHE_SIZE = 10_000;
/** Nonces the replay cache holds at most; when full of unexpired ones, new reads get 503 Busy. */
export const DEFAULT_REPLAY_CACHE_SIZE = 100_000;

/** Per-client limits of the gateway; see the `DEFAULT_CLIENT_*` constants. */
export interface GatewayLimits {
  ratePerSecond?: number;
  burst?: number;
  concurrency?: number;
  maxTrackedClients?: number;
}

export interface GatewayOptions {
  store: ContentStore;
  predicate: ReadPredicate;
  /** Chain id of the community chain whose EPRs the predicate asks: challenges must name it. */
  chainId: bigint | number;
  /** Listen host. Default 127.0.0.1. */
  host?: string;
  /** Listen port. Default 0 (any free port). */
  port?: number;
  /**
   * Origins challenges may name besides the gateway's own listen URL: the URL clients reach it
   * under (e.g. `http://store.example:8701` behind a proxy, or a LAN address when it listens on 0.0.0.0).
   */
  origins?: readonly string[];
  /** Longest validity a challenge may claim, in seconds. */
  maxChallengeTtlSeconds?: number;
  /** Clock in Unix seconds (tests pass a fixed one). */
  now?: () => number;
  fetchTimeoutMs?: number;
  limits?: GatewayLimits;
  /** Lifetime of a cached predicate answer, in milliseconds (0: no cache). */
  decisionCacheTtlMs?: number;
  decisionCacheSize?: number;
  replayCacheSize?: number;
  /** Bearer token required of every request; default `COMMCHAIN_RPC_TOKEN` (none when unset). */
  token?: string;
  /** Where the causes of 5xx answers are logged with their request id; default stderr. */
  log?: (line: string) => void;
  /**
   * More routes on the same server, with the same front rules, limits and replay cache
   * (`paidPutRoute` of `put.ts`, `proxyRoutes` of `proxy.ts`).
   */
  routes?: readonly GatewayRoute[];
}

/** Counters of what the gateway refused, for benches and diagnostics. */
export interface GatewayStats {
  served: number;
  /** Refused 429 by the per-client rate or concurrency limit. */
  limited: number;
  /** Refused 403 as a replayed nonce. */
  replayed: number;
  /** Predicate calls made (cache misses) and answers taken from the cache. */
  predicateCalls: number;
  cacheHits: number;
}

export interface Gateway {
  /** Base URL, e.g. `http://127.0.0.1:41234`. */
  readonly url: string;
  readonly stats: Readonly<GatewayStats>;
  /** Stops listening and drops open connections. Idempotent. */
  close(): Promise<void>;
}

/** A checked read request: the predicate's question and the nonce to remember until `expiry`. */
interface CheckedRead {
  request: ReadRequest;
  nonce: string;
  expiry: number;
}

/** Parses and checks a read request body; returns the request the predicate sees. */
function parseReadBody(raw: Buffer, context: ChallengeContext): CheckedRead {
  const body = jsonObject(raw);
  const cid = field(body, "cid");
  if (typeof cid !== "string") throw new Refusal(400, "BadRequest", `field "cid" must be a string`);
  try {
    parseCid(cid);
  } catch (err) {
    throw new Refusal(400, "BadRequest", (err as InvalidCidError).message);
  }
  const recordIdRaw = field(body, "recordId");
  if (typeof recordIdRaw !== "string" || !/^\d{1,78}$/.test(recordIdRaw) || BigInt(recordIdRaw) > MAX_UINT256) {
    throw new Refusal(400, "BadRequest", `field "recordId" must be a decimal uint256 (at most 2^256-1)`);
  }
  const eprAddress = field(body, "eprAddress");
  const reader = field(body, "reader");
  for (const [name, value] of [
    ["eprAddress", eprAddress],
    ["reader", reader],
  ] as const) {
    if (typeof value !== "string" || !isAddress(value)) {
      throw new Refusal(400, "BadRequest", `field "${name}" must be an Ethereum address`);
    }
  }
  const common = challengeCommon(body, context);
  const message = readChallenge({
    chainId: common.chainId,
    eprAddress: eprAddress as string,
    recordId: recordIdRaw,
    cid,
    origin: common.origin,
    expiry: common.expiry,
    nonce: common.nonce,
  });
  const signer = verifyChallenge(message, common, context, reader as string, "reader");
  const { nonce, expiry } = common;
  return {
    request: { cid, recordId: BigInt(recordIdRaw), eprAddress: getAddress(eprAddress as string), reader: signer },
    nonce,
    expiry,
  };
}

/** One client's token bucket and the number of its requests being worked on. */
interface ClientState {
  tokens: number;
  refilledAt: number;
  active: number;
}

/** Token bucket and concurrency cap per remote address. */
class ClientLimiter {
  private readonly clients = new Map<string, ClientState>();
  constructor(
    private readonly rate: number,
    private readonly burst: number,
    private readonly concurrency: number,
    private readonly maxClients: number,
  ) {}

  /** Takes a token and a slot for `client`, or throws 429 with the seconds to wait. */
  acquire(client: string, nowMs: number): () => void {
    let state = this.clients.get(client);
    if (state === undefined) {
      if (this.clients.size >= this.maxClients) this.evictIdle();
      state = { tokens: this.burst, refilledAt: nowMs, active: 0 };
    } else {
      this.clients.delete(client); // re-inserted below: the map's order is least recently seen first
      state.tokens = Math.min(this.burst, state.tokens + ((nowMs - state.refilledAt) / 1000) * this.rate);
      state.refilledAt = nowMs;
    }
    this.clients.set(client, state);
    if (state.active >= this.concurrency) {
      throw new Refusal(429, "TooManyRequests", `more than ${this.concurrency} requests at once from ${client}`, {
        "retry-after": "1",
      });
    }
    if (state.tokens < 1) {
      const wait = Math.max(1, Math.ceil((1 - state.tokens) / this.rate));
      throw new Refusal(429, "TooManyRequests", `more than ${this.rate} requests per second from ${client}`, {
        "retry-after": String(wait),
      });
    }
    state.tokens -= 1;
    state.active += 1;
    const held = state;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      held.active -= 1;
    };
  }

  private evictIdle(): void {
    for (const [key, state] of this.clients) {
      if (state.active === 0) {
        this.clients.delete(key);
        return;
      }
    }
  }
}

/**
 * Predicate answers for a few seconds, least recently used first out; concurrent identical
 * questions share one call. Failures are not cached.
 */
class DecisionCache {
  private readonly answers = new Map<string, { at: number; answer: Promise<boolean> }>();
  constructor(
    private readonly ttlMs: number,
    private readonly maxSize: number,
  ) {}

  /** The cached answer for `key`, or `ask()`'s (then cached). `hit` tells which. */
  get(key: string, nowMs: number, ask: () => Promise<boolean>): { hit: boolean; answer: Promise<boolean> } {
    const cached = this.answers.get(key);
    if (cached !== undefined && nowMs - cached.at < this.ttlMs) {
      this.answers.delete(key);
      this.answers.set(key, cached);
      return { hit: true, answer: cached.answer };
    }
    const answer = ask();
    if (this.ttlMs > 0) {
      const entry = { at: nowMs, answer };
      this.answers.delete(key);
      this.answers.set(key, entry);
      answer.catch(() => {
        if (this.answers.get(key) === entry) this.answers.delete(key);
      });
      while (this.answers.size > this.maxSize) this.answers.delete(this.answers.keys().next().value as string);
    }
    return { hit: false, answer };
  }
}

/** The remote address a request came from, IPv4-mapped addresses as plain IPv4. */
function clientAddress(req: http.IncomingMessage): string {
  const address = req.socket.remoteAddress ?? "unknown";
  return address.startsWith("::ffff:") ? address.slice(7) : address;
}

/** Starts the gateway; `close()` it when done. */
export async function startGateway(options: GatewayOptions): Promise<Gateway> {
  const now = options.now ?? (() => Math.floor(Date.now() / 1000));
  const maxTtl = options.maxChallengeTtlSeconds ?? DEFAULT_MAX_CHALLENGE_TTL_S;
  const fetchTimeoutMs = options.fetchTimeoutMs ?? DEFAULT_GATEWAY_FETCH_TIMEOUT_MS;
  const chainId = BigInt(options.chainId);
  const token = options.token ?? rpcToken();
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const limits = options.limits ?? {};
  const limiter = new ClientLimiter(
    limits.ratePerSecond ?? DEFAULT_CLIENT_RATE_PER_SECOND,
    limits.burst ?? DEFAULT_CLIENT_BURST,
    limits.concurrency ?? DEFAULT_CLIENT_CONCURRENCY,
    limits.maxTrackedClients ?? DEFAULT_MAX_TRACKED_CLIENTS,
  );
  const decisions = new DecisionCache(
    options.decisionCacheTtlMs ?? DEFAULT_DECISION_CACHE_TTL_MS,
    options.decisionCacheSize ?? DEFAULT_DECISION_CACHE_SIZE,
  );
  const replays = new ReplayCache(options.replayCacheSize ?? DEFAULT_REPLAY_CACHE_SIZE);
  const stats: GatewayStats = { served: 0, limited: 0, replayed: 0, predicateCalls: 0, cacheHits: 0 };
  const origins = new Set<string>();
  const challengeContext = (): ChallengeContext => ({ nowSeconds: now(), maxTtl, chainId, origins });
  const routeContext: RouteContext = {
    challenge: challengeContext,
    admitNonce: (nonce, expiry) => {
      if (!replays.admit(nonce, expiry, now())) {
        stats.replayed += 1;
        throw new Refusal(403, "Replayed", `nonce ${nonce} was already used; sign a new challenge for each request`);
      }
    },
    log,
  };
  const extraRoutes = new Map((options.routes ?? []).map((route) => [`${route.method} ${route.path}`, route]));
  const extraInfo = Object.assign({}, ...(options.routes ?? []).map((route) => route.info ?? {})) as Record<
    string,
    unknown
  >;

  async function handleRead(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const { request, nonce, expiry } = parseReadBody(await readBody(req), challengeContext());
    if (!replays.admit(nonce, expiry, now())) {
      stats.replayed += 1;
      throw new Refusal(403, "Replayed", `nonce ${nonce} was already used; sign a new challenge for each read`);
    }
    // The cache key holds every input of the predicate; the chain is fixed per gateway but named
    // so that a cache shared across gateways could never mix chains.
    const key = `${chainId}/${request.eprAddress}/${request.recordId}/${request.reader}/${request.cid}`;
    const decision = decisions.get(key, Date.now(), () => {
      stats.predicateCalls += 1;
      return options.predicate(request);
    });
    if (decision.hit) stats.cacheHits += 1;
    let allowed: boolean;
    try {
      allowed = await decision.answer;
    } catch (err) {
      throw new Refusal(503, "PredicateUnavailable", "the access predicate could not be evaluated", {}, err);
    }
    if (!allowed) {
      throw new Refusal(
        403,
        "Forbidden",
        `${request.reader} may not read record ${request.recordId} of EPR ${request.eprAddress} at ${request.cid} ` +
          `(not a reader, the record names another CID, or the CID was first registered in another EPR)`,
      );
    }
    let bytes: Uint8Array;
    try {
      bytes = await options.store.get(request.cid, { signal: AbortSignal.timeout(fetchTimeoutMs) });
    } catch (err) {
      if (err instanceof ContentNotFoundError)
        throw new Refusal(404, "NotFound", `no content ${request.cid} in this store`);
      throw new Refusal(502, "StoreUnavailable", "the content store failed", {}, err);
    }
    stats.served += 1;
    res.writeHead(200, { "content-type": "application/json", "content-length": bytes.length });
    res.end(Buffer.from(bytes));
  }

  const server = http.createServer((req, res) => {
    const requestId = randomUUID();
    const refuse = (err: unknown): void => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      const refusal = err instanceof Refusal ? err : new Refusal(500, "Internal", "internal error", {}, err);
      if (refusal.status >= 500) {
        const cause = refusal.cause ?? err;
        log(
          `gateway ${requestId} ${refusal.status} ${refusal.code}: ${cause instanceof Error ? (cause.stack ?? cause.message) : String(cause)}`,
        );
      }
      const detail =
        refusal.status >= 500
          ? `${refusal.detail}; the gateway logged the cause as request ${requestId}`
          : refusal.detail;
      sendJson(
        res,
        refusal.status,
        { error: refusal.code, detail, requestId },
        { ...refusal.headers, "x-request-id": requestId },
      );
    };
    const screened = screenRequest(req.method, req.headers, token);
    if (screened !== undefined) {
      req.resume();
      refuse(
        new Refusal(
          screened.status,
          screened.status === 401 ? "Unauthorized" : "Refused",
          screened.message,
          screened.headers,
        ),
      );
      return;
    }
    const route = `${req.method} ${(req.url ?? "").split("?")[0]}`;
    let release: (() => void) | undefined;
    let work: Promise<void>;
    const extra = extraRoutes.get(route);
    if (route === "POST /v1/read" || extra !== undefined) {
      try {
        // The limiter decides before a byte of the body is read: a refused request costs no
        // parsing, no signature recovery and no chain call.
        release = limiter.acquire(clientAddress(req), Date.now());
        res.once("close", release);
        const declared = Number(req.headers["content-length"] ?? 0);
        const maxBody = extra?.maxBodyBytes ?? MAX_REQUEST_BYTES;
        // Refused unread, and the connection closed rather than the body drained.
        if (declared > maxBody)
          throw new Refusal(413, "TooLarge", `request body of ${declared} bytes is over ${maxBody} bytes`, {
            connection: "close",
          });
        work = extra !== undefined ? extra.handle(req, res, routeContext) : handleRead(req, res);
      } catch (err) {
        if (err instanceof Refusal && err.status === 429) stats.limited += 1;
        // Not read: drained so a keep-alive connection stays usable (a too large one is closed instead).
        if (!(err instanceof Refusal && err.status === 413)) req.resume();
        work = Promise.reject(err);
      }
    } else if (route === "GET /v1/info") {
      work = Promise.resolve(
        sendJson(res, 200, {
          ...extraInfo,
          chainId: chainId.toString(),
          origin: [...origins][0],
          maxChallengeTtlSeconds: maxTtl,
        }),
      );
    } else if (route === "GET /health") {
      work = Promise.resolve(sendJson(res, 200, { ok: true }));
    } else {
      req.resume();
      work = Promise.reject(
        new Refusal(
          404,
          "NoSuchRoute",
          `${route} (use POST /v1/read${[...extraRoutes.keys()].map((r) => `, ${r}`).join("")})`,
        ),
      );
    }
    work.catch(refuse).finally(() => release?.());
  });
  // A client that sends its headers or body slowly holds one of its concurrency slots only this
  // long (the body is at most 16 KiB).
  server.headersTimeout = REQUEST_TIMEOUT_MS;
  server.requestTimeout = REQUEST_TIMEOUT_MS;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  const url = `http://${host}:${address.port}`;
  origins.add(new URL(url).origin);
  for (const extra of options.origins ?? []) origins.add(new URL(extra).origin);
  let closed = false;
  return {
    url,
    stats,
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
  /** Chain id to sign for; default what the gateway's `GET /v1/info` says (asked once per gateway, and again after a WrongChain refusal). */
  chainId?: bigint | number;
  /** Times a 429 is retried after its `Retry-After` (default {@link DEFAULT_RATE_LIMIT_RETRIES}). */
  retries?: number;
  /** Bearer token to send; default `COMMCHAIN_RPC_TOKEN`. */
  token?: string;
  signal?: AbortSignal;
  onStep?: GatewayStepListener;
}

/** Times `fetchSharedEnvelope` retries a read the gateway's limiter refused (429). */
export const DEFAULT_RATE_LIMIT_RETRIES = 5;
/** Longest `Retry-After` the client honours, in seconds. */
const MAX_RETRY_AFTER_S = 10;

/** The chain ids gateways said they serve, by origin. */
const gatewayChainIds = new Map<string, Promise<bigint>>();

/** The chain id the gateway at `origin` serves (its `GET /v1/info`), asked once per origin. */
function gatewayChainId(origin: string, headers: Record<string, string>, signal?: AbortSignal): Promise<bigint> {
  let answer = gatewayChainIds.get(origin);
  if (answer === undefined) {
    answer = (async () => {
      const response = await fetch(new URL("/v1/info", origin), { headers, signal });
      const body = (await response.json()) as { chainId?: string; error?: string; detail?: string };
      if (!response.ok || typeof body.chainId !== "string") {
        throw new GatewayRequestError(
          response.status,
          body.error ?? "Unknown",
          body.detail ?? "GET /v1/info gave no chain id",
        );
      }
      return BigInt(body.chainId);
    })();
    gatewayChainIds.set(origin, answer);
    answer.catch(() => gatewayChainIds.delete(origin));
  }
  return answer;
}

/** Throws the gateway's refusal as a `GatewayRequestError`. */
function refusalOf(status: number, bytes: Uint8Array): GatewayRequestError {
  let code = "Unknown";
  let detail = Buffer.from(bytes).toString("utf8");
  try {
    const parsed = JSON.parse(detail) as { error?: string; detail?: string };
    code = parsed.error ?? code;
    detail = parsed.detail ?? detail;
  } catch {
    // Not our gateway's JSON: keep the raw text as the detail.
  }
  return new GatewayRequestError(status, code, detail);
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      "abort",
      () => {
        clearTimeout(timer);
        reject(signal.reason);
      },
      { once: true },
    );
  });
}

async function timeAsync<T>(
  step: GatewayReadStep,
  onStep: GatewayStepListener | undefined,
  run: () => Promise<T>,
): Promise<T> {
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
  const origin = new URL(gatewayUrl).origin;
  const headers = authHeaders(options.token ?? rpcToken());
  let chainId = options.chainId ?? (await gatewayChainId(origin, headers, options.signal));
  // The remembered chain id may be stale: a gateway restarted on the same port for another
  // chain. Its WrongChain refusal then makes the client ask /v1/info again, once.
  let mayAskAgain = options.chainId === undefined;
  const retries = options.retries ?? DEFAULT_RATE_LIMIT_RETRIES;
  for (let attempt = 0; ; attempt += 1) {
    // A fresh nonce each attempt: the gateway accepts a nonce once, even when it refused the read.
    const expiry = Math.floor(Date.now() / 1000) + (options.ttlSeconds ?? DEFAULT_CHALLENGE_TTL_S);
    const nonce = newChallengeNonce();
    const challenge = readChallenge({ chainId, eprAddress, recordId, cid, origin, expiry, nonce });
    const signature = await timeAsync("sign", options.onStep, () => readerWallet.signMessage(challenge));
    const outcome = await timeAsync(
      "get",
      options.onStep,
      async (): Promise<{ bytes: Uint8Array } | { retryAfterS: number } | { askChainAgain: true }> => {
        const body = {
          cid,
          recordId: BigInt(recordId).toString(),
          eprAddress,
          reader: readerWallet.address,
          chainId: BigInt(chainId).toString(),
          origin,
          expiry,
          nonce,
          signature,
        };
        const response = await fetch(new URL("/v1/read", gatewayUrl), {
          method: "POST",
          headers: { ...headers, "content-type": "application/json" },
          body: JSON.stringify(body),
          signal: options.signal,
        });
        const bytes = new Uint8Array(await response.arrayBuffer());
        if (response.status === 429 && attempt < retries) {
          const after = Number(response.headers.get("retry-after") ?? "1");
          return { retryAfterS: Number.isFinite(after) ? Math.min(Math.max(after, 0), MAX_RETRY_AFTER_S) : 1 };
        }
        if (!response.ok) {
          const refusal = refusalOf(response.status, bytes);
          if (refusal.code === "WrongChain" && mayAskAgain) return { askChainAgain: true };
          throw refusal;
        }
        await verifyContent(cid, bytes);
        return { bytes };
      },
    );
    if ("bytes" in outcome) return outcome.bytes;
    if ("askChainAgain" in outcome) {
      mayAskAgain = false;
      gatewayChainIds.delete(origin);
      chainId = await gatewayChainId(origin, headers, options.signal);
      continue;
    }
    await sleep(outcome.retryAfterS * 1000 * (0.5 + Math.random() / 2), options.signal);
  }
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
