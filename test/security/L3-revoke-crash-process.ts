// An IoT unit as its own process that revokes a reader and is SIGKILLed (kill -9, by itself) at a
// chosen point of the revocation; for the L3 fault-injection test, no tests here. Run as
// `node -r ts-node/register/transpile-only L3-revoke-crash-process.ts` with the settings as JSON
// in REVOKE_CRASH_CONFIG. The chain is unreachable on purpose: a revocation signs and queues
// offline, and nothing the process queued may reach the chain before it dies.
import { Wallet } from "ethers";
import type { ContentStore } from "../../src/offchain";
import { RelationshipKeyrings } from "../../src/iot/relationships";
import { TransactionQueue } from "../../src/iot/tx-queue";
import { IoTUnit } from "../../src/iot/unit";

/** What the test passes in REVOKE_CRASH_CONFIG. */
export interface RevokeCrashConfig {
  /** An RPC URL nothing listens on. */
  rpc: string;
  chainId: number;
  privateKey: string;
  contracts: { maintenanceService: string; dataToken: string };
  machine: string;
  stateDir: string;
  epr: string;
  providerPublicKey: string;
  reader: string;
  /** Where the process kills itself: right after the keyring is saved, or after the first revoke is queued. */
  crashAfter: "keyringSave" | "firstRevoke";
}

/** The store is never used: a revocation uploads nothing. */
const NO_STORE = new Proxy({} as ContentStore, {
  get: (_, property) =>
    property === "name" ? "no store" : () => Promise.reject(new Error("the revocation process has no store")),
});

function dieNow(): never {
  process.kill(process.pid, "SIGKILL");
  throw new Error("unreachable: SIGKILL was sent");
}

async function main(): Promise<void> {
  const config = JSON.parse(process.env.REVOKE_CRASH_CONFIG ?? "{}") as RevokeCrashConfig;
  const unit = await IoTUnit.open({
    wallet: new Wallet(config.privateKey),
    chain: config.rpc,
    chainId: config.chainId,
    contracts: config.contracts,
    machine: config.machine,
    stateDir: config.stateDir,
    funding: false,
    sharing: { store: NO_STORE, relationships: [{ epr: config.epr, provider: config.providerPublicKey }] },
    queue: { retry: { initialMs: 1_000, maxMs: 1_000 } },
    requestTimeoutMs: 500,
  });
  // The fault: the process dies at the chosen point, as a power cut or the OOM killer would kill it.
  if (config.crashAfter === "keyringSave") {
    const save = RelationshipKeyrings.prototype.save;
    RelationshipKeyrings.prototype.save = async function (this: RelationshipKeyrings, epr: string) {
      await save.call(this, epr);
      dieNow();
    };
  } else {
    const enqueue = TransactionQueue.prototype.enqueue;
    TransactionQueue.prototype.enqueue = async function (this: TransactionQueue, draft) {
      const entry = await enqueue.call(this, draft);
      if (draft.kind === "revoke") dieNow();
      return entry;
    };
  }
  process.stdout.write(`${JSON.stringify({ event: "revoking", reader: config.reader })}\n`);
  await unit.stopSharingWith(config.reader);
  // Not reached: the process is dead by now.
  process.stdout.write(`${JSON.stringify({ event: "revoked" })}\n`);
  await unit.close();
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  });
}
