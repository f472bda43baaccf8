/**
 * Atomic, durable file writes, the one way the project writes a file that others read.
 *
 * A reader sees the old file or the whole new one, never part of one: the content goes to a
 * temporary file in the same directory (same file system, so `rename` is atomic), is flushed to
 * disk, and is renamed over the target; then the directory entry is flushed too, so once the
 * call returns the new file survives a crash or power cut. On any error the temporary file is
 * removed and the target is left as it was.
 */
import fs from "node:fs";
import { randomBytes } from "node:crypto";
import { mkdir, open, rename, rm } from "node:fs/promises";
import path from "node:path";

/** What can be written: whole bytes or text, or text streamed in chunks (bounded memory). */
export type FileData = string | Uint8Array | Iterable<string> | AsyncIterable<string>;

/** One file of a set written together: its destination and its content. */
export interface FileContent {
  path: string;
  data: string | Uint8Array;
}

export interface WriteOptions {
  /** Permission bits of the new file (default 0o644; keys use 0o600). */
  mode?: number;
  /**
   * Fail with EEXIST instead of replacing an existing file (sync writes only): the file is put
   * in place with `link`, which, unlike `rename`, never replaces its target, so no check-then-write race.
   */
  exclusive?: boolean;
}

/** Chunks of streamed text are gathered up to this size before one write: few syscalls. */
const WRITE_BUFFER_CHARS = 1 << 16;

function tempPathFor(file: string): string {
  // pid + random bytes: concurrent writers (threads, processes) never share a temp file.
  return path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`);
}

/** Flushes a directory's entries (a rename, a new file) to disk; a no-op where unsupported. */
export function syncDirectorySync(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, "r");
    fs.fsyncSync(fd);
  } catch {
    // Some platforms cannot open or fsync a directory (Windows); the rename is still atomic there.
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/** Asynchronous {@link syncDirectorySync}. */
export async function syncDirectory(dir: string): Promise<void> {
  let handle: fs.promises.FileHandle | undefined;
  try {
    handle = await open(dir, "r");
    await handle.sync();
  } catch {
    // As above: best effort where directories cannot be flushed.
  } finally {
    await handle?.close();
  }
}

async function writeTemp(file: string, data: FileData, mode: number): Promise<string> {
  await mkdir(path.dirname(file), { recursive: true });
  const temp = tempPathFor(file);
  const handle = await open(temp, "wx", mode);
  try {
    if (typeof data === "string" || data instanceof Uint8Array) {
      await handle.writeFile(data);
    } else {
      let buffer = "";
      for await (const chunk of data) {
        buffer += chunk;
        if (buffer.length >= WRITE_BUFFER_CHARS) {
          await handle.write(buffer);
          buffer = "";
        }
      }
      if (buffer.length > 0) await handle.write(buffer);
    }
    await handle.sync();
  } catch (error) {
    await handle.close().catch(() => undefined);
    await rm(temp, { force: true });
    throw error;
  }
  await handle.close();
  return temp;
}

/** Writes `data` to `file` atomically and durably, creating its directory if needed. */
export async function writeFileAtomic(file: string, data: FileData, options: WriteOptions = {}): Promise<void> {
  const target = path.resolve(file);
  const temp = await writeTemp(target, data, options.mode ?? 0o644);
  try {
    await rename(temp, target);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  await syncDirectory(path.dirname(target));
}

/** Synchronous {@link writeFileAtomic}, for callers that cannot await (configuration loading). */
export function writeFileAtomicSync(file: string, data: string | Uint8Array, options: WriteOptions = {}): void {
  const target = path.resolve(file);
  const dir = path.dirname(target);
  fs.mkdirSync(dir, { recursive: true });
  const temp = tempPathFor(target);
  try {
    const fd = fs.openSync(temp, "wx", options.mode ?? 0o644);
    try {
      fs.writeFileSync(fd, data);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    if (options.exclusive === true) {
      fs.linkSync(temp, target);
      fs.rmSync(temp);
    } else {
      fs.renameSync(temp, target);
    }
  } catch (error) {
    fs.rmSync(temp, { force: true });
    throw error;
  }
  syncDirectorySync(dir);
}

/**
 * Writes a set of files that belong together (a run's outputs): every file is written in full
 * to a temporary file beside its destination, and only when all are written are they renamed
 * into place. If any write fails, the temporary files are removed and no destination is touched.
 */
export async function writeFilesAtomic(files: readonly FileContent[]): Promise<void> {
  const staged: { temp: string; file: string }[] = [];
  try {
    for (const f of files) {
      const file = path.resolve(f.path);
      staged.push({ temp: await writeTemp(file, f.data, 0o644), file });
    }
  } catch (error) {
    await Promise.all(staged.map((s) => rm(s.temp, { force: true })));
    throw error;
  }
  for (const s of staged) await rename(s.temp, s.file);
  for (const dir of new Set(staged.map((s) => path.dirname(s.file)))) await syncDirectory(dir);
}
