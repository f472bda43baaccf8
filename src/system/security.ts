/**
 * The run's security probes, after the load: what the security model promises, asked of the
 * running system from the outside, the way an attacker on the local network would ask.
 *
 * - every chain refuses the methods that sign with a key the node holds, refuses a request a
 *   browser page sends (an `Origin` header) and answers OPTIONS without CORS;
 * - no chain's clock ran ahead of the wall clock under the run's load;
 * - a second writer of a running chain's journal is refused (its lock is held);
 * - an account holding no role can neither take a registrar-only kind nor mint DataToken, and the
 *   token's supply does not move;
 * - each gateway's limiter refuses most of a burst of throwaway requests from one client.
 *
 * Nothing here changes a chain: the contract probes are `eth_call`s, the journal probe only tries
 * to create the lock file.
 */
import path from "node:path";
import { Wallet, type Interface } from "ethers";
import { describeError } from "../chains/revert";
import { chainProvider } from "../chains/providers";
import { JournalLockedError } from "../chains/errors";
import { JOURNAL_FILE, acquireJournalLock, releaseJournalLock } from "../chains/journal";
import { NODE_SIGNING_METHODS } from "../chains/node-signing";
import { rpcCall, RpcError } from "../chains/rpc";
import { authHeaders } from "../chains/rpc-auth";
import { allChains, chainDataDir, type ChainEntry, type Topology } from "../chains/topology";
import { communityContracts } from "../deploy/contracts";
import type { RunStores } from "./stores";

/** How far ahead of the wall clock a chain's latest block may be dated (issue 9: within 2 s). */
export const MAX_CLOCK_AHEAD_S = 2;
/** Throwaway requests sent at once to each gateway. */
export const GATEWAY_BURST = 100;
/** The registrar-only kind an unprivileged account tries to take (Register.Kind.ServiceProvider). */
const SERVICE_PROVIDER_KIND = 1;
/** A page's origin, as a browser would send it. */
const FOREIGN_ORIGIN = "https://attacker.example";

/** One signing method asked of one chain. */
export interface SigningProbe {
  readonly method: string;
  readonly refused: boolean;
  /** The chain's answer: its error message, or the result it gave. */
  readonly detail: string;
}

/** What one chain answered. */
export interface ChainProbe {
  readonly chain: string;
  readonly signing: readonly SigningProbe[];
  /** HTTP status of a JSON-RPC request carrying a foreign `Origin`. */
  readonly originStatus: number;
  /** HTTP status of an OPTIONS preflight. */
  readonly preflightStatus: number;
  /** Whether either answer carried an `Access-Control-Allow-Origin` header. */
  readonly cors: boolean;
  /** Latest block's timestamp minus the wall clock, in seconds (positive: ahead). */
  readonly clockOffsetS: number;
  /** Local chains: whether a second writer of the journal was refused; null for external chains. */
  readonly journalLocked: boolean | null;
  readonly journalDetail?: string;
}

/** What an account holding no role got from a community's contracts. */
export interface UnprivilegedProbe {
  readonly chain: string;
  /** The decoded revert of `Register.register(id, self, ServiceProvider)`; undefined if it would pass. */
  readonly registerRevert?: string;
  /** The decoded revert of `DataToken.mint(self, 1e18)`; undefined if it would pass. */
  readonly mintRevert?: string;
  readonly supplyBefore: string;
  readonly supplyAfter: string;
}

/** A burst of throwaway requests at one gateway, by answer status. */
export interface GatewayBurst {
  readonly chain: string;
  readonly sent: number;
  /** How many the limiter refused (429). */
  readonly limited: number;
  /** Count of each HTTP status (0: no answer). */
  readonly statuses: Readonly<Record<string, number>>;
}

/** Everything the probes found. */
export interface SecurityFacts {
  readonly chains: readonly ChainProbe[];
  readonly unprivileged: readonly UnprivilegedProbe[];
  readonly gateways: readonly GatewayBurst[];
}

/** Options of {@link probeSecurity}. */
export interface SecurityProbeOptions {
  readonly topology: Topology;
  /** The chains directory of `chains:up` (for the journals' locks). */
  readonly chainsDir: string;
  readonly stores: Pick<RunStores, "communities">;
  /** Requests per gateway burst (default {@link GATEWAY_BURST}). */
  readonly burst?: number;
  readonly onProgress?: (done: string) => void;
}

/** Probes every chain, community contract set and gateway of a running system. */
export async function probeSecurity(options: SecurityProbeOptions): Promise<SecurityFacts> {
  const chains = await Promise.all(allChains(options.topology).map((chain) => probeChain(chain, options.chainsDir)));
  options.onProgress?.(`${chains.length} chains probed`);
  const unprivileged = await Promise.all(
    options.topology.communities.map((chain) => probeUnprivileged(options.topology, chain)),
  );
  options.onProgress?.(`${unprivileged.length} communities' contracts probed`);
  const gateways: GatewayBurst[] = [];
  // One gateway at a time: the bursts share this machine's cores.
  for (const community of options.stores.communities)
    gateways.push(await burstGateway(community.chain, community.gateway.url, options.burst ?? GATEWAY_BURST));
  options.onProgress?.(`${gateways.length} gateways flooded`);
  return { chains, unprivileged, gateways };
}

/** The signing, origin, clock and journal probes of one chain. */
export async function probeChain(chain: ChainEntry, chainsDir: string): Promise<ChainProbe> {
  const throwaway = Wallet.createRandom().address;
  const signing = await Promise.all(
    [...NODE_SIGNING_METHODS].sort().map(async (method): Promise<SigningProbe> => {
      try {
        const result = await rpcCall(chain.rpc, method, signingParams(method, throwaway));
        return { method, refused: false, detail: `answered ${JSON.stringify(result)}` };
      } catch (error) {
        if (!(error instanceof RpcError) || error.code === undefined) throw error;
        return { method, refused: true, detail: error.problem };
      }
    }),
  );
  const body = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] });
  const fromPage = await fetch(chain.rpc, {
    method: "POST",
    headers: { "content-type": "application/json", origin: FOREIGN_ORIGIN, ...authHeaders() },
    body,
  });
  await fromPage.arrayBuffer();
  const preflight = await fetch(chain.rpc, {
    method: "OPTIONS",
    headers: { origin: FOREIGN_ORIGIN, "access-control-request-method": "POST" },
  });
  await preflight.arrayBuffer();
  const latest = await rpcCall<{ timestamp: string }>(chain.rpc, "eth_getBlockByNumber", ["latest", false]);
  const clockOffsetS = Number(latest.timestamp) - Math.floor(Date.now() / 1000);
  return {
    chain: chain.name,
    signing,
    originStatus: fromPage.status,
    preflightStatus: preflight.status,
    cors: fromPage.headers.has("access-control-allow-origin") || preflight.headers.has("access-control-allow-origin"),
    clockOffsetS,
    ...(chain.external
      ? { journalLocked: null }
      : probeJournal(path.join(chainDataDir(chainsDir, chain), JOURNAL_FILE))),
  };
}

/** Parameters that would make each method sign, were it allowed. */
function signingParams(method: string, account: string): unknown[] {
  if (method === "eth_sendTransaction" || method === "eth_signTransaction")
    return [{ from: account, to: account, value: "0x1" }];
  if (method === "eth_sign") return [account, "0x00"];
  if (method === "personal_sign") return ["0x00", account];
  if (method.startsWith("eth_signTypedData"))
    return [account, { types: { EIP712Domain: [] }, primaryType: "EIP712Domain", domain: {}, message: {} }];
  return [account];
}

/** Tries to become a second writer of a running chain's journal. */
function probeJournal(file: string): { journalLocked: boolean; journalDetail: string } {
  try {
    acquireJournalLock(file);
  } catch (error) {
    if (error instanceof JournalLockedError)
      return { journalLocked: true, journalDetail: `refused: held by process ${error.pid ?? "?"}` };
    return { journalLocked: false, journalDetail: (error as Error).message };
  }
  releaseJournalLock(file);
  return { journalLocked: false, journalDetail: "the lock was free: nothing holds the journal" };
}

/** What a fresh account (no role, no registration) gets from a community's Register and DataToken. */
export async function probeUnprivileged(topology: Topology, chain: ChainEntry): Promise<UnprivilegedProbe> {
  const provider = chainProvider(chain);
  try {
    const { register, token } = communityContracts(topology, chain.name, provider);
    const from = Wallet.createRandom().address;
    const supplyBefore = await token.totalSupply();
    const registerRevert = await revertOf(
      () =>
        provider.call({
          from,
          to: register.target as string,
          data: register.interface.encodeFunctionData("register", [
            `probe-${from.slice(2, 10)}`,
            from,
            SERVICE_PROVIDER_KIND,
          ]),
        }),
      register.interface,
    );
    const mintRevert = await revertOf(
      () =>
        provider.call({
          from,
          to: token.target as string,
          data: token.interface.encodeFunctionData("mint", [from, 10n ** 18n]),
        }),
      token.interface,
    );
    const supplyAfter = await token.totalSupply();
    return {
      chain: chain.name,
      registerRevert,
      mintRevert,
      supplyBefore: supplyBefore.toString(),
      supplyAfter: supplyAfter.toString(),
    };
  } finally {
    provider.destroy();
  }
}

/** The decoded custom error a call reverts with, or undefined when it would succeed. */
async function revertOf(
  call: () => Promise<string>,
  contract: Pick<Interface, "parseError">,
): Promise<string | undefined> {
  try {
    await call();
    return undefined;
  } catch (error) {
    return describeError(error, contract);
  }
}

/** Sends `count` throwaway read requests at once and counts the answers by status. */
export async function burstGateway(chain: string, url: string, count: number): Promise<GatewayBurst> {
  const statuses: Record<string, number> = {};
  await Promise.all(
    Array.from({ length: count }, async () => {
      let status = 0;
      try {
        // A well-formed request would need a fresh signature each; the limiter answers before the
        // body is read, so a throwaway body is what a flood costs an attacker.
        const response = await fetch(new URL("/v1/read", url), {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: "{}",
        });
        await response.arrayBuffer();
        status = response.status;
      } catch {
        status = 0;
      }
      statuses[status] = (statuses[status] ?? 0) + 1;
    }),
  );
  return { chain, sent: count, limited: statuses["429"] ?? 0, statuses };
}
