import { ethers } from "hardhat";
import type { ContractTransactionResponse, Signature } from "ethers";
import type { DataToken, MaintenanceService } from "../../../typechain-types";
import { signPermit as signPermitAs } from "../../../src/iot/funding";

/** One spare part, in CDT's smallest unit. */
export const PART_PRICE = ethers.parseEther("50");
/** What the unit holds after {deployFundedMachine}: enough for a few parts. */
export const UNIT_FUNDS = PART_PRICE * 10n;

/** The paper's defaults (Table 1). */
export const DEFAULTS = { temp: 200n, tempCount: 1000n, vibra: 100n, vibraCount: 1000n } as const;

/** `RequestStatus` and `RequestOrigin` of the contract, by name. */
export const Status = { None: 0n, Requested: 1n, Accepted: 2n, Completed: 3n, Cancelled: 4n } as const;
export const Origin = { Vibration: 0n, Manual: 1n } as const;

/** The `expectedStates` bitmap of `MaintenanceServiceUnexpectedRequestStatus`. */
export function statusBits(...statuses: bigint[]): string {
  return ethers.toBeHex(
    statuses.reduce((bits, s) => bits | (1n << s), 0n),
    32,
  );
}

/** The contract's default delay of settings the owner proposes (`DEFAULT_SETTINGS_DELAY`, 2 days). */
export const SETTINGS_DELAY = 2n * 86_400n;

/** `PartOrderStatus` of the contract, by name. */
export const OrderStatus = { None: 0n, Paid: 1n, Unpaid: 2n } as const;

/**
 * A token, a service, and the parties of one machine; nothing registered. The machine owns
 * itself once registered, so `owner` is the machine's own signer; `registrar` holds
 * REGISTRAR_ROLE.
 */
export async function deployMaintenance() {
  const [admin, minter, registrar, unit, provider, machine, stranger, provider2, unit2] = await ethers.getSigners();
  const token: DataToken = await ethers.deployContract("DataToken", [admin.address]);
  await token.grantRole(await token.MINTER_ROLE(), minter.address);
  const service: MaintenanceService = await ethers.deployContract("MaintenanceService", [
    await token.getAddress(),
    admin.address,
  ]);
  await service.grantRole(await service.REGISTRAR_ROLE(), registrar.address);
  return {
    token,
    service,
    admin,
    minter,
    registrar,
    owner: machine,
    unit,
    provider,
    machine,
    stranger,
    provider2,
    unit2,
  };
}

/** {deployMaintenance} with the machine registered by its own key at {PART_PRICE}; the unit holds no tokens. */
export async function deployWithMachine() {
  const f = await deployMaintenance();
  await f.service.connect(f.machine).registerMachine(f.machine.address, f.unit.address, f.provider.address, PART_PRICE);
  return f;
}

type Fixture = Awaited<ReturnType<typeof deployMaintenance>>;
export type SettingsInput = Parameters<MaintenanceService["proposeSettings"]>[1];

/** The machine's current settings with `changes` applied, as `proposeSettings` takes them. */
export async function settingsWith(
  f: Pick<Fixture, "service" | "machine">,
  changes: {
    unit?: string;
    provider?: string;
    partPrice?: bigint;
    thresholds?: Partial<
      Record<"tempThreshold" | "tempCountThreshold" | "vibraThreshold" | "vibraCountThreshold", bigint>
    >;
  } = {},
) {
  const m = await f.service.machineInfo(f.machine.address);
  const t = m.thresholds;
  return {
    unit: changes.unit ?? m.unit,
    provider: changes.provider ?? m.provider,
    partPrice: changes.partPrice ?? m.partPrice,
    thresholds: {
      tempThreshold: t.tempThreshold,
      tempCountThreshold: t.tempCountThreshold,
      vibraThreshold: t.vibraThreshold,
      vibraCountThreshold: t.vibraCountThreshold,
      ...changes.thresholds,
    },
  };
}

/** Changes the machine's settings as its unit (which consents, so they apply at once). */
export async function changeAsUnit(
  f: Pick<Fixture, "service" | "machine" | "unit">,
  changes: Parameters<typeof settingsWith>[1],
) {
  const record = await f.service.machineInfo(f.machine.address);
  const unit = (await ethers.getSigners()).find((s) => s.address === record.unit) ?? f.unit;
  return f.service.connect(unit).proposeSettings(f.machine.address, await settingsWith(f, changes));
}

/** {deployWithMachine} with {UNIT_FUNDS} minted to the unit and the service approved for all of it. */
export async function deployFundedMachine() {
  const f = await deployWithMachine();
  await f.token.connect(f.minter).mint(f.unit.address, UNIT_FUNDS);
  await f.token.connect(f.unit).approve(await f.service.getAddress(), UNIT_FUNDS);
  return f;
}

/** `n` readings, all with temperature `temp` and vibration `vibra`. */
export function readings(n: number, temp: bigint | number, vibra: bigint | number) {
  return { temps: Array<bigint>(n).fill(BigInt(temp)), vibras: Array<bigint>(n).fill(BigInt(vibra)) };
}

/** The arguments of every `name` event `contract` emitted in the transaction, in order. */
export async function eventArgs(
  contract: MaintenanceService | DataToken,
  tx: ContractTransactionResponse,
  name: string,
): Promise<unknown[][]> {
  const receipt = await tx.wait();
  if (receipt === null) throw new Error(`transaction ${tx.hash} has no receipt`);
  const address = (await contract.getAddress()).toLowerCase();
  return receipt.logs
    .filter((log) => log.address.toLowerCase() === address)
    .map((log) => contract.interface.parseLog(log))
    .filter((parsed) => parsed !== null && parsed.name === name)
    .map((parsed) => [...parsed!.args]);
}

/** A machine record as a plain object, so two of them compare with `deep.equal`. */
function plainMachine(m: Awaited<ReturnType<MaintenanceService["machineInfo"]>>) {
  const t = m.thresholds;
  return {
    owner: m.owner,
    unit: m.unit,
    provider: m.provider,
    partPrice: m.partPrice,
    tempCount: m.tempCount,
    vibraCount: m.vibraCount,
    thresholds: [t.tempThreshold, t.tempCountThreshold, t.vibraThreshold, t.vibraCountThreshold],
  };
}

/** Everything a bad input must leave untouched: the machine's record, the id counters, the balances. */
export async function snapshot(f: Awaited<ReturnType<typeof deployMaintenance>>) {
  const registered = await f.service.isRegistered(f.machine.address);
  return {
    registered,
    machine: registered ? plainMachine(await f.service.machineInfo(f.machine.address)) : null,
    requests: await f.service.serviceRequestCount(),
    orders: await f.service.partOrderCount(),
    pending: (await f.service.pendingSettings(f.machine.address)).effectiveAt,
    unitBalance: await f.token.balanceOf(f.unit.address),
    providerBalance: await f.token.balanceOf(f.provider.address),
    allowance: await f.token.allowance(f.unit.address, await f.service.getAddress()),
  };
}

/** An EIP-2612 permit signed by `signer` for `spender`, as the split signature the contract takes. */
export async function signPermit(
  token: DataToken,
  signer: Awaited<ReturnType<typeof ethers.getSigners>>[number],
  spender: string,
  value: bigint,
  deadline: bigint,
): Promise<Signature> {
  const { chainId } = await ethers.provider.getNetwork();
  const domain = { name: await token.name(), version: "1", chainId, verifyingContract: await token.getAddress() };
  const { v, r, s } = await signPermitAs(signer, domain, {
    spender,
    value,
    nonce: await token.nonces(signer.address),
    deadline,
  });
  return ethers.Signature.from({ v, r, s });
}

/** The timestamp of the block that mined `tx`. */
export async function blockTime(tx: ContractTransactionResponse): Promise<bigint> {
  const receipt = await tx.wait();
  const block = receipt === null ? null : await ethers.provider.getBlock(receipt.blockNumber);
  if (block === null) throw new Error(`transaction ${tx.hash} was not mined`);
  return BigInt(block.timestamp);
}

/** A count threshold small enough that a test fires it in a handful of readings. */
export const LOW_COUNT_THRESHOLD = 4n;

/**
 * Lower both count thresholds of the fixture's machine to {LOW_COUNT_THRESHOLD}, keeping the
 * paper's temperature and vibration thresholds. For tests about what happens when a count fires,
 * not about Table 1's numbers: they stay fast under solidity-coverage.
 */
export async function lowerCountThresholds(f: Awaited<ReturnType<typeof deployWithMachine>>): Promise<void> {
  await changeAsUnit(f, {
    thresholds: {
      tempThreshold: DEFAULTS.temp,
      tempCountThreshold: LOW_COUNT_THRESHOLD,
      vibraThreshold: DEFAULTS.vibra,
      vibraCountThreshold: LOW_COUNT_THRESHOLD,
    },
  });
}

/** The machine key's EIP-712 `RegisterMachine` signature, as `registerMachineWithSignature` takes it. */
export async function signRegistration(
  service: MaintenanceService,
  signer: Awaited<ReturnType<typeof ethers.getSigners>>[number],
  values: { unit: string; provider: string; partPrice: bigint; deadline: bigint },
  machine: string = signer.address,
): Promise<string> {
  const { chainId } = await ethers.provider.getNetwork();
  const domain = {
    name: "commchain MaintenanceService",
    version: "1",
    chainId,
    verifyingContract: await service.getAddress(),
  };
  const types = {
    RegisterMachine: [
      { name: "machine", type: "address" },
      { name: "unit", type: "address" },
      { name: "provider", type: "address" },
      { name: "partPrice", type: "uint96" },
      { name: "deadline", type: "uint256" },
    ],
  };
  return signer.signTypedData(domain, types, { machine, ...values });
}
