/**
 * What a unit does when: its readings split evenly between its status snapshots, after which
 * snapshot it also shares across communities, and after which the rotating device revokes its
 * community's third party. Pure.
 */
import type { CommunityPlan } from "../participants";
import type { ReaderRotation } from "./model";

/** After its first snapshot a unit also shares with the next community's third party. */
export const CROSS_SHARE_AFTER_SNAPSHOT = 1;
/** After its second snapshot the rotating device revokes its own community's third party (a run needs that many snapshots to rotate). */
export const ROTATE_AFTER_SNAPSHOT = 2;
/** How far apart the sensor seeds of consecutive run seeds lie: they never overlap while a fleet has fewer devices. */
const SENSOR_SEEDS_PER_RUN = 100_003;

/** Seeds of the devices' sensors: distinct per device and per run seed. */
export function sensorSeed(runSeed: number, deviceIndex: number): number {
  return runSeed * SENSOR_SEEDS_PER_RUN + deviceIndex;
}

/** Readings before snapshot `k` (1-based) of `uploads`: the readings split evenly, the rest in the last. */
export function readingsBefore(k: number, readings: number, uploads: number): number {
  const share = Math.floor(readings / uploads);
  return k === uploads ? readings - share * (uploads - 1) : share;
}

/** The run's reader rotation: the first device of the first community with devices revokes that community's third party (none with too few snapshots). */
export function readerRotation(plan: readonly CommunityPlan[], uploadsPerDevice: number): ReaderRotation | undefined {
  const rotating = plan.find((p) => p.devices.length > 0);
  return rotating === undefined || uploadsPerDevice < ROTATE_AFTER_SNAPSHOT
    ? undefined
    : { device: rotating.devices[0], reader: rotating.thirdParty.address };
}
