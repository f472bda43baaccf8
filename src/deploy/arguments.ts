/** Parsing of the `deploy:all` command-line arguments into {@link DeployAllOptions} values. */
import { parseUnits } from "ethers";
import { DeployArgumentError } from "./errors";

/** Decimals of the DataToken (ERC-20 default): amounts on the command line are whole tokens. */
export const TOKEN_DECIMALS = 18;

/** A token amount given in whole tokens with up to 18 decimals ("10", "0.5") → smallest units. */
export function parseTokenAmount(text: string, argument: string): bigint {
  let amount: bigint;
  try {
    amount = parseUnits(text.trim(), TOKEN_DECIMALS);
  } catch {
    throw new DeployArgumentError(
      argument,
      `${JSON.stringify(text)} is not a token amount (a decimal number such as 10 or 0.5)`,
    );
  }
  if (amount < 0n) throw new DeployArgumentError(argument, `must not be negative, got ${text}`);
  return amount;
}

/** A comma-separated list of addresses ("" is none). Addresses are checked by {@link deployAll}. */
export function parseAddressList(text: string): string[] {
  return text
    .split(",")
    .map((item) => item.trim())
    .filter((item) => item !== "");
}

/** A whole number of seconds ("86400") → bigint. */
export function parseSeconds(text: string, argument: string): bigint {
  if (!/^\d+$/.test(text.trim()))
    throw new DeployArgumentError(argument, `${JSON.stringify(text)} is not a whole number of seconds`);
  return BigInt(text.trim());
}
