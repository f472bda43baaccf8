// Ctrl-C in a long-running task: the first asks the library to stop (through an AbortSignal) so it
// can finish what is running and leave its files consistent; a stopped run exits 130, as a shell
// reports a process ended by SIGINT.

/** Exit code of a run stopped by Ctrl-C (128 + SIGINT), as shells report it. */
export const INTERRUPTED_EXIT_CODE = 130;

export interface InterruptOptions {
  /** Says what happens now; called once, before aborting. */
  readonly notice?: () => void;
  /** SIGTERM stops the run too (a service manager, `kill`). */
  readonly sigterm?: boolean;
  /**
   * Called on every later Ctrl-C. Without it each signal is handled once: a second Ctrl-C gets
   * Node's default and ends the process at once.
   */
  readonly again?: () => void;
}

/** Aborts `abort` on Ctrl-C (and SIGTERM if asked); returns the function that stops listening. */
export function onInterrupt(abort: AbortController, options: InterruptOptions = {}): () => void {
  const signals: NodeJS.Signals[] = options.sigterm === true ? ["SIGINT", "SIGTERM"] : ["SIGINT"];
  let interrupts = 0;
  const interrupt = (): void => {
    interrupts += 1;
    if (interrupts > 1 && options.again !== undefined) {
      options.again();
      return;
    }
    options.notice?.();
    abort.abort();
  };
  for (const signal of signals) {
    if (options.again === undefined) process.once(signal, interrupt);
    else process.on(signal, interrupt);
  }
  return () => {
    for (const signal of signals) process.off(signal, interrupt);
  };
}

/** Resolves on Ctrl-C or SIGTERM, or after `durationMs` when it is above 0. */
export async function untilInterrupted(durationMs: number): Promise<void> {
  const stop = new AbortController();
  const release = onInterrupt(stop, { sigterm: true });
  const timer = durationMs > 0 ? setTimeout(() => stop.abort(), durationMs) : undefined;
  try {
    await new Promise<void>((resolve) => stop.signal.addEventListener("abort", () => resolve(), { once: true }));
  } finally {
    clearTimeout(timer);
    release();
  }
}

/** Sets the exit code of a run that Ctrl-C stopped. */
export function exitInterrupted(): void {
  process.exitCode = INTERRUPTED_EXIT_CODE;
}
