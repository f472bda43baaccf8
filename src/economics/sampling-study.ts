/**
 * The paper's experiment (§6.2, Figs. 9–12) over every budget and every seller count 1…N: the
 * certified equilibrium against uniform pricing at the main price and at the figures' prices, the
 * crossing point of their rates, and the paper's four claims checked against our numbers.
 */
import { EQUILIBRIUM_DEFAULTS, solveEquilibrium, type Equilibrium } from "./equilibrium";
import { SamplingParameterError } from "./errors";
import {
  PAPER_BUDGETS,
  PAPER_RAW_RATES,
  SAMPLING_DEFAULTS,
  validateParameters,
  type SamplingParameters,
} from "./sampling-model";
import { DEFAULT_PRICE_RATIO, uniformPricing, type UniformPricing } from "./uniform-pricing";

/** What to run. */
export interface SamplingStudyOptions {
  readonly parameters: SamplingParameters;
  readonly budgets: readonly number[];
  readonly maxSellers: number;
  /** R: every seller's raw rate, the iteration's start (and its cap with `rawAsCap`). */
  readonly rawRates: readonly number[];
  /** UPS price as a share of the budget, p = ratio·B. */
  readonly priceRatio: number;
  /** The prices Figs. 9 and 11 compare at the first budget, as shares of it. */
  readonly figurePriceRatios: readonly number[];
  readonly excludeInfeasible: boolean;
  readonly rawAsCap: boolean;
}

/** "More than six sellers" (§6.2): the claims split the seller counts here. */
export const PAPER_CROSSING_SELLERS = 7;
/** Largest relative spread (max − min)/max of UPS profit over seller counts still called steady. */
export const STEADY_PROFIT_SPREAD = 0.5;

export const SAMPLING_STUDY_DEFAULTS: SamplingStudyOptions = Object.freeze({
  parameters: SAMPLING_DEFAULTS,
  budgets: PAPER_BUDGETS,
  maxSellers: PAPER_RAW_RATES.length,
  rawRates: PAPER_RAW_RATES,
  priceRatio: DEFAULT_PRICE_RATIO,
  figurePriceRatios: [1 / 5, DEFAULT_PRICE_RATIO, 1 / 7],
  excludeInfeasible: false,
  rawAsCap: false,
});

/** One equilibrium of the study with its budget and seller count. */
export interface StudyEquilibrium extends Equilibrium {
  readonly sellerCount: number;
}

/** One UPS point of the study, tagged with the price ratio it was computed at. */
export interface StudyPricing extends UniformPricing {
  readonly priceRatio: number;
}

/** Where, for one budget and price, the equilibrium rate first rises above UPS's and stays there. */
export interface Crossing {
  readonly budget: number;
  readonly priceRatio: number;
  /** The first seller count with the NE rate above UPS's for it and every larger count (null: never). */
  readonly sellers: number | null;
}

/** One of the paper's claims, checked. */
export interface Claim {
  readonly id: "ups-higher-few" | "ne-higher-many" | "ups-profit-steady" | "ne-profit-falling";
  readonly claim: string;
  /** null: the study's range cannot test it (e.g. fewer than seven sellers). */
  readonly holds: boolean | null;
  /** Our numbers behind the verdict. */
  readonly evidence: string;
}

export interface SamplingStudy {
  readonly options: SamplingStudyOptions;
  readonly equilibrium: readonly StudyEquilibrium[];
  readonly uniformPricing: readonly StudyPricing[];
  readonly crossings: readonly Crossing[];
  readonly claims: readonly Claim[];
  /** Every equilibrium's certificate holds. */
  readonly certified: boolean;
}

const mean = (values: readonly number[]) => values.reduce((a, b) => a + b, 0) / values.length;

/** The mean rate and per-seller profit of a point (symmetric in the paper's setting; mean otherwise). */
export function meanRate(point: { rates: readonly number[] }): number {
  return mean(point.rates);
}
export function meanProfit(point: { utilities: readonly number[] } | { profits: readonly number[] }): number {
  return mean("utilities" in point ? point.utilities : point.profits);
}

function validateStudy(o: SamplingStudyOptions): void {
  validateParameters(o.parameters);
  if (o.budgets.length === 0) throw new SamplingParameterError("budgets", "names no budget");
  o.budgets.forEach((b, i) => {
    if (!Number.isFinite(b) || b <= 0)
      throw new SamplingParameterError(`budgets[${i}]`, `must be a positive number, got ${b}`);
  });
  if (!Number.isInteger(o.maxSellers) || o.maxSellers < 1)
    throw new SamplingParameterError("maxSellers", `must be a whole number ≥ 1, got ${o.maxSellers}`);
  if (o.rawRates.length < o.maxSellers) {
    throw new SamplingParameterError(
      "rawRates",
      `gives ${o.rawRates.length} raw rates but the study has up to ${o.maxSellers} sellers: give one rate per seller`,
    );
  }
  for (const [name, ratio] of [
    ["priceRatio", o.priceRatio],
    ...o.figurePriceRatios.map((r, i) => [`figurePriceRatios[${i}]`, r] as const),
  ] as const) {
    if (!Number.isFinite(ratio) || ratio <= 0)
      throw new SamplingParameterError(name, `must be a positive share of the budget, got ${ratio}`);
  }
}

function crossingOf(ne: readonly number[], ups: readonly number[]): number | null {
  let first: number | null = null;
  for (let i = ne.length - 1; i >= 0; i--) {
    if (ne[i] > ups[i]) first = i + 1;
    else break;
  }
  return first;
}

const fmt = (x: number) => x.toFixed(2);

function checkClaims(
  o: SamplingStudyOptions,
  ne: (b: number) => StudyEquilibrium[],
  ups: (b: number, ratio: number) => StudyPricing[],
): Claim[] {
  const few = Array.from({ length: Math.min(o.maxSellers, PAPER_CROSSING_SELLERS - 1) }, (_, i) => i + 1);
  const many = Array.from(
    { length: Math.max(0, o.maxSellers - PAPER_CROSSING_SELLERS + 1) },
    (_, i) => i + PAPER_CROSSING_SELLERS,
  );
  const rateAt = (b: number, n: number) => ({ ne: meanRate(ne(b)[n - 1]), ups: meanRate(ups(b, o.priceRatio)[n - 1]) });
  const compare = (counts: number[], upsAbove: boolean) => {
    const misses = o.budgets.flatMap((b) =>
      counts
        .filter((n) => (upsAbove ? rateAt(b, n).ups <= rateAt(b, n).ne : rateAt(b, n).ne <= rateAt(b, n).ups))
        .map((n) => `B=${b} n=${n}`),
    );
    const sample = o.budgets.map((b) => {
      const n = upsAbove ? counts[counts.length - 1] : counts[0];
      const r = rateAt(b, n);
      return `B=${b} n=${n}: NE ${fmt(r.ne)}, UPS ${fmt(r.ups)}`;
    });
    return {
      holds: misses.length === 0,
      evidence: misses.length === 0 ? sample.join("; ") : `fails at ${misses.join(", ")}`,
    };
  };
  const spreads = o.budgets.map((b) => {
    const profits = ups(b, o.priceRatio).map(meanProfit);
    const max = Math.max(...profits);
    const min = Math.min(...profits);
    return { b, min, max, spread: max === 0 ? 0 : (max - min) / Math.abs(max) };
  });
  const falling = o.budgets.map((b) => {
    const profits = ne(b).map(meanProfit);
    const rises = profits.flatMap((u, i) => (i > 0 && u >= profits[i - 1] ? [i + 1] : []));
    return { b, first: profits[0], last: profits[profits.length - 1], rises };
  });
  const pct = (x: number) => `${(x * 100).toFixed(0)} %`;
  return [
    {
      id: "ups-higher-few",
      claim: "UPS has the higher sampling rate when there are few sellers (six or fewer)",
      ...compare(few, true),
    },
    {
      id: "ne-higher-many",
      claim: "the equilibrium has the higher sampling rate above six sellers",
      ...(many.length === 0
        ? { holds: null, evidence: `needs at least ${PAPER_CROSSING_SELLERS} sellers` }
        : compare(many, false)),
    },
    {
      id: "ups-profit-steady",
      claim: "UPS profit stays steady as sellers join",
      holds: spreads.every((s) => s.spread < STEADY_PROFIT_SPREAD),
      evidence: spreads.map((s) => `B=${s.b}: ${fmt(s.min)}–${fmt(s.max)} (spread ${pct(s.spread)})`).join("; "),
    },
    {
      id: "ne-profit-falling",
      claim: "equilibrium profit per seller decreases as sellers join",
      holds: o.maxSellers < 2 ? null : falling.every((f) => f.rises.length === 0),
      evidence: falling
        .map(
          (f) =>
            `B=${f.b}: ${fmt(f.first)} → ${fmt(f.last)}${f.rises.length === 0 ? "" : `, rises at n=${f.rises.join(",")}`}`,
        )
        .join("; "),
    },
  ];
}

/** Runs the study. Throws the equilibrium's errors (an infeasible seller names itself). */
export function runSamplingStudy(options: Partial<SamplingStudyOptions> = {}): SamplingStudy {
  const o: SamplingStudyOptions = { ...SAMPLING_STUDY_DEFAULTS, ...options };
  validateStudy(o);
  const ratios = [...new Set([o.priceRatio, ...o.figurePriceRatios])];
  const equilibrium: StudyEquilibrium[] = [];
  const pricing: StudyPricing[] = [];
  for (const budget of o.budgets) {
    for (let n = 1; n <= o.maxSellers; n++) {
      const solved = solveEquilibrium(o.parameters, budget, o.rawRates.slice(0, n), {
        ...EQUILIBRIUM_DEFAULTS,
        excludeInfeasible: o.excludeInfeasible,
        rawAsCap: o.rawAsCap,
      });
      equilibrium.push({ ...solved, sellerCount: n });
      for (const ratio of ratios)
        pricing.push({ ...uniformPricing(o.parameters, budget, n, ratio * budget), priceRatio: ratio });
    }
  }
  const ne = (b: number) => equilibrium.filter((e) => e.budget === b);
  const ups = (b: number, ratio: number) => pricing.filter((u) => u.budget === b && u.priceRatio === ratio);
  const crossings: Crossing[] = o.budgets.flatMap((budget) =>
    ratios.map((priceRatio) => ({
      budget,
      priceRatio,
      sellers: crossingOf(ne(budget).map(meanRate), ups(budget, priceRatio).map(meanRate)),
    })),
  );
  return {
    options: o,
    equilibrium,
    uniformPricing: pricing,
    crossings,
    claims: checkClaims(o, ne, ups),
    certified: equilibrium.every((e) => e.certificate.holds),
  };
}

/** `p = B/k` when the ratio is 1/k for a whole k, else `p = 0.123·B`. */
export function priceLabel(ratio: number): string {
  const k = 1 / ratio;
  return Math.abs(k - Math.round(k)) < 1e-3 ? `p = B/${Math.round(k)}` : `p = ${ratio.toFixed(4)}·B`;
}
