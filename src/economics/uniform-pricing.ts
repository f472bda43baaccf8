/**
 * The uniform pricing strategy (UPS) the paper compares against (§6.2, its reference [42]): the
 * buyer pays every seller the same price p per unit of satisfaction and splits its budget evenly,
 * so each seller samples just enough to deliver ξ = B/(n·p), within the feasible rates.
 */
import { SamplingParameterError } from "./errors";
import {
  energyCost,
  inverseSatisfaction,
  rateBounds,
  satisfaction,
  validateParameters,
  type SamplingParameters,
} from "./sampling-model";

/** The paper never states p; B/6 is the price at which its claim "NE higher above six sellers" holds (spec §4). */
export const DEFAULT_PRICE_RATIO = 1 / 6;

/** UPS for one budget and seller count. */
export interface UniformPricing {
  readonly budget: number;
  readonly sellers: number;
  readonly price: number;
  readonly rates: readonly number[];
  readonly profits: readonly number[];
  /** What the buyer pays, Σ p·ξ(r_j). */
  readonly spend: number;
  /** Spend above the budget (0 when within it): at low n the clamp to r_max pays a little over B. */
  readonly overspend: number;
}

/** UPS rates and profits: r = clamp(ξ⁻¹(B/(n·p))), profit = p·ξ(r) − C_e(r). */
export function uniformPricing(
  parameters: SamplingParameters,
  budget: number,
  sellers: number,
  price: number,
): UniformPricing {
  const p = validateParameters(parameters);
  if (!Number.isInteger(sellers) || sellers < 1)
    throw new SamplingParameterError("sellers", `must be a whole number ≥ 1, got ${sellers}`);
  if (!Number.isFinite(budget) || budget <= 0)
    throw new SamplingParameterError("budget", `must be a positive number, got ${budget}`);
  if (!Number.isFinite(price) || price <= 0)
    throw new SamplingParameterError("price", `must be a positive number, got ${price}`);
  const bounds = rateBounds(p);
  const rate = Math.min(bounds.max, Math.max(bounds.min, inverseSatisfaction(p, budget / (sellers * price))));
  const paid = price * satisfaction(p, rate);
  const spend = paid * sellers;
  return {
    budget,
    sellers,
    price,
    rates: Array.from({ length: sellers }, () => rate),
    profits: Array.from({ length: sellers }, () => paid - energyCost(p, rate)),
    spend,
    overspend: Math.max(0, spend - budget),
  };
}
