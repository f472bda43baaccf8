/**
 * Sending transactions signed here without ethers undoing its own work.
 *
 * ethers' `broadcastTransaction` answers a send with a response built from the signed bytes parsed
 * back, and reading that response's `from` recovers the sender from the signature: an
 * elliptic-curve recovery (3–4 ms on the project's 2-core machine, more than the signing) for an
 * address the sender knows. It also asks the chain for its block number alongside every send.
 * `sentTransaction` builds the same response with the sender given; `LocalSender` is a signer
 * whose `sendTransaction` (and so every contract call made through it) sends that way, from the
 * transaction it signed rather than from its bytes parsed back. It signs transactions and
 * messages with libsecp256k1 (`src/crypto/secp256k1.ts`), ~15 times faster than ethers' noble.
 */
import {
  AbstractSigner,
  keccak256,
  Transaction,
  TransactionResponse,
  type JsonRpcApiProvider,
  type Signature,
  type SigningKey,
  type TransactionRequest,
  type TransactionResponseParams,
  type TypedDataDomain,
  type TypedDataField,
} from "ethers";
import { signDigest, signMessageWith } from "../crypto/secp256k1";
import { ChainError } from "./errors";

/** A key that signs locally: an ethers `Wallet` or `HDNodeWallet`. */
export interface LocalKey {
  readonly address: string;
  readonly signingKey: Pick<SigningKey, "privateKey">;
  signTransaction(tx: TransactionRequest): Promise<string>;
  signMessage(message: string | Uint8Array): Promise<string>;
  signTypedData(
    domain: TypedDataDomain,
    types: Record<string, TypedDataField[]>,
    value: Record<string, unknown>,
  ): Promise<string>;
}

/**
 * The response ethers' own `broadcastTransaction` gives for `raw`, sent by `from`, built without
 * reading the parsed transaction's `from` (which recovers the sender from the signature).
 */
export function sentTransaction(raw: string, from: string, provider: JsonRpcApiProvider): TransactionResponse {
  return responseOf(Transaction.from(raw), keccak256(raw), from, provider);
}

/** The response for the signed transaction `tx` with hash `hash`, sent by `from`. */
function responseOf(tx: Transaction, hash: string, from: string, provider: JsonRpcApiProvider): TransactionResponse {
  const params: TransactionResponseParams = {
    blockNumber: null,
    blockHash: null,
    hash,
    index: 0,
    type: tx.type as number,
    to: tx.to,
    from,
    nonce: tx.nonce,
    gasLimit: tx.gasLimit,
    gasPrice: tx.maxFeePerGas ?? tx.gasPrice ?? 0n,
    maxPriorityFeePerGas: tx.maxPriorityFeePerGas,
    maxFeePerGas: tx.maxFeePerGas,
    data: tx.data,
    value: tx.value,
    chainId: tx.chainId,
    signature: tx.signature as Signature,
    accessList: tx.accessList,
    authorizationList: null,
  };
  return new TransactionResponse(params, provider);
}

/**
 * A signer for `key` on `provider` (a `JsonRpcProvider`, or a `BrowserProvider` over an EIP-1193
 * provider such as Hardhat's in-process network) that sends with `eth_sendRawTransaction` alone and answers
 * with {@link sentTransaction}. Populating is ethers' own (nonce, gas and fees are asked of the
 * chain only when the request lacks them), and so is every error the chain answers with.
 */
export class LocalSender extends AbstractSigner<JsonRpcApiProvider> {
  readonly address: string;

  constructor(
    private readonly key: LocalKey,
    provider: JsonRpcApiProvider,
  ) {
    super(provider);
    this.address = key.address;
  }

  async getAddress(): Promise<string> {
    return this.address;
  }

  connect(provider: JsonRpcApiProvider | null): LocalSender {
    if (provider === null)
      throw new ChainError(`LocalSender ${this.address} needs a JSON-RPC provider to send through`);
    return new LocalSender(this.key, provider);
  }

  signTransaction(tx: TransactionRequest): Promise<string> {
    return this.key.signTransaction(tx);
  }

  /** As the key's `signMessage`, the signature made by libsecp256k1 (`src/crypto/secp256k1.ts`). */
  async signMessage(message: string | Uint8Array): Promise<string> {
    return signMessageWith(this.key.signingKey.privateKey, message);
  }

  signTypedData(
    domain: TypedDataDomain,
    types: Record<string, TypedDataField[]>,
    value: Record<string, unknown>,
  ): Promise<string> {
    return this.key.signTypedData(domain, types, value);
  }

  async sendTransaction(request: TransactionRequest): Promise<TransactionResponse> {
    const provider = this.provider as JsonRpcApiProvider;
    const populated = await this.populateTransaction(request);
    delete populated.from;
    // Signed as the wallet's signTransaction signs (the same signature, by libsecp256k1), keeping
    // the transaction instead of its bytes.
    const tx = Transaction.from(populated);
    tx.signature = signDigest(tx.unsignedHash, this.key.signingKey.privateKey);
    const raw = tx.serialized;
    const response = responseOf(tx, keccak256(raw), this.address, provider);
    const hash = (await provider.send("eth_sendRawTransaction", [raw])) as string;
    if (hash.toLowerCase() !== response.hash.toLowerCase()) {
      throw new ChainError(`the chain answered transaction ${response.hash} of ${this.address} with hash ${hash}`);
    }
    return response;
  }
}
