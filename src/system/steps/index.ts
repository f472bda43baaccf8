/**
 * The main job as a table of steps, in the order they run: each step reads what the steps
 * before it made (checked below at compile time) and brings its own progress text. The
 * progress lines number the steps from this table, and the shutdown after it.
 */
import { chainsStep } from "./chains";
import { coalitionStep } from "./coalition";
import { deployStep } from "./deploy";
import { economicsStep } from "./economics";
import { learningStep } from "./learning";
import { marketStep } from "./market";
import { participantsStep } from "./participants";
import { partitionStep } from "./partition";
import { recordsStep } from "./records";
import { reportStep } from "./report";
import { securityStep } from "./security";
import type { MadeBy, StepsInOrder } from "./step";
import { storeStep } from "./store";
import { trafficStep } from "./traffic";
import { unitsStep } from "./units";
import { verificationStep } from "./verification";

export const MAIN_STEPS = [
  trafficStep,
  partitionStep,
  chainsStep,
  deployStep,
  participantsStep,
  storeStep,
  unitsStep,
  marketStep,
  recordsStep,
  verificationStep,
  learningStep,
  securityStep,
  economicsStep,
  coalitionStep,
  reportStep,
] as const;

// Every step reads only what an earlier step made: a step moved before one it reads fails here.
true satisfies StepsInOrder<typeof MAIN_STEPS>;

/** What the steps of a run made, by step name. */
export type RunState = MadeBy<typeof MAIN_STEPS>;

export { CleanupStack } from "./cleanups";
export { SHUTDOWN_STEP, shutdownStep } from "./shutdown";
export type { AnyStep, Cleanup, RunContext, Step, StepContext } from "./step";
export type { TrafficLog } from "./traffic";
export type { RunPartition } from "./partition";
export type { RunDeployment } from "./deploy";
export type { RunParticipants } from "./participants";
export type { RunUnits } from "./units";
export type { WrittenReport } from "./report";
