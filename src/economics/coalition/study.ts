/**
 * One coalition study: the miners drawn from the seed, merge-and-split from the chosen start and,
 * for comparison, from singletons and from the grand coalition (Dhp-stable partitions need not be
 * unique under externalities, so the two starts can end apart), each certified, beside the
 * utilities of the two trivial partitions and, for few miners, the social optimum.
 */
import { CoalitionParameterError } from "../errors";
import { formCoalitions, FORMATION_DEFAULTS, parseInitRule, type Formation, type InitRule } from "./merge-split";
import {
  COALITION_DEFAULTS,
  coalitionCapacity,
  drawMiners,
  grandPartition,
  MAX_MINERS,
  partitionUtilities,
  singletonPartition,
  totalUtility,
  validateCoalitionParameters,
  validateMiners,
  type CoalitionParameters,
  type Miner,
} from "./model";
import { SPLIT_RULES, type SplitRule } from "./moves";
import { certifyPartition, type CoalitionCertificate } from "./certificate";
import { socialOptimum, type Optimum } from "./partitions";

export interface CoalitionStudyOptions {
  /** M: how many miners to draw (ignored when `minerList` is given). */
  readonly miners: number;
  readonly seed: number;
  readonly parameters: CoalitionParameters;
  readonly splitRule: SplitRule;
  readonly init: InitRule;
  readonly maxMoves: number;
  /** Miners given instead of drawn (a crafted game). */
  readonly minerList?: readonly Miner[];
}

export const COALITION_STUDY_DEFAULTS: CoalitionStudyOptions = Object.freeze({
  miners: 20,
  seed: 1,
  parameters: COALITION_DEFAULTS,
  splitRule: FORMATION_DEFAULTS.splitRule,
  init: FORMATION_DEFAULTS.init,
  maxMoves: FORMATION_DEFAULTS.maxMoves,
});

/** A run of merge-and-split with its certificate and the figures the report compares. */
export interface CoalitionRun extends Formation {
  readonly certificate: CoalitionCertificate;
  readonly totalUtility: number;
  /** The paper's "coalition with the highest coalition utility": the largest sum of its members' utilities. */
  readonly bestCoalition: { readonly members: number[]; readonly utility: number; readonly capacity: number };
}

export interface CoalitionStudy {
  readonly options: CoalitionStudyOptions;
  readonly miners: readonly Miner[];
  /** Utilities, by id − 1, when every miner is alone and when all are together. */
  readonly singletonUtilities: number[];
  readonly grandUtilities: number[];
  /** The run from `options.init`. */
  readonly run: CoalitionRun;
  readonly fromSingletons: CoalitionRun;
  readonly fromGrand: CoalitionRun;
  /** Whether the singletons start and the grand start end in different partitions. */
  readonly startsDiffer: boolean;
  /** The social optimum (at most 10 miners), or null. */
  readonly optimum: Optimum | null;
}

function validateStudyOptions(o: CoalitionStudyOptions): void {
  if (o.minerList === undefined && (!Number.isInteger(o.miners) || o.miners < 1 || o.miners > MAX_MINERS))
    throw new CoalitionParameterError("miners", `must be an integer from 1 to ${MAX_MINERS}, got ${o.miners}`);
  if (!Number.isSafeInteger(o.seed)) throw new CoalitionParameterError("seed", `must be an integer, got ${o.seed}`);
  validateCoalitionParameters(o.parameters);
  if (!SPLIT_RULES.includes(o.splitRule))
    throw new CoalitionParameterError("splitRule", `must be "pareto" or "paper", got "${String(o.splitRule)}"`);
}

function certifiedRun(miners: readonly Miner[], o: CoalitionStudyOptions, init: InitRule): CoalitionRun {
  const formation = formCoalitions(miners, o.parameters, {
    splitRule: o.splitRule,
    init,
    seed: o.seed,
    maxMoves: o.maxMoves,
  });
  const coalitions = formation.partition.map((members) => ({
    members,
    utility: totalUtility(members.map((id) => formation.utilities[id - 1])),
    capacity: coalitionCapacity(miners, members),
  }));
  const bestCoalition = coalitions.reduce((best, c) => (c.utility > best.utility ? c : best));
  return {
    ...formation,
    certificate: certifyPartition(miners, o.parameters, formation.partition, o.splitRule),
    totalUtility: totalUtility(formation.utilities),
    bestCoalition,
  };
}

/** Runs the study; every option defaults to `COALITION_STUDY_DEFAULTS`. */
export function runCoalitionStudy(options: Partial<CoalitionStudyOptions> = {}): CoalitionStudy {
  const o: CoalitionStudyOptions = {
    ...COALITION_STUDY_DEFAULTS,
    ...options,
    parameters: { ...COALITION_DEFAULTS, ...options.parameters },
  };
  validateStudyOptions(o);
  const miners = o.minerList === undefined ? drawMiners(o.miners, o.seed) : validateMiners(o.minerList);
  const count = miners.length;
  const init = parseInitRule(o.init, count);
  const fromSingletons = certifiedRun(miners, o, "singletons");
  const fromGrand = certifiedRun(miners, o, "grand");
  const run = init === "singletons" ? fromSingletons : init === "grand" ? fromGrand : certifiedRun(miners, o, init);
  return {
    options: { ...o, miners: count },
    miners,
    singletonUtilities: partitionUtilities(miners, o.parameters, singletonPartition(count)),
    grandUtilities: partitionUtilities(miners, o.parameters, grandPartition(count)),
    run,
    fromSingletons,
    fromGrand,
    startsDiffer: JSON.stringify(fromSingletons.partition) !== JSON.stringify(fromGrand.partition),
    optimum: socialOptimum(miners, o.parameters),
  };
}

/** Mean utility per miner. */
export function meanUtility(utilities: readonly number[]): number {
  return totalUtility(utilities) / utilities.length;
}
