// Paths as the tasks print them: short, relative to the working directory the user typed the
// command in, when the file is under it.
import path from "node:path";

/** `file` relative to the working directory ("." for the directory itself). */
export function relativeToCwd(file: string): string {
  return path.relative(process.cwd(), file) || ".";
}

/** `file` relative to the working directory when it is under it, else as given. */
export function shown(file: string): string {
  const relative = path.relative(process.cwd(), file);
  return relative.startsWith("..") || path.isAbsolute(relative) ? file : relative;
}
