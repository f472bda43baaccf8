// M6 (chain part): one slow request stalled a community chain. Every RPC call, reads included,
// waited in the journaled provider's one queue, and hardhat_mine took any count.
import { expect } from "chai";
import fs from "node:fs";
import path from "node:path";
import { MineCapError } from "../../src/chains/errors";
import { JOURNAL_FILE, JournalWriter, readJournal } from "../../src/chains/journal";
import { JournaledProvider, MAX_MINE_BLOCKS, openPersistentProvider } from "../../src/chains/journaled-provider";
import { chainProvider, tempDir, writeTestGenesis } from "../src/chains/helpers";
import { SlowWriteChain } from "./fake-chain";

describe("security M6: a persistent chain caps hardhat_mine and answers reads while a write is in flight", function () {
  // On the code before the fix the in-flight read never answers: this timeout is its failure.
  this.timeout(30_000);
  let chainDir: string;
  const opened: { close(): void }[] = [];

  beforeEach(() => {
    chainDir = tempDir("m6");
    writeTestGenesis(chainDir);
  });
  afterEach(() => {
    for (const provider of opened.splice(0)) provider.close();
    fs.rmSync(chainDir, { recursive: true, force: true });
  });

  it("refuses hardhat_mine over the cap with an error naming the count and the cap, and mines up to it", async () => {
    const chain = await openPersistentProvider(await chainProvider(chainDir), { chainDir });
    opened.push(chain);
    const error = await chain.request({ method: "hardhat_mine", params: ["0x3e9"] }).then(
      () => expect.fail("hardhat_mine of 1,001 blocks was accepted"),
      (e: MineCapError) => e,
    );
    expect(error).to.be.instanceOf(MineCapError);
    expect(error.code).to.equal(-32602);
    expect(error.message).to.equal(
      `hardhat_mine of 1001 blocks is refused on persistent chain ${path.basename(chainDir)}: at most 1000 blocks per call (MAX_MINE_BLOCKS); mine in several calls`,
    );
    const huge = await chain.request({ method: "hardhat_mine", params: [`0x${(2n ** 64n).toString(16)}`, "0x0"] }).then(
      () => expect.fail("hardhat_mine of 2^64 blocks was accepted"),
      (e: Error) => e,
    );
    expect(huge).to.be.instanceOf(MineCapError);
    expect(await chain.request({ method: "eth_blockNumber" })).to.equal("0x0");

    expect(MAX_MINE_BLOCKS).to.equal(1000);
    await chain.request({ method: "hardhat_mine", params: ["0x3e8", "0x0"] });
    expect(await chain.request({ method: "eth_blockNumber" })).to.equal("0x3e8");
    // Default interval: one second apart.
    await chain.request({ method: "hardhat_mine", params: ["0x20"] });
    const journal = readJournal(path.join(chainDir, JOURNAL_FILE));
    expect(journal.blocks).to.have.length(1032);
    const stamps = journal.blocks.slice(1000).map((b) => b.timestamp);
    expect(stamps.every((t, i) => i === 0 || t === stamps[i - 1] + 1)).to.equal(true);
    // Mined one by one, they are ordinary blocks: linked (EDR's reserved blocks carry a zero
    // parent hash) and replayed like any other.
    expect(journal.blocks.every((b, i) => i === 0 || b.parentHash === journal.blocks[i - 1].hash)).to.equal(true);
    chain.close();
    opened.splice(0);
    const replayed = await openPersistentProvider(await chainProvider(chainDir), { chainDir });
    opened.push(replayed);
    const head = (await replayed.request({ method: "eth_getBlockByNumber", params: ["0x408", false] })) as {
      hash: string;
    };
    expect(head.hash).to.equal(journal.blocks[1031].hash);
  });

  it("answers a read issued while a slow write is in flight before the write finishes, pinned to the journaled height", async () => {
    const inner = new SlowWriteChain();
    const { writer } = JournalWriter.open(path.join(chainDir, JOURNAL_FILE));
    writer.append([
      { kind: "genesis", version: 1, chainId: 31001, hash: inner.block(0).hash, timestamp: 1_800_000_000 },
    ]);
    const chain = new JournaledProvider(inner, writer, "fake", 0);
    opened.push(chain);
    let writeDone = false;
    const write = chain.request({ method: "evm_mine", params: [] }).then(() => (writeDone = true));
    // The write has reached the chain and mined block 1, which is not on disk yet.
    while (inner.waiting === 0) await new Promise((resolve) => setImmediate(resolve));
    expect(inner.height).to.equal(1);

    const latest = (await chain.request({ method: "eth_getBlockByNumber", params: ["latest", false] })) as {
      number: string;
    };
    const called = await chain.request({
      method: "eth_call",
      params: [{ to: "0x0000000000000000000000000000000000000001", data: "0x" }, "latest"],
    });
    const number = await chain.request({ method: "eth_blockNumber" });
    // Answered while the write still waits: reads do not queue behind it...
    expect(writeDone).to.equal(false);
    expect(called).to.equal("0x");
    // ...and see only what is journaled: block 0, not the block the write mined.
    expect(latest.number).to.equal("0x0");
    expect(number).to.equal("0x0");
    expect(inner.callTags).to.deep.equal(["0x0"]);
    expect(chain.journaledHeight).to.equal(0);

    inner.release();
    await write;
    expect(chain.journaledHeight).to.equal(1);
    expect(
      ((await chain.request({ method: "eth_getBlockByNumber", params: ["latest", false] })) as { number: string })
        .number,
    ).to.equal("0x1");
    expect(readJournal(path.join(chainDir, JOURNAL_FILE)).blocks.map((b) => b.number)).to.deep.equal([1]);
  });

  it("keeps pinned reads working on a real chain: eth_call, eth_estimateGas and balances at the journaled height", async () => {
    const chain = await openPersistentProvider(await chainProvider(chainDir), { chainDir });
    opened.push(chain);
    await chain.request({ method: "evm_mine", params: [] });
    const [account] = (await chain.request({ method: "eth_accounts" })) as string[];
    expect(
      Number(
        await chain.request({ method: "eth_estimateGas", params: [{ from: account, to: account, value: "0x1" }] }),
      ),
    ).to.be.within(21_000, 22_000);
    expect(await chain.request({ method: "eth_call", params: [{ from: account, to: account }] })).to.equal("0x");
    expect(await chain.request({ method: "eth_getTransactionCount", params: [account] })).to.equal("0x0");
    expect(await chain.request({ method: "eth_getBlockByNumber", params: ["0x2", false] })).to.equal(null);
  });
});
