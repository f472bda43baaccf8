/**
 * The contract of a step of the main job: a name, the title of its start line, what it does and
 * the summary of its done line. A step reads what earlier steps made through `before`, typed as
 * exactly the results it needs (by step name); the table in index.ts checks at compile time that
 * each of them is made by an earlier step.
 */
import type { ArtifactResolver } from "@nomicfoundation/ignition-core";
import type { StartOptions } from "../options";
import type { RunPaths } from "../run-dir";
import type { ProgressSink, StepProgress, StepTiming } from "../step-timing";

/** What the run needs from its environment (the Hardhat task gives it). */
export interface RunContext {
  /** Project root and Hardhat config the chain processes run with. */
  readonly projectRoot: string;
  readonly configFile: string;
  /** Where Ignition reads the compiled contracts (ProjectArtifactResolver over hre.artifacts). */
  readonly artifactResolver: ArtifactResolver;
  readonly sink: ProgressSink;
  /** Aborts the run (Ctrl-C): the current step stops where it can, then everything is shut down. */
  readonly signal?: AbortSignal;
  readonly mnemonic?: string;
}

/** Something to stop at the end of the run, also after a failure or an interrupt. */
export interface Cleanup {
  /** What it stops, as the shutdown line names it ("the chains"). */
  readonly what: string;
  readonly stop: () => Promise<void>;
}

/** What a step is given besides what earlier steps made. */
export interface StepContext<Before> {
  /** The results of earlier steps this step reads, by step name. */
  readonly before: Before;
  readonly options: StartOptions;
  readonly paths: RunPaths;
  readonly environment: RunContext;
  /** Puts something the step started on the cleanup stack (stopped newest first). */
  readonly onShutdown: (cleanup: Cleanup) => void;
  /** The steps run so far and the seconds since the run started (the report records them). */
  readonly timing: () => { readonly steps: readonly StepTiming[]; readonly seconds: number };
}

/** One step of the main job. */
export interface Step<Name extends string, Before, Made> {
  readonly name: Name;
  /** The text of the step's start line. */
  title(context: StepContext<Before>): string;
  run(context: StepContext<Before>, progress: StepProgress): Promise<Made>;
  /** The text of the step's done line. */
  summary(made: Made, context: StepContext<Before>): string;
}

/** Any step, as the runner iterates them (the table's check keeps their types apart). */
export type AnyStep = Step<string, any, any>;

/** What step `S` reads from earlier steps. */
export type StepBefore<S> = S extends Step<string, infer Before, unknown> ? Before : never;
/** What step `S` makes. */
export type StepMade<S> = S extends Step<string, any, infer Made> ? Made : never;

/** The results of a table of steps, by step name. */
export type MadeBy<Steps extends readonly AnyStep[]> = { readonly [S in Steps[number] as S["name"]]: StepMade<S> };

/**
 * `true` when every step of `Steps` reads only what the steps before it made; otherwise the
 * name of the first step that reads something no earlier step made.
 */
export type StepsInOrder<Steps extends readonly AnyStep[], Made = object> = Steps extends readonly [
  infer First extends AnyStep,
  ...infer Rest extends readonly AnyStep[],
]
  ? Made extends StepBefore<First>
    ? StepsInOrder<Rest, Made & { readonly [N in First["name"]]: StepMade<First> }>
    : `step "${First["name"]}" reads what no earlier step made`
  : true;
