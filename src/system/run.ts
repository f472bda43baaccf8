/**
 * The main job (`npm start`): the table of steps (steps/index.ts) run in order, from a traffic log
 * to a verified, reported run, then the shutdown. What a step starts goes on the cleanup stack and
 * is stopped at the end, also when a step fails or the run is interrupted: gateways and store
 * nodes stopped, chains stopped (unless kept). A failure names its step.
 */
import { RunCheckError, RunInterruptedError, StepFailedError } from "./errors";
import type { StartOptions } from "./options";
import { StepReporter, type StepName } from "./progress";
import type { RunReport } from "./report";
import { rewriteRunReport, type RunReportFiles } from "./report-files";
import { runPaths, type RunPaths } from "./run-dir";
import {
  CleanupStack,
  MAIN_STEPS,
  shutdownStep,
  type AnyStep,
  type RunContext,
  type RunState,
  type StepContext,
} from "./steps";
import { relative } from "./steps/text";

/** A finished run. */
export interface RunOutcome {
  readonly paths: RunPaths;
  readonly report: RunReport;
  readonly files: RunReportFiles;
  /** The chains were left running (`--keep-chains`). */
  readonly keptChains: boolean;
}

/**
 * Runs the whole system with `options` (checked by `resolveStartOptions`). Resolves with the
 * report when every step ran and every required check of the run passed (the others print a
 * warning: too few readings for any service request, say); throws {@link StepFailedError}
 * naming the step that failed (a {@link RunInterruptedError} on abort), or {@link RunCheckError}
 * when the run completed but one of its checks did not pass (the report is written then).
 */
export async function runSystem(options: StartOptions, environment: RunContext): Promise<RunOutcome> {
  const reporter = new StepReporter(environment.sink);
  const paths = runPaths(options.runDir);
  const cleanups = new CleanupStack();
  const made: Partial<Record<StepName, unknown>> = {};
  const context: StepContext<typeof made> = {
    before: made,
    options,
    paths,
    environment,
    onShutdown: (cleanup) => cleanups.push(cleanup),
    timing: () => ({ steps: reporter.steps, seconds: reporter.elapsedSeconds }),
  };

  let written: RunState["report"] | undefined;
  let failure: unknown;
  let current: StepName = MAIN_STEPS[0].name;
  try {
    for (const step of MAIN_STEPS as readonly AnyStep[]) {
      current = step.name as StepName;
      if (environment.signal?.aborted) throw new RunInterruptedError(step.name);
      made[current] = await reporter.run(
        current,
        step.title(context),
        (progress) => step.run(context, progress),
        (result) => step.summary(result, context),
      );
    }
    written = (made as RunState).report;
  } catch (error) {
    failure =
      error instanceof StepFailedError
        ? error
        : new StepFailedError(current, (error as Error).message, { cause: error });
  }
  try {
    await reporter.run(
      shutdownStep.name,
      shutdownStep.title(cleanups),
      () => shutdownStep.run(cleanups),
      (stopped) => shutdownStep.summary(stopped, options, paths),
    );
  } catch (error) {
    failure ??= error;
  }
  if (written !== undefined) {
    // The report and shutdown steps end after the report was written: record them too.
    const report = { ...written.report, steps: reporter.steps, seconds: reporter.elapsedSeconds };
    await rewriteRunReport(paths, report);
    written = { ...written, report };
  }
  if (failure !== undefined) throw failure;
  const { report, files } = written!;
  for (const check of report.checks.filter((c) => !c.passed && !c.required))
    reporter.line(`warning: ${check.name}: ${check.detail}`);
  const failed = report.checks.filter((c) => !c.passed && c.required);
  if (failed.length > 0)
    throw new RunCheckError(
      "verification",
      `${failed.map((c) => `${c.name} (${c.detail})`).join("; ")}; see ${relative(paths.reportMarkdown)}`,
    );
  return { report, files, paths, keptChains: options.keepChains };
}
