/**
 * Whether a process is still there, by pid: for stale lock files and for stopping chain processes.
 * Linux answers from /proc; elsewhere `ps` is asked.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";

/** The command line of a live process, or undefined when there is none (or it is a zombie). */
export function commandLine(pid: number): string[] | undefined {
  if (fs.existsSync("/proc/self/cmdline")) {
    try {
      const args = fs
        .readFileSync(`/proc/${pid}/cmdline`, "utf8")
        .split("\0")
        .filter((arg) => arg !== "");
      return args.length === 0 ? undefined : args;
    } catch {
      return undefined;
    }
  }
  // No /proc (macOS): ask ps; arguments with spaces are not split back, which the exact
  // `--chain-dir <dir>` match of isChainProcess tolerates only for directories without spaces.
  try {
    const text = execFileSync("ps", ["-p", String(pid), "-o", "args="], { encoding: "utf8" }).trim();
    return text === "" ? undefined : text.split(/\s+/);
  } catch {
    return undefined;
  }
}

/** Whether any live process has this pid. */
export function isProcessAlive(pid: number): boolean {
  return commandLine(pid) !== undefined;
}

/**
 * Whether the process has finished exiting. Its command line vanishes when its memory is released,
 * which comes before its files (and listening sockets) are closed; only the zombie state, or no
 * process at all, means its port is free again.
 */
export function isProcessGone(pid: number): boolean {
  if (!fs.existsSync("/proc/self/stat")) return commandLine(pid) === undefined;
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    // The state follows the command name, which is in parentheses and may itself contain ") ".
    const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
    return state === "Z" || state === "X";
  } catch {
    return true;
  }
}
