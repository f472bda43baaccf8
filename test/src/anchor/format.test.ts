/** anchor/format: the lines the anchor tasks print for rounds, transactions, resets and verdicts. */
import { expect } from "chai";
import {
  formatAnchored,
  formatCopyVerdict,
  formatReset,
  formatRound,
  formatVerdict,
  type ChainRound,
  type RecordVerdict,
} from "../../../src/anchor";

const round = (fields: Partial<ChainRound>): ChainRound => ({
  chain: "community-1",
  chainId: 41001,
  status: "anchored",
  registered: false,
  transactions: [],
  failures: 0,
  ...fields,
});
const hash = (digit: string): `0x${string}` => `0x${digit.repeat(64)}`;

const valid: RecordVerdict = {
  valid: true,
  chain: "community-1",
  verified: {
    record: { sequence: 321, timestamp: Date.UTC(2025, 0, 2, 3, 4, 5), from: "01", to: "02", bytes: 64 },
    batchId: 1,
    index: 121,
    root: hash("a"),
    anchor: {
      chainId: 41001,
      height: 9,
      epoch: 0,
      blockHash: hash("b"),
      stateRoot: hash("c"),
      parentHash: hash("d"),
      mainBlock: 12,
    },
  },
};
const invalid: RecordVerdict = {
  valid: false,
  chain: "community-1",
  recordId: 450,
  reason: "record-never-written",
  message: "record 450 was never written",
};

describe("anchor/format", () => {
  it("prints a round per status, with retry times only when watching", () => {
    const now = 1_000_000;
    expect([
      formatRound(round({ registered: true, from: 1, to: 9, transactions: ["0x1"], height: 9 }), now, false),
      formatRound(round({ status: "up-to-date", height: 9 }), now, false),
      formatRound(round({ status: "waiting", failures: 2, retryAt: now + 1_540 }), now, true),
      formatRound(round({ status: "reset-needed" }), now, false),
      formatRound(
        round({ status: "failed", failures: 3, retryAt: now - 5, error: new Error("connection refused") }),
        now,
        true,
      ),
      formatRound(round({ status: "failed", failures: 3, error: new Error("connection refused") }), now, false),
    ]).to.deep.equal([
      "community-1 (41001)    registered, anchored blocks 1..9 in 1 tx, height 9",
      "community-1 (41001)    up to date at height 9",
      "community-1 (41001)    down (2 failed rounds), retry in 1.5s",
      "community-1 (41001)    RESET NEEDED: its blocks no longer link to the hub's last checkpoint",
      "community-1 (41001)    FAILED (3 in a row, retry in 0s): connection refused",
      "community-1 (41001)    FAILED: connection refused",
    ]);
  });

  it("prints an anchoring transaction and a reset", () => {
    expect(
      formatAnchored({
        chain: "community-1",
        chainId: 41001,
        from: 1,
        to: 9,
        blockHash: hash("b"),
        tx: "0xfeed",
        gasUsed: 123456n,
      }),
    ).to.equal("  community-1: anchored blocks 1..9 (0xbbbbbbbb…, tx 0xfeed, 123456 gas)");
    expect(formatReset("community-2", { epoch: 1, height: 0, blockHash: hash("e") })).to.equal(
      `community-2: reset to epoch 1, trust root block 0 (${hash("e")})`,
    );
  });

  it("prints verify:record's verdict and records:verify's line per copy", () => {
    expect(formatVerdict(valid).split("\n")).to.deep.equal([
      "VALID record 321 of community-1: 01 -> 02, 64 bytes at 2025-01-02T03:04:05.000Z",
      `  batch 1 leaf 121, root ${hash("a")}`,
      `  anchor: chain 41001 height 9 block ${hash("b")} (state root ${hash("c")}, main-chain block 12, epoch 0)`,
    ]);
    expect(formatVerdict(invalid)).to.equal(
      "INVALID record 450 of community-1: record-never-written: record 450 was never written",
    );
    expect(formatCopyVerdict("community-1", 321, valid)).to.equal(
      "  VALID   community-1 record 321 (batch 1, anchored height 9)",
    );
    expect(formatCopyVerdict("community-1", 450, invalid)).to.equal(
      "  INVALID community-1 record 450: record-never-written: record 450 was never written",
    );
  });
});
