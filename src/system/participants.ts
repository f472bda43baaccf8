/**
 * The participants of the main job (BPIIoT VI.B): per community a service provider and a third
 * party (a lab), and every device's machine with its EPR. On each community chain the deployer
 * (who holds the Register's REGISTRAR_ROLE, the only role that gives the ServiceProvider and
 * ThirdParty kinds, and the factory's admin role):
 *
 * - funds its provider and third party with ETH and registers them (ServiceProvider, ThirdParty);
 * - registers the third party of the next community too (ThirdParty), so devices here can
 *   authorize it: cross-community sharing;
 * - makes its own third party the community's verifier (the factory's VERIFIER_ROLE): the lab
 *   fetches records shared with it through the gateway and attests them, which pays the rewards;
 * - creates the EPR of each device with the provider (`factory.createRelationship`);
 *
 * each device registers its own machine in MaintenanceService from its own account (the device
 * is its own machine, so it owns it, and its unit; the community's provider its provider, part
 * price `DEFAULT_PART_PRICE`), and, as the unit, sets the run's count thresholds when they are
 * not Table 1's (a unit's own settings apply at once; the deployer holds no role there and
 * owns no machine); the `minter` seeds each device with DataToken so it can pay for every part it
 * may order; and both parties accept each EPR in their Summaries (each device from its own account, the provider
 * for all of its devices), without which no reward flows. The devices do so before their IoT
 * units open, whose queues then start at the accounts' nonces.
 *
 * A device's IoT unit runs on the first community chain holding it (a bridge device is a member
 * of several); its machine and EPR live there.
 */
import { parseEther, type HDNodeWallet, type JsonRpcProvider } from "ethers";
import { DEFAULT_PART_PRICE } from "../../ignition/modules/defaults";
import {
  DataToken__factory,
  MaintenanceService__factory,
  RelationshipFactory__factory,
  Register__factory,
  Summary__factory,
} from "../../typechain-types";
import { chainProvider } from "../chains/providers";
import {
  deviceWallet,
  participantWallet,
  projectMnemonic,
  systemWallet,
  type ParticipantKind,
} from "../chains/accounts";
import type { ChainEntry, DeviceId, Topology } from "../chains/topology";
import { communityContracts } from "../deploy/contracts";
import { maxFires } from "../iot/gas";
import { TABLE1_COUNT_THRESHOLD } from "./options";
import { sendGroup, type Draft } from "./transactions";

/** The `IRegister.Kind` each participant kind is registered with (Device 0, ServiceProvider 1, ThirdParty 2). */
export const PARTICIPANT_REGISTER_KIND = { provider: 1n, thirdParty: 2n } as const satisfies Record<
  ParticipantKind,
  bigint
>;
/** ETH the deployer gives each provider and third party on its community chain. */
export const PARTICIPANT_FUNDING = parseEther("10");
/** Parts' worth of DataToken each device gets at least at the start. */
export const DEVICE_SEED_PARTS = 10;

/**
 * Parts a machine can order at most while its unit takes `readings` readings: a part is ordered
 * once per `countThreshold + 1` hot readings. What a device is seeded with and permits covers it.
 */
export function maxPartOrders(readings: number, countThreshold: number): number {
  return Math.max(DEVICE_SEED_PARTS, maxFires(readings, countThreshold));
}
/** Table 1's temperature and vibration thresholds (MaintenanceService's defaults). */
const TABLE1_TEMP_THRESHOLD = 200;
const TABLE1_VIBRA_THRESHOLD = 100;

/** A provider or third party of a community. */
export interface Participant {
  readonly kind: ParticipantKind;
  /** Its identity in the Register: `<chain>-provider` or `<chain>-lab`. */
  readonly id: string;
  /** 1-based number of its community. */
  readonly community: number;
  /** Its community's chain. */
  readonly chain: string;
  readonly address: string;
  /** Uncompressed secp256k1 public key (what a device wraps data keys to). */
  readonly publicKey: string;
}

/** Who is who on one community chain. */
export interface CommunityPlan {
  readonly chain: string;
  readonly community: number;
  readonly provider: Participant;
  readonly thirdParty: Participant;
  /** The next community's third party, registered here for cross-community sharing (none with one community). */
  readonly crossThirdParty?: Participant;
  /** Devices whose IoT unit runs on this chain, in member order. */
  readonly devices: readonly DeviceId[];
}

/** The community chain each device's unit runs on: the first one holding it. Devices in none are absent. */
export function unitChains(topology: Pick<Topology, "communities">): Map<DeviceId, string> {
  const chains = new Map<DeviceId, string>();
  for (const chain of topology.communities)
    for (const device of chain.members) if (!chains.has(device)) chains.set(device, chain.name);
  return chains;
}

function participant(kind: ParticipantKind, community: number, chain: string, mnemonic: string): Participant {
  const wallet = participantWallet(kind, community, mnemonic);
  return {
    kind,
    id: `${chain}-${kind === "provider" ? "provider" : "lab"}`,
    community,
    chain,
    address: wallet.address,
    publicKey: wallet.signingKey.publicKey,
  };
}

/** The participants of every community of `topology` and the devices whose units run there. */
export function planParticipants(
  topology: Pick<Topology, "communities">,
  mnemonic: string = projectMnemonic(),
): CommunityPlan[] {
  const units = unitChains(topology);
  const base = topology.communities.map((chain, i) => ({
    chain: chain.name,
    community: i + 1,
    provider: participant("provider", i + 1, chain.name, mnemonic),
    thirdParty: participant("thirdParty", i + 1, chain.name, mnemonic),
    devices: chain.members.filter((device) => units.get(device) === chain.name),
  }));
  return base.map((plan, i) =>
    base.length < 2 ? plan : { ...plan, crossThirdParty: base[(i + 1) % base.length].thirdParty },
  );
}

/** The wallet of a participant (to sign as it: read challenges, decryption). */
export function walletOf(
  p: Pick<Participant, "kind" | "community">,
  mnemonic: string = projectMnemonic(),
): HDNodeWallet {
  return participantWallet(p.kind, p.community, mnemonic);
}

/** What was set up on one community chain. */
export interface ChainSetup {
  readonly chain: string;
  /** Transactions sent (deployer, minter, provider and devices). */
  readonly transactions: number;
  /** Machines registered. */
  readonly machines: number;
  /** The EPR of each device with the provider. */
  readonly eprs: Readonly<Record<DeviceId, string>>;
  /** Participants registered in the Register. */
  readonly registered: readonly string[];
  /** The accounts holding the factory's VERIFIER_ROLE (the community's own third party). */
  readonly verifiers: readonly string[];
  /** EPRs both parties accepted. */
  readonly accepted: number;
  /** DataToken minted to the devices, smallest unit. */
  readonly seeded: bigint;
}

/** Options of {@link setUpParticipants}. */
export interface SetUpParticipantsOptions {
  readonly topology: Topology;
  readonly plan: readonly CommunityPlan[];
  /** Count thresholds set on every machine (Table 1's 1000 leaves the defaults). */
  readonly countThreshold: number;
  /** Readings each unit will take: devices are seeded with DataToken for every part they may order. */
  readonly readingsPerDevice: number;
  readonly mnemonic?: string;
  /** Called after each group of transactions with the transactions mined so far. */
  readonly onProgress?: (transactions: number) => void;
}

/** Sets up every community chain (in parallel); resolves with what each got. */
export async function setUpParticipants(options: SetUpParticipantsOptions): Promise<ChainSetup[]> {
  let mined = 0;
  const count = (n: number) => {
    mined += n;
    options.onProgress?.(mined);
  };
  return Promise.all(
    options.plan.map((plan) => {
      const chain = options.topology.communities.find((c) => c.name === plan.chain)!;
      return setUpChain(options, chain, plan, count);
    }),
  );
}

async function setUpChain(
  options: SetUpParticipantsOptions,
  chain: ChainEntry,
  plan: CommunityPlan,
  count: (n: number) => void,
): Promise<ChainSetup> {
  const mnemonic = options.mnemonic ?? projectMnemonic();
  const provider: JsonRpcProvider = chainProvider(chain);
  try {
    const deployer = systemWallet("deployer", mnemonic).connect(provider);
    const minter = systemWallet("minter", mnemonic).connect(provider);
    const c = communityContracts(options.topology, chain.name, deployer);
    const token = DataToken__factory.connect(await c.token.getAddress(), minter);
    const abi = {
      register: Register__factory.createInterface(),
      maintenance: MaintenanceService__factory.createInterface(),
      factory: RelationshipFactory__factory.createInterface(),
      token: DataToken__factory.createInterface(),
      summary: Summary__factory.createInterface(),
    };
    const devices = plan.devices.map((id) => ({ id, address: deviceWallet(id, options.topology, mnemonic).address }));
    const seed = DEFAULT_PART_PRICE * BigInt(maxPartOrders(options.readingsPerDevice, options.countThreshold));
    const registered = [
      plan.provider,
      plan.thirdParty,
      ...(plan.crossThirdParty === undefined ? [] : [plan.crossThirdParty]),
    ];

    // Group 1: nothing here depends on anything else.
    const first: Draft[] = [
      ...[plan.provider, plan.thirdParty].map((p) => ({
        what: `funding ${p.id}`,
        tx: Promise.resolve({ to: p.address, value: PARTICIPANT_FUNDING, data: "0x" }),
      })),
      ...registered.map((p) => ({
        what: `registering ${p.id}`,
        tx: c.register.register.populateTransaction(p.id, p.address, PARTICIPANT_REGISTER_KIND[p.kind]),
        abi: abi.register,
      })),
      {
        what: `making ${plan.thirdParty.id} the community's verifier`,
        tx: c.factory
          .VERIFIER_ROLE()
          .then((role) => c.factory.grantRole.populateTransaction(role, plan.thirdParty.address)),
        abi: abi.factory,
      },
    ];
    const seeds: Draft[] = devices.map((d) => ({
      what: `seeding device ${d.id} with DataToken`,
      tx: token.mint.populateTransaction(d.address, seed),
      abi: abi.token,
    }));
    const deviceSigners = new Map(
      devices.map((d) => [d.id, deviceWallet(d.id, options.topology, mnemonic).connect(provider)]),
    );
    // Each device registers its own machine: nobody else can (M2), and it owns it.
    const machineOf = (d: { id: DeviceId; address: string }): Draft[] => [
      {
        what: `device ${d.id} registering its machine`,
        tx: c.maintenance.registerMachine.populateTransaction(
          d.address,
          d.address,
          plan.provider.address,
          DEFAULT_PART_PRICE,
        ),
        abi: abi.maintenance,
      },
    ];
    const [firstReceipts, seedReceipts, ...machineReceipts] = await Promise.all([
      sendGroup(chain.name, deployer, first),
      sendGroup(chain.name, minter, seeds),
      ...devices.map((d) => sendGroup(chain.name, deviceSigners.get(d.id)!, machineOf(d))),
    ]);
    const machinesSent = machineReceipts.reduce((total, receipts) => total + receipts.length, 0);
    count(firstReceipts.length + seedReceipts.length + machinesSent);

    // Group 2: the EPRs need the provider registered, the thresholds need the machines. Each
    // device sets its thresholds as its machine's unit, so they apply at once.
    const thresholds = {
      tempThreshold: TABLE1_TEMP_THRESHOLD,
      tempCountThreshold: options.countThreshold,
      vibraThreshold: TABLE1_VIBRA_THRESHOLD,
      vibraCountThreshold: options.countThreshold,
    };
    const second: Draft[] = devices.map((d) => ({
      what: `creating the EPR of device ${d.id} with ${plan.provider.id}`,
      tx: c.factory.createRelationship.populateTransaction(d.address, plan.provider.address),
      abi: abi.factory,
    }));
    const settingsOf = (d: { id: DeviceId; address: string }): Draft[] =>
      options.countThreshold === TABLE1_COUNT_THRESHOLD
        ? []
        : [
            {
              what: `device ${d.id} setting its machine's thresholds`,
              tx: c.maintenance.proposeSettings.populateTransaction(d.address, {
                unit: d.address,
                provider: plan.provider.address,
                partPrice: DEFAULT_PART_PRICE,
                thresholds,
              }),
              abi: abi.maintenance,
            },
          ];
    const [eprReceipts, ...settingsReceipts] = await Promise.all([
      sendGroup(chain.name, deployer, second),
      ...devices.map((d) => sendGroup(chain.name, deviceSigners.get(d.id)!, settingsOf(d))),
    ]);
    const secondReceipts = [...eprReceipts, ...settingsReceipts.flat()];
    count(secondReceipts.length);

    const eprs: Record<DeviceId, string> = {};
    const addresses = await Promise.all(devices.map((d) => c.factory.relationshipOf(d.address, plan.provider.address)));
    devices.forEach((d, i) => (eprs[d.id] = addresses[i]));

    // Group 3: both parties accept each EPR in their Summaries (rewards flow only then). Each
    // device sends from its own account, the provider one transaction per device.
    const summaryOf = async (account: string, signer: Parameters<typeof Summary__factory.connect>[1]) =>
      Summary__factory.connect(await c.register.summaryOf(account), signer);
    const providerSigner = walletOf(plan.provider, mnemonic).connect(provider);
    const providerSummary = await summaryOf(plan.provider.address, providerSigner);
    const accept = (summary: Awaited<ReturnType<typeof summaryOf>>, d: { id: DeviceId }, who: string): Draft => ({
      what: `${who} accepting the EPR of device ${d.id}`,
      tx: summary.acceptRelationship.populateTransaction(eprs[d.id]),
      abi: abi.summary,
    });
    const acceptances = await Promise.all([
      sendGroup(
        chain.name,
        providerSigner,
        devices.map((d) => accept(providerSummary, d, plan.provider.id)),
      ),
      ...devices.map(async (d) => {
        const signer = deviceSigners.get(d.id)!;
        return sendGroup(chain.name, signer, [accept(await summaryOf(d.address, signer), d, `device ${d.id}`)]);
      }),
    ]);
    const thirdReceipts = acceptances.reduce((total, receipts) => total + receipts.length, 0);
    count(thirdReceipts);
    return {
      chain: chain.name,
      transactions: firstReceipts.length + seedReceipts.length + machinesSent + secondReceipts.length + thirdReceipts,
      machines: devices.length,
      eprs,
      registered: registered.map((p) => p.id),
      verifiers: [plan.thirdParty.address],
      accepted: devices.length,
      seeded: seed * BigInt(devices.length),
    };
  } finally {
    provider.destroy();
  }
}
