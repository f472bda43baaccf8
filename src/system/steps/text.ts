/** How the progress lines of the steps write counts and paths. */
import path from "node:path";

/** A count with thousands separators (en-US, so the lines read the same on every machine). */
export function figure(value: number): string {
  return value.toLocaleString("en-US");
}

/** `file` relative to the working directory, unless it lies outside it. */
export function relative(file: string): string {
  const rel = path.relative(process.cwd(), file);
  return rel.startsWith("..") || path.isAbsolute(rel) ? file : rel;
}
