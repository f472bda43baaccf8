// L2 (journal part): nothing stopped two chain processes (two chains:up calls) from appending to
// one journal.ndjson, which the next start then reports as corrupt.
import { expect } from "chai";
import { spawn } from "node:child_process";
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
