// Shared helpers of the IoT unit tests (no tests here).
import { ethers, network } from "hardhat";
import { Wallet } from "ethers";
import { ChainUnreachableError } from "../../../src/chains/errors";
import { providerTransport, type ChainTransport, type RequestOptions } from "../../../src/iot/transport";

export { expectRejects, tempDir } from "../offchain/helpers";

/** A fresh random wallet holding `ether` ETH on the in-process Hardhat network. */
export async function fundedWallet(ether = "10"): Promise<Wallet> {
  const wallet = new Wallet(Wallet.createRandom().privateKey);
  const [funder] = await ethers.getSigners();
  await (await funder.sendTransaction({ to: wallet.address, value: ethers.parseEther(ether) })).wait();
  return wallet;
}

/**
 * The in-process Hardhat network as a transport that can be taken down: while `down`, every
 * request fails as a refused connection would, and `failAfterSend` makes the chain "go down"
 * right after it accepted a raw transaction (the answer is lost), the worst moment for a sender.
 */
export class SwitchableTransport implements ChainTransport {
  readonly endpoint = "in-process (switchable)";
  down = false;
  failAfterSend = false;
  /** Raw transactions the chain accepted (answered or not). */
  readonly accepted: string[] = [];
  /** Every method called, in order. */
  readonly calls: string[] = [];
  private readonly inner = providerTransport(network.provider);

  async request<T>(method: string, params: readonly unknown[] = [], options?: RequestOptions): Promise<T> {
    this.calls.push(method);
    if (this.down) throw new ChainUnreachableError(this.endpoint, "connect ECONNREFUSED (simulated)");
    const result = await this.inner.request<T>(method, params, options);
    if (method === "eth_sendRawTransaction") {
      this.accepted.push(params[0] as string);
      if (this.failAfterSend) {
        this.down = true;
        throw new ChainUnreachableError(
          this.endpoint,
          "socket hang up (simulated, after the chain took the transaction)",
        );
      }
    }
    return result;
  }
}

/** Resolves on the next `event` of `emitter`. */
export function nextEvent<T extends unknown[]>(
  emitter: { once(event: string, listener: (...args: T) => void): unknown },
  event: string,
): Promise<T> {
  return new Promise((resolve) => emitter.once(event, (...args: T) => resolve(args)));
}
