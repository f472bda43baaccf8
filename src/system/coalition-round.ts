/**
 * The main job's round of CoalitionRewards on the main chain (IoT consensus paper §3.3): the
 * coalitions the merge-and-split game formed register with every member's signature, each commits
 * to a secret seed and reveals it, the draw picks the winner with probability D_S^γ / Σ D_S′^γ
 * from the revealed seeds, and the winner's members withdraw their shares. The miners are fresh
 * accounts (`minerWallet`) the deployer funds for gas; capacities go on chain in thousandths.
 *
 * The phases are timed by the chain's clock (`block.timestamp`) alone, never the wall clock, so
 * the round reads that clock from blocks it mines and waits out its short phase windows.
 */
import {
  AbiCoder,
  hexlify,
  keccak256,
  parseEther,
  randomBytes,
  type HDNodeWallet,
  type Interface,
  type JsonRpcProvider,
  type Log,
} from "ethers";
import type { CoalitionRewards } from "../../typechain-types";
import { minerWallet } from "../chains/accounts";
import { chainProvider } from "../chains/providers";
import type { Topology } from "../chains/topology";
import { coalitionRewards } from "../deploy/contracts";
import { sendGroup } from "./transactions";

/** What the game decided, as the round needs it. */
export interface CoalitionRoundInput {
  /** Every miner's id and sensing capacity d_m (the model's units). */
  readonly miners: readonly { readonly id: number; readonly capacity: number }[];
  /** The coalitions, as miner ids. */
  readonly partition: readonly (readonly number[])[];
  /** γ of the model: 1, 1.5 or 2. */
  readonly gamma: number;
  /** R, in ether. */
  readonly reward: number;
}

/** One coalition of the round. */
export interface CoalitionRoundEntry {
  readonly coalitionId: number;
  readonly miners: readonly number[];
  /** D_S in thousandths, as the contract sums it. */
  readonly capacity: string;
  /** The chance of winning the model gives it (D_S^γ / Σ D^γ). */
  readonly probability: number;
}

/** What the round did on the main chain. */
export interface CoalitionRoundFacts {
  readonly contract: string;
  readonly round: number;
  readonly reward: string;
  readonly coalitions: readonly CoalitionRoundEntry[];
  readonly winner: number;
  readonly randomness: string;
  /** Wei credited to and withdrawn by each winning member, by miner id. */
  readonly credited: Readonly<Record<string, string>>;
  /** Σ credited == reward, and every credit was withdrawn (the contract holds nothing for them). */
  readonly conserved: boolean;
  readonly gas: { readonly register: number; readonly commit: number; readonly reveal: number; readonly draw: number };
}

/** Capacities go on chain in thousandths of the model's unit. */
export const CAPACITY_SCALE = 1000;
/** Seconds of each phase: long enough for its transactions to be mined in it on a loaded 2-core machine. */
export const PHASE_SECONDS = { register: 6, commit: 4, reveal: 4 } as const;
/** Gas money each miner gets from the deployer. */
export const MINER_FUNDING = parseEther("1");

const GAMMA_CODES: Readonly<Record<string, number>> = { "1": 10, "1.5": 15, "2": 20 };

/** The arguments of the first `event` of `contract` in `receipt`; throws when it has none. */
function argsOf(receipt: { readonly logs: readonly Log[] } | null, contract: Interface, event: string) {
  for (const log of receipt?.logs ?? []) {
    const parsed = contract.parseLog(log);
    if (parsed?.name === event) return parsed.args;
  }
  throw new Error(`no ${event} event in the receipt`);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The chain's clock now, read from a block mined for the purpose (a 0-value self transfer): the
 * latest block may be minutes old, and a chain's clock may run off the wall clock (a replayed
 * chain keeps its journaled offset; a remote node has its own clock), so neither the wall clock
 * nor the latest block says what `block.timestamp` the next phase transaction will see.
 */
async function chainNow(signer: HDNodeWallet): Promise<bigint> {
  const receipt = await (await signer.sendTransaction({ to: signer.address, value: 0n })).wait();
  const block = await signer.provider!.getBlock(receipt!.blockNumber);
  return BigInt(block!.timestamp);
}

/** Waits until a block the chain mines is dated `at` or later, so a transaction after it sees it too. */
async function waitUntil(signer: HDNodeWallet, at: bigint): Promise<void> {
  for (let now = await chainNow(signer); now < at; now = await chainNow(signer)) await sleep(Number(at - now) * 1000);
}

/** Runs one round of CoalitionRewards with the game's coalitions. */
export async function runCoalitionRound(
  topology: Topology,
  input: CoalitionRoundInput,
  deployer: HDNodeWallet,
  mnemonic: string,
): Promise<CoalitionRoundFacts> {
  const gamma = GAMMA_CODES[String(input.gamma)];
  if (gamma === undefined) throw new RangeError(`CoalitionRewards takes γ = 1, 1.5 or 2, not ${input.gamma}`);
  const provider = chainProvider(topology.main);
  try {
    const admin = deployer.connect(provider);
    const contract = coalitionRewards(topology, admin);
    const address = await contract.getAddress();
    const capacityOf = new Map(input.miners.map((m) => [m.id, BigInt(Math.round(m.capacity * CAPACITY_SCALE))]));
    const wallets = new Map(input.miners.map((m) => [m.id, minerWallet(m.id, mnemonic).connect(provider)]));
    const walletOf = (id: number) => wallets.get(id)!;

    await sendGroup(
      "main",
      admin,
      input.miners.map((m) => ({
        what: `gas for miner ${m.id}`,
        tx: { to: walletOf(m.id).address, value: MINER_FUNDING, data: "0x" },
      })),
    );

    const t0 = await chainNow(admin);
    const registerEnd = t0 + BigInt(PHASE_SECONDS.register);
    const commitEnd = registerEnd + BigInt(PHASE_SECONDS.commit);
    const revealEnd = commitEnd + BigInt(PHASE_SECONDS.reveal);
    const reward = parseEther(String(input.reward));
    const opened = await (await contract.openRound(registerEnd, commitEnd, revealEnd, gamma, { value: reward })).wait();
    const round = Number(argsOf(opened, contract.interface, "RoundOpened").roundId);

    // Members sorted by address (the contract's rule); every member signs the coalition's hash.
    const domain = {
      name: await contract.EIP712_NAME(),
      version: await contract.EIP712_VERSION(),
      chainId: topology.main.chainId,
      verifyingContract: address,
    };
    const types = {
      Membership: [
        { name: "round", type: "uint256" },
        { name: "membersHash", type: "bytes32" },
        { name: "miner", type: "address" },
        { name: "capacity", type: "uint96" },
      ],
    };
    const coalitions = await Promise.all(
      input.partition.map(async (ids) => {
        const members = [...ids]
          .map((id) => ({ id, miner: walletOf(id).address, capacity: capacityOf.get(id)! }))
          .sort((a, b) => (BigInt(a.miner) < BigInt(b.miner) ? -1 : 1));
        const encoded = members.map((m) => ({ miner: m.miner, capacity: m.capacity }));
        const membersHash = keccak256(
          AbiCoder.defaultAbiCoder().encode(["tuple(address miner,uint96 capacity)[]"], [encoded]),
        );
        const signatures = await Promise.all(
          members.map((m) =>
            walletOf(m.id).signTypedData(domain, types, { round, membersHash, miner: m.miner, capacity: m.capacity }),
          ),
        );
        return { ids: [...ids].sort((a, b) => a - b), members, encoded, signatures };
      }),
    );
    const registered = await sendGroup(
      "main",
      admin,
      coalitions.map((c, i) => ({
        what: `register coalition ${i + 1}`,
        tx: contract.register.populateTransaction(round, c.encoded, c.signatures),
        abi: contract.interface,
      })),
    );
    const ids = registered.map((r) => Number(argsOf(r, contract.interface, "CoalitionRegistered").coalitionId));

    // Each coalition's first member commits to a fresh seed and, after commitEnd, reveals it.
    const seeds = coalitions.map(() => hexlify(randomBytes(32)));
    const committed = await Promise.all(
      coalitions.map(async (c, i) => {
        const committer = contract.connect(walletOf(c.members[0].id));
        const commitment = await contract.commitmentOf(round, ids[i], seeds[i]);
        return (await committer.commit(round, ids[i], commitment)).wait();
      }),
    );
    await waitUntil(admin, commitEnd);
    const revealed = await Promise.all(
      coalitions.map(async (c, i) =>
        (await contract.connect(walletOf(c.members[0].id)).reveal(round, ids[i], seeds[i])).wait(),
      ),
    );
    await waitUntil(admin, revealEnd);
    const drawn = await (await contract.draw(round)).wait();
    const drawEvent = argsOf(drawn, contract.interface, "RoundDrawn");
    const winner = Number(drawEvent.winner);

    const winning = coalitions[ids.indexOf(winner)];
    const credited: Record<string, string> = {};
    let total = 0n;
    if (winning !== undefined) {
      for (const m of winning.members) {
        const credit = await contract.creditOf(m.miner);
        credited[String(m.id)] = credit.toString();
        total += credit;
      }
      await Promise.all(winning.members.map(async (m) => (await contract.connect(walletOf(m.id)).withdraw()).wait()));
    }
    const left = await Promise.all((winning?.members ?? []).map((m) => contract.creditOf(m.miner)));

    const weights = coalitions.map((c) =>
      Math.pow(
        c.members.reduce((t, m) => t + Number(m.capacity), 0),
        input.gamma,
      ),
    );
    const sum = weights.reduce((t, w) => t + w, 0);
    const gasOf = (receipts: readonly ({ gasUsed: bigint } | null)[]) =>
      receipts.length === 0
        ? 0
        : Math.round(receipts.reduce((t, r) => t + Number(r?.gasUsed ?? 0n), 0) / receipts.length);
    return {
      contract: address,
      round,
      reward: reward.toString(),
      coalitions: coalitions.map((c, i) => ({
        coalitionId: ids[i],
        miners: c.ids,
        capacity: c.members.reduce((t, m) => t + m.capacity, 0n).toString(),
        probability: weights[i] / sum,
      })),
      winner,
      randomness: String(drawEvent.randomness),
      credited,
      conserved: total === reward && left.every((l) => l === 0n),
      gas: { register: gasOf(registered), commit: gasOf(committed), reveal: gasOf(revealed), draw: gasOf([drawn]) },
    };
  } finally {
    provider.destroy();
  }
}
