import { expect } from "chai";
import { HardhatPluginError } from "hardhat/plugins";

/**
 * The error `promise` rejects with (the test fails if it resolves). Run through a task, the
 * library's typed error arrives wrapped in the HardhatPluginError that commchainTask (tasks/kit) hands to
 * Hardhat's CLI; this unwraps it, so tests assert the library error either way.
 */
export async function rejection(promise: Promise<unknown>): Promise<Error> {
  const error = await promise.then(
    () => expect.fail("expected a rejection"),
    (reason: unknown) => reason as Error,
  );
  if (error instanceof HardhatPluginError && error.parent !== undefined) {
    expect(error.message).to.equal(error.parent.message);
    return error.parent;
  }
  return error;
}
