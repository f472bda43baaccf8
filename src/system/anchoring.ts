/**
 * Records and anchors of a run: the traffic log's records go onto the community chains where the
 * storage model places them (`sendRecords`, the logic of `records:send`) while the relay anchors
 * every community chain on the main chain's AnchorHub at a fixed interval; when the last batch is
 * confirmed, a final round anchors what is left. The chains' earlier blocks are anchored in a
 * first round before any record is sent. The anchor latency of each batch runs from its
 * receipt to the anchoring transaction whose height covers its block.
 */
import os from "node:os";
import { performance } from "node:perf_hooks";
import { relayForTopology, type AnchoredEvent, type ChainRound } from "../anchor";
import type { Topology } from "../chains/topology";
import { sendRecords, type SendProgress, type SendRecordsResult } from "../records";
import { StepFailedError } from "./errors";

/** Hashing threads of the sender, as `records:send` picks them: a core is left to the main thread, at most 4. */
export const RECORD_WORKERS = Math.max(1, Math.min(4, os.availableParallelism() - 1));

/** Options of {@link sendAndAnchor}. */
export interface SendAndAnchorOptions {
  readonly chainsDir: string;
  readonly topology: Topology;
  /** The traffic log. */
  readonly log: string;
  /** Interval of the relay's rounds while records are sent, ms. */
  readonly intervalMs: number;
  readonly mnemonic?: string;
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: SendProgress & { readonly anchors: number }) => void;
}

/** One anchoring transaction of the run. */
export interface AnchorTransaction {
  readonly chain: string;
  readonly from: number;
  readonly to: number;
  readonly gasUsed: number;
  /** Ms since the step started. */
  readonly atMs: number;
}

/** Where a community chain stands on the hub after the final round. */
export interface AnchoredChain {
  readonly chain: string;
  /** The hub's last anchored height. */
  readonly height: number;
  /** Anchoring transactions of the run. */
  readonly transactions: number;
  /** Headers anchored by the run. */
  readonly headers: number;
}

/** What the step did. */
export interface SendAndAnchorResult extends SendRecordsResult {
  readonly anchors: readonly AnchorTransaction[];
  readonly chains: readonly AnchoredChain[];
  /** Anchor latency of each confirmed batch, ms. */
  readonly anchorLatencyMs: readonly number[];
  /** Relay rounds during the sending (the final round not counted) and how many of them failed for a chain. */
  readonly rounds: number;
  readonly failedRounds: number;
}

/** Sends the log's records and anchors the chains; throws if the final anchor round fails for a chain. */
export async function sendAndAnchor(options: SendAndAnchorOptions): Promise<SendAndAnchorResult> {
  const started = performance.now();
  const anchors: AnchorTransaction[] = [];
  const commits: { chain: string; block: number; at: number }[] = [];
  const onAnchored = (event: AnchoredEvent) =>
    anchors.push({
      chain: event.chain,
      from: event.from,
      to: event.to,
      gasUsed: Number(event.gasUsed),
      atMs: performance.now() - started,
    });
  const { relay, close } = relayForTopology(options.topology, { onAnchored, mnemonic: options.mnemonic });
  let rounds = 0;
  let failedRounds = 0;
  try {
    // Catch up first: the chains' earlier blocks (deployment, participants, units) are anchored
    // before the records start, so a batch's latency is its own, not that of the backlog.
    await relay.round();
    const catchUp = anchors.length;
    const stop = new AbortController();
    const relaying = relay.run(options.intervalMs, stop.signal, (outcomes) => {
      rounds += 1;
      if (outcomes.some((o) => o.status === "failed" || o.status === "reset-needed")) failedRounds += 1;
    });
    let sent: SendRecordsResult;
    try {
      sent = await sendRecords({
        dir: options.chainsDir,
        log: options.log,
        workers: RECORD_WORKERS,
        mnemonic: options.mnemonic,
        signal: options.signal,
        onProgress: (progress) => options.onProgress?.({ ...progress, anchors: anchors.length }),
        onBatchConfirmed: (batch) =>
          commits.push({ chain: batch.chain, block: batch.blockNumber, at: batch.at - started }),
      });
    } finally {
      stop.abort();
      await relaying;
    }
    const final = await relay.round();
    const failed = final.filter(
      (outcome): outcome is ChainRound & { error: Error } =>
        outcome.status === "failed" || outcome.status === "reset-needed",
    );
    if (failed.length > 0)
      throw new StepFailedError(
        "records",
        `the final anchor round failed: ${failed.map((f) => f.error.message).join("; ")}`,
      );

    const anchorLatencyMs: number[] = [];
    for (const commit of commits) {
      const anchor = anchors.slice(catchUp).find((a) => a.chain === commit.chain && a.to >= commit.block);
      // A receipt handled after the anchor covering its block was mined counts as anchored at once.
      if (anchor !== undefined) anchorLatencyMs.push(Math.max(0, anchor.atMs - commit.at));
    }
    const chains = final.map((outcome) => {
      const own = anchors.filter((a) => a.chain === outcome.chain);
      return {
        chain: outcome.chain,
        height: outcome.height ?? 0,
        transactions: own.length,
        headers: own.reduce((sum, a) => sum + a.to - a.from + 1, 0),
      };
    });
    return { ...sent!, anchors, chains, anchorLatencyMs, rounds, failedRounds };
  } finally {
    close();
  }
}
