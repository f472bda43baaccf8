/**
 * Driving one unit to the end: its readings streamed in, a status snapshot after each share of
 * them, its readers changed after the snapshots the schedule names, and everything it queued
 * mined. The abort signal is honoured between readings and while waiting for the chain.
 */
import { SyntheticSensor } from "../../iot";
import { RunInterruptedError } from "../errors";
import type { CommunityPlan } from "../participants";
import type { FleetOptions, ReaderRotation, UnitRun } from "./model";
import { CROSS_SHARE_AFTER_SNAPSHOT, ROTATE_AFTER_SNAPSHOT, readingsBefore, sensorSeed } from "./schedule";
import type { FleetTally } from "./tally";

/** The main job's step the fleet runs in: an interrupt names it. */
const FLEET_STEP = "units";
/**
 * Readings between checks of the abort signal and yields to the event loop. A reading the batcher
 * only buffers resolves at once, so without a yield a unit would feed hundreds of readings as one
 * run of microtasks and starve the I/O of everything else in the process (receipts, the store
 * nodes' DHT traffic, the gateways) while 40-odd units take turns.
 */
const YIELD_EVERY = 50;

function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined, step: string): Promise<T> {
  if (signal === undefined) return promise;
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new RunInterruptedError(step));
    if (signal.aborted) return onAbort();
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
}

/** What driving a unit needs besides the unit. */
export interface DriveContext {
  readonly options: FleetOptions;
  readonly plan: CommunityPlan;
  /** The device's place in the topology (its sensor's seed). */
  readonly deviceIndex: number;
  readonly rotation?: ReaderRotation;
  readonly tally: FleetTally;
}

/** Runs `run`'s unit through every reading and snapshot and waits until all it sent is mined. */
export async function driveUnit(
  run: UnitRun,
  { options, plan, deviceIndex, rotation, tally }: DriveContext,
): Promise<void> {
  const sensor = new SyntheticSensor({ seed: sensorSeed(options.seed, deviceIndex), count: options.readingsPerDevice });
  await run.unit.shareWith(plan.thirdParty.publicKey);
  for (let k = 1; k <= options.uploadsPerDevice; k++) {
    const readings = readingsBefore(k, options.readingsPerDevice, options.uploadsPerDevice);
    for (let i = 0; i < readings; i++) {
      if (i % YIELD_EVERY === 0) {
        await new Promise((resolve) => setImmediate(resolve));
        if (options.signal?.aborted) throw new RunInterruptedError(FLEET_STEP);
      }
      await run.unit.record(sensor.next());
      tally.counts.readingsTaken += 1;
    }
    tally.uploadStarting(run.device, k);
    run.writeMs = 0;
    await run.unit.uploadStatus({
      onStep: (s, ms) => {
        tally.writeStepsMs[s]?.push(ms);
        run.writeMs += ms;
      },
    });
    if (k === CROSS_SHARE_AFTER_SNAPSHOT && plan.crossThirdParty !== undefined)
      await run.unit.shareWith(plan.crossThirdParty.publicKey);
    if (k === ROTATE_AFTER_SNAPSHOT && rotation?.device === run.device) {
      // The authorizations of the records so far must be mined before they can be revoked.
      await abortable(run.unit.idle(), options.signal, FLEET_STEP);
      await run.unit.stopSharingWith(rotation.reader);
    }
  }
  await abortable(run.unit.idle(), options.signal, FLEET_STEP);
}
