/**
 * The Nash equilibrium of the sampling-rate game, computed by best responses (the paper's
 * "iteration", Fig. 6) and then certified, which the paper does not do: no seller gains by a
 * unilateral deviation on a fine grid, several starts reach the same point, the closed-form
 * symmetric solution agrees where it applies, and the KKT conditions (8)–(13) hold.
 */
import { EquilibriumNotConvergedError, InfeasibleParticipationError, SamplingParameterError } from "./errors";
import {
  energyCost,
  marginalUtility,
  rateBounds,
  satisfaction,
  sellerUtility,
  validateParameters,
  type RateBounds,
  type SamplingParameters,
} from "./sampling-model";

/** How the equilibrium is computed and certified. */
export interface EquilibriumOptions {
  /** Stop when no rate moved more than this (relative to the largest rate, at least 1) in a round. */
  readonly tolerance: number;
  readonly maxIterations: number;
  /** Grid points per seller for the deviation check. */
  readonly gridPoints: number;
  /** Largest deviation gain, start disagreement, closed-form gap and KKT residual still certified. */
  readonly maxGain: number;
  readonly maxDisagreement: number;
  /** Drop sellers that cannot reach U_min (lowest utility first) instead of failing. */
  readonly excludeInfeasible: boolean;
  /** Treat each seller's raw rate as its hardware maximum, not only as its starting rate. */
  readonly rawAsCap: boolean;
}

export const EQUILIBRIUM_DEFAULTS: EquilibriumOptions = Object.freeze({
  tolerance: 1e-10,
  maxIterations: 10_000,
  gridPoints: 10_001,
  maxGain: 1e-9,
  maxDisagreement: 1e-6,
  excludeInfeasible: false,
  rawAsCap: false,
});

/** The KKT multipliers of (8)–(13) for one seller: μ1 for C_e ≤ C_eMax, μ2 for C_e ≥ C_eMin, μ3 for U ≥ U_min. */
export interface Multipliers {
  readonly mu1: number;
  readonly mu2: number;
  readonly mu3: number;
}

/** Evidence that the rates are an equilibrium. */
export interface Certificate {
  /** The largest utility gain any seller gets by moving alone to a grid rate (≤ 0 at an exact NE, up to rounding). */
  readonly maxDeviationGain: number;
  readonly gridPoints: number;
  /** The closed-form symmetric rate, when every seller faces the same bounds (null otherwise). */
  readonly closedFormRate: number | null;
  /** Largest |r_i − closed form| (null when there is no closed form). */
  readonly closedFormGap: number | null;
  /** The starts iterated from: the given rates, all at the lowest and all at the highest feasible rate. */
  readonly starts: readonly string[];
  /** Largest difference between the rates reached from the different starts. */
  readonly startDisagreement: number;
  /** Largest residual of (9)–(13) over sellers. */
  readonly kktResidual: number;
  /** Every test above is within its bound. */
  readonly holds: boolean;
}

/** A solved game. */
export interface Equilibrium {
  readonly budget: number;
  /** Sellers in the game, by their 1-based number in the input (those dropped as infeasible are absent). */
  readonly sellers: readonly number[];
  readonly excluded: readonly number[];
  readonly rates: readonly number[];
  readonly utilities: readonly number[];
  readonly satisfactions: readonly number[];
  readonly costs: readonly number[];
  readonly multipliers: readonly Multipliers[];
  readonly iterations: number;
  readonly certificate: Certificate;
}

/** Finds the root of a decreasing function on [lo, hi] by bisection, to the last representable bit. */
function bisectDecreasing(f: (x: number) => number, lo: number, hi: number): number {
  // 1,100 halvings exhaust any double interval; stopping only when the midpoint stops moving keeps
  // best responses exact to an ulp, so the iteration's changes are not swamped by bisection noise.
  for (let i = 0; i < 1_100; i++) {
    const mid = (lo + hi) / 2;
    if (mid <= lo || mid >= hi) break;
    if (f(mid) > 0) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** The rate that maximises U (5) given the others' satisfaction: U is concave, so U′ has at most one root. */
export function bestResponse(p: SamplingParameters, others: number, budget: number, bounds: RateBounds): number {
  const slope = (r: number) => marginalUtility(p, r, others, budget);
  if (slope(bounds.min) <= 0) return bounds.min;
  if (slope(bounds.max) >= 0) return bounds.max;
  return bisectDecreasing(slope, bounds.min, bounds.max);
}

/**
 * The symmetric equilibrium in closed form. The game is a Tullock contest with impact ξ; with n
 * identical sellers the first-order condition (6) at Φ = (n−1)ξ reduces to
 * (1 + r)·ξ(r) = B·β2·(n−1) / (ε·α1·ln10·n²), whose left side increases in r.
 */
export function symmetricRate(p: SamplingParameters, sellers: number, budget: number, bounds: RateBounds): number {
  if (sellers === 1) return bounds.min;
  const target = (budget * p.beta2 * (sellers - 1)) / (p.epsilon * p.alpha1 * Math.LN10 * sellers * sellers);
  const gap = (r: number) => target - (1 + r) * satisfaction(p, r);
  if (gap(bounds.min) <= 0) return bounds.min;
  if (gap(bounds.max) >= 0) return bounds.max;
  return bisectDecreasing(gap, bounds.min, bounds.max);
}

/** Gauss–Seidel best responses from `start` until no rate moves more than the tolerance. */
export function iterateBestResponses(
  p: SamplingParameters,
  budget: number,
  bounds: readonly RateBounds[],
  start: readonly number[],
  options: Pick<EquilibriumOptions, "tolerance" | "maxIterations">,
): { rates: number[]; iterations: number } {
  const rates = start.map((r, i) => Math.min(bounds[i].max, Math.max(bounds[i].min, r)));
  const xi = rates.map((r) => satisfaction(p, r));
  let total = xi.reduce((a, b) => a + b, 0);
  let change = Infinity;
  for (let round = 1; round <= options.maxIterations; round++) {
    change = 0;
    for (let i = 0; i < rates.length; i++) {
      const next = bestResponse(p, total - xi[i], budget, bounds[i]);
      change = Math.max(change, Math.abs(next - rates[i]));
      rates[i] = next;
      const nextXi = satisfaction(p, next);
      total += nextXi - xi[i];
      xi[i] = nextXi;
    }
    // Recomputing the sum each round keeps rounding from drifting over thousands of updates.
    total = xi.reduce((a, b) => a + b, 0);
    // Relative to the rates' scale: with rate bounds in the thousands an absolute 1e-10 is below
    // what a double can resolve, and the iteration would never stop.
    if (change <= options.tolerance * Math.max(1, ...rates)) return { rates, iterations: round };
  }
  throw new EquilibriumNotConvergedError(rates.length, budget, options.maxIterations, change);
}

function multipliersAt(
  p: SamplingParameters,
  rate: number,
  others: number,
  budget: number,
  bounds: RateBounds,
): Multipliers {
  const slope = marginalUtility(p, rate, others, budget);
  const unit = p.epsilon * p.alpha1;
  // (9) with μ3 = 0: a binding upper bound takes up a positive slope, a binding lower bound a negative one.
  const atMax = bounds.max - rate <= 1e-9 * Math.max(1, bounds.max);
  const atMin = rate - bounds.min <= 1e-9 * Math.max(1, bounds.max);
  return {
    mu1: atMax && slope > 0 ? slope / unit : 0,
    mu2: atMin && slope < 0 ? -slope / unit : 0,
    // By concavity U(r*) is the seller's best utility; if it is below U_min no multiplier helps
    // (the seller is infeasible), and if it is above, (12) forces μ3 = 0.
    mu3: 0,
  };
}

function kktResidual(
  p: SamplingParameters,
  rate: number,
  others: number,
  budget: number,
  bounds: RateBounds,
  m: Multipliers,
): number {
  const slope = marginalUtility(p, rate, others, budget);
  const unit = p.epsilon * p.alpha1;
  const cost = energyCost(p, rate);
  const stationarity = Math.abs((1 + m.mu3) * slope + unit * (m.mu2 - m.mu1)) / unit;
  const slackMax = Math.abs(m.mu1 * (p.epsilon * (p.alpha1 * bounds.max + p.alpha2) - cost));
  const slackMin = Math.abs(m.mu2 * (cost - p.epsilon * (p.alpha1 * bounds.min + p.alpha2)));
  return Math.max(stationarity, slackMax, slackMin);
}

/** The largest gain of any seller moving alone to one of `points` evenly spaced feasible rates. */
export function maxDeviationGain(
  p: SamplingParameters,
  rates: readonly number[],
  budget: number,
  bounds: readonly RateBounds[],
  points: number,
): number {
  const xi = rates.map((r) => satisfaction(p, r));
  const total = xi.reduce((a, b) => a + b, 0);
  let worst = -Infinity;
  for (let i = 0; i < rates.length; i++) {
    const others = total - xi[i];
    const current = sellerUtility(p, rates[i], others, budget);
    const { min, max } = bounds[i];
    for (let k = 0; k < points; k++) {
      const r = points === 1 ? min : min + ((max - min) * k) / (points - 1);
      const gain = sellerUtility(p, r, others, budget) - current;
      if (gain > worst) worst = gain;
    }
  }
  return worst;
}

function validateGame(budget: number, rawRates: readonly number[]): void {
  if (!Number.isFinite(budget) || budget <= 0)
    throw new SamplingParameterError("budget", `must be a positive number, got ${budget}`);
  if (rawRates.length === 0) throw new SamplingParameterError("sellers", "must be at least 1, got 0");
  rawRates.forEach((r, i) => {
    if (!Number.isFinite(r) || r < 0)
      throw new SamplingParameterError(`rawRates[${i}]`, `must be a rate ≥ 0, got ${r}`);
  });
}

/**
 * Solves the game of `rawRates.length` sellers for one buyer's budget: best responses from the
 * raw rates (and from the two extreme starts, for the certificate), multipliers, participation.
 * A seller below U_min throws {@link InfeasibleParticipationError}, or is dropped with
 * `excludeInfeasible` (the lowest utility first, then the game is solved again without it).
 */
export function solveEquilibrium(
  parameters: SamplingParameters,
  budget: number,
  rawRates: readonly number[],
  options: Partial<EquilibriumOptions> = {},
): Equilibrium {
  const p = validateParameters(parameters);
  const o = { ...EQUILIBRIUM_DEFAULTS, ...options };
  validateGame(budget, rawRates);
  const range = rateBounds(p);
  let sellers = rawRates.map((_, i) => i + 1);
  const excluded: number[] = [];
  for (;;) {
    const bounds = sellers.map((s) =>
      o.rawAsCap ? { min: range.min, max: Math.max(range.min, Math.min(range.max, rawRates[s - 1])) } : range,
    );
    const solved = iterateBestResponses(
      p,
      budget,
      bounds,
      sellers.map((s) => rawRates[s - 1]),
      o,
    );
    const rates = solved.rates;
    const xi = rates.map((r) => satisfaction(p, r));
    const total = xi.reduce((a, b) => a + b, 0);
    const utilities = rates.map((r, i) => sellerUtility(p, r, total - xi[i], budget));
    // The lowest utility goes first; sellers within rounding of it tie, and of those the last to
    // join goes, so a symmetric game drops sellers in reverse order of joining.
    const lowest = Math.min(...utilities);
    const tied = (u: number) => u - lowest <= 1e-9 * Math.max(1, Math.abs(lowest));
    const worst = utilities.reduce((w, u, i) => (tied(u) ? i : w), 0);
    if (utilities[worst] < p.uMin) {
      if (!o.excludeInfeasible || sellers.length === 1) {
        throw new InfeasibleParticipationError(
          o.excludeInfeasible ? sellers[worst] : sellers[utilities.findIndex((u) => u < p.uMin)],
          utilities[worst],
          p.uMin,
          sellers.length,
          budget,
        );
      }
      excluded.push(sellers[worst]);
      sellers = sellers.filter((_, i) => i !== worst);
      continue;
    }
    const multipliers = rates.map((r, i) => multipliersAt(p, r, total - xi[i], budget, bounds[i]));
    const residual = Math.max(
      ...rates.map((r, i) => kktResidual(p, r, total - xi[i], budget, bounds[i], multipliers[i])),
    );
    const fromLow = iterateBestResponses(
      p,
      budget,
      bounds,
      bounds.map((b) => b.min),
      o,
    ).rates;
    const fromHigh = iterateBestResponses(
      p,
      budget,
      bounds,
      bounds.map((b) => b.max),
      o,
    ).rates;
    const disagreement = Math.max(
      ...rates.map((r, i) => Math.max(Math.abs(r - fromLow[i]), Math.abs(r - fromHigh[i]))),
    );
    const symmetric = bounds.every((b) => b.min === bounds[0].min && b.max === bounds[0].max);
    const closedFormRate = symmetric ? symmetricRate(p, rates.length, budget, bounds[0]) : null;
    const closedFormGap = closedFormRate === null ? null : Math.max(...rates.map((r) => Math.abs(r - closedFormRate)));
    const gain = maxDeviationGain(p, rates, budget, bounds, o.gridPoints);
    const certificate: Certificate = {
      maxDeviationGain: gain,
      gridPoints: o.gridPoints,
      closedFormRate,
      closedFormGap,
      starts: ["given", "lowest", "highest"],
      startDisagreement: disagreement,
      kktResidual: residual,
      holds:
        gain <= o.maxGain &&
        disagreement <= o.maxDisagreement &&
        (closedFormGap ?? 0) <= o.maxDisagreement &&
        residual <= o.maxDisagreement,
    };
    return {
      budget,
      sellers,
      excluded,
      rates,
      utilities,
      satisfactions: xi,
      costs: rates.map((r) => energyCost(p, r)),
      multipliers,
      iterations: solved.iterations,
      certificate,
    };
  }
}
