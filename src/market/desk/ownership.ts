/**
 * Ownership registration from the command line (`market:register`, `market:orderer`; paper §4.2,
 * design §1). A file is sealed into encrypted fragments first: their Merkle root is the hash
 * registered, and the manifest (with the data key wrapped for the asset) is kept in the
 * workspace. Low data goes straight into the registry's queue (`enqueueLow`); High data is signed
 * by its owner and left in the orderer's inbox, which `market:orderer` drains into batches.
 */
import { readFile } from "node:fs/promises";
import { MaxUint256 } from "ethers";
import { sealFragments } from "../../offchain/envelopes/fragments";
import { wrapKeyForAsset } from "../../offchain/envelopes/pre";
import { Level, levelName } from "../classify";
import { MarketInputError } from "../errors";
import { Orderer, type Inclusion } from "../orderer";
import { DataKind, highEntry, LifecycleStage, signRegistration } from "../registration";
import { eventOf, sendMarketTx } from "./send";
import { actingAccount, type MarketSession } from "./session";
import { normalHash } from "./workspace";

/** How long a High registration's signature is valid by default: a day. */
export const DEFAULT_REGISTRATION_TTL_S = 86_400;

export interface RegisterOptions {
  /** The data to seal and register (its fragments' root is the hash); or give `hash`. */
  readonly file?: string;
  /** A hash to register as is (a status snapshot's content hash). */
  readonly hash?: string;
  readonly level: Level;
  /** High only: the fee offered to the orderer, in the token's smallest unit. */
  readonly fee?: bigint;
  readonly kind?: number;
  readonly stage?: number;
  /** Plaintext bytes per fragment when sealing a file. */
  readonly fragmentSize?: number;
  /** High only: seconds the signature stays valid. */
  readonly ttlSeconds?: number;
}

export interface RegisterResult {
  readonly hash: string;
  readonly level: "High" | "Low";
  readonly owner: string;
  /** Sealed from a file: the manifest written and the fragment count. */
  readonly manifestFile?: string;
  readonly fragments?: number;
  /** Low: the enqueue transaction and the entry's queue position. */
  readonly txHash?: string;
  readonly position?: bigint;
  /** High: where the signed entry waits for the orderer, and the fee. */
  readonly inboxFile?: string;
  readonly fee?: string;
}

/** Registers a file's or a hash's ownership for the session's account. */
export async function registerData(session: MarketSession, options: RegisterOptions): Promise<RegisterResult> {
  const owner = actingAccount(session);
  const { registry, token } = session.contracts;
  if ((options.file === undefined) === (options.hash === undefined))
    throw new MarketInputError("--file/--hash", "give exactly one: the data to seal, or a hash to register");
  const fee = options.fee ?? 0n;
  if (fee < 0n) throw new MarketInputError("--fee", `must be ≥ 0, got ${fee}`);
  if (options.level === Level.Low && fee !== 0n)
    throw new MarketInputError("--fee", "Low data carries no fee (rule R2): leave it out or register High");

  let hash: string;
  let manifestFile: string | undefined;
  let fragments: number | undefined;
  if (options.file !== undefined) {
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(await readFile(options.file));
    } catch (error) {
      throw new MarketInputError("--file", `${options.file}: ${(error as Error).message}`);
    }
    const sealed = sealFragments(bytes, { fragmentSize: options.fragmentSize });
    const keyWrap = wrapKeyForAsset(owner, sealed.manifest.root, sealed.key);
    sealed.key.fill(0);
    hash = sealed.manifest.root;
    await session.workspace.writeSealed(hash, sealed.fragments);
    manifestFile = await session.workspace.writeManifest({ ...sealed.manifest, keyWrap });
    fragments = sealed.fragments.length;
  } else hash = normalHash(options.hash!);

  const existing = await registry.registration(hash);
  if (existing.owner !== "0x0000000000000000000000000000000000000000")
    throw new MarketInputError(
      "hash",
      `${hash} is already registered, to ${existing.owner} (the first registration wins)`,
    );
  const timestamp = await session.now();
  const kind = options.kind ?? (options.level === Level.High ? DataKind.Physical : DataKind.Virtual);
  const stage = options.stage ?? LifecycleStage.Using;
  const base = { hash, level: levelName(options.level), owner: owner.address, manifestFile, fragments };

  if (options.level === Level.Low) {
    const receipt = await sendMarketTx(`enqueueLow(${hash})`, registry, () =>
      registry.connect(owner).enqueueLow(hash, timestamp, kind, stage),
    );
    const position = eventOf(receipt, registry, "LowEnqueued").position as bigint;
    return { ...base, txHash: receipt.hash, position };
  }

  if (fee > 0n) {
    // The orderer's batch pulls the fee with transferFrom: the allowance grows by this fee (an
    // approve, not a permit: a permit's nonce would clash with the next registration's).
    const registryAddress = await registry.getAddress();
    const allowance = await token.allowance(owner.address, registryAddress);
    const next = allowance + fee > MaxUint256 ? MaxUint256 : allowance + fee;
    await sendMarketTx("the fee's allowance to OwnershipRegistry", token, () =>
      token.connect(owner).approve(registryAddress, next),
    );
  }
  const entry = highEntry(
    {
      dataHash: hash,
      timestamp,
      fee,
      owner: owner.address,
      // The registry takes each of an owner's nonces once; a hash registers once too, so a nonce
      // drawn from it never clashes with the owner's other entries (and a re-signed entry is refused).
      nonce: BigInt(hash) % 2n ** 64n,
      deadline: timestamp + BigInt(options.ttlSeconds ?? DEFAULT_REGISTRATION_TTL_S),
    },
    { kind, stage },
  );
  const signature = await signRegistration(owner, await registry.getAddress(), session.chain.chainId, entry);
  const inboxFile = await session.workspace.submitToInbox({ entry, signature });
  return { ...base, inboxFile, fee: fee.toString() };
}

export interface OrdererRunOptions {
  readonly batchTimeoutMs?: number;
  /** Keep watching the inbox until `signal` aborts (default: drain it and stop). */
  readonly watch?: boolean;
  readonly signal?: AbortSignal;
  readonly onBatch?: (batch: OrdererBatch) => void;
}

export interface OrdererBatch {
  readonly batchId: string;
  readonly high: number;
  readonly low: number;
  readonly fees: string;
  readonly txHash: string;
}

export interface OrdererRunResult {
  readonly batches: OrdererBatch[];
  /** Entries taken from the inbox, and reloaded from the pool file of an earlier run. */
  readonly submitted: number;
  readonly recovered: number;
  /** Entries the registry refused, with the reason. */
  readonly refused: { hash: string; reason: string }[];
  readonly lowLeft: number;
}

/**
 * Runs the orderer of the session's chain as its account (`orderer`): entries of the inbox go
 * into the pool (its file keeps them across a crash), batches are cut by the rules until the pool
 * and the Low queue are empty, or, with `watch`, until the signal aborts.
 */
export async function runOrderer(session: MarketSession, options: OrdererRunOptions = {}): Promise<OrdererRunResult> {
  const account = actingAccount(session);
  const registry = session.contracts.registry.connect(account);
  const from = await session.provider.getBlockNumber();
  const orderer = await Orderer.open(registry, {
    batchTimeout: options.batchTimeoutMs,
    poolFile: session.workspace.poolFile,
  });
  const refused: { hash: string; reason: string }[] = [];
  const waits: Promise<Inclusion | undefined>[] = [];
  let submitted = 0;
  const drainInbox = async () => {
    for (const { file, signed } of await session.workspace.readInbox()) {
      const hash = signed.entry.dataHash;
      waits.push(
        orderer.submit(signed).catch((error: Error) => {
          refused.push({ hash, reason: error.message });
          return undefined;
        }),
      );
      // The pool file holds the entry now (submit appended it durably): the inbox copy can go.
      await session.workspace.removeFromInbox(file);
      submitted++;
    }
  };
  const batches: OrdererBatch[] = [];
  let seen = from;
  const collect = async () => {
    const head = await session.provider.getBlockNumber();
    if (head <= seen) return;
    const events = await registry.queryFilter(registry.filters.BatchRegistered(), seen + 1, head);
    seen = head;
    for (const e of events) {
      const batch = {
        batchId: e.args.batchId.toString(),
        high: Number(e.args.high),
        low: Number(e.args.low),
        fees: e.args.fees.toString(),
        txHash: e.transactionHash,
      };
      batches.push(batch);
      options.onBatch?.(batch);
    }
  };
  try {
    await drainInbox();
    const drain = async () => {
      // Each flush cuts at least one entry while any waits; the bound only guards a registry that takes none.
      for (let round = 0; round < 10_000; round++) {
        const low = Number(await registry.lowPending());
        if (orderer.pending === 0 && low === 0) break;
        const before = orderer.pending + low;
        await orderer.flush();
        if (orderer.pending + Number(await registry.lowPending()) >= before) break;
      }
    };
    await drain();
    await collect();
    while (options.watch === true && options.signal?.aborted !== true) {
      await new Promise((resolve) => setTimeout(resolve, options.batchTimeoutMs ?? 200));
      await drainInbox();
      await drain();
      await collect();
    }
  } finally {
    await orderer.close();
  }
  await Promise.all(waits);
  return {
    batches,
    submitted,
    recovered: orderer.recovered,
    refused,
    lowLeft: Number(await registry.lowPending()),
  };
}
