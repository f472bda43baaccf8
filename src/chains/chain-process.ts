import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { CHAIN_DIR_ENV } from "./chain-node";
import { ChainError, ChainStartError } from "./errors";
import { rpcCall, RpcError } from "./rpc";
import { commandLine, isProcessAlive, isProcessGone } from "../io/processes";

// Re-exported: callers that stop chains ask these of chain processes.
export { isProcessAlive, isProcessGone } from "../io/processes";

/** The file name of a chain's process log inside its data directory. */
export const NODE_LOG_FILE = "node.log";

/** What a chain process needs to start. */
export interface ChainLaunch {
  chain: string;
  /** Absolute data directory (genesis.json, journal.ndjson, node.log). */
  chainDir: string;
  port: number;
  /** Project root (cwd of the process) and its Hardhat config file. */
  projectRoot: string;
  configFile: string;
  /** Environment of the process; `COMMCHAIN_CHAIN_DIR` is added. Defaults to this process's. */
  env?: NodeJS.ProcessEnv;
}

/**
 * Starts `hardhat chain-node` for one chain, detached (it outlives the caller) with its output
 * appended to `<chainDir>/node.log`, and returns its pid. The process is the Node binary running
 * Hardhat's CLI directly (no npx or shell in between), so the pid is the chain itself and its
 * command line names the chain directory, which is how {@link isChainProcess} recognises it.
 */
export function launchChain(launch: ChainLaunch): number {
  fs.mkdirSync(launch.chainDir, { recursive: true });
  const log = fs.openSync(path.join(launch.chainDir, NODE_LOG_FILE), "a");
  const env: NodeJS.ProcessEnv = { ...(launch.env ?? process.env), [CHAIN_DIR_ENV]: launch.chainDir };
  // A network chosen for the calling task must not leak into the chain process: it must run the
  // in-process network.
  delete env.HARDHAT_NETWORK;
  try {
    const child = spawn(
      process.execPath,
      [
        require.resolve("hardhat/internal/cli/cli"),
        "--config",
        launch.configFile,
        "chain-node",
        "--chain-dir",
        launch.chainDir,
        "--port",
        String(launch.port),
      ],
      { cwd: launch.projectRoot, env, detached: true, stdio: ["ignore", log, log] },
    );
    // A spawn failure is reported by the caller when the chain does not come up.
    child.on("error", () => undefined);
    child.unref();
    if (child.pid === undefined)
      throw new ChainStartError(
        launch.chain,
        path.join(launch.chainDir, NODE_LOG_FILE),
        `could not spawn ${process.execPath}`,
      );
    return child.pid;
  } finally {
    fs.closeSync(log);
  }
}

/** Whether `pid` is alive and is the chain process of `chainDir` (not a reused pid). */
export function isChainProcess(pid: number | null | undefined, chainDir: string): boolean {
  if (pid === null || pid === undefined) return false;
  const args = commandLine(pid);
  if (args === undefined) return false;
  const at = args.indexOf("--chain-dir");
  return at >= 0 && args[at + 1] === chainDir && args.includes("chain-node");
}

/** How stopping a chain process ended. */
export type StopOutcome = "stopped" | "killed" | "not-running" | "foreign";

const POLL_MS = 100;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Stops the chain process `pid` of `chainDir`: SIGTERM, then SIGKILL after `graceMs`. A pid that
 * is dead or now belongs to another process is left alone ("not-running" / "foreign").
 */
export async function stopChainProcess(
  pid: number | null | undefined,
  chainDir: string,
  graceMs = 5_000,
): Promise<StopOutcome> {
  if (pid === null || pid === undefined) return "not-running";
  if (!isChainProcess(pid, chainDir)) return isProcessAlive(pid) ? "foreign" : "not-running";
  signal(pid, "SIGTERM");
  for (let waited = 0; waited < graceMs; waited += POLL_MS) {
    await sleep(POLL_MS);
    if (isProcessGone(pid)) return "stopped";
  }
  signal(pid, "SIGKILL");
  for (let waited = 0; waited < graceMs; waited += POLL_MS) {
    await sleep(POLL_MS);
    if (isProcessGone(pid)) return "killed";
  }
  throw new ChainError(`chain process ${pid} of ${chainDir} survived SIGKILL`);
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ESRCH") throw error;
  }
}

/** The last `lines` lines of a log file ("" when it does not exist). */
export function logTail(file: string, lines = 12): string {
  try {
    return fs.readFileSync(file, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "";
  }
}

/** What {@link waitForChain} waits for. */
export interface ChainReadiness {
  chain: string;
  rpc: string;
  chainId: number;
  timeoutMs: number;
  /** A local chain: its process, which must stay alive while we wait. */
  process?: { pid: number; chainDir: string; logFile: string };
}

/**
 * Waits until the chain answers `eth_chainId` with its chain id. Fails at once, with the tail of
 * its log, when its process dies; fails when it answers with another chain id (another node on
 * that port) or not at all within the timeout.
 */
export async function waitForChain(target: ChainReadiness): Promise<void> {
  const deadline = Date.now() + target.timeoutMs;
  const logFile = target.process?.logFile;
  const withTail = (problem: string) => {
    const tail = logFile === undefined ? "" : logTail(logFile);
    return tail === "" ? problem : `${problem}; last lines of its log:\n${tail}`;
  };
  for (;;) {
    if (target.process !== undefined && !isChainProcess(target.process.pid, target.process.chainDir)) {
      throw new ChainStartError(
        target.chain,
        logFile,
        withTail(`its process ${target.process.pid} exited before answering`),
      );
    }
    try {
      const answer = Number(await rpcCall<string>(target.rpc, "eth_chainId", [], 1_000));
      if (answer === target.chainId) return;
      throw new ChainStartError(
        target.chain,
        logFile,
        `${target.rpc} answers with chain id ${answer}, not ${target.chainId}`,
      );
    } catch (error) {
      if (!(error instanceof RpcError)) throw error;
    }
    if (Date.now() >= deadline) {
      throw new ChainStartError(
        target.chain,
        logFile,
        withTail(`${target.rpc} did not answer eth_chainId within ${Math.round(target.timeoutMs / 1000)} s`),
      );
    }
    await sleep(2 * POLL_MS);
  }
}
