/** Durations as tasks take them: `500ms`, `1s`, `1.5s`, `2m`, `1h`, or plain milliseconds. */
import { DurationError } from "./errors";

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };

/** Milliseconds of `text`; throws {@link DurationError} naming `what` for anything else. */
export function parseDuration(text: string, what = "duration"): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/.exec(text);
  if (match === null)
    throw new DurationError(
      `${what} must be a number with an optional unit ms, s, m or h (e.g. 500ms, 1s), got ${JSON.stringify(text)}`,
    );
  const ms = Math.round(Number(match[1]) * UNIT_MS[match[2] ?? "ms"]);
  if (ms <= 0) throw new DurationError(`${what} must be positive, got ${JSON.stringify(text)}`);
  return ms;
}
