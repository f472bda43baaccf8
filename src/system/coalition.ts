/**
 * The main job's coalition step: the miners' coalition-formation game of the IoT consensus paper
 * (§3.3) with its defaults, its files in `<run>/coalition/`, and one round of the main chain's
 * CoalitionRewards with the coalitions it formed (registered by signature, seeds committed and
 * revealed, the winner drawn and paid by capacity).
 */
import type { HDNodeWallet } from "ethers";
import type { Topology } from "../chains/topology";
import {
  certificateHolds,
  coalitionMarkdownSection,
  runCoalitionStudy,
  totalUtility,
  writeCoalitionOutputs,
  type CoalitionOutputs,
} from "../economics";
import { runCoalitionRound, type CoalitionRoundFacts } from "./coalition-round";
import type { RunCheck } from "./run-check";
import { runRelativeFiles } from "./run-dir";

export interface CoalitionFacts {
  readonly miners: number;
  readonly seed: number;
  readonly partition: readonly (readonly number[])[];
  readonly merges: number;
  readonly splits: number;
  readonly status: string;
  /** The certificate holds: no Pareto merge or split, no miner gains by leaving. */
  readonly certified: boolean;
  readonly belowSingleton: number;
  readonly startsDiffer: boolean;
  readonly totalUtility: { readonly final: number; readonly singletons: number; readonly grand: number };
  /** The game's section of the run report. */
  readonly markdown: string;
  readonly round: CoalitionRoundFacts;
  /** Relative to the run directory. */
  readonly files: CoalitionOutputs;
}

/** Solves the game, writes its files into `dir` and plays one reward round on the main chain. */
export async function runCoalition(
  dir: string,
  root: string,
  topology: Topology,
  deployer: HDNodeWallet,
  mnemonic: string,
  seed: number,
): Promise<CoalitionFacts> {
  const study = runCoalitionStudy({ seed });
  const written = await writeCoalitionOutputs(dir, study);
  const files = runRelativeFiles(root, written);
  const run = study.run;
  const round = await runCoalitionRound(
    topology,
    {
      miners: study.miners,
      partition: run.partition,
      gamma: study.options.parameters.gamma,
      reward: study.options.parameters.reward,
    },
    deployer,
    mnemonic,
  );
  return {
    miners: study.miners.length,
    seed,
    partition: run.partition,
    merges: run.merges,
    splits: run.splits,
    status: run.status,
    certified: certificateHolds(run),
    belowSingleton: run.certificate.belowSingleton.count,
    startsDiffer: study.startsDiffer,
    totalUtility: {
      final: run.totalUtility,
      singletons: totalUtility(study.singletonUtilities),
      grand: totalUtility(study.grandUtilities),
    },
    markdown: coalitionMarkdownSection(study, { report: files.report, json: files.json }),
    round,
    files,
  };
}

/** The chance the model gave the round's winner (D_S^γ / Σ D^γ); 0 without a winner. */
export function winnerChance(round: CoalitionRoundFacts): number {
  return round.coalitions.find((c) => c.coalitionId === round.winner)?.probability ?? 0;
}

/** The run's checks of the game and its round. */
export function coalitionChecks(facts: CoalitionFacts): RunCheck[] {
  const r = facts.round;
  return [
    {
      name: "the miners' coalition partition is Dhp-stable (certificate: no Pareto merge or split, no miner gains by leaving)",
      required: true,
      passed: facts.certified && facts.status === "stable",
      detail: `${facts.partition.length} coalitions of ${facts.miners} miners after ${facts.merges} merges and ${facts.splits} splits; total utility ${facts.totalUtility.final.toFixed(2)} (singletons ${facts.totalUtility.singletons.toFixed(2)}, grand ${facts.totalUtility.grand.toFixed(2)}); ${facts.belowSingleton} miners below their singleton utility`,
    },
    {
      name: "the CoalitionRewards round drew a winner from committed seeds and paid its members the whole reward by capacity",
      required: true,
      passed: r.winner > 0 && r.conserved,
      detail: `round ${r.round}: ${r.coalitions.length} coalitions registered, winner ${r.winner} (chance ${(winnerChance(r) * 100).toFixed(1)} %), ${Object.keys(r.credited).length} members paid and withdrew`,
    },
  ];
}
