/**
 * Errors of the clique and clique-percolation modules. Each names the bad input and what is
 * wrong with it, so that a caller (the `partition` task) can show it as it is.
 */

import { PartitionError } from "./errors";

/** Base class of every error thrown by the clique and percolation modules. */
export class PercolationError extends PartitionError {}

/** A clique size (k, kMin or minSize) that is not an integer at least as large as allowed. */
export class InvalidCliqueSizeError extends PercolationError {
  constructor(
    readonly option: string,
    readonly value: unknown,
    readonly minimum: number,
  ) {
    super(`${option}=${String(value)} is not valid: ${option} must be an integer ≥ ${minimum}`);
  }
}

/** A weighted-percolation intensity that is not a finite number ≥ 0. */
export class InvalidIntensityError extends PercolationError {
  constructor(readonly value: unknown) {
    super(`intensity=${String(value)} is not valid: the intensity must be a finite number ≥ 0`);
  }
}

/** An edge whose weight attribute is missing or not a finite number ≥ 0 while an intensity is set. */
export class InvalidEdgeWeightError extends PercolationError {
  constructor(
    readonly source: string,
    readonly target: string,
    readonly attribute: string,
    readonly value: unknown,
  ) {
    super(
      value === undefined
        ? `edge ${source}–${target} has no "${attribute}" attribute, which weighted clique percolation (intensity) needs`
        : `edge ${source}–${target} has "${attribute}"=${String(value)}: a weight must be a finite number ≥ 0`,
    );
  }
}

/** A graph with directed edges: cliques and clique percolation are defined on undirected graphs. */
export class DirectedGraphError extends PercolationError {
  constructor(readonly directedEdges: number) {
    super(`the graph has ${directedEdges} directed edge(s): clique percolation needs an undirected graph`);
  }
}
