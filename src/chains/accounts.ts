import fs from "node:fs";
import { HDNodeWallet, Mnemonic } from "ethers";
import {
  DevelopmentMnemonicError,
  MnemonicError,
  MnemonicFileError,
  UnlistedDeviceError,
  UnknownParticipantError,
  UnknownRoleError,
} from "./errors";
import type { ChainEntry, DeviceId, Topology } from "./topology";

/**
 * The fixed development mnemonic every commchain chain uses unless `COMMCHAIN_MNEMONIC` is set.
 * It is public: never hold value on its accounts outside local chains.
 */
export const DEFAULT_MNEMONIC = "confirm absorb else hazard half author hotel guitar inflict give champion put";

/** Environment variable overriding {@link DEFAULT_MNEMONIC}. */
export const MNEMONIC_ENV = "COMMCHAIN_MNEMONIC";

/**
 * Environment variable naming a file that holds the mnemonic (as `accounts:new` writes it), so
 * the phrase is not in the environment of every process or in shell history. The file must not
 * be readable by group or others.
 */
export const MNEMONIC_FILE_ENV = "COMMCHAIN_MNEMONIC_FILE";

/**
 * Device accounts: device i (its position in the partition's device list) is `m/44'/60'/0'/0/i`,
 * the standard Ethereum path, so a wallet importing the mnemonic shows the devices in order.
 */
export const DEVICE_HD_PATH = "m/44'/60'/0'/0";

/** System accounts live on their own BIP-44 account branch so they never collide with a device. */
export const SYSTEM_HD_PATH = "m/44'/60'/1'/0";

/**
 * System roles by index on {@link SYSTEM_HD_PATH}; new roles are appended so existing indexes,
 * and the chains funded for them, never change.
 * - `deployer`: deploys the contracts of every chain and holds their admin roles;
 * - `relayer`: anchors community checkpoints on the main chain (AnchorHub's RELAYER_ROLE);
 * - `writer`: the community gateway writing record batches (RecordLog's WRITER_ROLE);
 * - `minter`: issues data-token rewards (DataToken's MINTER_ROLE);
 * - `orderer`: the data market's orderer, sending batches of ownership registrations
 *   (OwnershipRegistry's ORDERER_ROLE) and receiving the High entries' fees;
 * - `cloud`: the data market's storage provider (its StorageLedger offer) and auditor of stored
 *   data (DataAsset's AUDITOR_ROLE).
 */
export const SYSTEM_ROLES = ["deployer", "relayer", "writer", "minter", "orderer", "cloud"] as const;

/** A system role name. */
export type SystemRole = (typeof SYSTEM_ROLES)[number];

/**
 * The participants of a community that are neither devices nor system accounts (BPIIoT VI.B):
 * its service provider (equipment maker or maintainer, the devices' EPR counterpart) and a third
 * party (a lab, a university) the devices share status data with. They live on a third BIP-44
 * account branch, so they never collide with a device or a system account.
 */
export const PARTICIPANT_HD_PATH = "m/44'/60'/2'/0";

/**
 * The miners of the coalition-formation game (IoT consensus paper §3.3) on the main chain: miner
 * n is `m/44'/60'/4'/0/n`, apart from devices, system accounts and participants (branch 3 is kept
 * for the main chain's accountants).
 */
export const MINER_HD_PATH = "m/44'/60'/4'/0";

/** Participant kinds in their order on {@link PARTICIPANT_HD_PATH}; new kinds are appended. */
export const PARTICIPANT_KINDS = ["provider", "thirdParty"] as const;

/** A participant kind. */
export type ParticipantKind = (typeof PARTICIPANT_KINDS)[number];

/** Where device indexes come from: the device list itself, a partition document, or a topology. */
export type DeviceList =
  readonly DeviceId[] | { graph: { nodes: readonly DeviceId[] } } | { devices: readonly DeviceId[] };

/** One funded account of a chain. */
export interface ChainAccount {
  kind: "system" | "device";
  /** The role (system) or device id (device). */
  name: string;
  /** Index on the kind's HD branch. */
  index: number;
  /** Full HD path. */
  path: string;
  address: string;
  privateKey: string;
}

/**
 * The mnemonic of the project: `COMMCHAIN_MNEMONIC`, else the file `COMMCHAIN_MNEMONIC_FILE`
 * names, else {@link DEFAULT_MNEMONIC} (which only local chains accept: see
 * {@link refuseDevelopmentMnemonic}).
 */
export function projectMnemonic(env: NodeJS.ProcessEnv = process.env): string {
  const phrase = env[MNEMONIC_ENV]?.trim();
  const file = env[MNEMONIC_FILE_ENV]?.trim();
  const hasPhrase = phrase !== undefined && phrase !== "";
  const hasFile = file !== undefined && file !== "";
  if (hasPhrase && hasFile)
    throw new MnemonicFileError(
      file,
      `is named by ${MNEMONIC_FILE_ENV} while ${MNEMONIC_ENV} is set too; set only one`,
    );
  if (hasFile) return readMnemonicFile(file);
  if (!hasPhrase) return DEFAULT_MNEMONIC;
  if (!Mnemonic.isValidMnemonic(phrase)) throw new MnemonicError(MNEMONIC_ENV);
  return phrase;
}

/** Reads a mnemonic file, refusing one that group or others may read (the phrase is every key). */
export function readMnemonicFile(file: string): string {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch (error) {
    throw new MnemonicFileError(
      file,
      `cannot be read (${(error as NodeJS.ErrnoException).code}); create one with npx hardhat accounts:new --out ${file}`,
    );
  }
  if (!stat.isFile()) throw new MnemonicFileError(file, "is not a regular file");
  if ((stat.mode & 0o077) !== 0) {
    throw new MnemonicFileError(
      file,
      `is readable or writable by group or others (mode ${(stat.mode & 0o777).toString(8).padStart(4, "0")}); run chmod 600 ${file}`,
    );
  }
  const phrase = fs.readFileSync(file, "utf8").trim();
  if (!Mnemonic.isValidMnemonic(phrase)) throw new MnemonicError(`${file} (${MNEMONIC_FILE_ENV})`);
  return phrase;
}

/** Whether `mnemonic` is the public development phrase. */
export function isDevelopmentMnemonic(mnemonic: string): boolean {
  return mnemonic.trim().split(/\s+/).join(" ") === DEFAULT_MNEMONIC;
}

/**
 * Refuses the public development mnemonic where its keys could hold value: on any external chain
 * of `chains` (geth, Besu, … that `chains:up` only connects to), and, when `chainId` is given
 * (the id a chain answered with), unless that id is one of a local chain `chains:up` created
 * (a non-external entry with the genesis summary `chains:up` records).
 * Anyone who has read the README holds every key the default phrase derives. A project mnemonic
 * of its own passes. `source` names the topology file or option in the error.
 */
export function refuseDevelopmentMnemonic(
  chains:
    readonly (Pick<ChainEntry, "name" | "external"> & Partial<Pick<ChainEntry, "chainId" | "genesis">>)[] | Topology,
  mnemonic: string,
  source: string,
  chainId?: number,
): void {
  if (!isDevelopmentMnemonic(mnemonic)) return;
  const list = "main" in chains ? [chains.main, ...chains.communities] : chains;
  const external = list.find((chain) => chain.external);
  if (external !== undefined) {
    throw new DevelopmentMnemonicError(
      `chain ${external.name}${external.chainId === undefined ? "" : ` (chain id ${external.chainId})`} is external in ${source}`,
    );
  }
  if (chainId === undefined) return;
  // chains:up records the genesis of every chain it creates; an entry without one was written by hand.
  const created = list.filter((chain) => !chain.external && chain.genesis !== undefined);
  if (!created.some((chain) => chain.chainId === chainId)) {
    throw new DevelopmentMnemonicError(
      `chain id ${chainId} is not a chain chains:up created (${source} records the genesis of ${created.map((c) => c.chainId).join(", ") || "none"})`,
    );
  }
}

/** The device ids in account order. */
export function deviceIds(devices: DeviceList): readonly DeviceId[] {
  if (Array.isArray(devices)) return devices as readonly DeviceId[];
  if ("graph" in devices) return devices.graph.nodes;
  return (devices as { devices: readonly DeviceId[] }).devices;
}

/** A device's account index: its position in the device list. */
export function deviceIndex(deviceId: DeviceId, devices: DeviceList): number {
  const index = deviceIds(devices).indexOf(deviceId);
  if (index < 0) throw new UnlistedDeviceError(deviceId);
  return index;
}

/** The wallet of a device (the same on every chain it belongs to). */
export function deviceWallet(
  deviceId: DeviceId,
  devices: DeviceList,
  mnemonic: string = projectMnemonic(),
): HDNodeWallet {
  return branch(mnemonic, DEVICE_HD_PATH).deriveChild(deviceIndex(deviceId, devices));
}

/** The wallet of a system role. */
export function systemWallet(role: SystemRole | string, mnemonic: string = projectMnemonic()): HDNodeWallet {
  const index = (SYSTEM_ROLES as readonly string[]).indexOf(role);
  if (index < 0) throw new UnknownRoleError(role, SYSTEM_ROLES);
  return branch(mnemonic, SYSTEM_HD_PATH).deriveChild(index);
}

/**
 * The wallet of community `community`'s participant of `kind`, `community` being the 1-based
 * number of its chain (`community-<n>`): index `(n - 1) * PARTICIPANT_KINDS.length + <kind's
 * position>` on {@link PARTICIPANT_HD_PATH}, so community 1's provider is `m/44'/60'/2'/0/0`, its
 * third party `…/1`, community 2's provider `…/2`, and so on.
 */
export function participantWallet(
  kind: ParticipantKind,
  community: number,
  mnemonic: string = projectMnemonic(),
): HDNodeWallet {
  const position = (PARTICIPANT_KINDS as readonly string[]).indexOf(kind);
  if (position < 0) throw new UnknownParticipantError(kind, community, `the kinds are ${PARTICIPANT_KINDS.join(", ")}`);
  if (!Number.isSafeInteger(community) || community < 1)
    throw new UnknownParticipantError(kind, community, "the community number must be an integer ≥ 1");
  return branch(mnemonic, PARTICIPANT_HD_PATH).deriveChild((community - 1) * PARTICIPANT_KINDS.length + position);
}

/** The wallet of miner `index` (0-based) of the coalition game, on {@link MINER_HD_PATH}. */
export function minerWallet(index: number, mnemonic: string = projectMnemonic()): HDNodeWallet {
  if (!Number.isSafeInteger(index) || index < 0)
    throw new RangeError(`miner index must be an integer ≥ 0, got ${index}`);
  return branch(mnemonic, MINER_HD_PATH).deriveChild(index);
}

/** The wallet at `index` on the device or system branch of the mnemonic. */
export function accountWallet(
  kind: ChainAccount["kind"],
  index: number,
  mnemonic: string = projectMnemonic(),
): HDNodeWallet {
  return branch(mnemonic, kind === "system" ? SYSTEM_HD_PATH : DEVICE_HD_PATH).deriveChild(index);
}

/** The accounts funded on a chain: every system role, then every member in the chain's order. */
export function chainAccounts(
  chain: { members: readonly DeviceId[] },
  devices: DeviceList,
  mnemonic: string = projectMnemonic(),
): ChainAccount[] {
  const system = SYSTEM_ROLES.map((role, index) =>
    account("system", role, index, SYSTEM_HD_PATH, systemWallet(role, mnemonic)),
  );
  const members = chain.members.map((id) => {
    const wallet = deviceWallet(id, devices, mnemonic);
    return account("device", id, wallet.index, DEVICE_HD_PATH, wallet);
  });
  return [...system, ...members];
}

function account(
  kind: ChainAccount["kind"],
  name: string,
  index: number,
  base: string,
  wallet: HDNodeWallet,
): ChainAccount {
  return { kind, name, index, path: `${base}/${index}`, address: wallet.address, privateKey: wallet.privateKey };
}

// The seed (PBKDF2 over the phrase) and the hardened part of each path are the slow steps; a
// chain with hundreds of members would repeat them per account without this cache.
const branches = new Map<string, HDNodeWallet>();

function branch(mnemonic: string, base: string): HDNodeWallet {
  const key = `${base}\u0000${mnemonic}`;
  let node = branches.get(key);
  if (node === undefined) {
    if (!Mnemonic.isValidMnemonic(mnemonic)) throw new MnemonicError("the mnemonic given");
    node = HDNodeWallet.fromPhrase(mnemonic, undefined, base);
    branches.set(key, node);
  }
  return node;
}
