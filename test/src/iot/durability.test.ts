// Durability on real processes: a persistent chain (`chain-node`: hardhat node + block journal)
// and an IoT unit in its own process. The chain is SIGKILLed mid-stream while the unit keeps
// producing; then the unit is SIGKILLed too (a crash, not a shutdown). The chain restarts from its
// journal, the unit is reloaded from its queue file, and every batch it queued must be applied
// exactly once: on-chain events and counters equal the readings queued, and the unit's nonces on
// chain run 0..n-1 with no gap and no duplicate.
import { expect } from "chai";
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import hre, { ethers } from "hardhat";
import { JsonRpcProvider, Wallet } from "ethers";
import { deviceWallet, systemWallet } from "../../../src/chains/accounts";
import { CHAIN_DIR_ENV } from "../../../src/chains/chain-node";
import {
  isProcessGone,
  launchChain,
  NODE_LOG_FILE,
  stopChainProcess,
  waitForChain,
} from "../../../src/chains/chain-process";
import { buildGenesis, GENESIS_FILE, writeGenesis } from "../../../src/chains/genesis";
import { freePort } from "../../../src/chains/ports";
import { QueueFile } from "../../../src/iot/queue-file";
import { SyntheticSensor } from "../../../src/iot/sensors";
import { IoTUnit } from "../../../src/iot/unit";
import type { UnitProcessConfig } from "./unit-process";

const CHAIN = "community-iot";
const CHAIN_ID = 31_777;
const DEVICE = "robot-1";
const SEED = 2024;
const BATCH = 10;
const COUNT_THRESHOLD = 3;

type UnitLine = { event: string; nonce?: number; readings?: number; attempt?: number; message?: string };

/** Resolves once `predicate` holds for the lines seen so far; rejects if the process exits first. */
function waitForLines(
  lines: UnitLine[],
  child: ChildProcess,
  predicate: (lines: UnitLine[]) => boolean,
  what: string,
  timeoutMs = 120_000,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setInterval(() => {
      if (predicate(lines)) return done(resolve);
      if (child.exitCode !== null || child.signalCode !== null)
        return done(() =>
          reject(new Error(`the unit process exited (${child.exitCode ?? child.signalCode}) before ${what}`)),
        );
      if (Date.now() > deadline)
        return done(() =>
          reject(new Error(`timed out waiting for ${what}; last lines: ${JSON.stringify(lines.slice(-5))}`)),
        );
    }, 20);
    const deadline = Date.now() + timeoutMs;
    const done = (settle: () => void) => {
      clearInterval(timer);
      settle();
    };
  });
}

/** Table 1 over `readings` at count threshold `t`: final counts and requests raised. */
function table1(readings: { temperature: number; vibration: number }[], t: number) {
  let vibraCount = 0;
  let tempCount = 0;
  let requests = 0;
  for (const r of readings) {
    if (Math.round(r.vibration) > 100) vibraCount++;
    if (Math.round(r.temperature) > 200) tempCount++;
    if (vibraCount > t) [requests, vibraCount] = [requests + 1, 0];
    if (tempCount > t) tempCount = 0;
  }
  return { vibraCount, tempCount, requests };
}

describe("iot/durability: chain SIGKILLed and restarted from its journal, unit SIGKILLed and reloaded", function () {
  this.timeout(600_000);
  let work: string;
  let chainDir: string;
  let stateDir: string;
  let rpc: string;
  let port: number;
  let chainPid: number | undefined;
  let unitProcess: ChildProcess | undefined;
  let reloaded: IoTUnit | undefined;
  const providers: JsonRpcProvider[] = [];

  const launch = async () => {
    chainPid = launchChain({
      chain: CHAIN,
      chainDir,
      port,
      projectRoot: hre.config.paths.root,
      configFile: hre.config.paths.configFile,
      env: { ...process.env, [CHAIN_DIR_ENV]: chainDir },
    });
    await waitForChain({
      chain: CHAIN,
      rpc,
      chainId: CHAIN_ID,
      timeoutMs: 120_000,
      process: { pid: chainPid, chainDir, logFile: path.join(chainDir, NODE_LOG_FILE) },
    });
  };

  const connect = () => {
    const provider = new JsonRpcProvider(rpc, CHAIN_ID, { staticNetwork: true, cacheTimeout: -1 });
    provider.pollingInterval = 50;
    providers.push(provider);
    return provider;
  };

  before(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), "commchain-iot-durability-"));
    chainDir = path.join(work, CHAIN);
    stateDir = path.join(work, "unit");
    const now = Math.floor(Date.now() / 1000);
    fs.mkdirSync(chainDir, { recursive: true });
    writeGenesis(
      path.join(chainDir, GENESIS_FILE),
      buildGenesis({ name: CHAIN, chainId: CHAIN_ID, members: [DEVICE] }, [DEVICE], { timestamp: now - 3600 }),
    );
    port = await freePort();
    rpc = `http://127.0.0.1:${port}`;
    await launch();
  });

  after(async () => {
    // Only the processes this test started, by pid.
    if (unitProcess !== undefined && unitProcess.exitCode === null && unitProcess.signalCode === null)
      unitProcess.kill("SIGKILL");
    await reloaded?.close();
    for (const provider of providers) provider.destroy();
    if (chainPid !== undefined) await stopChainProcess(chainPid, chainDir, 2_000);
    if (work !== undefined) fs.rmSync(work, { recursive: true, force: true });
  });

  it("applies every queued reading batch exactly once, with contiguous nonces", async () => {
    // Deploy: token, MaintenanceService, one machine whose unit is the device's account.
    const deployer = systemWallet("deployer").connect(connect());
    const unit = deviceWallet(DEVICE, [DEVICE]);
    const token = await (await ethers.getContractFactory("DataToken", deployer)).deploy(deployer.address);
    await token.waitForDeployment();
    const service = await (
      await ethers.getContractFactory("MaintenanceService", deployer)
    ).deploy(await token.getAddress(), deployer.address);
    await service.waitForDeployment();
    // The deployer registers the machine as a registrar (the machine's key is thrown away) and
    // sets no delay, so the machine's owner settings apply at once; the machine owns itself.
    const machineKey = Wallet.createRandom().connect(connect());
    const machine = machineKey.address;
    await (await service.grantRole(await service.REGISTRAR_ROLE(), deployer.address)).wait();
    await (await service.setSettingsDelay(0)).wait();
    const serviceProvider = Wallet.createRandom().address;
    await (await service.registerMachine(machine, unit.address, serviceProvider, 0n)).wait();
    await (await deployer.sendTransaction({ to: machine, value: ethers.parseEther("1") })).wait();
    const thresholds = {
      tempThreshold: 200,
      tempCountThreshold: COUNT_THRESHOLD,
      vibraThreshold: 100,
      vibraCountThreshold: COUNT_THRESHOLD,
    };
    await (
      await service
        .connect(machineKey)
        .proposeSettings(machine, { unit: unit.address, provider: serviceProvider, partPrice: 0n, thresholds })
    ).wait();
    const contracts = { maintenanceService: await service.getAddress(), dataToken: await token.getAddress() };

    // The unit, in its own process, reads a seeded sensor as fast as it can (far more readings than
    // the test lets it reach: it is killed long before).
    const config: UnitProcessConfig = {
      rpc,
      chainId: CHAIN_ID,
      privateKey: unit.privateKey,
      contracts,
      machine,
      stateDir,
      seed: SEED,
      count: 20_000,
      paceMs: 0,
      batchSize: BATCH,
    };
    const child = spawn(
      process.execPath,
      ["-r", "ts-node/register/transpile-only", path.join(__dirname, "unit-process.ts")],
      {
        cwd: hre.config.paths.root,
        env: { ...process.env, IOT_UNIT_CONFIG: JSON.stringify(config) },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    unitProcess = child;
    const lines: UnitLine[] = [];
    let stderr = "";
    createInterface({ input: child.stdout! }).on("line", (line) => lines.push(JSON.parse(line) as UnitLine));
    child.stderr!.on("data", (chunk) => (stderr += String(chunk)));
    const count = (event: string) => lines.filter((l) => l.event === event).length;

    await waitForLines(lines, child, () => count("readingsApplied") >= 5, "five batches applied").catch((e: Error) => {
      throw new Error(`${e.message}\n${stderr}`);
    });

    // The chain dies mid-stream.
    process.kill(chainPid!, "SIGKILL");
    while (!isProcessGone(chainPid!)) await new Promise((resolve) => setTimeout(resolve, 20));
    const queuedAtKill = count("batchQueued");
    await waitForLines(
      lines,
      child,
      () => count("outage") >= 2 && count("batchQueued") >= queuedAtKill + 8,
      "eight more batches queued during the outage",
    );

    // The unit dies too: no shutdown, whatever it was doing.
    const appliedBeforeCrash = count("readingsApplied");
    child.kill("SIGKILL");
    await new Promise((resolve) =>
      child.exitCode !== null || child.signalCode !== null ? resolve(undefined) : child.once("exit", resolve),
    );
    expect(count("stalled")).to.equal(0);

    // What the unit acknowledged is what its queue file holds (a torn last line was never acknowledged).
    const { entries } = QueueFile.parse(
      path.join(stateDir, "queue.ndjson"),
      fs.readFileSync(path.join(stateDir, "queue.ndjson"), "utf8"),
    );
    expect(entries.map((e) => e.nonce)).to.deep.equal(entries.map((_, i) => i));
    const queued = entries.reduce((sum, e) => sum + Number(e.meta.readings), 0);
    expect(entries.filter((e) => e.done === undefined).length).to.be.at.least(8);
    expect(entries.length).to.be.greaterThan(appliedBeforeCrash);

    // The chain comes back from its journal; the unit is reloaded from its queue file and drains it.
    await launch();
    reloaded = await IoTUnit.open({
      wallet: unit,
      chain: rpc,
      contracts,
      machine,
      stateDir,
      funding: false,
      queue: { retry: { initialMs: 50, maxMs: 400 }, pollIntervalMs: 20, compactEvery: 1_000_000 },
    });
    const reverted: unknown[] = [];
    reloaded.on("reverted", (r) => reverted.push(r));
    await reloaded.idle();
    expect(reverted).to.deep.equal([]);
    expect(reloaded.queue.pending()).to.deep.equal([]);

    // Exactly once: the events and counters on chain are those of the queued readings, no more.
    const provider = connect();
    const reader = service.connect(provider);
    const logs = await reader.queryFilter(reader.filters.ReadingsReported(machine), 0, "latest");
    expect(logs).to.have.length(entries.length);
    expect(logs.reduce((sum, log) => sum + Number(log.args.readings), 0)).to.equal(queued);
    const sensor = new SyntheticSensor({ seed: SEED });
    const model = table1(
      Array.from({ length: queued }, () => sensor.next()),
      COUNT_THRESHOLD,
    );
    const info = await reader.machineInfo(machine);
    expect([Number(info.vibraCount), Number(info.tempCount)]).to.deep.equal([model.vibraCount, model.tempCount]);
    expect(await reader.serviceRequestCount()).to.equal(BigInt(model.requests));

    // Nothing sent twice: the unit's transactions on chain carry nonces 0..n-1, each once, and are the queue's.
    const head = await provider.getBlockNumber();
    const mined: { nonce: number; hash: string }[] = [];
    for (let n = 0; n <= head; n++) {
      const block = await provider.getBlock(n, true);
      for (const tx of block!.prefetchedTransactions)
        if (tx.from === unit.address) mined.push({ nonce: tx.nonce, hash: tx.hash });
    }
    expect(mined.map((t) => t.nonce)).to.deep.equal(entries.map((_, i) => i));
    expect(mined.map((t) => t.hash)).to.deep.equal(reloaded.queue.entries().map((e) => e.done!.hash));
    expect(await provider.getTransactionCount(unit.address)).to.equal(entries.length);
  });
});
