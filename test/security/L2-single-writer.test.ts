// L2: nothing stopped two chain processes (two chains:up calls) from appending to one
// journal.ndjson, or two unit processes to one queue.ndjson, which the next start then reports
// as corrupt. Both files now take `<file>.lock` (src/io/lock-file.ts) for the writer's lifetime.
import { expect } from "chai";
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { ChainStartError, JournalLockedError } from "../../src/chains/errors";
import { stopChainProcess } from "../../src/chains/chain-process";
import { JOURNAL_FILE, JournalWriter, readJournal } from "../../src/chains/journal";
import { openPersistentProvider } from "../../src/chains/journaled-provider";
import { chainProvider, killChainProcessesUnder, tempDir, waitGone, writeTestGenesis } from "../src/chains/helpers";
import { rejection } from "../helpers/rejection";
import { rpcCall } from "../../src/chains/rpc";
import { CHAIN_ID, startChain, writeBurstGenesis } from "./chain-fixture";
import { Wallet } from "ethers";
import { QueueFormatError, QueueLockedError } from "../../src/iot/errors";
import { QueueFile } from "../../src/iot/queue-file";
import { signEntry } from "../../src/iot/tx-queue";

/** Where a journal's lock lives (a literal, so this test reads the same against older code). */
const lockOf = (file: string) => `${file}.lock`;

describe("security L2: one writer per chain journal", function () {
  this.timeout(300_000);
  let work: string;

  beforeEach(() => {
    work = tempDir("l2");
  });
  afterEach(async () => {
    await killChainProcessesUnder(work);
    fs.rmSync(work, { recursive: true, force: true });
  });

  it("refuses a second writer of a journal with an error naming the lock file and the holding pid", async () => {
    const chainDir = path.join(work, "community-1");
    writeTestGenesis(chainDir);
    const file = path.join(chainDir, JOURNAL_FILE);
    const first = await openPersistentProvider(await chainProvider(chainDir), { chainDir });
    try {
      expect(fs.readFileSync(lockOf(file), "utf8")).to.equal(`${process.pid}\n`);
      const error = await rejection(openPersistentProvider(await chainProvider(chainDir), { chainDir }));
      expect(error).to.be.instanceOf(JournalLockedError);
      expect(error.message).to.equal(
        `${file} is locked by process ${process.pid} (${file}.lock): one process at a time runs a chain; ` +
          "stop that one first (chains:down), or remove the lock file if that pid is not a chain process",
      );
      expect(() => JournalWriter.open(file)).to.throw(JournalLockedError);
      // The refused writer appended nothing: the journal holds one genesis record.
      expect(fs.readFileSync(file, "utf8").split("\n")).to.have.length(2);
    } finally {
      first.close();
    }
    expect(fs.existsSync(lockOf(file))).to.equal(false);
    const { writer } = JournalWriter.open(file);
    writer.close();
  });

  it("lets a second chain process on the same directory fail to start, naming the holder, while the first runs on", async () => {
    const chainDir = path.join(work, "community-1");
    writeBurstGenesis(chainDir);
    const first = await startChain(chainDir);
    const error = (await rejection(startChain(chainDir))) as ChainStartError;
    expect(error).to.be.instanceOf(ChainStartError);
    expect(error.message).to.contain(`is locked by process ${first.pid} (${path.join(chainDir, JOURNAL_FILE)}.lock)`);
    expect(Number(await rpcCall<string>(first.rpc, "eth_chainId"))).to.equal(CHAIN_ID);
    expect(readJournal(path.join(chainDir, JOURNAL_FILE)).genesis).to.not.equal(undefined);
    expect(fs.readFileSync(path.join(chainDir, JOURNAL_FILE), "utf8").split("\n")).to.have.length(2);
    // A clean stop (SIGTERM, as chains:down sends) removes the lock.
    expect(await stopChainProcess(first.pid, chainDir)).to.equal("stopped");
    expect(fs.existsSync(path.join(chainDir, `${JOURNAL_FILE}.lock`))).to.equal(false);
  });

  it("takes over a stale lock left by a writer killed with SIGKILL", async () => {
    const chainDir = path.join(work, "community-1");
    writeTestGenesis(chainDir);
    const file = path.join(chainDir, JOURNAL_FILE);
    const victim = spawn("sleep", ["600"], { stdio: "ignore" });
    const pid = victim.pid as number;
    fs.writeFileSync(lockOf(file), `${pid}\n`);
    // While its pid runs, the lock holds.
    expect(() => JournalWriter.open(file)).to.throw(JournalLockedError, `is locked by process ${pid}`);
    victim.kill("SIGKILL");
    await waitGone(pid);
    const chain = await openPersistentProvider(await chainProvider(chainDir), { chainDir });
    try {
      expect(fs.readFileSync(lockOf(file), "utf8")).to.equal(`${process.pid}\n`);
      await chain.request({ method: "evm_mine", params: [] });
      expect(readJournal(file).blocks).to.have.length(1);
    } finally {
      chain.close();
    }
  });

  it("restarts a chain process killed with SIGKILL: the new process takes over its stale lock", async () => {
    const chainDir = path.join(work, "community-1");
    writeBurstGenesis(chainDir);
    const first = await startChain(chainDir);
    process.kill(first.pid, "SIGKILL");
    await waitGone(first.pid);
    expect(fs.readFileSync(path.join(chainDir, `${JOURNAL_FILE}.lock`), "utf8")).to.equal(`${first.pid}\n`);
    const second = await startChain(chainDir, first.port);
    expect(fs.readFileSync(path.join(chainDir, `${JOURNAL_FILE}.lock`), "utf8")).to.equal(`${second.pid}\n`);
  });
});

describe("security L2: one writer per unit queue", function () {
  this.timeout(120_000);
  const wallet = new Wallet("0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d");
  const draft = {
    kind: "readings",
    to: "0x00000000000000000000000000000000000000aa",
    data: "0x01",
    value: 0n,
    gasLimit: 21_000n,
    enqueuedAt: 1_700_000_000_000,
    meta: {},
  };
  const fees = { maxFeePerGas: 3_000_000_000n, maxPriorityFeePerGas: 1_000_000_000n };
  const append = (queue: QueueFile) => queue.append(draft, (nonce) => signEntry(wallet, 31337, nonce, draft, fees));
  let work: string;
  let file: string;
  let holder: ChildProcess | undefined;

  beforeEach(() => {
    work = tempDir("l2-queue");
    file = path.join(work, "unit", "queue.ndjson");
  });
  afterEach(async () => {
    if (holder?.pid !== undefined && holder.exitCode === null) {
      holder.kill("SIGKILL");
      await waitGone(holder.pid);
    }
    holder = undefined;
    fs.rmSync(work, { recursive: true, force: true });
  });

  /** Starts a process that opens the queue and holds it; resolves once it has. */
  async function startHolder(): Promise<number> {
    const child = spawn(
      process.execPath,
      [
        "-r",
        "ts-node/register/transpile-only",
        path.join(__dirname, "L2-queue-holder-process.ts"),
        file,
        wallet.address,
      ],
      {
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    holder = child;
    let stderr = "";
    child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on("data", (chunk: Buffer) => chunk.toString().includes("ready") && resolve());
      child.once("exit", (code) => reject(new Error(`queue holder exited with ${code}: ${stderr}`)));
    });
    return child.pid!;
  }

  it("refuses a second opener in the same process, naming the lock file and the pid; the queue stays one sequence", async () => {
    const create = { chainId: 31337, account: wallet.address, baseNonce: 0 };
    const { queue } = await QueueFile.open(file, create);
    expect(fs.readFileSync(lockOf(file), "utf8")).to.equal(`${process.pid}\n`);
    const error = await rejection(QueueFile.open(file));
    expect(error).to.be.instanceOf(QueueLockedError);
    expect(error.message).to.equal(
      `transaction queue ${file} is locked by process ${process.pid} (${file}.lock): one unit process at a time uses a queue; ` +
        "stop that one first, or remove the lock file if that pid is not a unit",
    );
    await append(queue);
    await queue.close();
    expect(fs.existsSync(lockOf(file))).to.equal(false);
    // Reopened after close, the queue continues its one nonce sequence.
    const { queue: again } = await QueueFile.open(file);
    expect((await append(again)).nonce).to.equal(1);
    await again.close();
    const reread = await QueueFile.open(file);
    expect(reread.queue.entries().map((e) => e.nonce)).to.deep.equal([0, 1]);
    await reread.queue.close();
  });

  it("refuses a queue another live process holds, and takes it over once that process is killed with SIGKILL", async () => {
    const pid = await startHolder();
    expect(fs.readFileSync(lockOf(file), "utf8")).to.equal(`${pid}\n`);
    const error = (await rejection(QueueFile.open(file))) as QueueLockedError;
    expect(error).to.be.instanceOf(QueueLockedError);
    expect(error.pid).to.equal(pid);
    expect(error.lockFile).to.equal(lockOf(file));
    holder!.kill("SIGKILL");
    await waitGone(pid);
    // The dead holder's lock is stale: taken over, and the queue is usable.
    const { queue } = await QueueFile.open(file);
    expect(fs.readFileSync(lockOf(file), "utf8")).to.equal(`${process.pid}\n`);
    expect((await append(queue)).nonce).to.equal(0);
    await queue.close();
  });

  it("a lock whose pid runs no longer (or is garbled) does not stop the next opener", async () => {
    const { queue } = await QueueFile.open(file, { chainId: 31337, account: wallet.address, baseNonce: 0 });
    await queue.close();
    fs.writeFileSync(lockOf(file), "not a pid");
    const garbled = await QueueFile.open(file);
    await garbled.queue.close();
    fs.writeFileSync(lockOf(file), "4242\n");
    const stale = await QueueFile.open(file, undefined, { isGone: (p) => p === 4242 });
    expect(fs.readFileSync(lockOf(file), "utf8")).to.equal(`${process.pid}\n`);
    await stale.queue.close();
    // A live one does.
    fs.writeFileSync(lockOf(file), "4242\n");
    const error = (await rejection(QueueFile.open(file, undefined, { isGone: () => false }))) as QueueLockedError;
    expect(error).to.be.instanceOf(QueueLockedError);
    expect(error.pid).to.equal(4242);
    // The refused opener did not write: the file is its header alone, and parses.
    expect(() => QueueFile.parse(file, fs.readFileSync(file, "utf8"))).to.not.throw(QueueFormatError);
    expect(fs.readFileSync(file, "utf8").split("\n")).to.have.length(2);
  });
});
