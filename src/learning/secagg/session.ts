/**
 * What every party of one secure-aggregation round agrees on before it starts: the task and round
 * (bound into every signature and every pairwise seed), the owners' accounts, the threshold t and
 * the vector length. Checked once, here, so the client and the server start from the same facts.
 */
import { MAX_KEY_SHARES } from "../../crypto/key-shares";
import { LearningConfigError } from "../errors";
import { checkNoOverflow, DEFAULT_ENCODING, type EncodingParams } from "./encoding";

export interface SecAggSession {
  /** The task id (e.g. the on-chain task's bytes32 as hex): in every signed statement and seed. */
  task: string;
  /** Round number, from 1. */
  round: number;
  /** The account address of each owner, by owner index (what its stage-1 signature must recover to). */
  addresses: readonly string[];
  /** Fewest owners that must stay for the round to finish. Default ⌊n/2⌋ + 1. */
  threshold?: number;
  /** Words per input vector. */
  dimension: number;
  encoding?: EncodingParams;
}

/** A session with its defaults filled in. */
export type CheckedSession = Required<SecAggSession> & { owners: number };

/** Flower's default threshold: a strict majority of the n owners. */
export function defaultThreshold(owners: number): number {
  return Math.floor(owners / 2) + 1;
}

/**
 * Checks the session: overflow first (n·(q − 1) < 2^32, `SecAggOverflowError`), then n within the
 * GF(2^8) Shamir scheme's 255 shares, 2 ≤ t ≤ n (t shares recover a secret: one alone must not),
 * a positive dimension.
 */
export function checkSession(session: SecAggSession): CheckedSession {
  const owners = session.addresses.length;
  const encoding = session.encoding ?? DEFAULT_ENCODING;
  checkNoOverflow(owners, encoding);
  if (owners < 2) throw new LearningConfigError("owners", `secure aggregation needs at least 2 owners, got ${owners}`);
  if (owners > MAX_KEY_SHARES)
    throw new LearningConfigError(
      "owners",
      `at most ${MAX_KEY_SHARES} (the Shamir shares are over GF(2^8)), got ${owners}`,
    );
  const threshold = session.threshold ?? defaultThreshold(owners);
  if (!(Number.isSafeInteger(threshold) && threshold >= 2 && threshold <= owners))
    throw new LearningConfigError("threshold", `must be an integer in [2, ${owners}], got ${threshold}`);
  if (!(Number.isSafeInteger(session.dimension) && session.dimension >= 1))
    throw new LearningConfigError("dimension", `must be a positive integer, got ${session.dimension}`);
  if (!(Number.isSafeInteger(session.round) && session.round >= 0))
    throw new LearningConfigError("round", `must be a non-negative integer, got ${session.round}`);
  return { ...session, owners, threshold, encoding };
}
