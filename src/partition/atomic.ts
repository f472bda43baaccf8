import { randomBytes } from "node:crypto";
import { mkdir, open, rename, rm } from "node:fs/promises";
import path from "node:path";

/** One file to write: its destination path and its whole content. */
export interface FileContent {
  path: string;
  data: string | Uint8Array;
}

// Hand-written rather than a library: the project has no atomic-write dependency and the recipe is
// a few lines (temp file in the same directory, fsync, rename). The temp name carries the pid and
// random bytes so that concurrent writers never share a temp file.
function tempPathFor(file: string): string {
  const dir = path.dirname(file);
  return path.join(dir, `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`);
}

async function writeTemp(file: string, data: string | Uint8Array): Promise<string> {
  await mkdir(path.dirname(file), { recursive: true });
  const temp = tempPathFor(file);
  const handle = await open(temp, "wx");
  try {
    await handle.writeFile(data);
    await handle.sync();
  } catch (error) {
    await handle.close();
    await rm(temp, { force: true });
    throw error;
  }
  await handle.close();
  return temp;
}

/** Writes `data` to `file` so that readers see either the old file or the whole new one, never a part. */
export async function writeFileAtomic(file: string, data: string | Uint8Array): Promise<void> {
  await writeFilesAtomic([{ path: file, data }]);
}

/**
 * Writes a set of files that belong together (a run's outputs): every file is first written in full
 * to a temp file beside its destination, and only when all are written are they renamed into place.
 * If any write fails, the temp files are removed and no destination is touched.
 */
export async function writeFilesAtomic(files: readonly FileContent[]): Promise<void> {
  const staged: { temp: string; file: string }[] = [];
  try {
    for (const f of files) staged.push({ temp: await writeTemp(f.path, f.data), file: f.path });
  } catch (error) {
    await Promise.all(staged.map((s) => rm(s.temp, { force: true })));
    throw error;
  }
  for (const s of staged) await rename(s.temp, s.file);
}
