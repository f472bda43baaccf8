/**
 * Set partitions, enumerated: for the certificate's splits of a coalition into any number of parts
 * and for the optimum (the partition of all miners with the highest total utility), both only
 * where the Bell number stays small (B(10) = 115,975).
 */
import { partitionUtilities, totalUtility, type CoalitionParameters, type Miner } from "./model";

/** B(n): the number of set partitions of n items. */
export function bellNumber(n: number): number {
  let row = [1];
  for (let i = 0; i < n; i++) {
    const next = [row[row.length - 1]];
    for (const value of row) next.push(next[next.length - 1] + value);
    row = next;
  }
  return row[0];
}

/**
 * Calls `visit` with every set partition of `items` (parts in order of their first item, items in
 * their given order), by restricted growth strings; stops early when `visit` returns true. Returns
 * how many partitions were visited.
 */
export function forEachSetPartition(items: readonly number[], visit: (parts: number[][]) => boolean | void): number {
  const n = items.length;
  if (n === 0) return 0;
  const block = new Array<number>(n).fill(0);
  // highest[i]: the largest block number among items 0…i.
  const highest = new Array<number>(n).fill(0);
  let visited = 0;
  for (;;) {
    const parts: number[][] = Array.from({ length: highest[n - 1] + 1 }, () => []);
    for (let i = 0; i < n; i++) parts[block[i]].push(items[i]);
    visited++;
    if (visit(parts) === true) return visited;
    let i = n - 1;
    while (i > 0 && block[i] > highest[i - 1]) i--;
    if (i === 0) return visited;
    block[i]++;
    highest[i] = Math.max(highest[i - 1], block[i]);
    for (let j = i + 1; j < n; j++) {
      block[j] = 0;
      highest[j] = highest[i];
    }
  }
}

/** The most miners the optimum is searched for: B(10) = 115,975 partitions. */
export const OPTIMUM_MAX_MINERS = 10;

/** The partition of all miners with the highest total utility (the social optimum). */
export interface Optimum {
  readonly partition: number[][];
  readonly totalUtility: number;
  readonly partitionsChecked: number;
}

/** The social optimum by exhaustive search; null above `OPTIMUM_MAX_MINERS` miners. */
export function socialOptimum(miners: readonly Miner[], parameters: CoalitionParameters): Optimum | null {
  if (miners.length > OPTIMUM_MAX_MINERS) return null;
  let best: number[][] = [];
  let bestTotal = -Infinity;
  const checked = forEachSetPartition(
    miners.map((m) => m.id),
    (parts) => {
      const total = totalUtility(partitionUtilities(miners, parameters, parts));
      if (total > bestTotal) {
        bestTotal = total;
        best = parts;
      }
    },
  );
  return { partition: best, totalUtility: bestTotal, partitionsChecked: checked };
}
