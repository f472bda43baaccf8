/**
 * `economics:coalition`'s command-line options, as text, turned into a study's options. Parsed here
 * so every error names the option as typed (`--comm-cost`) and what is wrong with it.
 */
import { CoalitionParameterError } from "../errors";
import { optionName } from "../sampling-options";
import { parseInitRule } from "./merge-split";
import { MAX_MINERS } from "./model";
import { SPLIT_RULES, type SplitRule } from "./moves";
import { COALITION_STUDY_DEFAULTS, type CoalitionStudyOptions } from "./study";

/** The options as the task receives them. */
export interface CoalitionArgs {
  miners: string;
  seed: string;
  reward: string;
  work: string;
  commCost: string;
  gamma: string;
  splitRule: string;
  init: string;
}

const d = COALITION_STUDY_DEFAULTS;
/** The defaults, as option text (the task's defaults and `--help`). */
export const COALITION_ARG_DEFAULTS: CoalitionArgs = {
  miners: String(d.miners),
  seed: String(d.seed),
  reward: String(d.parameters.reward),
  work: String(d.parameters.work),
  commCost: String(d.parameters.commCost),
  gamma: String(d.parameters.gamma),
  splitRule: d.splitRule,
  init: d.init,
};

function parseNumber(key: keyof CoalitionArgs, text: string): number {
  const trimmed = text.trim();
  const value = Number(trimmed);
  if (trimmed === "" || !Number.isFinite(value))
    throw new CoalitionParameterError(optionName(key), `must be a number, got "${text}"`);
  return value;
}

function parseInteger(key: keyof CoalitionArgs, text: string, min: number, max: number): number {
  const trimmed = text.trim();
  if (!/^-?\d+$/.test(trimmed) || Number(trimmed) < min || Number(trimmed) > max)
    throw new CoalitionParameterError(optionName(key), `must be an integer from ${min} to ${max}, got "${text}"`);
  return Number(trimmed);
}

/** Checks a number option's range here too, so the error names the option as typed. */
function atLeast(key: keyof CoalitionArgs, value: number, min: number, strict: boolean): number {
  if (strict ? value <= min : value < min)
    throw new CoalitionParameterError(optionName(key), `must be ${strict ? ">" : "≥"} ${min}, got ${value}`);
  return value;
}

/** Turns the task's text options into study options. */
export function parseCoalitionArgs(args: CoalitionArgs): CoalitionStudyOptions {
  const miners = parseInteger("miners", args.miners, 1, MAX_MINERS);
  const splitRule = args.splitRule.trim();
  if (!(SPLIT_RULES as readonly string[]).includes(splitRule))
    throw new CoalitionParameterError("--split-rule", `must be "pareto" or "paper", got "${args.splitRule}"`);
  return {
    ...COALITION_STUDY_DEFAULTS,
    miners,
    seed: parseInteger("seed", args.seed, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER),
    parameters: {
      reward: atLeast("reward", parseNumber("reward", args.reward), 0, false),
      work: atLeast("work", parseNumber("work", args.work), 0, true),
      commCost: atLeast("commCost", parseNumber("commCost", args.commCost), 0, false),
      gamma: atLeast("gamma", parseNumber("gamma", args.gamma), 0, true),
    },
    splitRule: splitRule as SplitRule,
    init: parseInitRule(args.init.trim(), miners, "--init"),
  };
}
