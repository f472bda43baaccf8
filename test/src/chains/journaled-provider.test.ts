import { expect } from "chai";
import fs from "node:fs";
import path from "node:path";
import { getCreateAddress, Wallet } from "ethers";
import type { EthereumProvider } from "hardhat/types";
import { deviceWallet, systemWallet } from "../../../src/chains/accounts";
import { JournalError, RefusedMethodError, ReplayMismatchError } from "../../../src/chains/errors";
import { JOURNAL_FILE, readJournal } from "../../../src/chains/journal";
import {
  openPersistentProvider,
  REFUSED_METHODS,
  type JournaledProvider,
} from "../../../src/chains/journaled-provider";
import { chainProvider, COUNTER_INIT_CODE, REVERTER_INIT_CODE, tempDir, writeTestGenesis } from "./helpers";

const DEVICES = ["d1", "d2", "d3"];

type Block = { hash: string; number: string; timestamp: string; transactions: string[] };

async function blocks(provider: EthereumProvider): Promise<Block[]> {
  const head = Number(await provider.request({ method: "eth_blockNumber" }));
  const list: Block[] = [];
  for (let n = 0; n <= head; n++)
    list.push(
      (await provider.request({ method: "eth_getBlockByNumber", params: [`0x${n.toString(16)}`, false] })) as Block,
    );
  return list;
}

async function sendRaw(
  provider: EthereumProvider,
  wallet: Wallet,
  tx: { to?: string; data?: string; value?: bigint; type?: number; gasLimit?: bigint },
): Promise<string> {
  const nonce = Number(
    await provider.request({ method: "eth_getTransactionCount", params: [wallet.address, "pending"] }),
  );
  const signed = await wallet.signTransaction({
    chainId: 31001n,
    nonce,
    gasLimit: tx.gasLimit ?? 200_000n,
    to: tx.to,
    data: tx.data,
    value: tx.value ?? 0n,
    type: tx.type ?? 2,
    ...(tx.type === 0 || tx.type === 1
      ? { gasPrice: 5_000_000_000n }
      : { maxFeePerGas: 5_000_000_000n, maxPriorityFeePerGas: 1_000_000_000n }),
  });
  return (await provider.request({ method: "eth_sendRawTransaction", params: [signed] })) as string;
}

describe("src/chains/journaled-provider", function () {
  let chainDir: string;
  let opened: JournaledProvider[];

  async function open(): Promise<JournaledProvider> {
    const provider = await openPersistentProvider(await chainProvider(chainDir), { chainDir });
    opened.push(provider);
    return provider;
  }

  beforeEach(() => {
    chainDir = tempDir("journal");
    writeTestGenesis(chainDir, { devices: DEVICES });
    opened = [];
  });
  afterEach(() => {
    for (const provider of opened) provider.close();
    fs.rmSync(chainDir, { recursive: true, force: true });
  });

  it("journals every mined block and a fresh chain replays it to the same hashes, balances and storage", async () => {
    const chain = await open();
    const d1 = new Wallet(deviceWallet("d1", DEVICES).privateKey);
    const deployer = systemWallet("deployer");
    const [account] = (await chain.request({ method: "eth_accounts" })) as string[];
    expect(account.toLowerCase()).to.equal(deployer.address.toLowerCase());

    await sendRaw(chain, d1, { to: deviceWallet("d2", DEVICES).address, value: 12_345n });
    await sendRaw(chain, d1, { to: deviceWallet("d3", DEVICES).address, value: 7n, type: 0 });
    await sendRaw(chain, d1, { data: COUNTER_INIT_CODE, type: 1 });
    const counter = getCreateAddress({ from: d1.address, nonce: 2 });
    await sendRaw(chain, d1, { to: counter });
    // The chain signs for no one (eth_sendTransaction is refused): the deployer signs locally too.
    const deployerKey = new Wallet(deployer.privateKey);
    await sendRaw(chain, deployerKey, { to: counter });
    await sendRaw(chain, deployerKey, { data: REVERTER_INIT_CODE });
    const reverter = getCreateAddress({ from: deployer.address, nonce: 1 });
    await chain.request({ method: "hardhat_mine", params: ["0x3", "0x0"] });
    // A reverted transaction is an error to the caller but still a mined block.
    const reverted = await sendRaw(chain, d1, { to: reverter, gasLimit: 50_000n }).then(
      () => expect.fail("the call to the reverter succeeded"),
      (error: Error) => error,
    );
    expect(reverted.message).to.contain("reverted");
    await chain.request({ method: "evm_increaseTime", params: [3600] });
    await chain.request({ method: "hardhat_setPrevRandao", params: [`0x${"ab".repeat(32)}`] });
    await chain.request({ method: "hardhat_setCoinbase", params: [deployer.address] });
    await chain.request({ method: "evm_mine", params: [] });

    const original = await blocks(chain);
    expect(original).to.have.length(12);
    const journal = readJournal(path.join(chainDir, JOURNAL_FILE));
    expect(journal.genesis?.hash).to.equal(original[0].hash);
    expect(journal.blocks.map((b) => b.hash)).to.deep.equal(original.slice(1).map((b) => b.hash));
    expect(journal.blocks.map((b) => b.transactions.length)).to.deep.equal([1, 1, 1, 1, 1, 1, 0, 0, 0, 1, 0]);
    // Timestamps never go back, and blocks may share one (hardhat_mine with interval 0 does).
    const stamps = original.map((b) => Number(b.timestamp));
    expect(stamps.every((t, i) => i === 0 || t >= stamps[i - 1])).to.equal(true);
    expect(stamps[8]).to.equal(stamps[7]);
    chain.close();
    opened = [];

    const replayed = await open();
    expect(await blocks(replayed)).to.deep.equal(original);
    expect(
      await replayed.request({ method: "eth_getBalance", params: [deviceWallet("d2", DEVICES).address, "latest"] }),
    ).to.equal(`0x${(10_000n * 10n ** 18n + 12_345n).toString(16)}`);
    expect(await replayed.request({ method: "eth_getStorageAt", params: [counter, "0x0", "latest"] })).to.equal(
      `0x${"0".repeat(63)}2`,
    );
    // The replayed chain goes on from there and keeps journaling.
    await sendRaw(replayed, d1, { to: counter });
    expect(readJournal(path.join(chainDir, JOURNAL_FILE)).blocks).to.have.length(12);
    expect(await replayed.request({ method: "eth_getStorageAt", params: [counter, "0x0", "latest"] })).to.equal(
      `0x${"0".repeat(63)}3`,
    );
  });

  it("drops a torn last line, which was never acknowledged, and appends cleanly after it", async () => {
    const chain = await open();
    const d1 = new Wallet(deviceWallet("d1", DEVICES).privateKey);
    await sendRaw(chain, d1, { to: d1.address, value: 1n });
    await sendRaw(chain, d1, { to: d1.address, value: 2n });
    const kept = await blocks(chain);
    chain.close();
    opened = [];
    const file = path.join(chainDir, JOURNAL_FILE);
    const whole = fs.readFileSync(file);
    fs.appendFileSync(file, '{"kind":"block","number":3,"hash":"0x12');
    expect(readJournal(file).torn).to.deep.equal({ line: 4, bytes: 39 });

    const lines: string[] = [];
    const reopened = await openPersistentProvider(await chainProvider(chainDir), {
      chainDir,
      log: (line) => lines.push(line),
    });
    opened.push(reopened);
    expect(lines[0]).to.match(/dropped a torn last line \(line 4, 39 bytes\)/);
    expect(fs.readFileSync(file)).to.deep.equal(whole);
    expect(await blocks(reopened)).to.deep.equal(kept);
    await sendRaw(reopened, d1, { to: d1.address, value: 3n });
    const journal = readJournal(file);
    expect(journal.torn).to.equal(undefined);
    expect(journal.blocks.map((b) => b.number)).to.deep.equal([1, 2, 3]);
  });

  it("refuses the methods a journal cannot replay with a clear JSON-RPC error", async () => {
    const chain = await open();
    for (const method of ["evm_snapshot", "hardhat_setBalance", "hardhat_impersonateAccount", "evm_setAutomine"]) {
      expect(REFUSED_METHODS.has(method)).to.equal(true);
      const error = await chain.request({ method, params: [] }).then(
        () => expect.fail(`${method} was accepted`),
        (e: RefusedMethodError) => e,
      );
      expect(error).to.be.instanceOf(RefusedMethodError);
      expect(error.code).to.equal(-32004);
      expect(error.message).to.equal(
        `${method} is refused on persistent chain ${path.basename(chainDir)}: its effect cannot be replayed from the block journal ` +
          "(snapshots, impersonation, direct state edits and manual mining modes are off on commchain chains)",
      );
    }
    expect(await chain.request({ method: "eth_blockNumber" })).to.equal("0x0");
  });

  it("stops with the block number when a replayed block differs from the journal", async () => {
    const chain = await open();
    const d1 = new Wallet(deviceWallet("d1", DEVICES).privateKey);
    await sendRaw(chain, d1, { to: d1.address, value: 1n });
    await sendRaw(chain, d1, { to: d1.address, value: 2n });
    chain.close();
    opened = [];
    const file = path.join(chainDir, JOURNAL_FILE);
    const lines = fs.readFileSync(file, "utf8").split("\n");
    const second = JSON.parse(lines[2]);
    second.timestamp += 1;
    lines[2] = JSON.stringify(second);
    fs.writeFileSync(file, lines.join("\n"));
    const failure = await openPersistentProvider(await chainProvider(chainDir), { chainDir }).then(
      () => expect.fail("replay accepted a changed block"),
      (e: ReplayMismatchError) => e,
    );
    expect(failure).to.be.instanceOf(ReplayMismatchError);
    expect(failure.blockNumber).to.equal(2);
    expect(failure.expected).to.equal(second.hash);
    expect(failure.message).to.contain(`${file}: replaying block 2 gave hash`);
  });

  it("refuses a journal written for another genesis", async () => {
    (await open()).close();
    opened = [];
    writeTestGenesis(chainDir, { devices: DEVICES, timestamp: 1_735_689_601 });
    const failure = await openPersistentProvider(await chainProvider(chainDir), { chainDir }).then(
      () => expect.fail("a journal of another genesis was accepted"),
      (e: ReplayMismatchError) => e,
    );
    expect(failure).to.be.instanceOf(ReplayMismatchError);
    expect(failure.blockNumber).to.equal(0);
  });

  it("reports a corrupt line that is not the last as corruption, naming the line", async () => {
    const chain = await open();
    const d1 = new Wallet(deviceWallet("d1", DEVICES).privateKey);
    await sendRaw(chain, d1, { to: d1.address, value: 1n });
    await sendRaw(chain, d1, { to: d1.address, value: 2n });
    chain.close();
    opened = [];
    const file = path.join(chainDir, JOURNAL_FILE);
    const lines = fs.readFileSync(file, "utf8").split("\n");
    lines[1] = lines[1].slice(0, 20);
    fs.writeFileSync(file, lines.join("\n"));
    expect(() => readJournal(file)).to.throw(JournalError, `${file}:2: is not a JSON record`);
  });
});
