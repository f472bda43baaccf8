// Security review L3 (first half), "revocation is not crash-atomic": `stopSharingWith` saved the
// keyring, then queued the revokes, then saved the state, so a crash in between left the on-chain
// grants in place until an operator repeated the call. Fault injection on a real process: a unit
// revokes a reader and is killed with SIGKILL right after the keyring save (and, second case,
// right after its first revoke was queued); the unit restarted from its state directory must send
// every revoke exactly once, without anyone repeating the call.
import { expect } from "chai";
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import hre, { ethers, network } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { freePort } from "../../src/chains/ports";
import { openHeliaStore, type HeliaStore } from "../../src/offchain";
import { QueueFile } from "../../src/iot/queue-file";
import { IoTUnit, type IoTUnitOptions } from "../../src/iot/unit";
import { deploySuite, MACHINE, reading, type Suite } from "../src/iot/fixture";
import { tempDir } from "../src/iot/helpers";
import type { RevokeCrashConfig } from "./L3-revoke-crash-process";

/** Runs the crashing unit process to its end; resolves with how it ended and what it printed. */
function runCrashingUnit(
  config: RevokeCrashConfig,
): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ["-r", "ts-node/register/transpile-only", path.join(__dirname, "L3-revoke-crash-process.ts")],
      {
        cwd: hre.config.paths.root,
        env: { ...process.env, REVOKE_CRASH_CONFIG: JSON.stringify(config) },
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

describe("security L3: a revocation survives kill -9 between the keyring save and the revokes", function () {
  this.timeout(300_000);
  let store: HeliaStore;
  let dir: string;
  let dispose: () => Promise<void>;
  const opened: IoTUnit[] = [];

  before(async () => {
    ({ dir, dispose } = await tempDir("security-l3"));
    store = await openHeliaStore({ dir: path.join(dir, "store") });
  });

  after(async () => {
    for (const unit of opened) await unit.close();
    await store.close();
    await dispose();
  });

  async function open(suite: Suite, stateDir: string, options: Partial<IoTUnitOptions> = {}): Promise<IoTUnit> {
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
      ...options,
    });
    opened.push(unit);
    return unit;
  }

  for (const crashAfter of ["keyringSave", "firstRevoke"] as const) {
    it(`killed right after ${crashAfter === "keyringSave" ? "the keyring save" : "its first revoke was queued"}: restarted, it sends each revoke once`, async () => {
      const suite = await loadFixture(deploySuite);
      const { lab } = suite.wallets;
      const eprAddress = await suite.epr.getAddress();
      const stateDir = path.join(dir, crashAfter);

      // Three status records shared with the lab, all mined.
      const first = await open(suite, stateDir);
      await first.shareWith(lab.signingKey.publicKey);
      for (let i = 0; i < 3; i++) {
        await first.record(reading(i, 90, 50));
        await first.uploadStatus();
      }
      await first.idle();
      for (let id = 0; id < 3; id++) expect(await suite.epr.canRead(id, lab.address)).to.equal(true);
      await first.close();
      opened.splice(opened.indexOf(first), 1);

      // The unit revokes the lab in its own process and dies with SIGKILL mid-revocation.
      const config: RevokeCrashConfig = {
        rpc: `http://127.0.0.1:${await freePort()}`,
        chainId: Number((await ethers.provider.getNetwork()).chainId),
        privateKey: suite.wallets.unit.privateKey,
        contracts: { maintenanceService: suite.contracts.maintenanceService, dataToken: suite.contracts.dataToken },
        machine: MACHINE,
        stateDir,
        epr: eprAddress,
        providerPublicKey: suite.wallets.provider.signingKey.publicKey,
        reader: lab.address,
        crashAfter,
      };
      const crashed = await runCrashingUnit(config);
      expect(crashed.signal, crashed.stderr).to.equal("SIGKILL");
      expect(crashed.stdout).to.contain('"event":"revoking"').and.not.contain('"event":"revoked"');
      // Nothing reached the chain: the lab still reads everything.
      for (let id = 0; id < 3; id++) expect(await suite.epr.canRead(id, lab.address)).to.equal(true);

      // Restarted, nobody repeating the call: the unit finishes the revocation and drains its queue.
      const restarted = await open(suite, stateDir);
      const reverted: string[] = [];
      restarted.on("reverted", (r) => reverted.push(r.reason));
      await restarted.idle();
      expect(reverted).to.deep.equal([]);
      for (let id = 0; id < 3; id++) expect(await suite.epr.canRead(id, lab.address), `record ${id}`).to.equal(false);
      expect(restarted.readers().map((r) => r.address)).to.not.include(lab.address);

      // Exactly once: one revoke per record in the queue, and one ReaderRevoked per record on chain.
      const file = path.join(stateDir, "queue.ndjson");
      const { entries } = QueueFile.parse(file, fs.readFileSync(file, "utf8"));
      const revokes = entries.filter((e) => e.kind === "revoke");
      expect(revokes.map((e) => e.meta.recordId).sort()).to.deep.equal([0, 1, 2]);
      expect(revokes.every((e) => e.done !== undefined)).to.equal(true);
      const logs = await suite.epr.queryFilter(suite.epr.filters.ReaderRevoked(), 0, "latest");
      expect(logs.map((l) => Number(l.args.recordId)).sort()).to.deep.equal([0, 1, 2]);

      // A second restart has nothing left to do.
      await restarted.close();
      opened.splice(opened.indexOf(restarted), 1);
      const again = await open(suite, stateDir);
      await again.idle();
      expect(
        QueueFile.parse(file, fs.readFileSync(file, "utf8")).entries.filter((e) => e.kind === "revoke"),
      ).to.have.length(3);
    });
  }
});
