// `npm start` (`npx hardhat start`): the whole system on embedded defaults. Parses, calls
// src/system, prints; the steps themselves live in the library.
import path from "node:path";
import { types } from "hardhat/config";
import { DEFAULT_START_OPTIONS, TABLE1_COUNT_THRESHOLD } from "../src/system/options";
import { formatOutcome } from "../src/system/format";
import { commchainTask, INTERRUPTED_EXIT_CODE, onInterrupt, relativeToCwd, systemModule, deployModule } from "./kit";

interface StartArgs {
  log?: string;
  runDir: string;
  devices: number;
  records: number;
  groups: string;
  readingsPerDevice: number;
  uploadsPerDevice: number;
  countThreshold: number;
  seed: number;
  keepChains: boolean;
  verifySample: number;
  readingBatch: number;
  relayInterval: number;
  learningOwners: number;
  learningRounds: number;
  learningDropouts: number;
}

const D = DEFAULT_START_OPTIONS;

commchainTask(
  "start",
  "Runs the whole system: traffic log → partition → chains → contracts → participants → store network → IoT units → records + anchors → light verification and gated sharing → federated learning → economics and the miners' coalition game → report (Markdown, JSON, charts), then stops everything",
)
  .addOptionalParam(
    "log",
    "A traffic log (CSV: timestamp,from,to[,bytes]) to run on instead of generating the factory workload",
    undefined,
    types.string,
  )
  .addOptionalParam(
    "runDir",
    "Directory of the run (an earlier run there is stopped and replaced; a directory holding anything else is refused)",
    D.runDir,
    types.string,
  )
  .addOptionalParam("devices", "Devices of the generated workload", D.devices, types.int)
  .addOptionalParam("records", "Records of the generated workload", D.records, types.int)
  .addOptionalParam(
    "groups",
    'Work cells of the generated workload ("auto" = devices / 9, as gen-traffic)',
    "auto",
    types.string,
  )
  .addOptionalParam(
    "readingsPerDevice",
    "Sensor readings each IoT unit takes (temperature and vibration)",
    D.readingsPerDevice,
    types.int,
  )
  .addOptionalParam(
    "uploadsPerDevice",
    "Status snapshots each unit shares through its EPR (at least 2: the first with its own community's third party, the later ones also with another community's)",
    D.uploadsPerDevice,
    types.int,
  )
  .addOptionalParam(
    "countThreshold",
    `TempCountThreshold and VibraCountThreshold of every machine (Table 1: ${TABLE1_COUNT_THRESHOLD}); lower it for short runs so requests and orders still happen`,
    D.countThreshold,
    types.int,
  )
  .addOptionalParam(
    "seed",
    "Seed of the workload, the random strategies, the sensors and the verification sample",
    D.seed,
    types.int,
  )
  .addFlag("keepChains", "Leave the chains running at the end (stop them with chains:down --dir <run-dir>/chains)")
  .addOptionalParam(
    "verifySample",
    "Records the light client verifies on each community chain",
    D.verifySample,
    types.int,
  )
  .addOptionalParam("readingBatch", "Readings per MaintenanceService transaction", D.readingBatch, types.int)
  .addOptionalParam(
    "relayInterval",
    "Milliseconds between the relay's anchor rounds while records are sent",
    D.relayIntervalMs,
    types.int,
  )
  .addOptionalParam(
    "learningOwners",
    "Data owners (devices) of the federated-learning service",
    D.learningOwners,
    types.int,
  )
  .addOptionalParam("learningRounds", "Training rounds of the federated-learning service", D.learningRounds, types.int)
  .addOptionalParam(
    "learningDropouts",
    "Data owners dropping out of each training round (secure aggregation survives up to n − ⌊n/2⌋ − 1)",
    D.learningDropouts,
    types.int,
  )
  .setAction(async (args: StartArgs, hre) => {
    await hre.run("compile", { quiet: true });
    const system = systemModule();
    const options = system.resolveStartOptions({
      log: args.log,
      runDir: path.resolve(hre.config.paths.root, args.runDir),
      devices: args.devices,
      records: args.records,
      groups: args.groups.trim().toLowerCase() === "auto" ? undefined : Number(args.groups),
      readingsPerDevice: args.readingsPerDevice,
      uploadsPerDevice: args.uploadsPerDevice,
      countThreshold: args.countThreshold,
      seed: args.seed,
      keepChains: args.keepChains,
      verifySample: args.verifySample,
      readingBatch: args.readingBatch,
      relayIntervalMs: args.relayInterval,
      learningOwners: args.learningOwners,
      learningRounds: args.learningRounds,
      learningDropouts: args.learningDropouts,
    });
    const { ProjectArtifactResolver } = deployModule();
    const abort = new AbortController();
    const release = onInterrupt(abort, {
      notice: () =>
        process.stderr.write(
          "\nCtrl-C: stopping after what is running now, then shutting everything down (Ctrl-C again to leave at once)\n",
        ),
      again: () => {
        process.stderr.write(
          `\nleaving without shutting down: stop the chains with npx hardhat chains:down --dir ${path.join(options.runDir, "chains")}\n`,
        );
        process.exit(INTERRUPTED_EXIT_CODE);
      },
    });
    try {
      const outcome = await system.runSystem(options, {
        projectRoot: hre.config.paths.root,
        configFile: hre.config.paths.configFile,
        artifactResolver: new ProjectArtifactResolver(hre.artifacts),
        sink: { write: (text) => process.stdout.write(text), tty: process.stdout.isTTY === true },
        signal: abort.signal,
      });
      console.log(formatOutcome(outcome, relativeToCwd));
      return outcome;
    } catch (error) {
      const interrupted = error instanceof system.RunInterruptedError || abort.signal.aborted;
      console.error(`\nnpm start failed: ${(error as Error).message}`);
      process.exitCode = interrupted ? INTERRUPTED_EXIT_CODE : 1;
      return undefined;
    } finally {
      release();
    }
  });
