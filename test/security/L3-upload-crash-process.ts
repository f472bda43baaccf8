// An IoT unit as its own process that uploads a status snapshot and is SIGKILLed (kill -9, by
// itself) after the sealed envelope is in the store and before the record is queued; for the L3
// upload fault-injection test, no tests here. Run as
// `node -r ts-node/register/transpile-only L3-upload-crash-process.ts` with the settings as JSON
// in UPLOAD_CRASH_CONFIG. The chain is unreachable on purpose: readings and records sign and
// queue offline, and nothing the process queued may reach the chain before it dies.
import { Wallet } from "ethers";
import { openHeliaStore } from "../../src/offchain";
import type { SensorReading } from "../../src/iot/sensors";
import { TransactionQueue } from "../../src/iot/tx-queue";
import { IoTUnit } from "../../src/iot/unit";

/** What the test passes in UPLOAD_CRASH_CONFIG. */
export interface UploadCrashConfig {
  /** An RPC URL nothing listens on. */
  rpc: string;
  chainId: number;
  privateKey: string;
  contracts: { maintenanceService: string; dataToken: string };
  machine: string;
  stateDir: string;
  /** The unit's Helia store directory (files: what was put survives the kill). */
  storeDir: string;
  epr: string;
  providerPublicKey: string;
  readings: SensorReading[];
  /** Where the process kills itself: right after `store.put`, or when the record is about to be queued. */
  crashAt: "afterPut" | "beforeEnqueue";
}

function dieNow(): never {
  process.kill(process.pid, "SIGKILL");
  throw new Error("unreachable: SIGKILL was sent");
}

async function main(): Promise<void> {
  const config = JSON.parse(process.env.UPLOAD_CRASH_CONFIG ?? "{}") as UploadCrashConfig;
  const store = await openHeliaStore({ dir: config.storeDir });
  const unit = await IoTUnit.open({
    wallet: new Wallet(config.privateKey),
    chain: config.rpc,
    chainId: config.chainId,
    contracts: config.contracts,
    machine: config.machine,
    stateDir: config.stateDir,
    funding: false,
    sharing: { store, relationships: [{ epr: config.epr, provider: config.providerPublicKey }] },
    queue: { retry: { initialMs: 1_000, maxMs: 1_000 } },
    requestTimeoutMs: 500,
  });
  for (const reading of config.readings) await unit.record(reading);
  // The fault: the process dies at the chosen point, as a power cut or the OOM killer would kill it.
  if (config.crashAt === "afterPut") {
    const put = store.put.bind(store);
    store.put = async (bytes, options) => {
      const cid = await put(bytes, options);
      process.stdout.write(`${JSON.stringify({ event: "put", cid })}\n`);
      dieNow();
    };
  } else {
    const enqueue = TransactionQueue.prototype.enqueue;
    TransactionQueue.prototype.enqueue = async function (this: TransactionQueue, draft) {
      if (draft.kind === "record") dieNow();
      return enqueue.call(this, draft);
    };
  }
  process.stdout.write(`${JSON.stringify({ event: "uploading" })}\n`);
  await unit.uploadStatus();
  // Not reached: the process is dead by now.
  process.stdout.write(`${JSON.stringify({ event: "uploaded" })}\n`);
  await unit.close();
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  });
}
