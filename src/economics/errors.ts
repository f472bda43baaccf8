import { CommchainError } from "../errors";

/** Base class of every error raised by `src/economics`. */
export class EconomicsError extends CommchainError {}

/** A model parameter (or an option of `economics:sampling`) holds a value the model cannot use. */
export class SamplingParameterError extends EconomicsError {
  constructor(
    readonly parameter: string,
    readonly problem: string,
  ) {
    super(`${parameter}: ${problem}`);
  }
}

/**
 * A seller's best utility at the equilibrium is below the participation minimum U_min: it would
 * not take part, so the equilibrium with it in the game is no equilibrium of the paper's problem.
 */
export class InfeasibleParticipationError extends EconomicsError {
  constructor(
    readonly seller: number,
    readonly utility: number,
    readonly uMin: number,
    readonly sellers: number,
    readonly budget: number,
  ) {
    super(
      `seller ${seller} of ${sellers} (budget ${budget}) cannot reach U_min = ${uMin}: its best utility at the equilibrium is ` +
        `${utility.toFixed(4)}; lower --u-min or pass --exclude-infeasible to drop such sellers`,
    );
  }
}

/** Best-response iteration did not reach a fixed point within its iteration limit. */
export class EquilibriumNotConvergedError extends EconomicsError {
  constructor(
    readonly sellers: number,
    readonly budget: number,
    readonly iterations: number,
    readonly lastChange: number,
  ) {
    super(
      `best responses for ${sellers} sellers at budget ${budget} did not converge in ${iterations} rounds (last change ${lastChange})`,
    );
  }
}

/** A parameter or option of the miners' coalition-formation game (`economics:coalition`) the model cannot use. */
export class CoalitionParameterError extends EconomicsError {
  constructor(
    readonly parameter: string,
    readonly problem: string,
  ) {
    super(`${parameter}: ${problem}`);
  }
}
