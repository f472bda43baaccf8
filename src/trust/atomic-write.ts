// Writes a file so that readers only ever see the old file or the complete new one: the text
// goes to a temporary file in the same directory (same file system, so rename is atomic),
// is flushed to disk, then renamed over the target.
import { randomBytes } from "node:crypto";
import { mkdir, open, rename, rm } from "node:fs/promises";
import path from "node:path";

/** Chunks are gathered up to this size before one write: few syscalls, bounded memory. */
const WRITE_BUFFER_CHARS = 1 << 16;

/**
 * Streams `chunks` into `file` atomically, creating its directory if needed. Memory stays
 * bounded by the write buffer however many chunks come. On any error the temporary file is
 * removed and the target is left as it was.
 */
export async function writeTextAtomically(file: string, chunks: Iterable<string> | AsyncIterable<string>): Promise<void> {
  const target = path.resolve(file);
  const directory = path.dirname(target);
  await mkdir(directory, { recursive: true });
  const temp = path.join(directory, `.${path.basename(target)}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`);
  const handle = await open(temp, "wx");
  try {
    let buffer = "";
    for await (const chunk of chunks) {
      buffer += chunk;
      if (buffer.length >= WRITE_BUFFER_CHARS) {
        await handle.write(buffer);
        buffer = "";
      }
    }
    if (buffer.length > 0) await handle.write(buffer);
    await handle.sync();
    await handle.close();
    await rename(temp, target);
  } catch (error) {
    await handle.close().catch(() => undefined);
    await rm(temp, { force: true });
    throw error;
  }
}
