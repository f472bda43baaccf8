/**
 * The relay: anchors checkpoints of every community chain on the main chain's AnchorHub. Each
 * round, for each chain, it reads the last anchored height from the hub (never from local
 * state, so a restarted relay resumes where the hub is), fetches the headers from there to the
 * chain's head and anchors them, at most `maxHeadersPerTx` per transaction. A chain that fails
 * is reported and retried after an exponential backoff; the other chains go on.
 *
 * With `confirmations` N it anchors only up to head − N, so a block is anchored once N blocks
 * are built on it (0 suits automining local chains; clique or PoA chains need more). A chain
 * whose blocks no longer match the hub's last checkpoint (recreated with a new genesis, or
 * reorganised below the last anchor) is not retried with a backoff as if it were down: it is
 * reported as `reset-needed`, naming the AnchorHub's `resetChain` that an admin must call; once
 * that is done the next round anchors it again from the new trust root.
 */
import type { ContractTransactionResponse } from "ethers";
import type { AnchorHub } from "../../typechain-types";
import { ChainResetNeededError, RelayError, TrustRootError } from "./errors";
import { fetchHeader, fetchHeaders, type RpcClient } from "./headers";
import { registerTrustRoot } from "./trust-root";
import { describeError } from "../chains/revert";

/** Headers per `anchor` transaction unless told otherwise (~10k gas each, well under a block). */
export const DEFAULT_MAX_HEADERS_PER_TX = 64;
/** Confirmations unless told otherwise: automining local chains do not reorganise. */
export const DEFAULT_CONFIRMATIONS = 0;
/** First retry delay of a failing chain unless told otherwise. */
export const DEFAULT_BACKOFF_INITIAL_MS = 1_000;
/** Longest retry delay of a failing chain unless told otherwise. */
export const DEFAULT_BACKOFF_MAX_MS = 60_000;

/** A community chain the relay anchors. */
export interface RelayedChain {
  readonly name: string;
  readonly chainId: number;
  readonly rpc: RpcClient;
  /**
   * The genesis hash recorded when the chain was created (topology.json's `genesis.hash`): the
   * trust root a chain unknown to the hub is registered with, after checking the RPC's block 0
   * has it. Without it the RPC's block 0 is trusted.
   */
  readonly genesisHash?: string;
}

/** Options of a {@link Relay}. */
export interface RelayOptions {
  /** The AnchorHub, connected to a signer holding RELAYER_ROLE. */
  readonly hub: AnchorHub;
  readonly chains: readonly RelayedChain[];
  /** Cap of headers per `anchor` transaction (default {@link DEFAULT_MAX_HEADERS_PER_TX}). */
  readonly maxHeadersPerTx?: number;
  /**
   * Blocks that must be built on a block before it is anchored: the relay anchors up to
   * head − confirmations (default {@link DEFAULT_CONFIRMATIONS}, right for automining chains).
   */
  readonly confirmations?: number;
  /**
   * The AnchorHub connected to an account holding its DEFAULT_ADMIN_ROLE: chains unknown to the
   * hub are registered through it with their genesis block as trust root. Without it an unknown
   * chain fails (registering a trust root is then an admin's explicit act).
   */
  readonly registrar?: AnchorHub;
  readonly backoffInitialMs?: number;
  readonly backoffMaxMs?: number;
  /** Called after each anchoring transaction is mined (progress). */
  readonly onAnchored?: (event: AnchoredEvent) => void;
}

/** One mined `anchor` transaction. */
export interface AnchoredEvent {
  readonly chain: string;
  readonly chainId: number;
  readonly from: number;
  readonly to: number;
  readonly blockHash: string;
  readonly tx: string;
  readonly gasUsed: bigint;
}

/** What a round did for one chain. */
export type ChainRoundStatus = "anchored" | "up-to-date" | "failed" | "waiting" | "reset-needed";

/** The outcome of a round for one chain. */
export interface ChainRound {
  readonly chain: string;
  readonly chainId: number;
  readonly status: ChainRoundStatus;
  /** True if the round registered the chain on the hub. */
  readonly registered: boolean;
  /** The hub's last anchored height after the round (undefined if it could not be read). */
  readonly height?: number;
  /** First and last block anchored this round. */
  readonly from?: number;
  readonly to?: number;
  /** Anchoring transactions sent this round. */
  readonly transactions: readonly string[];
  readonly error?: Error;
  /** For `reset-needed`: the hub's chain epoch, the height and hash it anchored, and the chain's block there. */
  readonly reset?: ResetNeeded;
  /** Consecutive failed rounds of this chain. */
  readonly failures: number;
  /** For failed and waiting chains: when the chain is tried again (ms since the epoch). */
  readonly retryAt?: number;
}

/** Why a chain cannot be anchored until an admin resets it on the hub. */
export interface ResetNeeded {
  readonly epoch: number;
  readonly anchoredHeight: number;
  readonly anchoredHash: string;
  /** The chain's block at `anchoredHeight` (undefined when its head is below it). */
  readonly localHash?: string;
  /** The chain's head. */
  readonly head: number;
}

interface Backoff {
  failures: number;
  retryAt: number;
}

/** Anchors community chains on the hub, round after round. */
export class Relay {
  private readonly backoff = new Map<string, Backoff>();
  private sending: Promise<unknown> = Promise.resolve();
  private readonly maxHeaders: number;
  private readonly confirmations: number;

  constructor(private readonly options: RelayOptions) {
    this.maxHeaders = options.maxHeadersPerTx ?? DEFAULT_MAX_HEADERS_PER_TX;
    if (!Number.isInteger(this.maxHeaders) || this.maxHeaders < 1) {
      throw new RelayError(`maxHeadersPerTx must be a positive integer, got ${options.maxHeadersPerTx}`);
    }
    this.confirmations = options.confirmations ?? DEFAULT_CONFIRMATIONS;
    if (!Number.isSafeInteger(this.confirmations) || this.confirmations < 0) {
      throw new RelayError(`confirmations must be a non-negative integer, got ${options.confirmations}`);
    }
    const names = new Set<string>();
    for (const chain of options.chains) {
      if (names.has(chain.name)) throw new RelayError(`chain ${chain.name} is listed twice`);
      names.add(chain.name);
    }
  }

  /** One round over every chain (chains in backoff are skipped as `waiting`). */
  async round(now: number = Date.now()): Promise<ChainRound[]> {
    return Promise.all(this.options.chains.map((chain) => this.roundFor(chain, now)));
  }

  /**
   * Runs rounds every `intervalMs` until `signal` aborts; `onRound` receives each round's
   * outcome.
   */
  async run(intervalMs: number, signal: AbortSignal, onRound: (rounds: ChainRound[]) => void): Promise<void> {
    while (!signal.aborted) {
      onRound(await this.round());
      await sleep(intervalMs, signal);
    }
  }

  private async roundFor(chain: RelayedChain, now: number): Promise<ChainRound> {
    const state = this.backoff.get(chain.name);
    if (state !== undefined && state.retryAt > now) {
      return {
        chain: chain.name,
        chainId: chain.chainId,
        status: "waiting",
        registered: false,
        transactions: [],
        failures: state.failures,
        retryAt: state.retryAt,
      };
    }
    const progress: Progress = { registered: false, transactions: [] };
    try {
      const outcome = await this.anchorChain(chain, progress);
      this.backoff.delete(chain.name);
      return {
        chain: chain.name,
        chainId: chain.chainId,
        ...outcome,
        registered: progress.registered,
        transactions: progress.transactions,
        failures: 0,
      };
    } catch (error) {
      if (error instanceof ChainResetNeededError) {
        // Not a chain that is down: retrying sooner or later changes nothing until an admin
        // resets it, and the check is cheap, so it is checked again every round.
        this.backoff.delete(chain.name);
        return {
          chain: chain.name,
          chainId: chain.chainId,
          status: "reset-needed",
          registered: progress.registered,
          height: progress.height,
          transactions: progress.transactions,
          error,
          reset: error.details,
          failures: 0,
        };
      }
      const failures = (state?.failures ?? 0) + 1;
      const initial = this.options.backoffInitialMs ?? DEFAULT_BACKOFF_INITIAL_MS;
      const max = this.options.backoffMaxMs ?? DEFAULT_BACKOFF_MAX_MS;
      const retryAt = now + Math.min(initial * 2 ** (failures - 1), max);
      this.backoff.set(chain.name, { failures, retryAt });
      const wrapped =
        error instanceof RelayError || error instanceof TrustRootError
          ? error
          : new RelayError(
              `${chain.name} (chain ${chain.chainId}): ${describeError(error, this.options.hub.interface)}`,
              { cause: error },
            );
      return {
        chain: chain.name,
        chainId: chain.chainId,
        status: "failed",
        registered: progress.registered,
        height: progress.height,
        from: progress.from,
        to: progress.to,
        transactions: progress.transactions,
        error: wrapped,
        failures,
        retryAt,
      };
    }
  }

  private async anchorChain(
    chain: RelayedChain,
    progress: Progress,
  ): Promise<Pick<ChainRound, "status" | "height" | "from" | "to">> {
    const { hub } = this.options;
    const fail = (problem: string) => new RelayError(`${chain.name} (chain ${chain.chainId}): ${problem}`);
    const remoteId = Number(BigInt((await chain.rpc.send("eth_chainId", [])) as string));
    if (remoteId !== chain.chainId) throw fail(`its RPC answers chain id ${remoteId}`);

    if (!(await hub.isRegistered(chain.chainId))) {
      const registrar = this.options.registrar;
      if (registrar === undefined) {
        throw fail(
          `not registered on the AnchorHub at ${await hub.getAddress()}; an admin must register its trust root first`,
        );
      }
      progress.registered =
        (await registerTrustRoot(registrar, chain, (transaction) => this.send(transaction))) !== undefined;
    }

    let last = Number(await hub.lastAnchoredHeight(chain.chainId));
    progress.height = last;
    const head = Number(BigInt((await chain.rpc.send("eth_blockNumber", [])) as string));
    let previous = (await hub.checkpointAt(chain.chainId, last)).blockHash.toLowerCase();
    const local = head < last ? undefined : await fetchHeader(chain.rpc, BigInt(last), chain.name);
    if (local?.hash !== previous) {
      const epoch = Number(await hub.epochOf(chain.chainId));
      const details: ResetNeeded = {
        epoch,
        anchoredHeight: last,
        anchoredHash: previous,
        localHash: local?.hash,
        head,
      };
      const found =
        local === undefined
          ? `its head is block ${head}, below the last anchored block ${last} (${previous})`
          : `its block ${last} is ${local.hash} but the hub anchored ${previous}`;
      throw new ChainResetNeededError(
        `${chain.name} (chain ${chain.chainId}): ${found} in epoch ${epoch}: the chain was recreated or reorganised below the last anchor. ` +
          `An admin must give it a new trust root with AnchorHub.resetChain(${chain.chainId}, height, blockHash) (npx hardhat anchor:reset --chain ${chain.name}); anchoring resumes in the next round after that`,
        details,
      );
    }
    const target = head - this.confirmations;
    if (target <= last) return { status: "up-to-date", height: last };

    while (last < target) {
      const to = Math.min(last + this.maxHeaders, target);
      const headers = await fetchHeaders(chain.rpc, BigInt(last + 1), BigInt(to), chain.name);
      if (headers[0].parentHash !== previous) {
        // reorganised between two requests: the next round either goes on or reports reset-needed
        throw fail(
          `block ${last + 1}'s parent is ${headers[0].parentHash}, not the anchored block ${last} (${previous}): reorganised`,
        );
      }
      const tip = headers[headers.length - 1];
      const receipt = await this.send(() =>
        hub.anchor(
          chain.chainId,
          to,
          tip.hash,
          headers.map((h) => h.rlp),
        ),
      );
      progress.transactions.push(receipt.hash);
      progress.from ??= last + 1;
      progress.to = to;
      progress.height = to;
      this.options.onAnchored?.({
        chain: chain.name,
        chainId: chain.chainId,
        from: last + 1,
        to,
        blockHash: tip.hash,
        tx: receipt.hash,
        gasUsed: receipt.gasUsed,
      });
      last = to;
      previous = tip.hash;
    }
    return { status: "anchored", height: last, from: progress.from, to: last };
  }

  /** Sends one hub transaction at a time and waits for it: the chains share one relayer account. */
  private send(transaction: () => Promise<ContractTransactionResponse>): Promise<{ hash: string; gasUsed: bigint }> {
    const mined = this.sending.then(async () => {
      const tx = await transaction();
      const receipt = await tx.wait();
      if (receipt === null) throw new RelayError(`transaction ${tx.hash} was dropped`);
      return { hash: receipt.hash, gasUsed: receipt.gasUsed };
    });
    this.sending = mined.catch(() => undefined);
    return mined;
  }
}

interface Progress {
  registered: boolean;
  transactions: string[];
  height?: number;
  from?: number;
  to?: number;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
  });
}
