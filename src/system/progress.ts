/**
 * Progress of the main job: one line when a step starts, one when it ends (with its elapsed
 * time and what it did), and counts while a long step runs. On a terminal the running counts
 * rewrite one line; elsewhere (a log file, CI) they are printed at most every few seconds. The
 * steps are numbered from the table of steps (steps/index.ts), the shutdown last.
 */
import { performance } from "node:perf_hooks";
import type { ProgressSink, StepProgress, StepTiming as BaseStepTiming } from "./step-timing";
import { MAIN_STEPS, SHUTDOWN_STEP } from "./steps";

/** The steps of a run, in order: the table's, then the shutdown. */
export const STEPS: readonly StepName[] = [...MAIN_STEPS.map((step) => step.name), SHUTDOWN_STEP];

export type StepName = (typeof MAIN_STEPS)[number]["name"] | typeof SHUTDOWN_STEP;

/** How a step went. */
export type StepTiming = BaseStepTiming<StepName>;

export type { ProgressSink, StepProgress };

/** On a non-terminal sink, running counts are printed at most this often. */
const PLAIN_PROGRESS_EVERY_MS = 5_000;
const MS_PER_SECOND = 1_000;
const STEP_WIDTH = Math.max(...STEPS.map((s) => s.length));

function seconds(ms: number): string {
  return `${(ms / MS_PER_SECOND).toFixed(1)} s`;
}

/** Runs the steps of a run one after the other, printing and timing each. */
export class StepReporter {
  private readonly timings: StepTiming[] = [];
  private readonly started = performance.now();
  private live = false;

  constructor(private readonly sink: ProgressSink) {}

  /** Every step run so far, with its status and duration. */
  get steps(): readonly StepTiming[] {
    return this.timings;
  }

  /** Seconds since the reporter was created (the run's start). */
  get elapsedSeconds(): number {
    return (performance.now() - this.started) / MS_PER_SECOND;
  }

  /** A line that belongs to no step (a warning, the final summary). */
  line(text: string): void {
    this.endLive();
    this.sink.write(`${text}\n`);
  }

  /**
   * Runs step `name`: prints `title`, runs `action` (which may report running counts), then
   * prints `summary(result)` with the step's time. A failure is recorded and rethrown.
   */
  async run<T>(
    name: StepName,
    title: string,
    action: (progress: StepProgress) => Promise<T>,
    summary: (result: T) => string,
  ): Promise<T> {
    const prefix = `[${String(STEPS.indexOf(name) + 1).padStart(2)}/${STEPS.length}] ${name.padEnd(STEP_WIDTH)}`;
    this.line(`${prefix}  ${title}`);
    const start = performance.now();
    let lastPlain = start;
    const progress: StepProgress = (counts) => {
      const now = performance.now();
      if (this.sink.tty) {
        this.sink.write(`\r\x1b[K${prefix}  ${seconds(now - start)}  ${counts}`);
        this.live = true;
      } else if (now - lastPlain >= PLAIN_PROGRESS_EVERY_MS) {
        lastPlain = now;
        this.sink.write(`${prefix}  ${seconds(now - start)}  ${counts}\n`);
      }
    };
    try {
      const result = await action(progress);
      const ms = performance.now() - start;
      this.timings.push({ step: name, status: "done", seconds: ms / MS_PER_SECOND });
      this.line(`${prefix}  done in ${seconds(ms)}: ${summary(result)}`);
      return result;
    } catch (error) {
      const ms = performance.now() - start;
      this.timings.push({ step: name, status: "failed", seconds: ms / MS_PER_SECOND });
      this.line(`${prefix}  FAILED after ${seconds(ms)}: ${(error as Error).message}`);
      throw error;
    }
  }

  private endLive(): void {
    if (!this.live) return;
    this.sink.write("\r\x1b[K");
    this.live = false;
  }
}
