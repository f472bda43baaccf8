/** A check the run makes of its own results: its own module, so every part of the report can make checks without importing the report. */
export interface RunCheck {
  readonly name: string;
  readonly passed: boolean;
  /**
   * A required check that fails fails the run (the system did something wrong); the others
   * depend on the workload (too few readings for the count thresholds) and only warn.
   */
  readonly required: boolean;
  readonly detail: string;
}
