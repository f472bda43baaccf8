/**
 * What every route of the gateway shares: the refusal it answers with, body reading, JSON
 * answers, the replay cache of challenge nonces, and the checks of a signed challenge's common
 * fields (chain id, origin, expiry, nonce, EIP-191 signer). `gateway.ts` serves `POST /v1/read`
 * and runs the server; `put.ts` and `proxy.ts` add routes through {@link GatewayRoute}.
 */
import type http from "node:http";
import { getAddress } from "ethers";
import { recoverMessageSigner } from "../../crypto/secp256k1";

/** A nonce: 32 to 64 lowercase hex digits (128 to 256 bits). */
export const NONCE_PATTERN = /^[0-9a-f]{32,64}$/;
/** Largest request body a JSON route reads, unless it says otherwise. */
export const MAX_REQUEST_BYTES = 16 * 1024;

/** A refusal the gateway answers with, as `{ error: code, detail, requestId }`. */
export class Refusal {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly detail: string,
    readonly headers: Record<string, string> = {},
    /** The internal cause of a 5xx, logged and never sent. */
    readonly cause?: unknown,
  ) {}
}

export function field(body: Record<string, unknown>, name: string): unknown {
  if (!(name in body)) throw new Refusal(400, "BadRequest", `field "${name}" is missing`);
  return body[name];
}

/** The JSON object in `raw`, or a 400. */
export function jsonObject(raw: Buffer | string): Record<string, unknown> {
  let body: unknown;
  try {
    body = JSON.parse(raw.toString("utf8"));
  } catch {
    throw new Refusal(400, "BadRequest", "body is not JSON");
  }
  if (typeof body !== "object" || body === null || Array.isArray(body))
    throw new Refusal(400, "BadRequest", "body must be a JSON object");
  return body as Record<string, unknown>;
}

/** A string field matching `pattern` (when given), or a 400 naming it. */
export function stringField(body: Record<string, unknown>, name: string, pattern?: RegExp, what = "a string"): string {
  const value = field(body, name);
  if (typeof value !== "string" || (pattern !== undefined && !pattern.test(value)))
    throw new Refusal(400, "BadRequest", `field "${name}" must be ${what}`);
  return value;
}

export async function readBody(req: http.IncomingMessage, maxBytes = MAX_REQUEST_BYTES): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) throw new Refusal(413, "TooLarge", `request body over ${maxBytes} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

export function sendJson(
  res: http.ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { ...headers, "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

/** Nonces seen, each until its challenge expires; bounded, and full means "busy", never "forget". */
export class ReplayCache {
  private readonly seen = new Map<string, number>();
  constructor(private readonly maxSize: number) {}

  /** Records `nonce` until `expiry`; false when it was seen before. Throws 503 Busy when full. */
  admit(nonce: string, expiry: number, nowSeconds: number): boolean {
    const until = this.seen.get(nonce);
    if (until !== undefined && until >= nowSeconds) return false;
    if (this.seen.size >= this.maxSize) {
      for (const [key, keyExpiry] of this.seen) if (keyExpiry < nowSeconds) this.seen.delete(key);
      // Forgetting an unexpired nonce would let its request replay: refuse new requests instead.
      if (this.seen.size >= this.maxSize)
        throw new Refusal(503, "Busy", "too many requests in flight; try again later", { "retry-after": "5" });
    }
    this.seen.set(nonce, expiry);
    return true;
  }
}

/** What the gateway checks every signed challenge against. */
export interface ChallengeContext {
  nowSeconds: number;
  maxTtl: number;
  chainId: bigint;
  origins: ReadonlySet<string>;
}

/** The fields every signed challenge carries besides its own, as a request body holds them. */
export interface ChallengeCommon {
  chainId: string;
  origin: string;
  expiry: number;
  nonce: string;
  signature: string;
}

/** Parses `chainId`, `origin`, `expiry`, `nonce` and `signature` of a request body (400/401 on bad ones). */
export function challengeCommon(body: Record<string, unknown>, context: ChallengeContext): ChallengeCommon {
  const chainId = stringField(body, "chainId", /^\d{1,78}$/, "a decimal string");
  const origin = field(body, "origin");
  if (typeof origin !== "string" || origin.length > 256 || /[\s]/.test(origin))
    throw new Refusal(400, "BadRequest", `field "origin" must be the gateway's origin (scheme://host:port)`);
  const nonce = stringField(body, "nonce", NONCE_PATTERN, "32 to 64 lowercase hex digits (at least 128 random bits)");
  const expiry = field(body, "expiry");
  if (typeof expiry !== "number" || !Number.isSafeInteger(expiry))
    throw new Refusal(400, "BadRequest", `field "expiry" must be an integer Unix time in seconds`);
  if (expiry < context.nowSeconds)
    throw new Refusal(401, "Expired", `the challenge expired at ${expiry}, it is now ${context.nowSeconds}`);
  if (expiry > context.nowSeconds + context.maxTtl)
    throw new Refusal(
      401,
      "Expired",
      `expiry ${expiry} is more than ${context.maxTtl} s ahead; sign a shorter-lived challenge`,
    );
  const signature = field(body, "signature");
  if (typeof signature !== "string") throw new Refusal(401, "BadSignature", `field "signature" must be a hex string`);
  return { chainId, origin, expiry, nonce, signature };
}

/**
 * Recovers the signer of `message` and checks it is `claimed` (when given), then that the
 * challenge names this gateway's chain and origin (checked after the signature, so the reason
 * given is about a genuine challenge). Returns the checksummed signer.
 */
export function verifyChallenge(
  message: string,
  common: ChallengeCommon,
  context: ChallengeContext,
  claimed?: string,
  claimedAs = "the claimed signer",
): string {
  let signer: string;
  try {
    signer = recoverMessageSigner(message, common.signature);
  } catch (err) {
    throw new Refusal(401, "BadSignature", `not a valid signature (${(err as Error).message.split(" (")[0]})`);
  }
  if (claimed !== undefined && signer !== getAddress(claimed))
    throw new Refusal(
      401,
      "BadSignature",
      `the challenge was signed by ${signer}, not by ${claimedAs} ${getAddress(claimed)}`,
    );
  if (BigInt(common.chainId) !== context.chainId)
    throw new Refusal(
      403,
      "WrongChain",
      `the challenge is for chain ${common.chainId}; this gateway serves chain ${context.chainId}`,
    );
  if (!context.origins.has(common.origin))
    throw new Refusal(
      403,
      "WrongOrigin",
      `the challenge is for gateway ${common.origin}; this gateway is ${[...context.origins].join(" or ")}`,
    );
  return signer;
}

/** What a route's handler gets besides the request and the response. */
export interface RouteContext {
  /** The challenge context now (clock read per request). */
  challenge(): ChallengeContext;
  /** Admits a nonce once, or throws 403 Replayed (503 Busy when the cache is full). */
  admitNonce(nonce: string, expiry: number): void;
  /** Logs a line on the gateway's side. */
  log(line: string): void;
}

/** A route the gateway serves besides its own (`POST /v1/put`, `POST /v1/kfrag`, …). */
export interface GatewayRoute {
  method: "GET" | "POST";
  path: string;
  /** Largest body accepted; a larger declared length is a 413 before a byte is read. Default 16 KiB. */
  maxBodyBytes?: number;
  /** Extra fields merged into `GET /v1/info` (e.g. a proxy's public key). */
  info?: Record<string, unknown>;
  handle(req: http.IncomingMessage, res: http.ServerResponse, context: RouteContext): Promise<void>;
}
