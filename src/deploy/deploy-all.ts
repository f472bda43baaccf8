/**
 * `deploy:all`: every chain of a topology gets its contracts. The main chain gets the
 * `MainAnchoring` module (AnchorHub), each community chain the `CommunitySuite` module (BPIIoT
 * suite + RecordLog), its member devices registered in its Register, and its genesis registered
 * on the AnchorHub as trust root.
 *
 * Chains are deployed in parallel, each through its own RPC, each with its own Ignition journal
 * inside its data directory; a community waits for the main chain only to register its trust
 * root. Each chain's addresses are written to topology.json (atomically, re-read first so
 * concurrent `chains:up` pids survive) as soon as its module is deployed, so a chain failing
 * later loses nothing of the others. Every step is idempotent: Ignition's journal skips what is
 * deployed, registered members and chains are skipped, so a re-run sends no transaction, and a
 * run after a failure finishes what is missing.
 */
import fs from "node:fs";
import { isAddress } from "ethers";
import type { ArtifactResolver, DeploymentParameters } from "@nomicfoundation/ignition-core";
import { AnchorHub__factory, Register__factory } from "../../typechain-types";
import { describeError } from "../chains/revert";
import { chainProvider } from "../chains/providers";
import { registerTrustRoot } from "../anchor/trust-root";
import { projectMnemonic, refuseDevelopmentMnemonic, systemWallet } from "../chains/accounts";
import { RpcError, rpcCall } from "../chains/rpc";
import {
  chainDataDir,
  readTopology,
  topologyPath,
  writeTopology,
  type ChainEntry,
  type Topology,
} from "../chains/topology";
import { communitySuiteModule } from "../../ignition/modules/CommunitySuite";
import { COMMUNITY_SUITE_MODULE_ID, COMMUNITY_SUITE_PARAMETERS } from "../../ignition/modules/defaults";
import { mainAnchoringModule } from "../../ignition/modules/MainAnchoring";
import { chainSigningProvider, systemAccounts } from "../chains/providers";
import { ANCHOR_HUB_CONTRACT, COMMUNITY_CONTRACT_NAMES, MAIN_CONTRACT_NAMES } from "../chains/contract-names";
import {
  ChainDeployError,
  DeployArgumentError,
  DeployError,
  DeployIncompleteError,
  type DeployFailure,
} from "./errors";
import { ChainUnreachableError } from "../chains/errors";

/** What deploy:all says when a chain is down: a re-run resumes what completed. */
const DEPLOY_ADVICE = "start the chains with `npx hardhat chains:up` and run deploy:all again";
import { memberAccounts, registerMembers } from "./members";
import type { ChainDeployment, ModuleDeploymentOutcome, TrustRootOutcome } from "./deployment";
import { deployModule, deploymentDir } from "./module-deployment";
import { CHAIN_TIMEOUTS } from "../chains/timeouts";

/** How long a chain may take to answer its first request before it counts as not running. */
export const REACHABILITY_TIMEOUT_MS = CHAIN_TIMEOUTS.probe;

/** Options of {@link deployAll}. */
export interface DeployAllOptions {
  /** The chains directory holding topology.json. */
  readonly dir: string;
  /** Where Ignition reads the compiled contracts (in a task: ProjectArtifactResolver, or hardhat-ignition's HardhatArtifactResolver). */
  readonly artifactResolver: ArtifactResolver;
  /** Accounts granted VERIFIER_ROLE on every community's RelationshipFactory. */
  readonly verifiers?: readonly string[];
  /** `CommunitySuite.uploadReward`, in the token's smallest unit (module default when absent). */
  readonly uploadReward?: bigint;
  /** `CommunitySuite.verificationReward`, in the token's smallest unit (module default when absent). */
  readonly verificationReward?: bigint;
  /** `CommunitySuite.rewardCap`: the most minted per relationship per period, smallest unit. */
  readonly rewardCap?: bigint;
  /** `CommunitySuite.rewardPeriod`, seconds (at least 1). */
  readonly rewardPeriod?: bigint;
  /** `CommunitySuite.bonusRefundDelay`, seconds. */
  readonly bonusRefundDelay?: bigint;
  readonly mnemonic?: string;
  readonly onProgress?: (progress: DeployProgress) => void;
}

/** A progress line about one chain. */
export interface DeployProgress {
  readonly chain: string;
  readonly message: string;
  /** Ignition steps finished in this run and to run in all, while a module deploys. */
  readonly done?: number;
  readonly total?: number;
}

/** What `deploy:all` did. */
export interface DeployAllResult {
  readonly topologyFile: string;
  /** The AnchorHub of the main chain. */
  readonly hub: string;
  /** The main chain first, then the communities in topology order. */
  readonly chains: readonly ChainDeployment[];
  /** Community chains registered on the AnchorHub by this run. */
  readonly registeredOnHub: readonly string[];
}

/**
 * Deploys whatever is missing on the chains of `<dir>/topology.json`. Throws
 * {@link DeployIncompleteError} naming each chain that could not be finished (the others are
 * finished and recorded) after every chain has been tried; a TopologyError when there is no
 * usable topology; a {@link DeployArgumentError} for bad options, before anything is sent.
 */
export async function deployAll(options: DeployAllOptions): Promise<DeployAllResult> {
  const file = topologyPath(options.dir);
  const topology = readTopology(file);
  const parameters = moduleParameters(options);
  const verifiers = checkedVerifiers(options.verifiers ?? []);
  const mnemonic = options.mnemonic ?? projectMnemonic();
  refuseDevelopmentMnemonic(topology, mnemonic, file);
  const context: Context = {
    dir: options.dir,
    topology,
    mnemonic,
    accounts: systemAccounts(mnemonic),
    artifactResolver: options.artifactResolver,
    progress: (chain, message, done, total) => options.onProgress?.({ chain, message, done, total }),
    record: serialized(),
    mainTransaction: serialized(),
  };

  const main = deployMain(context);
  const communities = topology.communities.map((chain) => deployCommunity(context, chain, parameters, verifiers, main));
  const outcomes = await Promise.allSettled([main.then(({ deployment }) => deployment), ...communities]);

  const failures: DeployFailure[] = [];
  const deployments: ChainDeployment[] = [];
  outcomes.forEach((outcome, i) => {
    const chain = i === 0 ? topology.main : topology.communities[i - 1];
    if (outcome.status === "fulfilled") deployments.push(outcome.value);
    else failures.push(asDeployError(outcome.reason, chain, "deploy"));
  });
  const registeredOnHub = deployments.filter((d) => d.trustRoot?.registeredNow === true).map((d) => d.chain);
  const completed = withHubTransactions(deployments, registeredOnHub.length);
  if (failures.length > 0) throw new DeployIncompleteError(file, failures, completed);
  return { topologyFile: file, hub: completed[0].contracts[ANCHOR_HUB_CONTRACT], chains: completed, registeredOnHub };
}

/** What every chain's deployment shares. */
interface Context {
  readonly dir: string;
  readonly topology: Topology;
  readonly mnemonic: string;
  readonly accounts: string[];
  readonly artifactResolver: ArtifactResolver;
  readonly progress: (chain: string, message: string, done?: number, total?: number) => void;
  /** Serializes topology.json updates (read, change one chain, write). */
  readonly record: Serial;
  /** Serializes the deployer's transactions on the main chain (trust roots of all communities). */
  readonly mainTransaction: Serial;
}

interface MainOutcome {
  readonly deployment: ChainDeployment;
  readonly hub: string;
}

async function deployMain(context: Context): Promise<MainOutcome> {
  const chain = context.topology.main;
  const outcome = await deployChainModule(context, chain, mainAnchoringModule(), {}, MAIN_CONTRACT_NAMES);
  return { deployment: deploymentOf(chain, outcome), hub: outcome.contracts[ANCHOR_HUB_CONTRACT] };
}

async function deployCommunity(
  context: Context,
  chain: ChainEntry,
  parameters: DeploymentParameters,
  verifiers: readonly string[],
  main: Promise<MainOutcome>,
): Promise<ChainDeployment> {
  // A community whose main chain fails still deploys; only its trust root waits for the hub.
  main.catch(() => undefined);
  const outcome = await deployChainModule(
    context,
    chain,
    communitySuiteModule({ verifiers }),
    parameters,
    COMMUNITY_CONTRACT_NAMES,
  );
  const provider = chainProvider(chain);
  try {
    const deployer = systemWallet("deployer", context.mnemonic).connect(provider);
    const members = await stage(chain, "member registration", () =>
      registerMembers(
        Register__factory.connect(outcome.contracts.Register, deployer),
        chain.name,
        memberAccounts(chain, context.topology, context.mnemonic),
        {
          onProgress: (message) => context.progress(chain.name, message),
        },
      ),
    );
    if (members.registered.length === 0)
      context.progress(chain.name, `all ${members.already.length} member devices were registered already`);

    let hub: string;
    try {
      ({ hub } = await main);
    } catch {
      throw new ChainDeployError(
        chain.name,
        chain.rpc,
        "trust-root registration",
        `skipped: the main chain ${context.topology.main.name} was not deployed`,
      );
    }
    const trustRoot = await stage(chain, "trust-root registration", async () => {
      const mainProvider = chainProvider(context.topology.main);
      try {
        const registrar = AnchorHub__factory.connect(
          hub,
          systemWallet("deployer", context.mnemonic).connect(mainProvider),
        );
        const root = await registerTrustRoot(
          registrar,
          { name: chain.name, chainId: chain.chainId, rpc: provider, genesisHash: chain.genesis?.hash },
          (send) => context.mainTransaction(async () => (await send()).wait()),
        );
        return root === undefined ? { registeredNow: false } : { registeredNow: true, root };
      } finally {
        mainProvider.destroy();
      }
    });
    context.progress(
      chain.name,
      trustRoot.registeredNow
        ? `registered on the AnchorHub, trust root block 0 ${trustRoot.root}`
        : "already registered on the AnchorHub",
    );
    const deployment = deploymentOf(chain, outcome);
    return {
      ...deployment,
      transactions: deployment.transactions + members.transactions,
      members: { registered: members.registered, already: members.already },
      trustRoot,
    };
  } finally {
    provider.destroy();
  }
}

/**
 * Deploys `module` on `chain` through its own RPC, checks the code of every contract it reports
 * and records them in topology.json.
 */
/**
 * A request the chain process dropped under load ("other side closed": it closed an idle
 * keep-alive connection as the client reused it). The chain is up and Ignition's journal holds
 * every step that completed, so the deployment resumes, at most {@link DEPLOY_RESUME_ATTEMPTS}
 * times in all.
 */
const DROPPED_CONNECTION = /other side closed|socket hang up|ECONNRESET/;
export const DEPLOY_RESUME_ATTEMPTS = 3;

async function deployChainModule(
  context: Context,
  chain: ChainEntry,
  module: Parameters<typeof deployModule>[0]["module"],
  parameters: DeploymentParameters,
  names: readonly string[],
): Promise<ModuleDeploymentOutcome> {
  await assertReachable(context, chain);
  const chainDir = chainDataDir(context.dir, chain);
  const journal = deploymentDir(chainDir, chain);
  const recorded = names.filter((name) => chain.contracts[name] !== undefined);
  if (recorded.length > 0 && !fs.existsSync(journal)) {
    context.progress(
      chain.name,
      `topology.json lists ${recorded.join(", ")} but there is no Ignition journal at ${journal}: deploying with Ignition, the listed addresses will be replaced`,
    );
  }
  let outcome: ModuleDeploymentOutcome;
  for (let attempt = 1; ; attempt++) {
    try {
      outcome = await stage(chain, `Ignition deployment of ${module.id}`, () =>
        deployModule({
          chain,
          chainDir,
          module,
          parameters,
          provider: chainSigningProvider(chain, context.mnemonic),
          accounts: context.accounts,
          artifactResolver: context.artifactResolver,
          onProgress: ({ message, done, total }) => context.progress(chain.name, message, done, total),
        }),
      );
      break;
    } catch (error) {
      if (attempt >= DEPLOY_RESUME_ATTEMPTS || !DROPPED_CONNECTION.test((error as Error).message)) throw error;
      // The chain answers again, so the dropped request was a transport race, not an outage.
      await assertReachable(context, chain);
      context.progress(
        chain.name,
        `the chain closed a connection during the deployment; resuming from the journal (attempt ${attempt + 1}/${DEPLOY_RESUME_ATTEMPTS})`,
      );
    }
  }
  const missing = names.filter((name) => outcome.contracts[name] === undefined);
  if (missing.length > 0)
    throw new ChainDeployError(
      chain.name,
      chain.rpc,
      `Ignition deployment of ${module.id}`,
      `the module deployed no ${missing.join(", ")}`,
    );
  const codes = await stage(chain, "code check", () =>
    Promise.all(
      Object.values(outcome.contracts).map((address) => rpcCall<string>(chain.rpc, "eth_getCode", [address, "latest"])),
    ),
  );
  const empty = Object.entries(outcome.contracts).filter((_, i) => codes[i] === "0x");
  if (empty.length > 0) {
    throw new ChainDeployError(
      chain.name,
      chain.rpc,
      "code check",
      `${empty.map(([name, address]) => `${name} at ${address}`).join(", ")} has no code after the deployment`,
    );
  }
  await context.record(async () => {
    // Re-read: chains:up may have rewritten pids since this run started.
    const latest = readTopology(topologyPath(context.dir));
    const entry = [latest.main, ...latest.communities].find((candidate) => candidate.name === chain.name);
    if (entry === undefined)
      throw new ChainDeployError(
        chain.name,
        chain.rpc,
        "recording",
        `${topologyPath(context.dir)} no longer lists the chain`,
      );
    entry.contracts = { ...entry.contracts, ...outcome.contracts };
    writeTopology(topologyPath(context.dir), latest);
  });
  context.progress(
    chain.name,
    outcome.deployed.length === 0
      ? `${module.id}: nothing new to deploy, ${Object.keys(outcome.contracts).length} contracts recorded`
      : `${module.id}: ${outcome.deployed.length} contract(s) deployed in ${outcome.transactions} transaction(s), addresses recorded in topology.json`,
  );
  return outcome;
}

/** Fails with {@link ChainUnreachableError} unless the chain answers with its chain id. */
async function assertReachable(context: Context, chain: ChainEntry): Promise<void> {
  let answer: string;
  try {
    answer = await rpcCall<string>(chain.rpc, "eth_chainId", [], REACHABILITY_TIMEOUT_MS);
  } catch (error) {
    throw new ChainUnreachableError(chain.rpc, error instanceof RpcError ? error.problem : (error as Error).message, {
      chain: chain.name,
      advice: DEPLOY_ADVICE,
      cause: error,
    });
  }
  if (Number(answer) !== chain.chainId)
    throw new ChainUnreachableError(
      chain.rpc,
      `answers with chain id ${Number(answer)}, not ${chain.chainId} (another chain is on this port)`,
      { chain: chain.name, advice: DEPLOY_ADVICE },
    );
  // A local entry chains:up did not create (no genesis recorded) may be any chain with that id.
  refuseDevelopmentMnemonic(context.topology, context.mnemonic, topologyPath(context.dir), Number(answer));
}

/** Runs one stage of a chain's deployment, naming the chain and stage in whatever it throws. */
async function stage<T>(chain: ChainEntry, name: string, action: () => Promise<T>): Promise<T> {
  try {
    return await action();
  } catch (error) {
    throw asDeployError(error, chain, name);
  }
}

function asDeployError(error: unknown, chain: ChainEntry, stageName: string): DeployFailure {
  if (error instanceof DeployError || error instanceof ChainUnreachableError) return error;
  return new ChainDeployError(chain.name, chain.rpc, stageName, firstLine(describeError(error)), { cause: error });
}

/** Hardhat's connection errors carry advice over several lines; the first says what happened. */
function firstLine(text: string): string {
  return text.split("\n")[0];
}

function deploymentOf(chain: ChainEntry, outcome: ModuleDeploymentOutcome): ChainDeployment {
  return {
    chain: chain.name,
    chainId: chain.chainId,
    rpc: chain.rpc,
    module: outcome.moduleId,
    deploymentId: outcome.deploymentId,
    deploymentDir: outcome.deploymentDir,
    contracts: outcome.contracts,
    deployed: outcome.deployed,
    transactions: outcome.transactions,
    resumed: outcome.resumed,
    ...(outcome.discardedJournal === undefined ? {} : { discardedJournal: outcome.discardedJournal }),
  };
}

/** The main chain's deployment also carries the trust-root registrations it mined. */
function withHubTransactions(deployments: ChainDeployment[], registrations: number): ChainDeployment[] {
  return deployments.map((d) =>
    d.contracts[ANCHOR_HUB_CONTRACT] === undefined ? d : { ...d, transactions: d.transactions + registrations },
  );
}

function moduleParameters(options: DeployAllOptions): DeploymentParameters {
  const suite: Record<string, bigint> = {};
  for (const [key, value] of [
    [COMMUNITY_SUITE_PARAMETERS.uploadReward, options.uploadReward],
    [COMMUNITY_SUITE_PARAMETERS.verificationReward, options.verificationReward],
    [COMMUNITY_SUITE_PARAMETERS.rewardCap, options.rewardCap],
    [COMMUNITY_SUITE_PARAMETERS.rewardPeriod, options.rewardPeriod],
    [COMMUNITY_SUITE_PARAMETERS.bonusRefundDelay, options.bonusRefundDelay],
  ] as const) {
    if (value === undefined) continue;
    if (value < 0n) throw new DeployArgumentError(key, `must not be negative, got ${value}`);
    if (key === COMMUNITY_SUITE_PARAMETERS.rewardPeriod && value === 0n)
      throw new DeployArgumentError(key, "must be at least 1 second");
    if (
      (key === COMMUNITY_SUITE_PARAMETERS.rewardPeriod || key === COMMUNITY_SUITE_PARAMETERS.bonusRefundDelay) &&
      value >= 2n ** 64n
    ) {
      throw new DeployArgumentError(key, `must fit in 64 bits (seconds), got ${value}`);
    }
    suite[key] = value;
  }
  return Object.keys(suite).length === 0 ? {} : { [COMMUNITY_SUITE_MODULE_ID]: suite };
}

function checkedVerifiers(verifiers: readonly string[]): string[] {
  return verifiers.map((verifier, i) => {
    if (!isAddress(verifier))
      throw new DeployArgumentError(`verifiers[${i}]`, `${JSON.stringify(verifier)} is not an address`);
    return verifier;
  });
}

/** A function running async actions one after the other, in call order. */
type Serial = <T>(action: () => Promise<T>) => Promise<T>;

function serialized(): Serial {
  let tail: Promise<unknown> = Promise.resolve();
  return <T>(action: () => Promise<T>): Promise<T> => {
    const next = tail.then(action);
    tail = next.catch(() => undefined);
    return next;
  };
}
