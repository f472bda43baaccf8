/**
 * Registering a community chain on the AnchorHub with its genesis block as trust root: the one
 * place that does it, for the relay (chains it meets unregistered) and for `deploy:all` (every
 * community as it is deployed). Block 0 is taken from the chain's RPC and, when topology.json
 * recorded the genesis hash at creation, checked against it, so a node serving another chain
 * cannot plant its own root.
 */
import type { ContractTransactionResponse } from "ethers";
import type { AnchorHub } from "../../typechain-types";
import { TrustRootError } from "./errors";
import { fetchHeader, type RpcClient } from "./headers";
import type { HexHash } from "../records/merkle";

/** A community chain whose trust root is registered. */
export interface TrustRootChain {
  readonly name: string;
  readonly chainId: number;
  readonly rpc: RpcClient;
  /** The genesis hash recorded when the chain was created (topology.json's `genesis.hash`). */
  readonly genesisHash?: string;
}

/** Sends one hub transaction and waits for it to be mined; callers may queue it behind others. */
export type HubSender = (transaction: () => Promise<ContractTransactionResponse>) => Promise<unknown>;

/** The trust root of `chain`: the hash of its block 0, checked against the recorded genesis. */
export async function genesisTrustRoot(chain: TrustRootChain): Promise<HexHash> {
  const genesis = await fetchHeader(chain.rpc, 0n, chain.name);
  if (chain.genesisHash !== undefined && genesis.hash !== chain.genesisHash.toLowerCase()) {
    throw new TrustRootError(
      `${chain.name} (chain ${chain.chainId}): its block 0 is ${genesis.hash} but its recorded genesis is ${chain.genesisHash}: not the chain that was created`,
    );
  }
  return genesis.hash;
}

/**
 * Registers `chain` on the hub at height 0 with its genesis hash, unless the hub knows it already.
 * `registrar` is the hub connected to an account holding its DEFAULT_ADMIN_ROLE. Returns the trust
 * root registered now, or undefined when the chain was registered before.
 */
export async function registerTrustRoot(
  registrar: AnchorHub,
  chain: TrustRootChain,
  send: HubSender = sendAndWait,
): Promise<HexHash | undefined> {
  if (await registrar.isRegistered(chain.chainId)) return undefined;
  const root = await genesisTrustRoot(chain);
  await send(() => registrar.registerChain(chain.chainId, 0, root));
  return root;
}

/** What {@link resetTrustRoot} did. */
export interface TrustRootReset {
  readonly epoch: number;
  readonly height: number;
  readonly blockHash: HexHash;
}

/**
 * Gives the registered `chain` a new trust root on the hub (`resetChain`, a new epoch): its block
 * `height` as its RPC serves it now, block 0 being checked against the recorded genesis. For a
 * chain that was recreated or reorganised below its last anchor; `registrar` holds the hub's
 * DEFAULT_ADMIN_ROLE.
 */
export async function resetTrustRoot(
  registrar: AnchorHub,
  chain: TrustRootChain,
  height = 0,
  send: HubSender = sendAndWait,
): Promise<TrustRootReset> {
  if (!Number.isSafeInteger(height) || height < 0)
    throw new TrustRootError(
      `${chain.name} (chain ${chain.chainId}): the new trust root's height must be a non-negative integer, got ${height}`,
    );
  if (!(await registrar.isRegistered(chain.chainId))) {
    throw new TrustRootError(
      `${chain.name} (chain ${chain.chainId}) is not registered on the AnchorHub: nothing to reset, the relay registers it`,
    );
  }
  const blockHash =
    height === 0 ? await genesisTrustRoot(chain) : (await fetchHeader(chain.rpc, BigInt(height), chain.name)).hash;
  await send(() => registrar.resetChain(chain.chainId, height, blockHash));
  return { epoch: Number(await registrar.epochOf(chain.chainId)), height, blockHash };
}

async function sendAndWait(transaction: () => Promise<ContractTransactionResponse>): Promise<unknown> {
  const tx = await transaction();
  const receipt = await tx.wait();
  if (receipt === null) throw new TrustRootError(`transaction ${tx.hash} was dropped`);
  return receipt;
}
