/**
 * Errors of `src/market`. Every error names the input that is wrong (entry, option, data source)
 * and what is expected instead, so a caller can act on the message alone.
 */
import { CommchainError } from "../errors";

/** Base class of every error raised by `src/market`. */
export class MarketError extends CommchainError {}

/** An orderer option or cut parameter has a value the rules cannot use. */
export class OrdererOptionError extends MarketError {
  constructor(
    readonly option: string,
    readonly problem: string,
  ) {
    super(`${option}: ${problem}`);
  }
}

/** A High entry handed to the orderer breaks a rule the registry would reject it for. */
export class RegistrationEntryError extends MarketError {
  constructor(
    readonly dataHash: string,
    readonly problem: string,
  ) {
    super(`registration of ${dataHash}: ${problem}`);
  }
}

/** A data source {@link classify} does not know. */
export class UnknownDataSourceError extends MarketError {
  constructor(
    readonly source: string,
    readonly known: readonly string[],
  ) {
    super(`data source ${JSON.stringify(source)} is unknown; the sources are ${known.join(", ")}`);
  }
}

/** The orderer was closed; entries still in its pool are not registered. */
export class OrdererClosedError extends MarketError {
  constructor(readonly pending: number) {
    super(`the orderer is closed (${pending} entries left in its pool)`);
  }
}

/** A batch the orderer sent failed; its entries are rejected with this error. */
export class BatchSendError extends MarketError {}

/** An input of a market command (option, file, account, trade) is wrong; names it and what is expected. */
export class MarketInputError extends MarketError {
  constructor(
    readonly input: string,
    readonly problem: string,
  ) {
    super(`${input}: ${problem}`);
  }
}

/** A market transaction was refused by its contract (the custom error and its arguments) or the chain. */
export class MarketTransactionError extends MarketError {
  constructor(
    readonly what: string,
    readonly reason: string,
  ) {
    super(`${what} was refused: ${reason}`);
  }
}
