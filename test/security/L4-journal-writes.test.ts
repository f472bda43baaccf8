// L4 (journal part): new-block subscription events went out before their block was journaled,
// and the journal's writes and reads had to be shown exact under faults: a torn, zero-filled
// tail; a disk that fills up (ENOSPC from fdatasync); a chain killed in the middle of a burst.
import { expect } from "chai";
import fs from "node:fs";
import path from "node:path";
import { Wallet } from "ethers";
import { deviceWallet } from "../../src/chains/accounts";
import { JournalWriteError } from "../../src/chains/errors";
import { JOURNAL_FILE, JournalWriter, readJournal, type JournalFs } from "../../src/chains/journal";
import { JournaledProvider, openPersistentProvider } from "../../src/chains/journaled-provider";
import { rpcCall } from "../../src/chains/rpc";
import { chainProvider, killChainProcessesUnder, tempDir, waitGone, writeTestGenesis } from "../src/chains/helpers";
import { rejection } from "../helpers/rejection";
import { chainBlocks, sendBurst, signBurst, startChain, writeBurstGenesis } from "./chain-fixture";
import { SlowWriteChain } from "./fake-chain";

const DEVICES = ["d1", "d2", "d3"];

async function transfer(
  provider: { request(args: { method: string; params?: unknown[] }): Promise<unknown> },
  wallet: Wallet,
  nonce: number,
): Promise<string> {
  const signed = await wallet.signTransaction({
    chainId: 31001n,
    nonce,
    to: wallet.address,
    value: 1n,
    gasLimit: 21_000n,
    maxFeePerGas: 5_000_000_000n,
    maxPriorityFeePerGas: 1_000_000_000n,
    type: 2,
  });
  return (await provider.request({ method: "eth_sendRawTransaction", params: [signed] })) as string;
}

describe("security L4: journal writes, reads and subscriptions under faults", function () {
  this.timeout(300_000);
  let work: string;
  let chainDir: string;
  let file: string;
  const opened: { close(): void }[] = [];
  const d1 = () => new Wallet(deviceWallet("d1", DEVICES).privateKey);

  beforeEach(() => {
    work = tempDir("l4");
    chainDir = path.join(work, "community-1");
    file = path.join(chainDir, JOURNAL_FILE);
    writeTestGenesis(chainDir, { devices: DEVICES });
  });
  afterEach(async () => {
    for (const provider of opened.splice(0)) provider.close();
    await killChainProcessesUnder(work);
    fs.rmSync(work, { recursive: true, force: true });
  });

  describe("subscriptions", () => {
    it("delivers a new-block event only once its block is journaled (a write that answers late)", async () => {
      const inner = new SlowWriteChain();
      const { writer } = JournalWriter.open(file);
      writer.append([
        { kind: "genesis", version: 1, chainId: 31001, hash: inner.block(0).hash, timestamp: 1_800_000_000 },
      ]);
      const chain = new JournaledProvider(inner, writer, "fake", 0);
      opened.push(chain);
      inner.onMined = (number) => {
        inner.emit("notification", { subscription: "0x1", result: inner.block(number) });
        inner.emit("message", { type: "eth_subscription", data: { subscription: "0x1", result: inner.block(number) } });
      };
      const seen: { event: string; number: string; journaled: number }[] = [];
      for (const event of ["notification", "message"]) {
        chain.on(event, (payload: { result?: { number: string }; data?: { result: { number: string } } }) => {
          seen.push({
            event,
            number: (payload.result ?? payload.data?.result)!.number,
            journaled: readJournal(file).blocks.length,
          });
        });
      }
      const write = chain.request({ method: "evm_mine", params: [] });
      while (inner.waiting === 0) await new Promise((resolve) => setImmediate(resolve));
      // Mined, not yet journaled: nothing delivered.
      expect(seen).to.deep.equal([]);
      inner.release();
      await write;
      expect(seen).to.deep.equal([
        { event: "notification", number: "0x1", journaled: 1 },
        { event: "message", number: "0x1", journaled: 1 },
      ]);
    });

    it("delivers eth_subscribe newHeads of a real chain after the block is on disk", async () => {
      const chain = await openPersistentProvider(await chainProvider(chainDir), { chainDir });
      opened.push(chain);
      const seen: { hash: string; onDisk: boolean }[] = [];
      chain.on("message", (message: { type: string; data: { result: { hash: string } } }) => {
        if (message.type !== "eth_subscription") return;
        const hash = message.data.result.hash;
        seen.push({ hash, onDisk: readJournal(file).blocks.some((block) => block.hash === hash) });
      });
      await chain.request({ method: "eth_subscribe", params: ["newHeads"] });
      await transfer(chain, d1(), 0);
      await transfer(chain, d1(), 1);
      const hashes = readJournal(file).blocks.map((block) => block.hash);
      expect(seen).to.deep.equal(hashes.map((hash) => ({ hash, onDisk: true })));
    });
  });

  describe("torn tail", () => {
    it("drops a zero-filled tail after the last newline and restarts with every acknowledged block", async () => {
      const chain = await openPersistentProvider(await chainProvider(chainDir), { chainDir });
      const acknowledged = [await transfer(chain, d1(), 0), await transfer(chain, d1(), 1)];
      chain.close();
      const whole = fs.readFileSync(file);
      // What a crash can leave: the file's size was extended, its data never written.
      fs.appendFileSync(file, Buffer.alloc(4096));
      expect(readJournal(file).torn).to.deep.equal({ line: 4, bytes: 4096 });

      const lines: string[] = [];
      const reopened = await openPersistentProvider(await chainProvider(chainDir), {
        chainDir,
        log: (line) => lines.push(line),
      });
      opened.push(reopened);
      expect(lines[0]).to.contain("dropped a torn last line (line 4, 4096 bytes)");
      expect(fs.readFileSync(file)).to.deep.equal(whole);
      for (const hash of acknowledged)
        expect(await reopened.request({ method: "eth_getTransactionReceipt", params: [hash] })).to.not.equal(null);
      await transfer(reopened, d1(), 2);
      expect(readJournal(file).blocks.map((block) => block.number)).to.deep.equal([1, 2, 3]);
    });
  });

  describe("ENOSPC", () => {
    it("fails the request whose block could not be flushed, acknowledges nothing that is not on disk, and refuses further requests", async () => {
      let full = false;
      const enospc: JournalFs = {
        writeSync: (fd, buffer, offset) => fs.writeSync(fd, buffer, offset),
        fdatasyncSync: (fd) => {
          if (full)
            throw Object.assign(new Error("ENOSPC: no space left on device, fdatasync"), {
              code: "ENOSPC",
              errno: -28,
              syscall: "fdatasync",
            });
          fs.fdatasyncSync(fd);
        },
        ftruncateSync: (fd, length) => fs.ftruncateSync(fd, length),
      };
      const chain = await openPersistentProvider(await chainProvider(chainDir), { chainDir, journal: { fs: enospc } });
      opened.push(chain);
      const kept = await transfer(chain, d1(), 0);
      const before = fs.readFileSync(file);
      full = true;

      const error = (await rejection(transfer(chain, d1(), 1))) as JournalWriteError;
      expect(error).to.be.instanceOf(JournalWriteError);
      expect(error.message).to.equal(
        `${file}: appending a block failed (ENOSPC): nothing of this request was acknowledged; ` +
          "the chain refuses further requests until it is restarted (chains:down, free the disk, chains:up)",
      );
      // The unflushed line was cut back off: the journal is what it was before the request.
      expect(fs.readFileSync(file)).to.deep.equal(before);
      expect(chain.journaledHeight).to.equal(1);
      // The chain in memory is ahead of its journal: it answers nothing more, reads included.
      expect(await rejection(chain.request({ method: "eth_blockNumber" }))).to.equal(error);
      expect(await rejection(transfer(chain, d1(), 2))).to.equal(error);

      // A restart (the disk freed) replays the journal: the acknowledged transfer is there, the
      // failed one is not, and its nonce is free again.
      chain.close();
      opened.splice(0);
      const restarted = await openPersistentProvider(await chainProvider(chainDir), { chainDir });
      opened.push(restarted);
      expect(await restarted.request({ method: "eth_blockNumber" })).to.equal("0x1");
      expect(await restarted.request({ method: "eth_getTransactionReceipt", params: [kept] })).to.not.equal(null);
      expect(await restarted.request({ method: "eth_getTransactionCount", params: [d1().address, "latest"] })).to.equal(
        "0x1",
      );
      await transfer(restarted, d1(), 1);
      expect(readJournal(file).blocks).to.have.length(2);
    });
  });

  describe("kill -9 mid-load", () => {
    it("keeps every transaction the chain acknowledged before it was killed in the middle of a burst, none twice", async () => {
      const burstDir = path.join(work, "community-2");
      writeBurstGenesis(burstDir);
      const chain = await startChain(burstDir);
      let killed = false;
      const acknowledged = await sendBurst(chain.rpc, signBurst(100), (count) => {
        if (count >= 300 && !killed) {
          killed = true;
          process.kill(chain.pid, "SIGKILL");
        }
      });
      expect(killed).to.equal(true);
      await waitGone(chain.pid);
      expect(acknowledged.length).to.be.within(300, 999);

      const restarted = await startChain(burstDir, chain.port);
      const mined = (await chainBlocks(restarted.rpc)).flatMap((block) =>
        block.transactions.map((hash) => hash.toLowerCase()),
      );
      // Nothing twice, and everything acknowledged is there.
      expect(new Set(mined).size).to.equal(mined.length);
      const missing = acknowledged.filter((hash) => !mined.includes(hash));
      expect(missing).to.deep.equal([]);
      for (const hash of acknowledged.slice(-5))
        expect(await rpcCall(restarted.rpc, "eth_getTransactionReceipt", [hash])).to.not.equal(null);
    });
  });
});
