/**
 * The optimal sampling-rate game of the digital-twin market paper (§5, equations 1–7, with the
 * misprint in (7) corrected as in `specs/digital-twin-market.md` §4): a buyer with budget B pays
 * n sellers in proportion to the satisfaction ξ(r) their sampling rate r gives it, and each seller
 * pays the energy cost C_e(r) of sampling.
 */
import { SamplingParameterError } from "./errors";

/** The model's parameters. */
export interface SamplingParameters {
  /** ξ(r) = β1 + β2·log10(1 + r). */
  readonly beta1: number;
  readonly beta2: number;
  /** C_e(r) = ε·(α1·r + α2). */
  readonly alpha1: number;
  readonly alpha2: number;
  readonly epsilon: number;
  /** Energy-cost bounds C_eMin ≤ C_e ≤ C_eMax, which bound the rate. */
  readonly ceMin: number;
  readonly ceMax: number;
  /** Participation constraint U ≥ U_min. */
  readonly uMin: number;
}

/** The paper's parameters (§6.2). */
export const SAMPLING_DEFAULTS: SamplingParameters = Object.freeze({
  beta1: 0.7,
  beta2: 0.1,
  alpha1: 0.01,
  alpha2: 10,
  epsilon: 1,
  ceMin: 10,
  ceMax: 20,
  uMin: 1,
});

/** The paper's raw sampling rates R of its 15 sellers (§6.2): the iteration's starting point. */
export const PAPER_RAW_RATES: readonly number[] = Object.freeze([
  100, 200, 1000, 500, 800, 300, 600, 700, 400, 900, 750, 250, 450, 650, 150,
]);

/** The paper's buyer budgets B (§6.2, Figs. 10 and 12). */
export const PAPER_BUDGETS: readonly number[] = Object.freeze([200, 300, 400]);

/** The interval of feasible rates. */
export interface RateBounds {
  readonly min: number;
  readonly max: number;
}

function finite(parameter: string, value: number): void {
  if (!Number.isFinite(value)) throw new SamplingParameterError(parameter, `must be a finite number, got ${value}`);
}

/** Checks the parameters: every one finite, β2, α1, ε > 0, C_eMin ≤ C_eMax, and some rate ≥ 0 feasible. */
export function validateParameters(p: SamplingParameters): SamplingParameters {
  for (const [name, value] of Object.entries(p)) finite(name, value as number);
  // β2 > 0 makes ξ increasing and U concave in one's own rate (7); α1, ε > 0 make cost rise with r.
  for (const name of ["beta2", "alpha1", "epsilon"] as const) {
    if (p[name] <= 0) throw new SamplingParameterError(name, `must be > 0, got ${p[name]}`);
  }
  if (p.beta1 <= 0)
    throw new SamplingParameterError("beta1", `must be > 0 so that satisfaction is positive at rate 0, got ${p.beta1}`);
  if (p.ceMin > p.ceMax) throw new SamplingParameterError("ceMin", `${p.ceMin} is above ceMax ${p.ceMax}`);
  if (p.ceMax < p.epsilon * p.alpha2) {
    throw new SamplingParameterError(
      "ceMax",
      `${p.ceMax} is below the cost of sampling at rate 0, ε·α2 = ${p.epsilon * p.alpha2}: no rate is feasible`,
    );
  }
  return p;
}

/** Rates whose energy cost lies in [C_eMin, C_eMax], and never negative. */
export function rateBounds(p: SamplingParameters): RateBounds {
  const at = (cost: number) => (cost / p.epsilon - p.alpha2) / p.alpha1;
  return { min: Math.max(0, at(p.ceMin)), max: at(p.ceMax) };
}

/** ξ(r) (4). */
export function satisfaction(p: SamplingParameters, rate: number): number {
  return p.beta1 + p.beta2 * Math.log10(1 + rate);
}

/** The rate whose satisfaction is ξ: ξ⁻¹, unbounded. */
export function inverseSatisfaction(p: SamplingParameters, xi: number): number {
  return 10 ** ((xi - p.beta1) / p.beta2) - 1;
}

/** C_e(r) (2). */
export function energyCost(p: SamplingParameters, rate: number): number {
  return p.epsilon * (p.alpha1 * rate + p.alpha2);
}

/**
 * U(r) (5): the seller's share of the budget, ξ(r)/(ξ(r) + Φ) · B, less its energy cost, where Φ
 * is the sum of the other sellers' satisfaction.
 */
export function sellerUtility(p: SamplingParameters, rate: number, others: number, budget: number): number {
  const xi = satisfaction(p, rate);
  return (xi / (xi + others)) * budget - energyCost(p, rate);
}

/** U′(r) (6). */
export function marginalUtility(p: SamplingParameters, rate: number, others: number, budget: number): number {
  const total = others + satisfaction(p, rate);
  return (p.beta2 * budget * others) / (Math.LN10 * (1 + rate) * total * total) - p.epsilon * p.alpha1;
}

/** U″(r) (7, corrected): negative for every rate when Φ > 0, so U is concave in one's own rate. */
export function curvature(p: SamplingParameters, rate: number, others: number, budget: number): number {
  const total = others + satisfaction(p, rate);
  return (
    -(p.beta2 * budget * others * (total + (2 * p.beta2) / Math.LN10)) / (Math.LN10 * (1 + rate) ** 2 * total ** 3)
  );
}
