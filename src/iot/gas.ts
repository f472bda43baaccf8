/**
 * Gas limits of the unit's transactions, fixed when they are signed.
 *
 * A queued transaction is signed at enqueue time, possibly while the chain is down and always
 * before the entries ahead of it have changed the state, so `eth_estimateGas` cannot be used.
 * The limits are upper bounds from the contracts' costs (measured on Hardhat, EVM cancun, with
 * `test/src/iot/gas.test.ts` checking the bounds hold) with a margin; unused gas is refunded, so
 * a generous bound costs nothing but the upfront balance check.
 *
 * A reading batch's cost grows with its readings and with how many service requests and part
 * orders it may fire. A count fires at most once per `countThreshold + 1` counted readings, so a
 * batch of `n` fires each rule at most `ceil(n / (countThreshold + 1))` times; unknown thresholds
 * are taken as 1 (every other reading fires), the worst case.
 */

/** Costs the limits are built from (gas units). */
export interface GasSchedule {
  /** A reading batch with nothing firing: the fixed part. */
  batchBase: bigint;
  /** Each reading of a batch (calldata and the loop). */
  perReading: bigint;
  /** Each service request or part order recorded. */
  perFire: bigint;
  /** The part payment's `transferFrom` (once per batch that orders parts). */
  payment: bigint;
  /** The permit of `reportReadingsWithPermit`. */
  permit: bigint;
  /** `EPR.addRecord`: storage of the pointer, notifications, reward mint. */
  recordBase: bigint;
  /** Each byte of a record's query and URI (storage). */
  perRecordByte: bigint;
  /** `EPR.authorize`, linking the reader's Summary the first time; also each reader of `addRecordWithReaders`. */
  authorize: bigint;
  /** `EPR.revoke`. */
  revoke: bigint;
}

/**
 * Measured (Hardhat 2.29, cancun, optimizer 200): an empty batch of one reading ~31k, +930 a
 * reading, ~73k a fired request or order, ~35k the payment, ~45k a permit. Each figure below is
 * about twice that.
 */
export const DEFAULT_GAS: GasSchedule = {
  batchBase: 80_000n,
  perReading: 2_000n,
  perFire: 150_000n,
  payment: 80_000n,
  permit: 100_000n,
  recordBase: 500_000n,
  perRecordByte: 1_500n,
  authorize: 400_000n,
  revoke: 200_000n,
};

/** Count thresholds of the machine, as far as the unit knows them. */
export interface CountThresholds {
  tempCountThreshold: number;
  vibraCountThreshold: number;
}

/** Most times one rule can fire in a batch of `readings` with count threshold `threshold`. */
export function maxFires(readings: number, threshold: number | undefined): number {
  const t = threshold === undefined || threshold < 1 ? 1 : threshold;
  return Math.ceil(readings / (t + 1));
}

/** Gas limit of a batch of `readings` (with a permit or not). */
export function batchGasLimit(
  readings: number,
  thresholds: CountThresholds | undefined,
  withPermit: boolean,
  gas: GasSchedule = DEFAULT_GAS,
): bigint {
  const fires =
    maxFires(readings, thresholds?.vibraCountThreshold) + maxFires(readings, thresholds?.tempCountThreshold);
  const orders = maxFires(readings, thresholds?.tempCountThreshold);
  return (
    gas.batchBase +
    gas.perReading * BigInt(readings) +
    gas.perFire * BigInt(fires) +
    (orders > 0 ? gas.payment : 0n) +
    (withPermit ? gas.permit : 0n)
  );
}

/** Gas limit of `addRecord` with a query and URI of these byte lengths. */
export function recordGasLimit(queryBytes: number, uriBytes: number, gas: GasSchedule = DEFAULT_GAS): bigint {
  return gas.recordBase + gas.perRecordByte * BigInt(queryBytes + uriBytes);
}

/**
 * Gas limit of `addRecordWithReaders` authorizing `readers` readers: the record plus an
 * authorization each (measured: a record with one reader whose Summary lists the EPR already
 * ~400k, each reader linked for the first time ~150k more; see bench/sharing-gas.ts).
 */
export function recordWithReadersGasLimit(
  queryBytes: number,
  uriBytes: number,
  readers: number,
  gas: GasSchedule = DEFAULT_GAS,
): bigint {
  return recordGasLimit(queryBytes, uriBytes, gas) + gas.authorize * BigInt(readers);
}
