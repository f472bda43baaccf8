/**
 * `economics:sampling`'s command-line options, as text, turned into a study's options. Parsed here
 * rather than with Hardhat's types so every error names the option (`--budgets`) and the bad item.
 */
import { SamplingParameterError } from "./errors";
import { SAMPLING_DEFAULTS, type SamplingParameters } from "./sampling-model";
import { SAMPLING_STUDY_DEFAULTS, type SamplingStudyOptions } from "./sampling-study";

/** The options as the task receives them. */
export interface SamplingArgs {
  budgets: string;
  maxSellers: string;
  rawRates: string;
  priceRatio: string;
  figurePriceRatios: string;
  beta1: string;
  beta2: string;
  alpha1: string;
  alpha2: string;
  epsilon: string;
  ceMin: string;
  ceMax: string;
  uMin: string;
  excludeInfeasible: boolean;
  rawAsCap: boolean;
}

const list = (values: readonly number[]) => values.map((v) => String(Number(v.toPrecision(6)))).join(",");

/** The defaults, as option text (the task's defaults and `--help`). */
export const SAMPLING_ARG_DEFAULTS: SamplingArgs = {
  budgets: list(SAMPLING_STUDY_DEFAULTS.budgets),
  maxSellers: String(SAMPLING_STUDY_DEFAULTS.maxSellers),
  rawRates: list(SAMPLING_STUDY_DEFAULTS.rawRates),
  priceRatio: "1/6",
  figurePriceRatios: "1/5,1/6,1/7",
  ...(Object.fromEntries(Object.entries(SAMPLING_DEFAULTS).map(([k, v]) => [k, String(v)])) as Record<
    keyof SamplingParameters,
    string
  >),
  excludeInfeasible: false,
  rawAsCap: false,
};

/** The option name as typed: `ceMin` → `--ce-min`. */
export function optionName(key: string): string {
  return `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

/** A number, or a fraction `a/b` (prices read best as B/6). */
function parseNumber(option: string, text: string): number {
  const trimmed = text.trim();
  const fraction = /^([^/]+)\/([^/]+)$/.exec(trimmed);
  const value = fraction === null ? Number(trimmed) : Number(fraction[1]) / Number(fraction[2]);
  if (trimmed === "" || !Number.isFinite(value))
    throw new SamplingParameterError(option, `must be a number, got "${text}"`);
  return value;
}

function parseList(option: string, text: string): number[] {
  const items = text.split(",");
  if (text.trim() === "") throw new SamplingParameterError(option, "is empty: give comma-separated numbers");
  return items.map((item, i) => {
    try {
      return parseNumber(option, item);
    } catch {
      throw new SamplingParameterError(option, `item ${i + 1} must be a number, got "${item}"`);
    }
  });
}

/** Turns the task's text options into study options; the study validates the values. */
export function parseSamplingArgs(args: SamplingArgs): SamplingStudyOptions {
  const maxSellers = parseNumber("--max-sellers", args.maxSellers);
  if (!Number.isInteger(maxSellers))
    throw new SamplingParameterError("--max-sellers", `must be a whole number, got "${args.maxSellers}"`);
  const parameters = Object.fromEntries(
    (Object.keys(SAMPLING_DEFAULTS) as (keyof SamplingParameters)[]).map((key) => [
      key,
      parseNumber(optionName(key), args[key]),
    ]),
  ) as unknown as SamplingParameters;
  return {
    parameters,
    budgets: parseList("--budgets", args.budgets),
    maxSellers,
    rawRates: parseList("--raw-rates", args.rawRates),
    priceRatio: parseNumber("--price-ratio", args.priceRatio),
    figurePriceRatios: parseList("--figure-price-ratios", args.figurePriceRatios),
    excludeInfeasible: args.excludeInfeasible,
    rawAsCap: args.rawAsCap,
  };
}
