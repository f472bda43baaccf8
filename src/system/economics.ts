/**
 * The main job's economics step: the sampling-rate game of the digital-twin market paper with
 * its default (the paper's) parameters, written into the run directory; the report links its
 * figures and checks its certificate.
 */
import { runSamplingStudy, writeSamplingOutputs, type Claim, type Crossing } from "../economics";
import { runRelativeFiles } from "./run-dir";

/** What the report needs of the study. */
export interface EconomicsFacts {
  readonly equilibria: number;
  /** Every equilibrium's certificate holds. */
  readonly certified: boolean;
  readonly maxDeviationGain: number;
  readonly maxStartDisagreement: number;
  readonly priceRatio: number;
  readonly claims: readonly Claim[];
  /** Crossings at the main price, one per budget. */
  readonly crossings: readonly Crossing[];
  /** The study's files, relative to the run directory ("/"-separated). */
  readonly files: Readonly<Record<string, string>>;
}

/** Runs the study and writes it into `dir` (inside the run directory `root`). */
export async function runEconomics(dir: string, root: string): Promise<EconomicsFacts> {
  const study = runSamplingStudy();
  const written = await writeSamplingOutputs(dir, study);
  return {
    equilibria: study.equilibrium.length,
    certified: study.certified,
    maxDeviationGain: Math.max(...study.equilibrium.map((e) => e.certificate.maxDeviationGain)),
    maxStartDisagreement: Math.max(...study.equilibrium.map((e) => e.certificate.startDisagreement)),
    priceRatio: study.options.priceRatio,
    claims: study.claims,
    crossings: study.crossings.filter((c) => c.priceRatio === study.options.priceRatio),
    files: runRelativeFiles(root, written),
  };
}
