// `npx hardhat economics:sampling`: the sampling-rate game of the digital-twin market paper
// (§5, §6.2) — certified Nash equilibria against uniform pricing, Figs. 9–12; and
// `npx hardhat economics:coalition`: the miners' coalition-formation game of the IoT consensus
// paper (§3.3) — certified merge-and-split. Both parse, call, print.
import path from "node:path";
import { types } from "hardhat/config";
import {
  COALITION_ARG_DEFAULTS,
  formatCoalitionSummary,
  formatSamplingSummary,
  parseCoalitionArgs,
  runCoalitionStudy,
  writeCoalitionOutputs,
  type CoalitionArgs,
  optionName,
  parseSamplingArgs,
  runSamplingStudy,
  SAMPLING_ARG_DEFAULTS,
  writeSamplingOutputs,
  type SamplingArgs,
} from "../src/economics";
import { commchainTask, shown } from "./kit";

const HELP: Record<keyof SamplingArgs, string> = {
  budgets: "Comma-separated buyer budgets B",
  maxSellers: "Solve every seller count from 1 to this",
  rawRates: "Comma-separated raw sampling rates R, one per seller (the iteration's start; caps with --raw-as-cap)",
  priceRatio: "UPS price as a share of the budget, p = ratio·B (a number or a fraction such as 1/6)",
  figurePriceRatios: "Comma-separated price shares compared in Figs. 9 and 11 at the first budget",
  beta1: "Satisfaction ξ(r) = β1 + β2·log10(1+r): β1",
  beta2: "Satisfaction: β2 (> 0)",
  alpha1: "Energy cost C_e(r) = ε(α1·r + α2): α1 (> 0)",
  alpha2: "Energy cost: α2",
  epsilon: "Energy cost: ε (> 0)",
  ceMin: "Lowest energy cost C_eMin (bounds the rate from below)",
  ceMax: "Highest energy cost C_eMax (bounds the rate from above)",
  uMin: "Participation minimum U_min of every seller",
  excludeInfeasible: "Drop sellers that cannot reach U_min instead of stopping with an error",
  rawAsCap: "Treat each raw rate as that seller's hardware maximum, not only as its starting rate",
};

const definition = commchainTask(
  "economics:sampling",
  "Solves the optimal sampling-rate game (certified Nash equilibrium) against uniform pricing, writing sampling.json, report.md and fig9–12.svg",
).addOptionalParam(
  "out",
  "Directory for sampling.json, report.md and fig9.svg … fig12.svg",
  path.join("out", "sampling"),
  types.string,
);
for (const key of Object.keys(HELP) as (keyof SamplingArgs)[]) {
  const fallback = SAMPLING_ARG_DEFAULTS[key];
  if (typeof fallback === "boolean") definition.addFlag(key, HELP[key]);
  else definition.addOptionalParam(key, `${HELP[key]} (${optionName(key)})`, fallback, types.string);
}
definition.setAction(async (args: SamplingArgs & { out: string }) => {
  const study = runSamplingStudy(parseSamplingArgs(args));
  const outputs = await writeSamplingOutputs(path.resolve(args.out), study);
  console.log(formatSamplingSummary(study, Object.values(outputs).map(shown)));
  return { study, outputs };
});

const COALITION_HELP: Record<keyof CoalitionArgs, string> = {
  miners: "Number of miners M (1–200), each drawn as capacity d ~ U[1,10] then power cost ξ ~ U[0.5,1.5]",
  seed: "Seed of the miners' draw (and of --init random:k)",
  reward: "Consensus reward R (≥ 0)",
  work: "Work W of the sensing task a coalition shares, T_m = W/D_S (> 0)",
  commCost: "Communication cost c per other member, C_m = c·(|S|−1) (≥ 0)",
  gamma: "Exponent γ of a coalition's capacity in its chance of the reward, D_S^γ/Σ D^γ (> 0)",
  splitRule:
    'Split rule: "pareto" (no member of the coalition worse off) or "paper" (§3.3 literally: one part better off)',
  init: 'Starting partition: "singletons" (the paper\'s), "grand" or "random:k"',
};

const coalition = commchainTask(
  "economics:coalition",
  "Runs the miners' coalition-formation game (merge-and-split, certified) from singletons and the grand coalition, writing coalition.json, report.md and coalition.svg",
).addOptionalParam(
  "out",
  "Directory for coalition.json, report.md and coalition.svg",
  path.join("out", "coalition"),
  types.string,
);
for (const key of Object.keys(COALITION_HELP) as (keyof CoalitionArgs)[]) {
  coalition.addOptionalParam(
    key,
    `${COALITION_HELP[key]} (${optionName(key)})`,
    COALITION_ARG_DEFAULTS[key],
    types.string,
  );
}
coalition.setAction(async (args: CoalitionArgs & { out: string }) => {
  const study = runCoalitionStudy(parseCoalitionArgs(args));
  const outputs = await writeCoalitionOutputs(path.resolve(args.out), study);
  console.log(formatCoalitionSummary(study, Object.values(outputs).map(shown)));
  return { study, outputs };
});
