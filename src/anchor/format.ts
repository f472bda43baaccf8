/**
 * What the anchor tasks print: a relay round per chain, an anchoring transaction, a trust-root
 * reset, and the verdict on a record. Pure text from the result types; `now` is passed in so a
 * retry delay prints the same in a test as on the command line.
 */
import type { AnchoredEvent, ChainRound } from "./relay";
import type { TrustRootReset } from "./trust-root";
import type { RecordVerdict } from "./verify-record";

/** One line per chain and round; retry times only matter when watching. */
export function formatRound(round: ChainRound, now: number, watching: boolean): string {
  const name = `${round.chain} (${round.chainId})`.padEnd(22);
  const registered = round.registered ? "registered, " : "";
  const retry =
    round.retryAt === undefined ? "" : `retry in ${Math.max(0, Math.round((round.retryAt - now) / 100) / 10)}s`;
  switch (round.status) {
    case "anchored":
      return `${name} ${registered}anchored blocks ${round.from}..${round.to} in ${round.transactions.length} tx, height ${round.height}`;
    case "up-to-date":
      return `${name} ${registered}up to date at height ${round.height}`;
    case "waiting":
      return `${name} down (${round.failures} failed rounds), ${retry}`;
    case "reset-needed":
      return `${name} RESET NEEDED: ${round.error?.message ?? "its blocks no longer link to the hub's last checkpoint"}`;
    case "failed":
      return `${name} FAILED${watching ? ` (${round.failures} in a row, ${retry})` : ""}: ${round.error?.message ?? "unknown error"}`;
  }
}

/** One mined anchoring transaction, indented under its round. */
export function formatAnchored(event: AnchoredEvent): string {
  return `  ${event.chain}: anchored blocks ${event.from}..${event.to} (${event.blockHash.slice(0, 10)}…, tx ${event.tx}, ${event.gasUsed} gas)`;
}

/** The chain's new trust root after `anchor:reset`. */
export function formatReset(chain: string, reset: TrustRootReset): string {
  return `${chain}: reset to epoch ${reset.epoch}, trust root block ${reset.height} (${reset.blockHash})`;
}

/** `verify:record`'s verdict: VALID with the record, its batch and the anchor used, or INVALID with the reason. */
export function formatVerdict(verdict: RecordVerdict): string {
  if (!verdict.valid)
    return `INVALID record ${verdict.recordId} of ${verdict.chain}: ${verdict.reason}: ${verdict.message}`;
  const { record, anchor, batchId, index, root } = verdict.verified;
  return [
    `VALID record ${record.sequence} of ${verdict.chain}: ${record.from} -> ${record.to}, ${record.bytes} bytes at ${new Date(record.timestamp).toISOString()}`,
    `  batch ${batchId} leaf ${index}, root ${root}`,
    `  anchor: chain ${anchor.chainId} height ${anchor.height} block ${anchor.blockHash} (state root ${anchor.stateRoot}, main-chain block ${anchor.mainBlock}, epoch ${anchor.epoch})`,
  ].join("\n");
}

/** `records:verify`'s line on one copy of a record. */
export function formatCopyVerdict(chain: string, record: number, verdict: RecordVerdict): string {
  return verdict.valid
    ? `  VALID   ${chain} record ${record} (batch ${verdict.verified.batchId}, anchored height ${verdict.verified.anchor.height})`
    : `  INVALID ${chain} record ${record}: ${verdict.reason}: ${verdict.message}`;
}
