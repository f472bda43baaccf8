/**
 * What the steps of the main job share with the progress printer and the report: where progress
 * goes, how a step reports running counts, and how a step went. Apart from progress.ts, which
 * derives the step names from the table of steps, so the steps and the report can use these
 * without depending on that table.
 */

/** How a step went. */
export interface StepTiming<Name extends string = string> {
  readonly step: Name;
  readonly status: "done" | "failed";
  readonly seconds: number;
}

/** Where progress goes. */
export interface ProgressSink {
  /** Writes `text` (no newline added). */
  write(text: string): void;
  /** True on a terminal: running counts rewrite their line. */
  readonly tty: boolean;
}

/** Reports counts while a step runs. */
export type StepProgress = (counts: string) => void;
