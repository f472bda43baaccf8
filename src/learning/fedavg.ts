/**
 * Federated averaging (McMahan et al. 2017) between data owners (DOs) and a data analyst (DA), in
 * the paper's steps (004 §3.2): each round the DOs train the global model one epoch on their own
 * data (E = 1), send their update masked (or, with `secure: false`, in the clear), the DA
 * aggregates, and every DO takes the new global model.
 *
 * What an owner uploads is Flower's SecAgg+ vector [w_u, w_u·Δ_u], w_u = min(n_u, 1000)/1000 and
 * Δ_u its model minus the global one, in the fixed-point encoding of secagg/encoding.ts: the DA
 * learns Σw and Σw·Δ and steps by their ratio, the sample-weighted mean update (exactly so while
 * no owner has over 1,000 samples). The plain path sums the very same words in the clear, so a
 * secure run and a plain run of one seed give the same aggregate bytes and the same models, bit
 * for bit — the check that the masks cancel.
 *
 * Baselines beside it: `centralizedTraining` on the pooled data (what privacy costs) and
 * `soloTraining` per owner (what federation gains an owner).
 */
import { computeAddress, hexlify } from "ethers";
import { createHash } from "node:crypto";
import { createRandom } from "../util/random";
import { concatDatasets, derivedSeed, type Dataset, type OwnerDataset } from "./data";
import { LearningConfigError } from "./errors";
import { evaluate, type Metrics } from "./metrics";
import { DEFAULT_TRAINING, initialModel, PARAMETERS, predict, trainLocal, type TrainOptions } from "./model";
import {
  addWords,
  checkNoOverflow,
  decodeSum,
  DEFAULT_ENCODING,
  encodeVector,
  wordsToBytes,
  type EncodingParams,
} from "./secagg/encoding";
import type { RandomBytes, SecAggAccount } from "./secagg/keys";
import { writeMasked } from "./secagg/messages";
import { runSecAggRound } from "./secagg/round";
import { checkSession, defaultThreshold } from "./secagg/session";

/** Local training options of a run: the model's, less the seed (drawn per owner and round), plus the decay. */
export type LocalTraining = Omit<TrainOptions, "seed"> & { decay?: number };

/** Flower's cap of an owner's weight: w_u = min(n_u, cap) / cap. */
export const WEIGHT_CAP = 1000;
/** Words an owner uploads: its weight, then its weighted update. */
export const UPLOAD_WORDS = PARAMETERS + 1;
export const DEFAULT_ROUNDS = 20;

/**
 * The learning rate of round (or epoch) r: lr / (1 + decay·(r − 1)). Decaying it lets FedAvg and
 * the baselines settle near their optimum instead of ending on a noisy SGD step, so the comparison
 * measures the optimum reached rather than the last step's noise.
 */
export function scheduledRate(training: { learningRate?: number; decay?: number } | undefined, r: number): number {
  const base = training?.learningRate ?? DEFAULT_TRAINING.learningRate;
  const decay = training?.decay ?? DEFAULT_DECAY;
  if (!(decay >= 0 && Number.isFinite(decay)))
    throw new LearningConfigError("decay", `must be a non-negative number, got ${decay}`);
  return base / (1 + decay * (r - 1));
}

/** Default decay of the learning rate per round: none (measured: any decay left FedAvg short of its optimum in 20 rounds). */
export const DEFAULT_DECAY = 0;

/** How the round's dropouts leave: all before sending their masked input, all after, or half and half. */
export type DropoutKind = "before" | "after" | "mixed";

export interface FederatedOptions {
  owners: readonly OwnerDataset[];
  holdout: Dataset;
  /** Default 20. */
  rounds?: number;
  /** Owners that drop out of each round (a seeded choice per round). Default 0. */
  dropouts?: number;
  /** Default "mixed": the first ⌈d/2⌉ chosen leave before sending their input, the rest after. */
  dropoutKind?: DropoutKind;
  /** Secure aggregation (true) or the same words summed in the clear (false). */
  secure: boolean;
  seed: number;
  /** Secure aggregation's t. Default ⌊n/2⌋ + 1. */
  threshold?: number;
  /** Bound into every signature and mask seed. Default `commchain/learning/<seed>`. */
  task?: string;
  /** The owners' accounts (sign their round keys). Default: keys derived from the seed (a simulation). */
  accounts?: readonly SecAggAccount[];
  /** Local training (the seed is per owner and round; `decay` slows the learning rate round by round). */
  training?: LocalTraining;
  encoding?: EncodingParams;
  /** Where the owners' round secrets come from (default: the OS's CSPRNG; the results do not depend on it). */
  random?: RandomBytes;
  /** Called after each round, awaited before the next (the chain driver commits the round here). */
  onRound?: (round: RoundResult) => Promise<void> | void;
}

export interface RoundResult {
  /** 1-based. */
  round: number;
  /** Owners whose update is in the aggregate (they sent it; `lateDropped` of them left after). */
  survivors: number[];
  /** Owners whose update is not in the aggregate (they left before sending it). */
  dropped: number[];
  /** Owners that sent their update, then left before unmasking. */
  lateDropped: number[];
  /** The aggregate: the modular sum of the survivors' encoded uploads, little-endian words (hash it for the chain). */
  aggregate: Uint8Array;
  /** The global model after the round. */
  model: Float64Array;
  /** The global model's metrics on the holdout. */
  metrics: Metrics;
  /** Mean bytes per owner over the round: protocol messages sent, protocol messages plus the model received. */
  bytesPerOwner: { sent: number; received: number };
  /** Values the survivors' encodings clipped to [−clip, clip]. */
  clipped: number;
  /** Wall time of the round, s (training, aggregation, evaluation). */
  seconds: number;
}

export interface FederatedResult {
  rounds: RoundResult[];
  model: Float64Array;
  metrics: Metrics;
  /** Rounds each owner's update was in the aggregate, by owner index (r_u of the payment rule). */
  survived: number[];
  /** Samples of each owner (n_u). */
  samples: number[];
  secure: boolean;
  threshold: number;
}

/** Deterministic accounts for simulated owners: private key = SHA-256(seed, owner). */
export function simulatedAccounts(seed: number, owners: number): SecAggAccount[] {
  return Array.from({ length: owners }, (_, u) => {
    const privateKey = hexlify(createHash("sha256").update(`commchain/learning/account|${seed}|${u}`).digest());
    return { privateKey, address: computeAddress(privateKey) };
  });
}

/** The owners that drop out of `round`, split into those leaving before and after sending their input. */
export function roundDropouts(
  seed: number,
  round: number,
  owners: number,
  dropouts: number,
  kind: DropoutKind,
): { before: number[]; after: number[] } {
  const chosen = createRandom(derivedSeed(seed, `dropouts|${round}`))
    .shuffle(Array.from({ length: owners }, (_, u) => u))
    .slice(0, dropouts);
  const split = kind === "before" ? dropouts : kind === "after" ? 0 : Math.ceil(dropouts / 2);
  const byIndex = (a: number, b: number) => a - b;
  return { before: chosen.slice(0, split).sort(byIndex), after: chosen.slice(split).sort(byIndex) };
}

/** An owner's upload [w, w·Δ] as real numbers. */
export function uploadVector(global: Float64Array, local: Float64Array, samples: number): Float64Array {
  const w = Math.min(samples, WEIGHT_CAP) / WEIGHT_CAP;
  const upload = new Float64Array(UPLOAD_WORDS);
  upload[0] = w;
  for (let j = 0; j < PARAMETERS; j++) upload[j + 1] = w * (local[j] - global[j]);
  return upload;
}

/** The global model after applying a decoded sum [Σw, Σw·Δ]. */
export function applyAggregate(global: Float64Array, sum: Float64Array): Float64Array {
  const next = Float64Array.from(global);
  if (!(sum[0] > 0)) return next;
  for (let j = 0; j < PARAMETERS; j++) next[j] += sum[j + 1] / sum[0];
  return next;
}

function checkCount(option: string, value: number, min: number, max = Number.MAX_SAFE_INTEGER): void {
  if (!(Number.isSafeInteger(value) && value >= min && value <= max))
    throw new LearningConfigError(option, `must be an integer in [${min}, ${max}], got ${value}`);
}

export async function federatedTraining(options: FederatedOptions): Promise<FederatedResult> {
  const { owners, holdout, secure, seed } = options;
  const n = owners.length;
  const rounds = options.rounds ?? DEFAULT_ROUNDS;
  const dropouts = options.dropouts ?? 0;
  const encoding = options.encoding ?? DEFAULT_ENCODING;
  // Both paths sum the same 32-bit words: too many owners would wrap either sum, so refuse before round 1.
  checkNoOverflow(n, encoding);
  checkCount("owners", n, secure ? 2 : 1);
  checkCount("rounds", rounds, 1);
  checkCount("dropouts", dropouts, 0, n - 1);
  checkCount("seed", seed, Number.MIN_SAFE_INTEGER);
  const threshold = options.threshold ?? defaultThreshold(n);
  const accounts = options.accounts ?? (secure ? simulatedAccounts(seed, n) : []);
  if (secure && accounts.length !== n)
    throw new LearningConfigError("accounts", `${accounts.length} accounts for ${n} owners`);
  const task = options.task ?? `commchain/learning/${seed}`;
  // The rest of the session (n within the Shamir scheme, 2 ≤ t ≤ n) is checked before round 1 too.
  if (secure)
    checkSession({
      task,
      round: 1,
      addresses: accounts.map((a) => a.address),
      threshold,
      dimension: UPLOAD_WORDS,
      encoding,
    });
  const kind = options.dropoutKind ?? "mixed";
  const survived = new Array<number>(n).fill(0);
  let model = initialModel();
  const results: RoundResult[] = [];
  for (let round = 1; round <= rounds; round++) {
    const started = performance.now();
    const { before, after } = roundDropouts(seed, round, n, dropouts, kind);
    const leaving = new Set(before);
    const senders = owners.map((_, u) => u).filter((u) => !leaving.has(u));
    // Owners that will leave before sending do not train; the rest do (their encoded uploads).
    let clipped = 0;
    const inputs = owners.map((owner, u) => {
      if (leaving.has(u)) return new Uint32Array(UPLOAD_WORDS);
      const local = trainLocal(model, owner, {
        ...options.training,
        learningRate: scheduledRate(options.training, round),
        seed: derivedSeed(seed, `train|${round}|${u}`),
      });
      const encoded = encodeVector(uploadVector(model, local, owner.samples), encoding);
      clipped += encoded.clipped;
      return encoded.words;
    });
    let sum: Uint32Array;
    let survivors: number[];
    let traffic: { sent: number[]; received: number[] };
    if (secure) {
      const r = await runSecAggRound({
        task,
        round,
        inputs,
        accounts,
        threshold,
        encoding,
        dropBeforeInput: before,
        dropAfterInput: after,
        random: options.random,
      });
      [sum, survivors, traffic] = [r.sum, r.contributors, r.traffic];
    } else {
      sum = new Uint32Array(UPLOAD_WORDS);
      for (const u of senders) addWords(sum, inputs[u]);
      survivors = senders;
      traffic = {
        sent: owners.map((_, u) => (leaving.has(u) ? 0 : writeMasked(u, inputs[u]).length)),
        received: new Array<number>(n).fill(0),
      };
    }
    for (const u of survivors) survived[u]++;
    model = applyAggregate(model, decodeSum(sum, survivors.length, encoding));
    const modelBytes = PARAMETERS * 8;
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const result: RoundResult = {
      round,
      survivors,
      dropped: before,
      lateDropped: after,
      aggregate: wordsToBytes(sum),
      model: Float64Array.from(model),
      metrics: evaluate(predict(model, holdout), holdout.labels),
      bytesPerOwner: { sent: mean(traffic.sent), received: mean(traffic.received) + modelBytes },
      clipped,
      seconds: (performance.now() - started) / 1000,
    };
    results.push(result);
    await options.onRound?.(result);
  }
  return {
    rounds: results,
    model,
    metrics: results[results.length - 1].metrics,
    survived,
    samples: owners.map((o) => o.samples),
    secure,
    threshold,
  };
}

/** A model trained by one party, with its holdout metrics. */
export interface TrainedModel {
  model: Float64Array;
  metrics: Metrics;
}

export interface BaselineOptions {
  seed: number;
  /** Passes over the data. Default 20 (as many as FedAvg's rounds, each one local epoch). */
  epochs?: number;
  training?: Omit<LocalTraining, "epochs">;
}

function trainEpochs(data: Dataset, holdout: Dataset, options: BaselineOptions, label: string): TrainedModel {
  const epochs = options.epochs ?? DEFAULT_ROUNDS;
  checkCount("epochs", epochs, 1);
  let model = initialModel();
  for (let epoch = 1; epoch <= epochs; epoch++)
    model = trainLocal(model, data, {
      ...options.training,
      learningRate: scheduledRate(options.training, epoch),
      seed: derivedSeed(options.seed, `${label}|${epoch}`),
    });
  return { model, metrics: evaluate(predict(model, holdout), holdout.labels) };
}

/** The model trained on every owner's data pooled in one place: what federation is measured against. */
export function centralizedTraining(
  owners: readonly OwnerDataset[],
  holdout: Dataset,
  options: BaselineOptions,
): TrainedModel {
  return trainEpochs(concatDatasets(owners), holdout, options, "central");
}

/** The model one owner trains on its own data alone. */
export function soloTraining(owner: OwnerDataset, holdout: Dataset, options: BaselineOptions): TrainedModel {
  return trainEpochs(owner, holdout, options, `solo|${owner.owner}`);
}

/** Centralised and per-owner solo baselines, with the solo owners' mean metrics. */
export function baselines(
  owners: readonly OwnerDataset[],
  holdout: Dataset,
  options: BaselineOptions,
): { centralized: TrainedModel; solo: TrainedModel[]; meanSolo: Metrics } {
  const solo = owners.map((o) => soloTraining(o, holdout, options));
  const meanOf = (key: keyof Metrics) => solo.reduce((s, m) => s + m.metrics[key], 0) / solo.length;
  return {
    centralized: centralizedTraining(owners, holdout, options),
    solo,
    meanSolo: {
      accuracy: meanOf("accuracy"),
      balancedAccuracy: meanOf("balancedAccuracy"),
      auc: meanOf("auc"),
      loss: meanOf("loss"),
    },
  };
}
