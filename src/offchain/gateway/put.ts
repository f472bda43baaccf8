/**
 * Storage payment at the gateway (the digital-twin paper's §4.3 step 3: "the Cloud checks on chain
 * that A paid before accepting the upload"): `POST /v1/put` stores one object (≤ 1 MiB, a CIDv1
 * raw block; big data is sent as `sealFragments` objects, one put each) for an owner who signed
 *
 *   commchain:put:<cid>:<bytes>:<expiry>
 *   chain:<chain id>
 *   origin:<gateway origin>
 *   nonce:<32–64 hex digits>
 *
 * (EIP-191), and only while `used + bytes ≤ StorageLedger.paidBytes(owner, provider)` for the
 * gateway's provider account; otherwise 402 `PaymentRequired` with the paid and used bytes in
 * the detail. `used` is the sum of the owner's objects whose lease is still running. Each
 * accepted object is assigned to one of the owner's live leases with this provider (the one with
 * the most room left, then the one ending last) and written as a line of the put ledger
 * (`<dataDir>/put-ledger.ndjson`, fdatasync'ed before the 200), so `store:gc` knows which CIDs
 * to unpin when their lease ends.
 *
 * Request: the signed fields as JSON in the `x-commchain-put` header
 * (`{ owner, cid, bytes, chainId, origin, expiry, nonce, signature }`), the object as the body
 * (`content-length` = `bytes`). The signature, chain, origin, expiry and nonce are checked (with
 * the read route's replay cache) before the payment, and the payment before the body is read.
 * 200 → `{ cid, bytes, leaseId, leaseEnd, used, paid }` · 400 BadRequest | CidMismatch ·
 * 401 BadSignature | Expired · 402 PaymentRequired · 403 WrongChain | WrongOrigin | Replayed ·
 * 413 TooLarge · 502 StoreUnavailable · 503 LedgerUnavailable.
 */
import { mkdir, open, readFile } from "node:fs/promises";
import path from "node:path";
import { Contract, getAddress, Interface, isAddress, type ContractRunner } from "ethers";
import type { ContentStore } from "../stores/store";
import { cidOf, MAX_OBJECT_BYTES, parseCid } from "../stores/cid";
import { GatewayRequestError } from "../errors";
import { authHeaders, rpcToken } from "../../chains/rpc-auth";
import { challengeCommon, readBody, Refusal, sendJson, stringField, verifyChallenge, type GatewayRoute } from "./http";
import type { ChallengeSigner } from "./gateway";
import { newChallengeNonce } from "./gateway";

/** The header carrying a put's signed fields. */
export const PUT_HEADER = "x-commchain-put";
/** The ledger file in a gateway's data directory. */
export const PUT_LEDGER_FILE = "put-ledger.ndjson";
/** Bodies declared over this are closed unread; between it and one block they are drained. */
const MAX_DECLARED_PUT_BYTES = 64 * 1024 * 1024;

/** What a put challenge binds. */
export interface PutChallengeFields {
  chainId: bigint | number | string;
  cid: string;
  bytes: number;
  origin: string;
  expiry: number;
  nonce: string;
}

/** The message an owner signs to store `cid` (`bytes` long) at the gateway of `origin`. */
export function putChallenge(fields: PutChallengeFields): string {
  return [
    `commchain:put:${fields.cid}:${fields.bytes}:${fields.expiry}`,
    `chain:${BigInt(fields.chainId).toString()}`,
    `origin:${fields.origin}`,
    `nonce:${fields.nonce}`,
  ].join("\n");
}

/** The part of `IStorageLedger` the gateway asks. */
export const STORAGE_LEDGER_ABI = [
  "function paidBytes(address owner, address provider) view returns (uint256)",
  "function leaseCount() view returns (uint256)",
  "function lease(uint256 leaseId) view returns (tuple(address owner, uint64 start, uint64 end, address provider, uint64 size))",
  "event StoragePaid(uint256 indexed leaseId, address indexed owner, address indexed provider, uint256 size, uint256 durationHours, uint256 price, uint64 start, uint64 end, uint64 timestamp)",
] as const;
const LEDGER_INTERFACE = new Interface(STORAGE_LEDGER_ABI);

/** One accepted put, as the ledger file holds it (one JSON line). */
export interface PutEntry {
  owner: string;
  cid: string;
  bytes: number;
  leaseId: string;
  /** The lease's end, Unix seconds of the chain (exclusive). */
  leaseEnd: number;
  /** Wall-clock Unix seconds of the put. */
  at: number;
}

/** A line saying `store:gc` unpinned the entry of `cid` under `leaseId`. */
interface GcLine {
  gc: string;
  leaseId: string;
  at: number;
}

/**
 * The durable per-owner used-bytes ledger of a gateway: an NDJSON file of put entries and gc
 * lines, each appended and fdatasync'ed before it counts. A torn last line (a crash mid-append)
 * is ignored on load.
 */
export class PutLedger {
  private constructor(
    readonly file: string,
    private readonly entries: PutEntry[],
  ) {}

  static async open(dataDir: string): Promise<PutLedger> {
    const file = path.join(dataDir, PUT_LEDGER_FILE);
    return new PutLedger(file, await readLedgerFile(file));
  }

  /** Entries not yet collected. */
  live(): readonly PutEntry[] {
    return this.entries;
  }

  /** Bytes of `owner`'s objects whose lease has not ended at chain time `now`. */
  used(owner: string, now: number): number {
    return this.entries.filter((e) => e.owner === owner && e.leaseEnd > now).reduce((sum, e) => sum + e.bytes, 0);
  }

  /** Bytes assigned to lease `leaseId`. */
  usedOfLease(leaseId: string): number {
    return this.entries.filter((e) => e.leaseId === leaseId).reduce((sum, e) => sum + e.bytes, 0);
  }

  has(owner: string, cid: string, now: number): PutEntry | undefined {
    return this.entries.find((e) => e.owner === owner && e.cid === cid && e.leaseEnd > now);
  }

  async append(entry: PutEntry): Promise<void> {
    await appendLine(this.file, entry);
    this.entries.push(entry);
  }

  /** Records that `entry` was collected. */
  async collected(entry: PutEntry, at: number): Promise<void> {
    const line: GcLine = { gc: entry.cid, leaseId: entry.leaseId, at };
    await appendLine(this.file, line);
    const i = this.entries.indexOf(entry);
    if (i >= 0) this.entries.splice(i, 1);
  }
}

async function readLedgerFile(file: string): Promise<PutEntry[]> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw err;
  }
  const entries: PutEntry[] = [];
  const lines = text.split("\n");
  lines.forEach((line, i) => {
    if (line.trim() === "") return;
    let parsed: PutEntry | GcLine;
    try {
      parsed = JSON.parse(line) as PutEntry | GcLine;
    } catch (err) {
      if (i === lines.length - 1) return; // a torn tail: the append never completed
      throw new Error(`${file}:${i + 1} is not JSON (${(err as Error).message})`);
    }
    if ("gc" in parsed) {
      const at = entries.findIndex((e) => e.cid === parsed.gc && e.leaseId === (parsed as GcLine).leaseId);
      if (at >= 0) entries.splice(at, 1);
    } else entries.push(parsed);
  });
  return entries;
}

async function appendLine(file: string, value: unknown): Promise<void> {
  const handle = await open(file, "a", 0o600);
  try {
    await handle.appendFile(`${JSON.stringify(value)}\n`);
    await handle.datasync();
  } finally {
    await handle.close();
  }
}

/** A live lease of the owner with the provider. */
interface LiveLease {
  leaseId: string;
  size: number;
  end: number;
}

/** The owner's leases with `provider` that run at chain time `now`, from the ledger's `StoragePaid` logs. */
async function liveLeases(
  runner: ContractRunner,
  ledgerAddress: string,
  owner: string,
  provider: string,
  now: number,
): Promise<LiveLease[]> {
  const chain = runner.provider!;
  const event = LEDGER_INTERFACE.getEvent("StoragePaid")!;
  const topics = LEDGER_INTERFACE.encodeFilterTopics(event, [null, owner, provider]) as string[];
  const logs = await chain.getLogs({ address: ledgerAddress, topics, fromBlock: 0, toBlock: "latest" });
  return logs
    .map((log) => LEDGER_INTERFACE.parseLog(log)!.args)
    .map((args) => ({ leaseId: (args.leaseId as bigint).toString(), size: Number(args.size), end: Number(args.end) }))
    .filter((lease) => lease.end > now);
}

/** Chain time: the latest block's timestamp. */
export async function chainNow(runner: ContractRunner): Promise<number> {
  const block = await runner.provider!.getBlock("latest");
  return block!.timestamp;
}

export interface PaidPutOptions {
  store: ContentStore;
  /** A runner on the chain of the StorageLedger (calls and logs). */
  runner: ContractRunner;
  /** The StorageLedger contract. */
  ledger: string;
  /** The gateway's provider account (the one owners pay). */
  provider: string;
  /** The gateway's data directory (the put ledger lives there). */
  dataDir: string;
}

/** `POST /v1/put` as a gateway route; `close` is not needed (the ledger holds no open file). */
export async function paidPutRoute(options: PaidPutOptions): Promise<GatewayRoute & { ledger: PutLedger }> {
  await mkdir(options.dataDir, { recursive: true, mode: 0o700 });
  const ledger = await PutLedger.open(options.dataDir);
  const provider = getAddress(options.provider);
  const contract = new Contract(options.ledger, LEDGER_INTERFACE, options.runner);
  // One put at a time per owner: an owner's check of used bytes and its append must not
  // interleave (two puts would both fit in the room left for one). Different owners' bytes and
  // leases are counted apart, so their puts go on side by side; only the ledger's appends are
  // taken one at a time.
  const queues = new Map<string, Promise<unknown>>();
  const serialFor = <T>(key: string, run: () => Promise<T>): Promise<T> => {
    const next = (queues.get(key) ?? Promise.resolve()).then(run, run);
    const tail = next.catch(() => undefined);
    queues.set(key, tail);
    void tail.then(() => {
      if (queues.get(key) === tail) queues.delete(key);
    });
    return next;
  };
  const appendEntry = (entry: PutEntry) => serialFor("\u0000ledger", () => ledger.append(entry));
  return {
    method: "POST",
    path: "/v1/put",
    maxBodyBytes: MAX_DECLARED_PUT_BYTES,
    info: { provider },
    ledger,
    async handle(req, res, context) {
      const header = req.headers[PUT_HEADER];
      if (typeof header !== "string") throw new Refusal(400, "BadRequest", `header ${PUT_HEADER} is missing`);
      let fields: Record<string, unknown>;
      try {
        fields = JSON.parse(header) as Record<string, unknown>;
      } catch {
        throw new Refusal(400, "BadRequest", `header ${PUT_HEADER} is not JSON`);
      }
      if (typeof fields !== "object" || fields === null || Array.isArray(fields))
        throw new Refusal(400, "BadRequest", `header ${PUT_HEADER} must be a JSON object`);
      const cid = stringField(fields, "cid", undefined, "a CID");
      try {
        parseCid(cid);
      } catch (err) {
        throw new Refusal(400, "BadRequest", (err as Error).message);
      }
      const owner = stringField(fields, "owner", undefined, "an Ethereum address");
      if (!isAddress(owner)) throw new Refusal(400, "BadRequest", `field "owner" must be an Ethereum address`);
      const bytes = fields.bytes;
      if (typeof bytes !== "number" || !Number.isSafeInteger(bytes) || bytes < 1)
        throw new Refusal(400, "BadRequest", `field "bytes" must be a positive integer`);
      const challenge = context.challenge();
      const common = challengeCommon(fields, challenge);
      const message = putChallenge({ ...common, cid, bytes });
      const signer = verifyChallenge(message, common, challenge, owner, "owner");
      context.admitNonce(common.nonce, common.expiry);
      const declared = Number(req.headers["content-length"] ?? NaN);
      if (declared !== bytes)
        throw new Refusal(400, "BadRequest", `the body is ${declared} bytes; the signed put says ${bytes}`);
      await serialFor(signer, async () => {
        let now: number, paid: bigint, leases: LiveLease[];
        try {
          now = await chainNow(options.runner);
          [paid, leases] = await Promise.all([
            contract.paidBytes(signer, provider) as Promise<bigint>,
            liveLeases(options.runner, options.ledger, signer, provider, now),
          ]);
        } catch (err) {
          throw new Refusal(503, "LedgerUnavailable", "the storage ledger could not be asked", {}, err);
        }
        const already = ledger.has(signer, cid, now);
        const used = ledger.used(signer, now);
        if (already === undefined && BigInt(used + bytes) > paid) {
          throw new Refusal(
            402,
            "PaymentRequired",
            `${signer} has paid provider ${provider} for ${paid} bytes and uses ${used}; ` +
              `${bytes} more would make ${used + bytes} (pay with StorageLedger.payStorage)`,
          );
        }
        if (bytes > MAX_OBJECT_BYTES)
          throw new Refusal(
            413,
            "TooLarge",
            `an object is at most ${MAX_OBJECT_BYTES} bytes; cut bigger data with sealFragments`,
          );
        const body = new Uint8Array(await readBody(req, MAX_OBJECT_BYTES));
        const actual = (await cidOf(body)).toString();
        if (actual !== parseCid(cid).toString())
          throw new Refusal(400, "CidMismatch", `the body hashes to ${actual}, the signed put names ${cid}`);
        if (already !== undefined) {
          sendJson(res, 200, {
            cid,
            bytes,
            leaseId: already.leaseId,
            leaseEnd: already.leaseEnd,
            used,
            paid: `${paid}`,
          });
          return;
        }
        const lease = leases
          .map((l) => ({ ...l, room: l.size - ledger.usedOfLease(l.leaseId) }))
          .sort((a, b) => b.room - a.room || b.end - a.end)[0];
        if (lease === undefined) throw new Refusal(402, "PaymentRequired", `${signer} has no live lease`);
        try {
          await options.store.put(body);
          await options.store.pin(cid);
        } catch (err) {
          if (!(err instanceof Error && /already pinned/i.test(err.message)))
            throw new Refusal(502, "StoreUnavailable", "the content store failed", {}, err);
        }
        const entry: PutEntry = {
          owner: signer,
          cid,
          bytes,
          leaseId: lease.leaseId,
          leaseEnd: lease.end,
          at: Math.floor(Date.now() / 1000),
        };
        await appendEntry(entry);
        sendJson(res, 200, {
          cid,
          bytes,
          leaseId: lease.leaseId,
          leaseEnd: lease.end,
          used: used + bytes,
          paid: `${paid}`,
        });
      });
    },
  };
}

/** What `store:gc` did. */
export interface GcSummary {
  /** Entries whose lease ended, with whether their CID was unpinned (false: still held by a live entry or dry run). */
  expired: { cid: string; owner: string; leaseId: string; leaseEnd: number; unpinned: boolean }[];
  kept: number;
  bytesFreed: number;
}

/**
 * Unpins the CIDs of leases that ended by chain time `now` (a CID another live entry still holds
 * stays pinned) and records each in the ledger. `dryRun` changes nothing.
 */
export async function collectExpired(
  ledger: PutLedger,
  store: Pick<ContentStore, "unpin" | "isPinned">,
  now: number,
  options: { dryRun?: boolean } = {},
): Promise<GcSummary> {
  const entries = [...ledger.live()];
  const expired = entries.filter((e) => e.leaseEnd <= now);
  const liveCids = new Set(entries.filter((e) => e.leaseEnd > now).map((e) => e.cid));
  const summary: GcSummary = { expired: [], kept: entries.length - expired.length, bytesFreed: 0 };
  const unpinned = new Set<string>();
  for (const entry of expired) {
    let didUnpin = false;
    if (!options.dryRun && !liveCids.has(entry.cid)) {
      if (!unpinned.has(entry.cid) && (await store.isPinned(entry.cid))) {
        await store.unpin(entry.cid);
        summary.bytesFreed += entry.bytes;
      }
      unpinned.add(entry.cid);
      didUnpin = true;
    }
    if (!options.dryRun) await ledger.collected(entry, Math.floor(Date.now() / 1000));
    summary.expired.push({
      cid: entry.cid,
      owner: entry.owner,
      leaseId: entry.leaseId,
      leaseEnd: entry.leaseEnd,
      unpinned: didUnpin,
    });
  }
  return summary;
}

/** The answer of a paid put. */
export interface PutReceipt {
  cid: string;
  bytes: number;
  leaseId: string;
  leaseEnd: number;
  used: number;
  paid: bigint;
}

/**
 * Stores `bytes` at the gateway for `owner`, who must have paid the gateway's provider: signs the
 * put challenge (a fresh nonce), sends the object and returns the gateway's receipt. Throws
 * `GatewayRequestError` (402 PaymentRequired when the lease is too small).
 */
export async function putPaid(
  gatewayUrl: string,
  bytes: Uint8Array,
  owner: ChallengeSigner,
  options: { ttlSeconds?: number; token?: string; chainId?: bigint } = {},
): Promise<PutReceipt> {
  const origin = new URL(gatewayUrl).origin;
  const headers = authHeaders(options.token ?? rpcToken());
  const chainId = options.chainId ?? BigInt((await gatewayInfo(gatewayUrl, headers)).chainId as string);
  const cid = bytes.length <= MAX_OBJECT_BYTES ? (await cidOf(bytes)).toString() : await oversizeCid(bytes);
  const expiry = Math.floor(Date.now() / 1000) + (options.ttlSeconds ?? 60);
  const nonce = newChallengeNonce();
  const signature = await owner.signMessage(putChallenge({ chainId, cid, bytes: bytes.length, origin, expiry, nonce }));
  const fields = {
    owner: owner.address,
    cid,
    bytes: bytes.length,
    chainId: chainId.toString(),
    origin,
    expiry,
    nonce,
    signature,
  };
  const response = await fetch(new URL("/v1/put", gatewayUrl), {
    method: "POST",
    headers: { ...headers, "content-type": "application/octet-stream", [PUT_HEADER]: JSON.stringify(fields) },
    body: bytes,
  });
  const body = (await response.json()) as Record<string, unknown>;
  if (!response.ok)
    throw new GatewayRequestError(response.status, String(body.error ?? "Unknown"), String(body.detail ?? ""));
  return {
    cid: body.cid as string,
    bytes: body.bytes as number,
    leaseId: body.leaseId as string,
    leaseEnd: body.leaseEnd as number,
    used: body.used as number,
    paid: BigInt(body.paid as string),
  };
}

/** A CID-shaped name for an object over one block (never stored: the gateway refuses it, 402 or 413). */
async function oversizeCid(bytes: Uint8Array): Promise<string> {
  return (await cidOf(bytes.subarray(0, MAX_OBJECT_BYTES))).toString();
}

/** `GET /v1/info` of a gateway. */
export async function gatewayInfo(
  gatewayUrl: string,
  headers: Record<string, string> = {},
): Promise<Record<string, unknown>> {
  const response = await fetch(new URL("/v1/info", gatewayUrl), { headers });
  const body = (await response.json()) as Record<string, unknown>;
  if (!response.ok)
    throw new GatewayRequestError(response.status, String(body.error ?? "Unknown"), String(body.detail ?? ""));
  return body;
}
