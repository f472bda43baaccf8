/**
 * The IoT units of a run (BPIIoT IV.D, VI.A–B): one in-process `IoTUnit` per device on its
 * community chain, all running at once. Each streams a seeded synthetic machine's temperature
 * and vibration to MaintenanceService (service requests and part orders fire at the machine's
 * count thresholds, parts paid in DataToken under permits) and shares status snapshots through
 * its EPR, sealed for its provider and its readers:
 *
 * - from the start, the third party of its own community;
 * - after its first snapshot, also the third party of the next community (cross-community);
 * - one device of the run revokes its own community's third party after its second snapshot:
 *   the revocation is sent for every record it was authorized on and the keyring rotates, so
 *   later snapshots are not wrapped for it.
 *
 * The readings are split evenly between the snapshots: a device takes its share of readings,
 * uploads a snapshot, changes its readers as above, and goes on. (model: the types; schedule:
 * what a unit does when; open: opening the units; drive: running one; tally: counting it all.)
 */
import { driveUnit } from "./drive";
import type { FleetOptions, FleetResult, UnitFigures, UnitRun } from "./model";
import { openUnits } from "./open";
import { readerRotation } from "./schedule";
import { FleetTally } from "./tally";

export type { FleetCounts, FleetOptions, FleetResult, ReaderRotation, SharedStatusRecord, UnitFigures } from "./model";
export { unitStateDir } from "./open";
export { readingsBefore, sensorSeed } from "./schedule";

/** What each unit did, with its token ledger and balance read at the end. */
async function unitFigures(runs: readonly UnitRun[]): Promise<UnitFigures[]> {
  const units: UnitFigures[] = [];
  for (const run of runs) {
    const balance = await run.unit.balance();
    units.push({
      device: run.device,
      chain: run.chain,
      address: run.unit.address,
      epr: run.epr,
      ...run.figures,
      earned: run.unit.ledger.earned.toString(),
      spent: run.unit.ledger.spent.toString(),
      balance: balance.toString(),
      failures: run.failures,
    });
  }
  return units;
}

/**
 * Opens every unit, runs them all to the end (every reading applied, every record and
 * authorization mined) and closes them; on failure or abort, the units are closed too (their
 * queues keep whatever was not sent).
 */
export async function runFleet(options: FleetOptions): Promise<FleetResult> {
  const tally = new FleetTally(options.onProgress);
  const deviceIndex = new Map(options.topology.devices.map((d, i) => [d, i]));
  const rotation = readerRotation(options.plan, options.uploadsPerDevice);
  const opened: UnitRun[] = [];
  try {
    const runs = await openUnits(options, (run) => {
      opened.push(run);
      tally.watch(run);
    });
    await Promise.all(
      runs.map((run) =>
        driveUnit(run, {
          options,
          plan: options.plan.find((p) => p.chain === run.chain)!,
          deviceIndex: deviceIndex.get(run.device) ?? 0,
          rotation,
          tally,
        }),
      ),
    );
    tally.report();
    return {
      units: await unitFigures(runs),
      records: tally.records(),
      counts: { ...tally.counts },
      shareLatencyMs: tally.shareLatencyMs,
      queuedShareLatencyMs: tally.queuedShareLatencyMs,
      writeStepsMs: tally.writeStepsMs,
      rotation,
    };
  } finally {
    // Drained already when the run got this far; after a failure what was not sent stays queued on disk.
    await Promise.all(opened.map((run) => run.unit.close().catch(() => undefined)));
  }
}
