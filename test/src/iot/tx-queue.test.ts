// The transaction queue against the in-process Hardhat network: in-order exactly-once delivery,
// outages, a lost answer followed by a crash, reverts, stalls, fee re-signing and conflicts.
import { expect } from "chai";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { ethers, network } from "hardhat";
import { Wallet, type TransactionReceipt } from "ethers";
import { maintenanceServiceInterface } from "../../../src/iot/abi";
import { QueueConflictError, QueueStalledError } from "../../../src/iot/errors";
import { entryHashes } from "../../../src/iot/queue-file";
import { TransactionQueue, type SettledEntry, type TransactionQueueOptions } from "../../../src/iot/tx-queue";
import { expectRejects, fundedWallet, nextEvent, SwitchableTransport, tempDir } from "./helpers";

const RECIPIENT = "0x00000000000000000000000000000000000000bb";
const FAST_RETRY = { initialMs: 10, maxMs: 40 };

/** A plain value transfer of `wei` to {@link RECIPIENT}. */
const transfer = (wei: bigint) => ({
  kind: "transfer",
  to: RECIPIENT,
  data: "0x",
  value: wei,
  gasLimit: 21_000n,
  meta: { wei: wei.toString() },
});

async function chainNonce(address: string): Promise<number> {
  return ethers.provider.getTransactionCount(address, "latest");
}

/** The receipts of every transaction `address` sent (nonces 0..n-1), by looking each hash up. */
async function minedHashes(hashes: string[]): Promise<(TransactionReceipt | null)[]> {
  return Promise.all(hashes.map((h) => ethers.provider.getTransactionReceipt(h)));
}

describe("iot/tx-queue", function () {
  this.timeout(60_000);
  let dir: string;
  let dispose: () => Promise<void>;
  let file: string;
  const queues: TransactionQueue[] = [];

  async function openQueue(
    wallet: Wallet,
    transport: SwitchableTransport,
    options: Partial<TransactionQueueOptions> = {},
  ) {
    const queue = await TransactionQueue.open({
      file,
      signer: wallet,
      transport,
      retry: FAST_RETRY,
      pollIntervalMs: 5,
      ...options,
    });
    queues.push(queue);
    return queue;
  }

  function collectSettled(queue: TransactionQueue): SettledEntry[] {
    const settled: SettledEntry[] = [];
    queue.on("settled", (s) => settled.push(s));
    return settled;
  }

  beforeEach(async () => {
    ({ dir, dispose } = await tempDir("iot-txq"));
    file = path.join(dir, "queue.ndjson");
  });

  afterEach(async () => {
    for (const queue of queues.splice(0)) await queue.close();
    await dispose();
  });

  it("takes its chain id and first nonce from the chain, and sends every entry once, in nonce order", async () => {
    const wallet = await fundedWallet();
    const transport = new SwitchableTransport();
    // The account already sent one transaction before the unit took over.
    await (await wallet.connect(ethers.provider).sendTransaction({ to: RECIPIENT, value: 1n })).wait();
    const queue = await openQueue(wallet, transport);
    expect(queue.chainId).to.equal(31337);
    expect(queue.nextNonce).to.equal(1);
    const settled = collectSettled(queue);
    const entries = [];
    for (let i = 1; i <= 5; i++) entries.push(await queue.enqueue(transfer(BigInt(i))));
    expect(entries.map((e) => e.nonce)).to.deep.equal([1, 2, 3, 4, 5]);
    queue.start();
    await queue.idle();

    expect(settled.map((s) => [s.entry.nonce, s.status, s.entry.meta.wei])).to.deep.equal(
      [1, 2, 3, 4, 5].map((i) => [i, "applied", String(i)]),
    );
    expect(transport.accepted).to.deep.equal(entries.map((e) => e.signatures[0].raw));
    expect(await chainNonce(wallet.address)).to.equal(6);
    const receipts = await minedHashes(entries.map((e) => e.signatures[0].hash));
    expect(receipts.map((r) => r?.status)).to.deep.equal([1, 1, 1, 1, 1]);
    expect(settled.map((s) => s.receipt.blockNumber)).to.deep.equal(receipts.map((r) => r?.blockNumber));
    const lines = (await readFile(file, "utf8"))
      .trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines.filter((l) => l.type === "done").map((l) => [l.nonce, l.status])).to.deep.equal(
      [1, 2, 3, 4, 5].map((n) => [n, "applied"]),
    );
  });

  it("keeps queueing while the chain is down, retries with backoff and sends everything in order when it is back", async () => {
    const wallet = await fundedWallet();
    const transport = new SwitchableTransport();
    const queue = await openQueue(wallet, transport);
    const settled = collectSettled(queue);
    const outages: number[] = [];
    queue.on(
      "outage",
      ({ attempt, retryInMs }) =>
        outages.push(attempt) && expect(retryInMs).to.be.within(FAST_RETRY.initialMs, FAST_RETRY.maxMs),
    );
    transport.down = true;
    queue.start();
    for (let i = 1; i <= 4; i++) await queue.enqueue(transfer(BigInt(i)));
    while (outages.length < 4) await nextEvent(queue, "outage");
    expect(outages.slice(0, 4)).to.deep.equal([1, 2, 3, 4]);
    expect(queue.pending().map((e) => e.nonce)).to.deep.equal([0, 1, 2, 3]);
    expect(transport.accepted).to.deep.equal([]);
    expect(await chainNonce(wallet.address)).to.equal(0);

    const recovered = nextEvent<[{ downForMs: number }]>(queue, "recovered");
    transport.down = false;
    await queue.idle();
    expect((await recovered)[0].downForMs).to.be.a("number");
    expect(settled.map((s) => s.entry.nonce)).to.deep.equal([0, 1, 2, 3]);
    expect(transport.accepted).to.have.length(4);
    expect(await chainNonce(wallet.address)).to.equal(4);
  });

  it("after a lost answer and a crash, the reopened queue finds the receipt instead of sending again", async () => {
    const wallet = await fundedWallet();
    const transport = new SwitchableTransport();
    const first = await openQueue(wallet, transport);
    const entry = await first.enqueue(transfer(7n));
    transport.failAfterSend = true;
    first.start();
    await nextEvent(first, "outage");
    // The chain mined it, the unit never heard: the entry is still pending on disk. The unit dies.
    expect(first.pending().map((e) => e.nonce)).to.deep.equal([0]);
    await first.close();

    transport.failAfterSend = false;
    transport.down = false;
    const second = await openQueue(wallet, transport);
    const settled = collectSettled(second);
    second.start();
    await second.idle();
    expect(transport.accepted).to.deep.equal([entry.signatures[0].raw]);
    expect(settled.map((s) => [s.entry.nonce, s.status, s.receipt.transactionHash])).to.deep.equal([
      [0, "applied", entry.signatures[0].hash],
    ]);
    expect(await chainNonce(wallet.address)).to.equal(1);
  });

  it("a resend of bytes the chain already has is answered and settled once", async () => {
    const wallet = await fundedWallet();
    const transport = new SwitchableTransport();
    const queue = await openQueue(wallet, transport);
    const entry = await queue.enqueue(transfer(3n));
    // Someone (a previous run of the unit) already broadcast these exact bytes.
    await network.provider.request({ method: "eth_sendRawTransaction", params: [entry.signatures[0].raw] });
    const settled = collectSettled(queue);
    queue.start();
    await queue.idle();
    expect(settled.map((s) => [s.entry.nonce, s.status])).to.deep.equal([[0, "applied"]]);
    expect(transport.accepted).to.deep.equal([]);
  });

  it("settles a mined revert with its custom error, writes the reason, and goes on with later entries", async () => {
    const wallet = await fundedWallet();
    const [admin] = await ethers.getSigners();
    const token = await ethers.deployContract("DataToken", [admin.address]);
    const service = await ethers.deployContract("MaintenanceService", [await token.getAddress(), admin.address]);
    const machine = Wallet.createRandom().address;
    const queue = await openQueue(wallet, new SwitchableTransport());
    const settled = collectSettled(queue);
    await queue.enqueue(transfer(1n));
    await queue.enqueue({
      kind: "readings",
      to: await service.getAddress(),
      data: maintenanceServiceInterface.encodeFunctionData("reportReadings", [machine, [1], [2]]),
      gasLimit: 200_000n,
    });
    await queue.enqueue(transfer(2n));
    queue.start();
    await queue.idle();
    expect(settled.map((s) => [s.entry.nonce, s.entry.kind, s.status])).to.deep.equal([
      [0, "transfer", "applied"],
      [1, "readings", "reverted"],
      [2, "transfer", "applied"],
    ]);
    expect(settled[1].reason).to.equal(`MaintenanceServiceUnknownMachine(${machine})`);
    expect(settled[1].receipt.status).to.equal(0);
    const done = (await readFile(file, "utf8"))
      .trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l))
      .filter((l) => l.type === "done");
    expect(done[1]).to.include({
      nonce: 1,
      status: "reverted",
      reason: `MaintenanceServiceUnknownMachine(${machine})`,
    });
    expect(await chainNonce(wallet.address)).to.equal(3);
  });

  it("stalls when the chain refuses an entry without mining it, and resumes once the cause is fixed", async () => {
    const wallet = new Wallet(Wallet.createRandom().privateKey);
    const queue = await openQueue(wallet, new SwitchableTransport());
    const entry = await queue.enqueue(transfer(1n));
    await queue.enqueue(transfer(2n));
    const stalled = nextEvent<[Error]>(queue, "stalled");
    queue.start();
    const [error] = await stalled;
    expect(error).to.be.instanceOf(QueueStalledError);
    const stall = error as QueueStalledError;
    expect([stall.nonce, stall.hash, stall.kind]).to.deep.equal([0, entry.signatures[0].hash, "transfer"]);
    expect(stall.message).to.match(/enough funds/i);
    await expectRejects(queue.idle(), QueueStalledError);
    expect(queue.pending()).to.have.length(2);

    const [funder] = await ethers.getSigners();
    await (await funder.sendTransaction({ to: wallet.address, value: ethers.parseEther("1") })).wait();
    queue.resume();
    await queue.idle();
    expect(queue.stalled).to.equal(undefined);
    expect(await chainNonce(wallet.address)).to.equal(2);
  });

  it("signs the nonce again with higher fees when its fee cap fell below the base fee, and settles it once", async () => {
    const wallet = await fundedWallet();
    const transport = new SwitchableTransport();
    const queue = await openQueue(wallet, transport, {
      fees: { maxFeePerGas: 2_000_000_000n, maxPriorityFeePerGas: 1_000_000_000n },
    });
    const entry = await queue.enqueue(transfer(5n));
    const resigned: bigint[] = [];
    queue.on("resigned", (_e, fees) => resigned.push(fees.maxFeePerGas));
    const fiftyGwei = 50_000_000_000n;
    await network.provider.request({
      method: "hardhat_setNextBlockBaseFeePerGas",
      params: [ethers.toQuantity(fiftyGwei)],
    });
    const settled = collectSettled(queue);
    queue.start();
    await queue.idle();
    expect(resigned).to.have.length(1);
    expect(resigned[0] > fiftyGwei).to.equal(true);
    const hashes = entryHashes(queue.entries()[0] ?? entry);
    expect(settled.map((s) => [s.entry.nonce, s.status])).to.deep.equal([[0, "applied"]]);
    expect(settled[0].receipt.transactionHash).to.equal(settled[0].entry.signatures[1].hash);
    expect(hashes).to.have.length(2);
    const lines = (await readFile(file, "utf8"))
      .trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => l.type)).to.deep.equal(["queue", "tx", "resign", "done"]);
    expect(await ethers.provider.getTransactionReceipt(entry.signatures[0].hash)).to.equal(null);
    expect(await chainNonce(wallet.address)).to.equal(1);
  });

  it("stops with a conflict when another sender used the entry's nonce", async () => {
    const wallet = await fundedWallet();
    const queue = await openQueue(wallet, new SwitchableTransport(), { nonceUsedGraceMs: 50 });
    await queue.enqueue(transfer(1n));
    await (await wallet.connect(ethers.provider).sendTransaction({ to: RECIPIENT, value: 99n, nonce: 0 })).wait();
    const stalled = nextEvent<[Error]>(queue, "stalled");
    queue.start();
    const [error] = await stalled;
    expect(error).to.be.instanceOf(QueueConflictError);
    expect(error.message).to.contain(
      `nonce 0 of ${wallet.address} was used by a transaction that is none of this entry's`,
    );
  });

  it("stops with a conflict when the chain lost transactions the queue saw mined", async () => {
    const wallet = await fundedWallet();
    const snapshot = await network.provider.request({ method: "evm_snapshot" });
    const queue = await openQueue(wallet, new SwitchableTransport());
    queue.start();
    await queue.enqueue(transfer(1n));
    await queue.enqueue(transfer(2n));
    await queue.idle();
    await network.provider.request({ method: "evm_revert", params: [snapshot] });
    const stalled = nextEvent<[Error]>(queue, "stalled");
    await queue.enqueue(transfer(3n));
    const [error] = await stalled;
    expect(error).to.be.instanceOf(QueueConflictError);
    expect(error.message).to.contain(
      `the chain's next nonce for ${wallet.address} is 0, but the queue saw nonces up to 1 mined`,
    );
  });

  it("refuses a queue file of another account, or of another chain id", async () => {
    const wallet = await fundedWallet();
    const queue = await openQueue(wallet, new SwitchableTransport());
    await queue.close();
    const other = await fundedWallet();
    const error = await expectRejects(
      TransactionQueue.open({ file, signer: other, transport: new SwitchableTransport() }),
      QueueConflictError,
    );
    expect(error.message).to.contain(`belongs to account ${wallet.address}, not to ${other.address}`);
    const wrongChain = await expectRejects(
      TransactionQueue.open({ file, signer: wallet, transport: new SwitchableTransport(), chainId: 5 }),
      QueueConflictError,
    );
    expect(wrongChain.message).to.contain("was created for chain id 31337, not 5");
  });

  it("compacts the file every `compactEvery` settled entries, keeping what is pending", async () => {
    const wallet = await fundedWallet();
    const queue = await openQueue(wallet, new SwitchableTransport(), { compactEvery: 2 });
    queue.start();
    for (let i = 1; i <= 5; i++) await queue.enqueue(transfer(BigInt(i)));
    await queue.idle();
    const lines = (await readFile(file, "utf8"))
      .trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l));
    // Compacted after nonces 1 and 3; nonce 4 settled since and waits for the next compaction.
    expect(lines.map((l) => [l.type, l.nonce ?? l.baseNonce])).to.deep.equal([
      ["queue", 4],
      ["tx", 4],
      ["done", 4],
    ]);
    expect(queue.nextNonce).to.equal(5);
    expect(await chainNonce(wallet.address)).to.equal(5);
  });
});
