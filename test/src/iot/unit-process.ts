// An IoT unit as its own process, for the durability test to kill (no tests here). Run as
// `node -r ts-node/register/transpile-only unit-process.ts` with the unit's settings as JSON in
// IOT_UNIT_CONFIG; it reads a seeded synthetic sensor and prints one JSON line per unit event.
import { Wallet } from "ethers";
import { SyntheticSensor } from "../../../src/iot/sensors";
import { IoTUnit } from "../../../src/iot/unit";

/** What the durability test passes in IOT_UNIT_CONFIG. */
export interface UnitProcessConfig {
  rpc: string;
  chainId: number;
  privateKey: string;
  contracts: { maintenanceService: string; dataToken: string };
  machine: string;
  stateDir: string;
  seed: number;
  /** Readings the sensor produces before it ends. */
  count: number;
  paceMs: number;
  batchSize: number;
}

async function main(): Promise<void> {
  const config = JSON.parse(process.env.IOT_UNIT_CONFIG ?? "{}") as UnitProcessConfig;
  const print = (line: object) => process.stdout.write(`${JSON.stringify(line)}\n`);
  const unit = await IoTUnit.open({
    wallet: new Wallet(config.privateKey),
    chain: config.rpc,
    chainId: config.chainId,
    contracts: config.contracts,
    machine: config.machine,
    stateDir: config.stateDir,
    sensor: new SyntheticSensor({ seed: config.seed, count: config.count, paceMs: config.paceMs }),
    batch: { size: config.batchSize, maxDelayMs: 60_000 },
    funding: false,
    // Every entry stays in the file, so the test can count what was queued.
    queue: { retry: { initialMs: 50, maxMs: 400 }, pollIntervalMs: 20, resendAfterMs: 2_000, compactEvery: 1_000_000 },
    requestTimeoutMs: 1_000,
  });
  unit.on("batchQueued", (b) => print({ event: "batchQueued", nonce: b.nonce, readings: b.readings }));
  unit.on("readingsApplied", (e) => print({ event: "readingsApplied", nonce: e.nonce, readings: e.readings }));
  unit.on("outage", (o) => print({ event: "outage", attempt: o.attempt }));
  unit.on("recovered", () => print({ event: "recovered" }));
  unit.on("stalled", (error) => print({ event: "stalled", message: error.message }));
  unit.on("failure", (f) => print({ event: "failure", operation: f.operation, message: f.error.message }));
  print({ event: "open", nonce: unit.queue.nextNonce });
  await unit.run();
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  });
}
