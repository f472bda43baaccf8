/**
 * A serial lock: the runs handed to it happen one at a time, in the order they came. The unit's
 * sharing changes, uploads and record follow-ups share one, because each reads and rewrites the
 * keyrings, the state file and the queue's follow-ups, and two interleaved would queue twice.
 */
export type SerialLock = <T>(run: () => Promise<T>) => Promise<T>;

export function serialLock(): SerialLock {
  let tail: Promise<unknown> = Promise.resolve();
  return <T>(run: () => Promise<T>) => {
    const result = tail.then(run);
    tail = result.catch(() => undefined);
    return result;
  };
}
