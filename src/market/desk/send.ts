/**
 * Sends one market transaction and waits for it, turning a revert into a
 * {@link MarketTransactionError} that names what was tried and the contract's custom error with
 * its arguments (`TradeTooEarly(1733571000, 1733571600)`), as a user of a task needs it.
 */
import type { ContractTransactionReceipt, ContractTransactionResponse, Interface } from "ethers";
import { describeError } from "../../chains/revert";
import { MarketTransactionError } from "../errors";

export async function sendMarketTx(
  what: string,
  contract: { interface: Interface },
  send: () => Promise<ContractTransactionResponse>,
): Promise<ContractTransactionReceipt> {
  try {
    const receipt = await (await send()).wait();
    if (receipt === null) throw new MarketTransactionError(what, "no receipt");
    return receipt;
  } catch (error) {
    if (error instanceof MarketTransactionError) throw error;
    throw new MarketTransactionError(what, describeError(error, contract.interface));
  }
}

/** The first log of `event` in `receipt` that `contract` parses, with its arguments. */
export function eventOf(
  receipt: ContractTransactionReceipt,
  contract: { interface: Interface },
  event: string,
): Record<string, unknown> & unknown[] {
  for (const log of receipt.logs) {
    try {
      const parsed = contract.interface.parseLog(log);
      if (parsed?.name === event) return parsed.args as unknown as Record<string, unknown> & unknown[];
    } catch {
      // another contract's log
    }
  }
  throw new MarketTransactionError(event, `no ${event} event in transaction ${receipt.hash}`);
}
