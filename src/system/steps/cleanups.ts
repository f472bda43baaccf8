/**
 * The cleanup stack of a run: what the steps started (chains, store nodes and gateways), stopped
 * at the end newest first, whether the run succeeded, failed or was interrupted.
 */
import type { Cleanup } from "./step";

/** Why some cleanups did not stop: one problem per failed cleanup. */
export interface StopOutcome {
  readonly stopped: number;
  readonly problems: readonly string[];
}

export class CleanupStack {
  private readonly cleanups: Cleanup[] = [];

  push(cleanup: Cleanup): void {
    this.cleanups.push(cleanup);
  }

  /** What is on the stack, newest first (the order it is stopped in). */
  get pending(): readonly string[] {
    return this.cleanups.map((c) => c.what).reverse();
  }

  /** Stops everything, newest first; a cleanup that fails does not keep the others from running. */
  async stopAll(): Promise<StopOutcome> {
    const problems: string[] = [];
    const count = this.cleanups.length;
    for (const cleanup of this.cleanups.splice(0).reverse()) {
      try {
        await cleanup.stop();
      } catch (error) {
        problems.push(`${cleanup.what}: ${(error as Error).message}`);
      }
    }
    return { stopped: count, problems };
  }
}
