// The queue file on its own: what is appended survives a reopen in order, a torn last line is
// dropped, damage anywhere else is named, and compaction replaces the file atomically.
import { expect } from "chai";
import { appendFile, open, readdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { Wallet } from "ethers";
import { QueueConflictError, QueueFormatError, QueueClosedError } from "../../../src/iot/errors";
import { entryHashes, QueueFile, type QueueEntry } from "../../../src/iot/queue-file";
import { signEntry } from "../../../src/iot/tx-queue";
import { expectRejects, tempDir } from "./helpers";

const CHAIN_ID = 31337;
const FEES = { maxFeePerGas: 3_000_000_000n, maxPriorityFeePerGas: 1_000_000_000n };
const wallet = new Wallet("0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d");
const TO = "0x00000000000000000000000000000000000000aa";

/** Appends `n` entries of kind `kind-<i>` (data = the index) and returns them. */
async function appendEntries(queue: QueueFile, n: number, from = 0): Promise<QueueEntry[]> {
  const entries: QueueEntry[] = [];
  for (let i = from; i < from + n; i++) {
    const draft = {
      kind: `kind-${i}`,
      to: TO,
      data: `0x${i.toString(16).padStart(2, "0")}`,
      value: 0n,
      gasLimit: 21_000n + BigInt(i),
      enqueuedAt: 1_700_000_000_000 + i,
      meta: { index: i },
    };
    entries.push(await queue.append(draft, (nonce) => signEntry(wallet, CHAIN_ID, nonce, draft, FEES)));
  }
  return entries;
}

const summary = (entries: QueueEntry[]) =>
  entries.map((e) => [e.nonce, e.kind, e.data, e.meta.index, entryHashes(e), e.done?.status ?? "pending"]);

describe("iot/queue-file", () => {
  let dir: string;
  let dispose: () => Promise<void>;
  let file: string;
  const opened: QueueFile[] = [];

  async function openQueue(create?: { baseNonce: number }) {
    const result = await QueueFile.open(
      file,
      create && { chainId: CHAIN_ID, account: wallet.address, baseNonce: create.baseNonce },
    );
    opened.push(result.queue);
    return result;
  }

  beforeEach(async () => {
    ({ dir, dispose } = await tempDir("iot-queue"));
    file = path.join(dir, "state", "queue.ndjson");
  });

  afterEach(async () => {
    for (const queue of opened.splice(0)) await queue.close();
    await dispose();
  });

  it("creates the file with its header, keeps nonces consecutive from the base and survives a reopen in order", async () => {
    const { queue, report } = await openQueue({ baseNonce: 5 });
    expect(report).to.deep.equal({ created: true });
    const written = await appendEntries(queue, 4);
    expect(written.map((e) => e.nonce)).to.deep.equal([5, 6, 7, 8]);
    expect(queue.nextNonce).to.equal(9);
    await queue.markDone(5, { hash: written[0].signatures[0].hash, status: "applied", blockNumber: 12 });
    await queue.markDone(6, {
      hash: written[1].signatures[0].hash,
      status: "reverted",
      blockNumber: 13,
      reason: "Boom(1)",
    });
    await queue.close();

    const lines = (await readFile(file, "utf8"))
      .trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => l.type)).to.deep.equal(["queue", "tx", "tx", "tx", "tx", "done", "done"]);
    expect(lines[0]).to.deep.equal({
      type: "queue",
      version: 1,
      chainId: CHAIN_ID,
      account: wallet.address,
      baseNonce: 5,
    });
    expect(lines[6]).to.include({ nonce: 6, status: "reverted", reason: "Boom(1)", blockNumber: 13 });

    const again = await openQueue();
    expect(again.report).to.deep.equal({ created: false, torn: undefined });
    expect(summary(again.queue.entries())).to.deep.equal(
      summary(written).map((row, i) =>
        i === 0 ? [...row.slice(0, 5), "applied"] : i === 1 ? [...row.slice(0, 5), "reverted"] : row,
      ),
    );
    expect(again.queue.pending().map((e) => e.nonce)).to.deep.equal([7, 8]);
    expect(again.queue.entries()[1].done).to.deep.equal({
      hash: written[1].signatures[0].hash,
      status: "reverted",
      blockNumber: 13,
      reason: "Boom(1)",
    });
    expect(again.queue.nextNonce).to.equal(9);
    const more = await appendEntries(again.queue, 1, 4);
    expect(more[0].nonce).to.equal(9);
  });

  it("refuses to create a missing file without a chain id and base nonce", async () => {
    const error = await expectRejects(QueueFile.open(file), QueueConflictError);
    expect(error.message).to.contain(file).and.to.contain("does not exist");
  });

  it("drops a torn last line, truncates the file to the last whole line, and appends after it", async () => {
    const { queue } = await openQueue({ baseNonce: 0 });
    const written = await appendEntries(queue, 3);
    await queue.close();
    const whole = await readFile(file, "utf8");
    // A crash in the middle of the fourth append: part of its line, no newline.
    const partial = '{"type":"tx","nonce":3,"kind":"kind-3","to":"0x0000';
    await appendFile(file, partial);

    const { queue: reopened, report } = await openQueue();
    expect(report.torn).to.deep.equal({ line: 5, bytes: Buffer.byteLength(partial) });
    expect(await readFile(file, "utf8")).to.equal(whole);
    expect(summary(reopened.entries())).to.deep.equal(summary(written));
    const next = await appendEntries(reopened, 1, 3);
    expect(next[0].nonce).to.equal(3);
    await reopened.close();
    const lines = (await readFile(file, "utf8")).split("\n");
    expect(lines).to.have.length(6);
    expect(JSON.parse(lines[4]).nonce).to.equal(3);
  });

  it("drops a torn done marker, so the entry is pending again (its receipt is looked up again)", async () => {
    const { queue } = await openQueue({ baseNonce: 0 });
    const [first] = await appendEntries(queue, 1);
    await queue.close();
    await appendFile(file, `{"type":"done","nonce":0,"hash":"${first.signatures[0].hash}","sta`);
    const { queue: reopened, report } = await openQueue();
    expect(report.torn?.line).to.equal(3);
    expect(reopened.pending().map((e) => e.nonce)).to.deep.equal([0]);
  });

  it("names the line of damage that is not a torn last line", async () => {
    const { queue } = await openQueue({ baseNonce: 0 });
    const written = await appendEntries(queue, 3);
    await queue.close();
    const lines = (await readFile(file, "utf8")).trimEnd().split("\n");

    const cases: [string[], RegExp][] = [
      [[lines[0], lines[1], "{ not json", lines[3]], /:3: not JSON/],
      [[lines[0], lines[1], lines[3]], /:3: nonce 2 breaks the sequence: expected 1/],
      [[lines[0], lines[1].replace('"raw":"0x02', '"raw":"0x03'), lines[2]], /:2: field "raw" does not hash to/],
      [
        [
          lines[0],
          lines[1],
          JSON.stringify({
            type: "done",
            nonce: 1,
            hash: written[1].signatures[0].hash,
            status: "applied",
            blockNumber: 1,
          }),
        ],
        /:3: marks nonce 1 done out of order \(the first pending entry is 0\)/,
      ],
      [
        [
          lines[0],
          lines[1],
          JSON.stringify({
            type: "done",
            nonce: 0,
            hash: written[1].signatures[0].hash,
            status: "applied",
            blockNumber: 1,
          }),
        ],
        /:3: marks nonce 0 done with hash 0x[0-9a-f]+, which is none of its signatures/,
      ],
      [
        [
          lines[0],
          lines[1],
          JSON.stringify({
            type: "done",
            nonce: 0,
            hash: written[0].signatures[0].hash,
            status: "maybe",
            blockNumber: 1,
          }),
        ],
        /:3: field "status" must be "applied" or "reverted"/,
      ],
      [[lines[1], lines[2]], /:1: the first line must be the queue header, found a "tx" line/],
      [[lines[0].replace('"version":1', '"version":9'), lines[1]], /:1: unsupported version 9/],
      [[lines[0], lines[0]], /:2: a second header line/],
      [[lines[0], JSON.stringify({ type: "mystery" })], /:2: unknown line type "mystery"/],
    ];
    for (const [content, message] of cases) {
      await writeFile(file, content.join("\n") + "\n");
      const error = await expectRejects(QueueFile.open(file), QueueFormatError);
      expect(error.message).to.match(message);
      expect(error.file).to.equal(file);
    }
  });

  it("keeps every signature of a re-signed nonce, and the newest is the one sent", async () => {
    const { queue } = await openQueue({ baseNonce: 0 });
    const [entry] = await appendEntries(queue, 1);
    const higher = { maxFeePerGas: FEES.maxFeePerGas * 2n, maxPriorityFeePerGas: FEES.maxPriorityFeePerGas * 2n };
    const resigned = await signEntry(wallet, CHAIN_ID, 0, entry, higher);
    await queue.resign(0, resigned);
    await queue.close();
    const { queue: reopened } = await openQueue();
    const [again] = reopened.entries();
    expect(entryHashes(again)).to.deep.equal([entry.signatures[0].hash, resigned.hash]);
    expect(again.signatures[1]).to.deep.equal(resigned);
    // The first signature may be the one mined: marking it done is accepted.
    await reopened.markDone(0, { hash: entry.signatures[0].hash, status: "applied", blockNumber: 3 });
  });

  it("marks entries done only in order", async () => {
    const { queue } = await openQueue({ baseNonce: 0 });
    const written = await appendEntries(queue, 2);
    const error = await expectRejects(
      queue.markDone(1, { hash: written[1].signatures[0].hash, status: "applied", blockNumber: 1 }),
      QueueConflictError,
    );
    expect(error.message).to.contain("cannot mark nonce 1 done before nonce 0");
  });

  it("compacts by renaming a new file over the old one: the old inode is untouched, pending entries and order kept", async () => {
    const { queue } = await openQueue({ baseNonce: 10 });
    const written = await appendEntries(queue, 5);
    for (const entry of written.slice(0, 3))
      await queue.markDone(entry.nonce, {
        hash: entry.signatures[0].hash,
        status: "applied",
        blockNumber: entry.nonce,
      });
    const resigned = await signEntry(wallet, CHAIN_ID, 13, written[3], {
      maxFeePerGas: 9n * FEES.maxFeePerGas,
      maxPriorityFeePerGas: FEES.maxPriorityFeePerGas,
    });
    await queue.resign(13, resigned);
    const before = await readFile(file, "utf8");
    // A reader holding the old file open sees it whole after compaction: it was replaced, never edited.
    const oldHandle = await open(file, "r");
    try {
      expect(queue.doneCount).to.equal(3);
      await queue.compact();
      expect(queue.doneCount).to.equal(0);
      expect(await oldHandle.readFile("utf8")).to.equal(before);
    } finally {
      await oldHandle.close();
    }
    const lines = (await readFile(file, "utf8"))
      .trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => [l.type, l.nonce ?? l.baseNonce])).to.deep.equal([
      ["queue", 13],
      ["tx", 13],
      ["resign", 13],
      ["tx", 14],
    ]);
    // No temporary file is left behind; the open queue's lock stays.
    expect((await readdir(path.dirname(file))).sort()).to.deep.equal(["queue.ndjson", "queue.ndjson.lock"]);
    // Appending goes on after compaction, and a reopen sees the same pending entries.
    const [next] = await appendEntries(queue, 1, 5);
    expect(next.nonce).to.equal(15);
    await queue.close();
    const { queue: reopened } = await openQueue();
    expect(summary(reopened.entries())).to.deep.equal(
      summary([...written.slice(3), next]).map((row, i) =>
        i === 0 ? [row[0], row[1], row[2], row[3], [written[3].signatures[0].hash, resigned.hash], row[5]] : row,
      ),
    );
    expect(reopened.nextNonce).to.equal(16);
  });

  it("rejects appends after close", async () => {
    const { queue } = await openQueue({ baseNonce: 0 });
    await queue.close();
    await expectRejects(appendEntries(queue, 1), QueueClosedError);
  });
});
