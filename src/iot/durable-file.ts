/**
 * Durable atomic file writes: a reader sees the old file or the new one, never half of one, and
 * once the call resolves the new file survives a power cut. Like `offchain/atomic-file.ts`
 * (temp file in the same directory, then rename), plus the two fsyncs that make it durable: the
 * temp file's data before the rename, the directory entry after it. The IoT unit needs them: its
 * queue and state are the only record of transactions a crash must not lose.
 */
import { constants as fsConstants } from "node:fs";
import { randomBytes } from "node:crypto";
import { mkdir, open, rename, rm, type FileHandle } from "node:fs/promises";
import path from "node:path";

/** Makes a rename or creation in `dir` durable (the directory entry itself). */
export async function fsyncDir(dir: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(dir, fsConstants.O_RDONLY);
    await handle.sync();
  } catch (err) {
    // Some platforms cannot open or fsync a directory (Windows: EISDIR/EPERM); the rename itself
    // is still atomic there, only its durability across a power cut is not guaranteed.
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== "EISDIR" && code !== "EPERM" && code !== "EINVAL") throw err;
  } finally {
    await handle?.close();
  }
}

/** Writes `data` to `file` through a temp file in the same directory, fsynced, then renamed over. */
export async function writeFileDurably(file: string, data: string | Uint8Array, mode = 0o600): Promise<void> {
  const dir = path.dirname(file);
  await mkdir(dir, { recursive: true });
  const temp = path.join(dir, `.${path.basename(file)}.${randomBytes(6).toString("hex")}.tmp`);
  const handle = await open(temp, "wx", mode);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } catch (err) {
    await handle.close();
    await rm(temp, { force: true });
    throw err;
  }
  await handle.close();
  try {
    await rename(temp, file);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
  await fsyncDir(dir);
}
