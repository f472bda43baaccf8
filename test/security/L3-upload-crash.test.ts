// Security review L3 (second half), "uploads are not crash-atomic": the status snapshot lived
// only in memory between `store.put` and the record's enqueue, so a unit killed there lost the
// snapshot of those readings for good (the sequence number was spent, the accumulator empty on
// restart). Fault injection on a real process: a unit records readings, starts an upload and is
// killed with SIGKILL right after the sealed envelope is in the store (and, second case, just
// before the record is queued); restarted from its state directory, with nobody repeating the
// call, it must put the snapshot of those readings on chain, once, readable by its provider.
import { expect } from "chai";
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import hre, { ethers, network } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { freePort } from "../../src/chains/ports";
import { openHeliaStore, type HeliaStore } from "../../src/offchain";
import { QueueFile } from "../../src/iot/queue-file";
import { readStatus } from "../../src/iot/reader";
import { IoTUnit } from "../../src/iot/unit";
import { deploySuite, MACHINE, reading, type Suite } from "../src/iot/fixture";
import { tempDir } from "../src/iot/helpers";
import type { UploadCrashConfig } from "./L3-upload-crash-process";

/** Runs the crashing unit process to its end; resolves with how it ended and what it printed. */
function runCrashingUnit(
  config: UploadCrashConfig,
): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ["-r", "ts-node/register/transpile-only", path.join(__dirname, "L3-upload-crash-process.ts")],
      {
        cwd: hre.config.paths.root,
        env: { ...process.env, UPLOAD_CRASH_CONFIG: JSON.stringify(config) },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let stdout = "";
    let stderr = "";
    child.stdout!.on("data", (chunk) => (stdout += String(chunk)));
    child.stderr!.on("data", (chunk) => (stderr += String(chunk)));
    child.on("error", reject);
    child.on("exit", (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

describe("security L3: a status upload survives kill -9 between store.put and the record's enqueue", function () {
  this.timeout(300_000);
  let dir: string;
  let dispose: () => Promise<void>;
  const closing: { close(): Promise<void> }[] = [];

  before(async () => {
    ({ dir, dispose } = await tempDir("security-l3-upload"));
  });

  after(async () => {
    for (const c of closing.reverse()) await c.close();
    await dispose();
  });

  async function open(suite: Suite, stateDir: string, store: HeliaStore): Promise<IoTUnit> {
    const unit = await IoTUnit.open({
      wallet: suite.wallets.unit,
      chain: network.provider,
      contracts: suite.contracts,
      machine: MACHINE,
      stateDir,
      funding: false,
      queue: { pollIntervalMs: 5, retry: { initialMs: 10, maxMs: 50 } },
      sharing: {
        store,
        relationships: [{ epr: await suite.epr.getAddress(), provider: suite.wallets.provider.signingKey.publicKey }],
      },
    });
    return unit;
  }

  for (const crashAt of ["afterPut", "beforeEnqueue"] as const) {
    it(`killed ${crashAt === "afterPut" ? "right after store.put" : "just before the record is queued"}: restarted, it puts the snapshot on chain once`, async () => {
      const suite = await loadFixture(deploySuite);
      const eprAddress = await suite.epr.getAddress();
      const stateDir = path.join(dir, crashAt, "unit");
      const storeDir = path.join(dir, crashAt, "store");

      // A first run on the live chain caches the machine's settings, as a unit that ran before would.
      {
        const store = await openHeliaStore({ dir: storeDir });
        const first = await open(suite, stateDir, store);
        await first.idle();
        await first.close();
        await store.close();
      }

      // The unit records readings and uploads in its own process, and dies mid-upload.
      const readings = [reading(0, 90, 50), reading(1, 250, 50), reading(2, 95, 120), reading(3, 80, 40)];
      const config: UploadCrashConfig = {
        rpc: `http://127.0.0.1:${await freePort()}`,
        chainId: Number((await ethers.provider.getNetwork()).chainId),
        privateKey: suite.wallets.unit.privateKey,
        contracts: { maintenanceService: suite.contracts.maintenanceService, dataToken: suite.contracts.dataToken },
        machine: MACHINE,
        stateDir,
        storeDir,
        epr: eprAddress,
        providerPublicKey: suite.wallets.provider.signingKey.publicKey,
        readings,
        crashAt,
      };
      const crashed = await runCrashingUnit(config);
      expect(crashed.signal, crashed.stderr).to.equal("SIGKILL");
      expect(crashed.stdout).to.contain('"event":"uploading"').and.not.contain('"event":"uploaded"');
      if (crashAt === "afterPut") expect(crashed.stdout).to.contain('"event":"put"');
      // The readings were queued before the upload began; the record was not.
      const file = path.join(stateDir, "queue.ndjson");
      const before = QueueFile.parse(file, fs.readFileSync(file, "utf8")).entries;
      expect(before.filter((e) => e.kind === "readings").map((e) => e.meta.readings)).to.deep.equal([readings.length]);
      expect(before.filter((e) => e.kind === "record")).to.deep.equal([]);
      expect(await suite.epr.recordCount()).to.equal(0n);

      // Restarted, nobody repeating the call: the snapshot of those readings reaches the EPR.
      const store = await openHeliaStore({ dir: storeDir });
      closing.push(store);
      const restarted = await open(suite, stateDir, store);
      closing.push(restarted);
      const reverted: string[] = [];
      restarted.on("reverted", (r) => reverted.push(r.reason));
      await restarted.idle();
      expect(reverted).to.deep.equal([]);
      expect(await suite.epr.recordCount()).to.equal(1n);
      const read = await readStatus({
        runner: ethers.provider,
        epr: eprAddress,
        recordId: 0,
        reader: suite.wallets.provider,
        source: { store },
      });
      expect(read.snapshot.sequence).to.equal(1);
      expect(read.snapshot.window).to.deep.equal({
        from: readings[0].time,
        to: readings[3].time,
        readings: readings.length,
      });
      expect(read.snapshot.temperature.max).to.equal(250);
      expect(read.snapshot.vibration.max).to.equal(120);
      expect(restarted.pendingStatusReadings).to.equal(0);

      // Once: one record entry in the queue, one ReadingsReported for the batch, and a second
      // restart has nothing left to do.
      const entries = QueueFile.parse(file, fs.readFileSync(file, "utf8")).entries;
      expect(entries.filter((e) => e.kind === "record")).to.have.length(1);
      const reported = await suite.service.queryFilter(suite.service.filters.ReadingsReported(MACHINE), 0, "latest");
      expect(reported.map((l) => Number(l.args.readings))).to.deep.equal([readings.length]);
      await restarted.close();
      closing.splice(closing.indexOf(restarted), 1);
      const again = await open(suite, stateDir, store);
      closing.push(again);
      await again.idle();
      expect(await suite.epr.recordCount()).to.equal(1n);
      expect(
        QueueFile.parse(file, fs.readFileSync(file, "utf8")).entries.filter((e) => e.kind === "record"),
      ).to.have.length(1);
    });
  }

  it("a store that fails mid-upload keeps the snapshot: the next upload puts it first, under its own sequence", async () => {
    const suite = await loadFixture(deploySuite);
    const eprAddress = await suite.epr.getAddress();
    const store = await openHeliaStore({ dir: path.join(dir, "failing", "store") });
    closing.push(store);
    const unit = await open(suite, path.join(dir, "failing", "unit"), store);
    closing.push(unit);
    const put = store.put.bind(store);
    let failures = 1;
    store.put = async (bytes, options) => {
      if (failures-- > 0) throw new Error("store down");
      return put(bytes, options);
    };
    for (let i = 0; i < 3; i++) await unit.record(reading(i, 90, 50));
    let failed: unknown;
    await unit.uploadStatus().catch((error: unknown) => (failed = error));
    expect((failed as Error).message).to.equal("store down");
    expect(unit.pendingStatusReadings).to.equal(0);

    for (let i = 3; i < 5; i++) await unit.record(reading(i, 95, 60));
    const uploads = await unit.uploadStatus();
    expect(uploads.map((u) => [u.sequence, u.snapshot.window.readings])).to.deep.equal([
      [1, 3],
      [2, 2],
    ]);
    await unit.idle();
    expect(await suite.epr.recordCount()).to.equal(2n);
    for (const [recordId, count] of [
      [0, 3],
      [1, 2],
    ]) {
      const read = await readStatus({
        runner: ethers.provider,
        epr: eprAddress,
        recordId,
        reader: suite.wallets.provider,
        source: { store },
      });
      expect(read.snapshot.window.readings, `record ${recordId}`).to.equal(count);
    }
  });
});
