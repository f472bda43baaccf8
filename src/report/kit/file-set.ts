/**
 * A report's files (its JSON, its Markdown, its charts) written as one set into its directory:
 * every file goes to a temporary file first and all are renamed into place only when all are
 * written (`writeFilesAtomic`), so a reader never finds a report.md whose charts are missing or stale.
 */
import path from "node:path";
import { writeFilesAtomic } from "../../io/atomic-write";

/** One file of a set: where it goes (relative to the set's directory, or absolute) and its content. */
export interface SetFile {
  readonly file: string;
  readonly data: string | Uint8Array;
}

/** Where a file of a set lands: `file` under `dir` unless it is absolute. */
export function setFilePath(dir: string, file: string): string {
  return path.isAbsolute(file) ? file : path.join(dir, file);
}

/**
 * Writes `files` into `dir` (created if needed) as one set, in the order given; if any write fails
 * none of them is touched. Returns the path of each file, by the same keys.
 */
export async function writeFileSet<K extends string>(
  dir: string,
  files: Readonly<Record<K, SetFile>>,
): Promise<Record<K, string>> {
  const entries = Object.entries(files) as [K, SetFile][];
  const paths = Object.fromEntries(entries.map(([key, f]) => [key, setFilePath(dir, f.file)])) as Record<K, string>;
  await writeFilesAtomic(entries.map(([key, f]) => ({ path: paths[key], data: f.data })));
  return paths;
}

/** A JSON file of a report: two-space indented, ending in a newline. */
export function formatJsonFile(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}
