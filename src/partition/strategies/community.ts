import type { DeviceId } from "../../traffic/types";
import type { ChosenPartition } from "../document";
import type { KCliqueLevel } from "../percolation";
import { PartitionError } from "../errors";
import { canonicalCommunities, compareDeviceIds } from "../order";
import type { Grouping } from "./grouping";

/** `--k` names a k at which the thresholded graph has no k-clique community. */
export class NoCommunityError extends PartitionError {
  constructor(
    readonly k: number,
    readonly source: string,
    readonly largestK: number | undefined,
  ) {
    super(
      `${source}: no ${k}-clique community at this threshold` +
        (largestK === undefined
          ? " (there is no community at any k ≥ 3)"
          : ` (the largest k with a community is ${largestK})`),
    );
  }
}

export interface ChooseOptions {
  /** Force this k (`--k`) instead of choosing. */
  k?: number;
  /** Devices that need not be covered (`--exempt`). */
  exempt?: Iterable<DeviceId>;
  /** Names the input in errors (the log file). */
  source?: string;
}

/**
 * The chosen clique-percolation partition (dividing paper, Algorithm 1 step 5 and IV.B): the
 * largest k whose communities cover every non-exempt device; or, when no k covers them all, the
 * k that leaves the fewest uncovered (then the largest such k); or the forced `k`. `levels` are
 * the `byK` levels (ascending k, canonical order); a forced k outside them must be given as a
 * level too. Uncovered devices will each run as a chain of their own.
 */
export function chooseCommunities(levels: readonly KCliqueLevel[], options: ChooseOptions = {}): ChosenPartition {
  const source = options.source ?? "graph";
  const largestK = [...levels].reverse().find((l) => l.communities.length > 0)?.k;
  let chosen: KCliqueLevel | undefined;
  if (options.k !== undefined) {
    chosen = levels.find((l) => l.k === options.k);
    if (chosen === undefined || chosen.communities.length === 0)
      throw new NoCommunityError(options.k, source, largestK);
  } else {
    if (largestK === undefined) throw new NoCommunityError(levels[0]?.k ?? 3, source, undefined);
    const exempt = new Set(options.exempt ?? []);
    let fewest = Infinity;
    for (const level of levels) {
      if (level.communities.length === 0) continue;
      const missing = level.uncovered.filter((d) => !exempt.has(d)).length;
      // ≤ so that among levels leaving as few devices out, the largest k wins
      if (missing <= fewest) [fewest, chosen] = [missing, level];
    }
  }
  const level = chosen!;
  return {
    k: level.k,
    communities: level.communities,
    interChainNodes: level.overlapping,
    uncovered: level.uncovered,
    forced: options.k !== undefined,
  };
}

/** The `community` strategy: one chain per chosen community, and one per uncovered device. */
export function communityGrouping(chosen: ChosenPartition): Grouping {
  const singles = [...chosen.uncovered].sort(compareDeviceIds).map((d) => [d]);
  return { name: "community", groups: canonicalCommunities([...chosen.communities, ...singles]) };
}
