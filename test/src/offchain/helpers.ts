// Shared helpers of the off-chain tests (no tests here).
import { expect } from "chai";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";

/** Awaits `promise`, asserts it rejects with an instance of `type`, and returns the error. */
export async function expectRejects<E extends Error>(
  promise: Promise<unknown>,
  type: abstract new (...args: never[]) => E,
): Promise<E> {
  let settled: { ok: true; value: unknown } | { ok: false; error: unknown };
  try {
    settled = { ok: true, value: await promise };
  } catch (error) {
    settled = { ok: false, error };
  }
  if (settled.ok) expect.fail(`expected a ${type.name}, the promise resolved to ${String(settled.value)}`);
  const error = (settled as { error: unknown }).error;
  if (!(error instanceof type)) {
    expect.fail(`expected a ${type.name}, got ${(error as Error)?.name}: ${(error as Error)?.message}`);
  }
  return error as E;
}

/** A fresh temporary directory; `dispose()` removes it. */
export async function tempDir(prefix: string): Promise<{ dir: string; dispose: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), `commchain-${prefix}-`));
  return { dir, dispose: () => rm(dir, { recursive: true, force: true }) };
}

export const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);
export const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);
