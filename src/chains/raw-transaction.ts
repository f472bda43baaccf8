import { keccak256, Signature, Transaction, type TransactionLike } from "ethers";
import { ChainError } from "./errors";

/** A transaction as `eth_getBlockByNumber(n, true)` returns it (hex quantities). */
export interface RpcTransaction {
  hash: string;
  type?: string;
  chainId?: string;
  nonce: string;
  to?: string | null;
  value: string;
  input: string;
  gas: string;
  gasPrice?: string;
  maxFeePerGas?: string;
  maxPriorityFeePerGas?: string;
  accessList?: { address: string; storageKeys: string[] }[];
  authorizationList?: { chainId: string; address: string; nonce: string; yParity: string; r: string; s: string }[];
  v?: string;
  yParity?: string;
  r: string;
  s: string;
}

/** A mined transaction whose signed form cannot be rebuilt exactly (so it could not be replayed). */
export class UnserializableTransactionError extends ChainError {
  constructor(
    readonly hash: string,
    readonly problem: string,
  ) {
    super(`transaction ${hash} cannot be journaled: ${problem}`);
  }
}

/**
 * The signed EIP-2718 serialisation of a mined transaction, rebuilt from its RPC form: Hardhat
 * signs `eth_sendTransaction` transactions itself, so the raw bytes exist only in this form. The
 * result is checked against the transaction hash, so a journaled transaction is byte-exact.
 */
export function rawTransaction(tx: RpcTransaction): string {
  const type = tx.type === undefined ? 0 : Number(tx.type);
  if (type === 3)
    throw new UnserializableTransactionError(
      tx.hash,
      "blob transactions (type 3) carry sidecars the block does not hold",
    );
  const like: TransactionLike = {
    type,
    nonce: Number(tx.nonce),
    to: tx.to ?? null,
    value: BigInt(tx.value),
    data: tx.input,
    gasLimit: BigInt(tx.gas),
    signature: signatureOf(tx, type),
  };
  if (tx.chainId !== undefined) like.chainId = BigInt(tx.chainId);
  if (type === 0 || type === 1) like.gasPrice = BigInt(tx.gasPrice ?? "0x0");
  if (type >= 2) {
    like.maxFeePerGas = BigInt(tx.maxFeePerGas ?? "0x0");
    like.maxPriorityFeePerGas = BigInt(tx.maxPriorityFeePerGas ?? "0x0");
  }
  if (type >= 1) like.accessList = tx.accessList ?? [];
  if (type === 4) {
    like.authorizationList = (tx.authorizationList ?? []).map((auth) => ({
      chainId: BigInt(auth.chainId),
      address: auth.address,
      nonce: BigInt(auth.nonce),
      signature: Signature.from({ r: auth.r, s: auth.s, yParity: Number(auth.yParity) as 0 | 1 }),
    }));
  }
  let serialized: string;
  try {
    serialized = Transaction.from(like).serialized;
  } catch (error) {
    throw new UnserializableTransactionError(tx.hash, (error as Error).message);
  }
  // A transaction's hash is the hash of its signed serialisation, for every type.
  const rebuilt = keccak256(serialized);
  if (rebuilt !== tx.hash.toLowerCase()) {
    throw new UnserializableTransactionError(tx.hash, `its fields serialise to a transaction with hash ${rebuilt}`);
  }
  return serialized;
}

function signatureOf(tx: RpcTransaction, type: number): Signature {
  if (type === 0) {
    // Legacy transactions carry v (27/28, or EIP-155's chainId * 2 + 35/36); ethers derives the
    // chain id and parity from it.
    return Signature.from({ r: tx.r, s: tx.s, v: BigInt(tx.v ?? "0x1b") });
  }
  const parity = tx.yParity ?? tx.v ?? "0x0";
  return Signature.from({ r: tx.r, s: tx.s, yParity: Number(parity) as 0 | 1 });
}
