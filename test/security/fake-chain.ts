// A stand-in for a chain's Hardhat network whose writes finish only when the test says so: it
// mines at once (its own "latest" is then ahead of the journal) and answers later.
import { EventEmitter } from "node:events";
import { keccak256, toBeHex, toQuantity } from "ethers";
import type { EIP1193Provider, RequestArguments } from "hardhat/types";

const ZERO_HASH = `0x${"00".repeat(32)}`;

export class SlowWriteChain extends EventEmitter implements EIP1193Provider {
  /** Blocks mined, including ones not yet answered for. */
  height = 0;
  /** The block tag of every eth_call it answered. */
  readonly callTags: unknown[] = [];
  /** Writes (evm_mine) waiting for {@link release}. */
  private gates: (() => void)[] = [];
  /** Called after a write has mined and before it waits (events of the new block go out here). */
  onMined: (number: number) => void = () => undefined;

  block(number: number) {
    return {
      number: toQuantity(number),
      hash: keccak256(toBeHex(number + 1, 32)),
      parentHash: number === 0 ? ZERO_HASH : keccak256(toBeHex(number, 32)),
      timestamp: toQuantity(1_800_000_000 + number),
      mixHash: ZERO_HASH,
      baseFeePerGas: "0x3b9aca00",
      miner: "0x0000000000000000000000000000000000000000",
      gasLimit: "0x1c9c380",
      transactions: [],
    };
  }

  /** Lets every waiting write answer. */
  release(): void {
    for (const gate of this.gates.splice(0)) gate();
  }

  get waiting(): number {
    return this.gates.length;
  }

  async request(args: RequestArguments): Promise<unknown> {
    const params = (args.params ?? []) as unknown[];
    switch (args.method) {
      case "evm_mine": {
        this.height += 1;
        this.onMined(this.height);
        await new Promise<void>((resolve) => this.gates.push(resolve));
        return "0x0";
      }
      case "eth_blockNumber":
        return toQuantity(this.height);
      case "eth_getBlockByNumber": {
        const tag = params[0];
        const number = tag === "latest" || tag === "pending" ? this.height : Number(tag);
        return number > this.height ? null : this.block(number);
      }
      case "eth_call":
        this.callTags.push(params[1]);
        return "0x";
      default:
        throw new Error(`SlowWriteChain: ${args.method} is not simulated`);
    }
  }
}
