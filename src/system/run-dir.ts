/**
 * The run directory: where one run of the main job writes everything. A new run replaces the
 * previous one: the chains it left running (`--keep-chains`) are stopped first, then the
 * directory is removed. A directory that holds anything but a commchain run is never removed.
 */
import fs from "node:fs";
import path from "node:path";
import { chainsDown } from "../chains/down";
import { writeFileAtomic } from "../io/atomic-write";
import { topologyPath } from "../chains/topology";
import { RunDirError } from "./errors";

/** The file that marks a directory as a commchain run (written first, so even a failed run has it). */
export const RUN_MARKER_FILE = "commchain-run.json";

/** Where everything of a run goes. */
export interface RunPaths {
  readonly root: string;
  readonly marker: string;
  /** The generated traffic log. */
  readonly traffic: string;
  /** partition.json, its report and charts. */
  readonly partitionDir: string;
  readonly partition: string;
  /** The chains directory (topology.json, chain data, batch stores, records/). */
  readonly chains: string;
  /** The store nodes' blocks and keys. */
  readonly store: string;
  /** One state directory per IoT unit (queue, keyrings). */
  readonly units: string;
  /** The sampling-rate game: sampling.json, report.md, fig9–12.svg. */
  readonly economics: string;
  /** The miners' coalition game: coalition.json, report.md, coalition.svg. */
  readonly coalition: string;
  /** The federated-learning service: learning.json, report.md, accuracy.svg. */
  readonly learning: string;
  readonly charts: string;
  readonly reportMarkdown: string;
  readonly reportJson: string;
}

/** The paths of the run in `dir`. */
/** `file` relative to the run directory `root`, with forward slashes: how report.md and report.json name it. */
export function runRelative(root: string, file: string): string {
  return path.relative(root, file).split(path.sep).join("/");
}

/** Every file of `files` relative to the run directory `root` (see {@link runRelative}). */
export function runRelativeFiles<K extends string>(
  root: string,
  files: Readonly<Record<K, string>>,
): Record<K, string> {
  return Object.fromEntries(
    Object.entries<string>(files).map(([key, file]) => [key, runRelative(root, file)]),
  ) as Record<K, string>;
}

export function runPaths(dir: string): RunPaths {
  const root = path.resolve(dir);
  const partitionDir = path.join(root, "partition");
  return {
    root,
    marker: path.join(root, RUN_MARKER_FILE),
    traffic: path.join(root, "traffic.csv"),
    partitionDir,
    partition: path.join(partitionDir, "partition.json"),
    chains: path.join(root, "chains"),
    store: path.join(root, "store"),
    units: path.join(root, "units"),
    economics: path.join(root, "economics"),
    coalition: path.join(root, "coalition"),
    learning: path.join(root, "learning"),
    charts: path.join(root, "charts"),
    reportMarkdown: path.join(root, "report.md"),
    reportJson: path.join(root, "report.json"),
  };
}

/** What preparing the run directory did. */
export interface PreparedRunDir {
  /** An earlier run was removed. */
  readonly replaced: boolean;
  /** Chains of the earlier run that were still running and were stopped. */
  readonly stoppedChains: number;
}

/**
 * Makes `paths.root` an empty run directory marked as a commchain run. An earlier run there is
 * removed, after stopping its chains that still run (only chain processes of that directory,
 * checked by pid and command line). Throws {@link RunDirError} for a non-empty directory without
 * the marker, or a path that is not a directory.
 */
export async function prepareRunDir(paths: RunPaths, marker: Record<string, unknown>): Promise<PreparedRunDir> {
  let replaced = false;
  let stoppedChains = 0;
  if (fs.existsSync(paths.root)) {
    if (!fs.statSync(paths.root).isDirectory()) throw new RunDirError(paths.root, "is not a directory");
    const entries = fs.readdirSync(paths.root);
    if (entries.length > 0) {
      if (!entries.includes(RUN_MARKER_FILE)) {
        throw new RunDirError(
          paths.root,
          `is not empty and holds no ${RUN_MARKER_FILE}: not a commchain run, refusing to delete it (choose another --run-dir)`,
        );
      }
      if (fs.existsSync(topologyPath(paths.chains))) {
        const results = await chainsDown(paths.chains);
        stoppedChains = results.filter((r) => r.outcome === "stopped" || r.outcome === "killed").length;
      }
      fs.rmSync(paths.root, { recursive: true, force: true });
      replaced = true;
    }
  }
  fs.mkdirSync(paths.root, { recursive: true });
  await writeFileAtomic(
    paths.marker,
    `${JSON.stringify({ version: 1, startedAt: new Date().toISOString(), ...marker }, null, 2)}\n`,
  );
  return { replaced, stoppedChains };
}
