// A real chain process (the `chain-node` task chains:up starts) on one data directory, and a
// burst of raw transactions signed beforehand, for the chain-clock and journal fault tests.
import path from "node:path";
import hre from "hardhat";
import { keccak256, Transaction } from "ethers";
import { deviceWallet } from "../../src/chains/accounts";
import { launchChain, NODE_LOG_FILE, waitForChain } from "../../src/chains/chain-process";
import { freePort } from "../../src/chains/ports";
import { rpcCall } from "../../src/chains/rpc";
import { signDigest } from "../../src/crypto/secp256k1";
import { writeTestGenesis } from "../src/chains/helpers";

export const CHAIN_ID = 31001;
export const SENDERS = Array.from({ length: 10 }, (_, i) => `s${i}`);

/** A chain process on `chainDir`: its pid and RPC URL. */
export interface RunningChain {
  pid: number;
  rpc: string;
  port: number;
}

/** Writes the genesis of a chain whose senders are {@link SENDERS}. */
export function writeBurstGenesis(chainDir: string): void {
  writeTestGenesis(chainDir, { chainId: CHAIN_ID, devices: SENDERS });
}

/** Starts the chain process of `chainDir` (replaying its journal) and waits until it answers. */
export async function startChain(chainDir: string, port?: number): Promise<RunningChain> {
  const chosen = port ?? (await freePort());
  const pid = launchChain({
    chain: path.basename(chainDir),
    chainDir,
    port: chosen,
    projectRoot: hre.config.paths.root,
    configFile: hre.config.paths.configFile,
  });
  const rpc = `http://127.0.0.1:${chosen}`;
  await waitForChain({
    chain: path.basename(chainDir),
    rpc,
    chainId: CHAIN_ID,
    timeoutMs: 120_000,
    process: { pid, chainDir, logFile: path.join(chainDir, NODE_LOG_FILE) },
  });
  return { pid, rpc, port: chosen };
}

/** A signed transfer, its hash and sender. */
export interface SignedTransfer {
  raw: string;
  hash: string;
  sender: string;
}

/**
 * `perSender` transfers from each of {@link SENDERS}, signed here beforehand (libsecp256k1), with
 * nonces from `firstNonce`: sending them is then only the chain's work.
 */
export function signBurst(perSender: number, firstNonce = 0): SignedTransfer[][] {
  return SENDERS.map((sender, s) => {
    const wallet = deviceWallet(sender, SENDERS);
    const to = deviceWallet(SENDERS[(s + 1) % SENDERS.length], SENDERS).address;
    return Array.from({ length: perSender }, (_, i) => {
      const tx = Transaction.from({
        type: 2,
        chainId: BigInt(CHAIN_ID),
        nonce: firstNonce + i,
        to,
        value: 1n,
        gasLimit: 21_000n,
        maxFeePerGas: 5_000_000_000n,
        maxPriorityFeePerGas: 1_000_000_000n,
      });
      tx.signature = signDigest(tx.unsignedHash, wallet.privateKey);
      const raw = tx.serialized;
      return { raw, hash: keccak256(raw), sender: wallet.address };
    });
  });
}

/**
 * Sends every sender's transfers in order, the senders in parallel, and returns the hashes the
 * chain acknowledged (answered `eth_sendRawTransaction` with). A sender stops at its first
 * failure (the chain went away): what it had acknowledged so far is what it counts on.
 */
export async function sendBurst(
  rpc: string,
  burst: SignedTransfer[][],
  onAcknowledged?: (count: number) => void,
): Promise<string[]> {
  const acknowledged: string[] = [];
  await Promise.all(
    burst.map(async (transfers) => {
      for (const transfer of transfers) {
        let hash: string;
        try {
          hash = await rpcCall<string>(rpc, "eth_sendRawTransaction", [transfer.raw], 30_000);
        } catch {
          return;
        }
        if (hash.toLowerCase() !== transfer.hash) throw new Error(`${rpc} answered ${transfer.hash} with ${hash}`);
        acknowledged.push(hash.toLowerCase());
        onAcknowledged?.(acknowledged.length);
      }
    }),
  );
  return acknowledged;
}

export type Block = { number: string; hash: string; timestamp: string; transactions: string[] };

/** Every block of the chain at `rpc`, from genesis. */
export async function chainBlocks(rpc: string): Promise<Block[]> {
  const head = Number(await rpcCall<string>(rpc, "eth_blockNumber"));
  const blocks: Block[] = [];
  // A few at a time: the chain answers reads in parallel, but not unboundedly fast.
  for (let from = 0; from <= head; from += 50) {
    const numbers = Array.from({ length: Math.min(50, head + 1 - from) }, (_, i) => from + i);
    blocks.push(
      ...(await Promise.all(
        numbers.map((n) => rpcCall<Block>(rpc, "eth_getBlockByNumber", [`0x${n.toString(16)}`, false])),
      )),
    );
  }
  return blocks;
}
