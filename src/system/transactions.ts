/**
 * Sends a group of independent transactions from one account the way `deploy:all` registers
 * members: gas estimated in parallel, sent back to back with consecutive nonces (one account,
 * so their order is fixed), receipts awaited together — instead of one send-and-wait round trip
 * each. Transactions that depend on each other go in successive groups.
 */
import type { ContractTransaction, Interface, Signer, TransactionReceipt } from "ethers";
import { describeError } from "../chains/revert";
import { ParticipantSetupError } from "./errors";

/** One transaction of a group: what it does (for messages) and the transaction itself. */
export interface Draft {
  readonly what: string;
  readonly tx: ContractTransaction | Promise<ContractTransaction>;
  /** The ABI its revert data is decoded with. */
  readonly abi?: Pick<Interface, "parseError">;
}

/**
 * Sends `drafts` from `signer` (a Wallet connected to `chain`'s provider) and waits until all are
 * mined; resolves with their receipts in order. Throws {@link ParticipantSetupError} naming the
 * chain and the transaction that could not be estimated, sent or mined.
 */
export async function sendGroup(
  chain: string,
  signer: Signer,
  drafts: readonly Draft[],
): Promise<TransactionReceipt[]> {
  if (drafts.length === 0) return [];
  const provider = signer.provider;
  if (provider === null)
    throw new ParticipantSetupError(chain, drafts[0].what, "the signer is not connected to a provider");
  const from = await signer.getAddress();
  const attempt = async <T>(draft: Draft, action: () => Promise<T>): Promise<T> => {
    try {
      return await action();
    } catch (error) {
      throw new ParticipantSetupError(chain, draft.what, describeError(error, draft.abi), { cause: error });
    }
  };
  const txs = await Promise.all(drafts.map((d) => d.tx));
  const gasLimits = await Promise.all(
    txs.map((tx, i) => attempt(drafts[i], () => provider.estimateGas({ ...tx, from }))),
  );
  const fees = await provider.getFeeData();
  let nonce = await signer.getNonce("pending");
  const sent = [];
  for (const [i, tx] of txs.entries()) {
    const overrides = {
      nonce: nonce++,
      gasLimit: gasLimits[i],
      maxFeePerGas: fees.maxFeePerGas,
      maxPriorityFeePerGas: fees.maxPriorityFeePerGas,
    };
    sent.push(await attempt(drafts[i], () => signer.sendTransaction({ ...tx, ...overrides })));
  }
  return Promise.all(
    sent.map((response, i) =>
      attempt(drafts[i], async () => {
        const receipt = await response.wait();
        if (receipt === null) throw new Error(`transaction ${response.hash} was dropped`);
        return receipt;
      }),
    ),
  );
}
