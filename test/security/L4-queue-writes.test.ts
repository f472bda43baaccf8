// L4 (queue part): QueueFile.write did one write() and did not look at how much of the line
// reached the file, unlike the journal; and a failed append left its bytes behind, so the next
// open could find a line the caller had been told failed. Now a short write is continued, a
// failed write or flush is cut back, and a queue that cannot cut back takes no more lines.
import { expect } from "chai";
import fs from "node:fs";
import path from "node:path";
import { Wallet } from "ethers";
import { QueueWriteError } from "../../src/iot/errors";
import { QueueFile, type QueueFs } from "../../src/iot/queue-file";
import { signEntry } from "../../src/iot/tx-queue";
import { tempDir } from "../src/chains/helpers";
import { rejection } from "../helpers/rejection";

const wallet = new Wallet("0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d");
const FEES = { maxFeePerGas: 3_000_000_000n, maxPriorityFeePerGas: 1_000_000_000n };
const CREATE = { chainId: 31337, account: wallet.address, baseNonce: 0 };

function errno(code: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: simulated`), { code });
}

/** node:fs for a queue, with hooks a test sets to make a call write short or fail. */
function faultyFs() {
  const calls = { write: 0, datasync: 0, truncate: 0 };
  const faults: {
    maxWrite?: number;
    write?: () => Error | undefined;
    datasync?: () => Error | undefined;
    truncate?: () => Error | undefined;
  } = {};
  const io: QueueFs = {
    write: async (handle, buffer, offset) => {
      calls.write++;
      const failure = faults.write?.();
      if (failure !== undefined) {
        // A failing write may still have put part of the line in the file (ENOSPC mid-line).
        await handle.write(buffer, offset, Math.min(3, buffer.length - offset));
        throw failure;
      }
      const length = Math.min(faults.maxWrite ?? Infinity, buffer.length - offset);
      return (await handle.write(buffer, offset, length)).bytesWritten;
    },
    datasync: async (handle) => {
      calls.datasync++;
      const failure = faults.datasync?.();
      if (failure !== undefined) throw failure;
      await handle.datasync();
    },
    truncate: async (handle, length) => {
      calls.truncate++;
      const failure = faults.truncate?.();
      if (failure !== undefined) throw failure;
      await handle.truncate(length);
    },
  };
  return { io, calls, faults };
}

describe("security L4: queue appends under short writes and a full disk", () => {
  let work: string;
  let file: string;
  const opened: QueueFile[] = [];

  const append = (queue: QueueFile, i: number) => {
    const draft = {
      kind: `readings-${i}`,
      to: "0x00000000000000000000000000000000000000aa",
      data: `0x${i.toString(16).padStart(2, "0")}`,
      value: 0n,
      gasLimit: 21_000n,
      enqueuedAt: 1_700_000_000_000 + i,
      meta: { i },
    };
    return queue.append(draft, (nonce) => signEntry(wallet, 31337, nonce, draft, FEES));
  };
  async function open(io?: QueueFs, create = false) {
    const { queue, report } = await QueueFile.open(file, create ? CREATE : undefined, { fs: io });
    opened.push(queue);
    return { queue, report };
  }

  beforeEach(() => {
    work = tempDir("l4-queue");
    file = path.join(work, "unit", "queue.ndjson");
  });
  afterEach(async () => {
    for (const queue of opened.splice(0)) await queue.close();
    fs.rmSync(work, { recursive: true, force: true });
  });

  it("continues a short write until the whole line is in the file", async () => {
    const { io, calls, faults } = faultyFs();
    faults.maxWrite = 7;
    const { queue } = await open(io, true);
    const entries = [await append(queue, 0), await append(queue, 1)];
    const lineBytes = fs.readFileSync(file, "utf8").split("\n")[1].length + 1;
    expect(calls.write).to.be.at.least(2 * Math.ceil(lineBytes / 7) - 1);
    await queue.close();
    const { queue: again, report } = await open();
    expect(report.torn).to.equal(undefined);
    expect(again.entries().map((e) => [e.nonce, e.kind, e.signatures[0].hash])).to.deep.equal(
      entries.map((e) => [e.nonce, e.kind, e.signatures[0].hash]),
    );
  });

  it("cuts a line whose flush failed (ENOSPC) back out of the file, and the next append takes its nonce", async () => {
    const { io, calls, faults } = faultyFs();
    const { queue } = await open(io, true);
    await append(queue, 0);
    const before = fs.readFileSync(file);
    let full = true;
    faults.datasync = () => (full ? errno("ENOSPC") : undefined);
    const error = await rejection(append(queue, 1));
    expect((error as NodeJS.ErrnoException).code).to.equal("ENOSPC");
    expect(calls.truncate).to.equal(1);
    expect(fs.readFileSync(file).equals(before)).to.equal(true);
    expect(queue.nextNonce).to.equal(1);
    // Space again: the queue goes on, one sequence without a gap.
    full = false;
    expect((await append(queue, 2)).nonce).to.equal(1);
    await queue.close();
    const { queue: again, report } = await open();
    expect(report.torn).to.equal(undefined);
    expect(again.entries().map((e) => [e.nonce, e.kind])).to.deep.equal([
      [0, "readings-0"],
      [1, "readings-2"],
    ]);
  });

  it("cuts back a write that failed part-way through its line", async () => {
    const { io, faults } = faultyFs();
    const { queue } = await open(io, true);
    await append(queue, 0);
    const before = fs.readFileSync(file);
    let failures = 1;
    faults.write = () => (failures-- > 0 ? errno("ENOSPC") : undefined);
    expect(((await rejection(append(queue, 1))) as NodeJS.ErrnoException).code).to.equal("ENOSPC");
    expect(fs.readFileSync(file).equals(before)).to.equal(true);
    expect((await append(queue, 2)).nonce).to.equal(1);
  });

  it("stops taking lines when the cut back fails too, and a reopen drops the partial line", async () => {
    const { io, faults } = faultyFs();
    const { queue } = await open(io, true);
    const first = await append(queue, 0);
    faults.write = () => errno("EIO");
    faults.truncate = () => errno("EIO");
    const error = await rejection(append(queue, 1));
    expect(error).to.be.instanceOf(QueueWriteError);
    expect(error.message).to.equal(
      `transaction queue ${file}: an append failed (EIO) and could not be cut back; reopen the queue`,
    );
    // The disk is fine again, but the file ends in part of a line: nothing may be glued to it.
    faults.write = undefined;
    faults.truncate = undefined;
    expect(await rejection(append(queue, 2))).to.equal(error);
    await queue.close();
    const { queue: again, report } = await open();
    expect(report.torn).to.deep.equal({ line: 3, bytes: 3 });
    expect(again.entries().map((e) => [e.nonce, e.signatures[0].hash])).to.deep.equal([[0, first.signatures[0].hash]]);
    expect((await append(again, 3)).nonce).to.equal(1);
  });

  it("drops a zero-filled tail (what a crash can leave after the last newline) and appends after it", async () => {
    const { queue } = await open(undefined, true);
    const first = await append(queue, 0);
    await queue.close();
    const whole = fs.readFileSync(file);
    fs.appendFileSync(file, Buffer.alloc(4096));
    const { queue: again, report } = await open();
    expect(report.torn).to.deep.equal({ line: 3, bytes: 4096 });
    expect(fs.readFileSync(file).equals(whole)).to.equal(true);
    expect(again.entries().map((e) => e.signatures[0].hash)).to.deep.equal([first.signatures[0].hash]);
    expect((await append(again, 1)).nonce).to.equal(1);
  });
});
