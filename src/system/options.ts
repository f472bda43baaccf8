/**
 * The main job's options: what `npm start` runs with unless told otherwise, and their checks.
 * The defaults are the paper's factory (44 devices, 48,667 records) with machines run long
 * enough that Table 1's count thresholds (1000) fire service requests and part orders.
 */
import { DEFAULT_TRAFFIC_OPTIONS } from "../traffic/generate";
import { StartOptionError } from "./errors";

/** Table 1's TempCountThreshold and VibraCountThreshold (MaintenanceService's defaults). */
export const TABLE1_COUNT_THRESHOLD = 1000;

/** Every option of a run. */
export interface StartOptions {
  /** Where the run writes everything (removed first when it holds an earlier run). */
  readonly runDir: string;
  /** A traffic log to run on instead of generating the factory workload. */
  readonly log?: string;
  /** Devices of the generated workload (ignored with `log`). */
  readonly devices: number;
  /** Records of the generated workload (ignored with `log`). */
  readonly records: number;
  /** Work cells of the generated workload (default: devices / 9, as `gen-traffic`; ignored with `log`). */
  readonly groups?: number;
  /** Sensor readings each IoT unit takes. */
  readonly readingsPerDevice: number;
  /** Status snapshots each unit shares through its EPR, at least 2 (the readings are split evenly between them). */
  readonly uploadsPerDevice: number;
  /**
   * Count thresholds set on every machine (TempCountThreshold and VibraCountThreshold). Table 1's
   * 1000 by default; a small run lowers them so requests and orders still happen.
   */
  readonly countThreshold: number;
  /** Seed of the workload, the partition's random strategies, the sensors and the samples. */
  readonly seed: number;
  /** Leave the chains running after the run (stop them with `chains:down --dir <run>/chains`). */
  readonly keepChains: boolean;
  /** Records the light client verifies on each community chain. */
  readonly verifySample: number;
  /** Readings per MaintenanceService transaction of a unit. */
  readonly readingBatch: number;
  /** How often the relay anchors the community chains while records are sent, ms. */
  readonly relayIntervalMs: number;
  /** Chain id of the main chain; community n gets mainChainId + n. */
  readonly mainChainId: number;
  /** Data owners of the federated-learning service (IoT consensus paper §3.2). */
  readonly learningOwners: number;
  /** Its training rounds. */
  readonly learningRounds: number;
  /** Data owners that drop out of each of its rounds. */
  readonly learningDropouts: number;
}

export const DEFAULT_START_OPTIONS: Omit<StartOptions, "log" | "groups"> = {
  runDir: "out/run",
  devices: DEFAULT_TRAFFIC_OPTIONS.devices,
  records: DEFAULT_TRAFFIC_OPTIONS.records,
  readingsPerDevice: 4_000,
  uploadsPerDevice: 3,
  countThreshold: TABLE1_COUNT_THRESHOLD,
  seed: DEFAULT_TRAFFIC_OPTIONS.seed,
  keepChains: false,
  verifySample: 6,
  readingBatch: 400,
  relayIntervalMs: 1_000,
  mainChainId: 31_000,
  learningOwners: 10,
  learningRounds: 20,
  learningDropouts: 2,
};

/** MaintenanceService's largest count threshold (`MAX_COUNT_THRESHOLD`). */
const MAX_COUNT_THRESHOLD = 2 ** 32 - 2;
/** The unit SDK's largest reading batch (`MAX_BATCH_SIZE` of src/iot/readings). */
const MAX_READING_BATCH = 2_000;

function integer(option: string, value: number, min: number, max = Number.MAX_SAFE_INTEGER): void {
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new StartOptionError(
      option,
      `must be an integer from ${min}${max === Number.MAX_SAFE_INTEGER ? " up" : ` to ${max}`}, got ${value}`,
    );
  }
}

/** The defaults with `given` over them, checked; throws {@link StartOptionError} naming the option. */
export function resolveStartOptions(given: Partial<StartOptions> = {}): StartOptions {
  const options: StartOptions = {
    ...DEFAULT_START_OPTIONS,
    ...Object.fromEntries(Object.entries(given).filter(([, v]) => v !== undefined)),
  };
  if (options.runDir.trim() === "") throw new StartOptionError("run-dir", "must name a directory");
  if (options.log !== undefined && options.log.trim() === "")
    throw new StartOptionError("log", "must name a traffic log (CSV)");
  integer("devices", options.devices, 3);
  integer("records", options.records, 1);
  if (options.groups !== undefined) integer("groups", options.groups, 1);
  // The first snapshot is shared with the own community's third party, the later ones also across
  // communities, and one device revokes a reader after its second: that takes two snapshots.
  integer("uploads-per-device", options.uploadsPerDevice, 2);
  integer("readings-per-device", options.readingsPerDevice, options.uploadsPerDevice);
  integer("count-threshold", options.countThreshold, 1, MAX_COUNT_THRESHOLD);
  integer("seed", options.seed, 0);
  integer("verify-sample", options.verifySample, 1);
  integer("reading-batch", options.readingBatch, 1, MAX_READING_BATCH);
  integer("relay-interval", options.relayIntervalMs, 1);
  integer("main-chain-id", options.mainChainId, 1);
  integer("learning-owners", options.learningOwners, 2, 128);
  integer("learning-rounds", options.learningRounds, 1);
  // Secure aggregation needs ⌊n/2⌋+1 survivors of every round.
  integer(
    "learning-dropouts",
    options.learningDropouts,
    0,
    options.learningOwners - (Math.floor(options.learningOwners / 2) + 1),
  );
  return options;
}
