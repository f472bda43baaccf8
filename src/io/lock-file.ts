/**
 * Single-writer lock files: `<file>.lock` created exclusively (O_EXCL) with the holder's pid in
 * it, held for the writer's lifetime. Used by every append-only file that one process at a time
 * may write (a chain's block journal, a unit's transaction queue): two appenders would interleave
 * lines, which the next start reports as corruption.
 *
 * Why not flock: it is advisory per open file description and silently absent on some network
 * filesystems, and a pid in the file lets the refusal name the process that holds the lock.
 */
import fs from "node:fs";
import { isProcessGone } from "./processes";

/** The lock file beside `file`. */
export function lockFileOf(file: string): string {
  return `${file}.lock`;
}

/** Options of {@link acquireLockFile}. */
export interface LockOptions {
  /** Whether a pid has exited, for stale-lock detection (default: /proc, or ps). */
  isGone?: (pid: number) => boolean;
}

/**
 * Takes the lock of `file`, or calls `locked` for the error to throw: with the holder's pid when
 * the lock names a live one. A lock whose pid is no longer running (a writer killed with SIGKILL)
 * is stale and taken over, as is an empty or garbled one (a writer killed between create and
 * write). Two starters racing for the same stale lock are told apart by the exclusive create: one
 * wins, the other sees the winner's live pid.
 */
export function acquireLockFile(
  file: string,
  locked: (lock: string, pid: number | undefined) => Error,
  options: LockOptions = {},
): void {
  const isGone = options.isGone ?? isProcessGone;
  const lock = lockFileOf(file);
  for (let attempt = 0; ; attempt++) {
    try {
      const fd = fs.openSync(lock, "wx", 0o644);
      try {
        fs.writeSync(fd, `${process.pid}\n`);
        fs.fsyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    let text: string;
    try {
      text = fs.readFileSync(lock, "utf8");
    } catch (error) {
      // Released between our create and our read: try again.
      if ((error as NodeJS.ErrnoException).code === "ENOENT" && attempt < 3) continue;
      throw error;
    }
    const pid = Number(text.trim());
    const named = Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
    if ((named !== undefined && !isGone(named)) || attempt >= 3) throw locked(lock, named);
    fs.rmSync(lock, { force: true });
  }
}

/** Removes the lock of `file` if this process holds it (a lock another writer took over is left alone). */
export function releaseLockFile(file: string): void {
  const lock = lockFileOf(file);
  try {
    if (Number(fs.readFileSync(lock, "utf8").trim()) === process.pid) fs.rmSync(lock, { force: true });
  } catch {
    // no lock: nothing to release
  }
}
