// Shared by the security tests of the MaintenanceService findings (M2, M7); no tests here.
//
// Each test replays an exploit or a loss of the security review and asserts it cannot happen any
// more. To show the test would have caught the flaw, it also runs against the contract before the
// fix (a9c0a2f): the deployment and the settings calls go through the helpers below, which speak
// both ABIs (the constructor took only the token then, and the owner changed thresholds at once
// with `setThresholds`). Everything else the tests call exists in both versions, or is the fix.
import { ethers } from "hardhat";
import { Contract } from "ethers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { DataToken, MaintenanceService } from "../../typechain-types";

export const PART_PRICE = ethers.parseEther("5");

/** The calls of the contract before the fix that the new one no longer has. */
const LEGACY_ABI = [
  "function setThresholds(address machine, (int32 tempThreshold, uint32 tempCountThreshold, uint32 vibraThreshold, uint32 vibraCountThreshold) thresholds)",
  "function updateMachine(address machine, address unit, address provider, uint96 partPrice)",
];

/** A token with a minter, and the service as `CommunitySuite` deploys it (the deployer is its admin). */
export async function deployMaintenanceSuite() {
  const [deployer, minter, machine, unit, provider, attacker, stranger] = await ethers.getSigners();
  const token: DataToken = await ethers.deployContract("DataToken", [deployer.address]);
  await token.grantRole(await token.MINTER_ROLE(), minter.address);
  const Service = await ethers.getContractFactory("MaintenanceService");
  const args: unknown[] =
    Service.interface.deploy.inputs.length === 2
      ? [await token.getAddress(), deployer.address]
      : [await token.getAddress()];
  // The constructor's arity depends on the contract compiled (see above), so the typed deploy cannot be used.
  const service = (await (Service.deploy as (...a: unknown[]) => ReturnType<typeof Service.deploy>)(
    ...args,
  )) as unknown as MaintenanceService;
  await service.waitForDeployment();
  return { token, service, deployer, minter, machine, unit, provider, attacker, stranger };
}

/** Whether the compiled contract is the fixed one. */
export function isFixed(service: MaintenanceService): boolean {
  return service.interface.getFunction("proposeSettings") !== null;
}

/** The legacy calls, on any version (they revert on the fixed contract, which has none of them). */
export function legacy(service: MaintenanceService, signer: HardhatEthersSigner): Contract {
  return new Contract(service.target as string, LEGACY_ABI, signer);
}

/**
 * Lowers both count thresholds of `machine` as a test's set-up, the way each version allows:
 * before the fix its owner did it at once; after it, its unit does (its own change applies at once).
 */
export async function lowerCountThresholds(
  service: MaintenanceService,
  owner: HardhatEthersSigner,
  unit: HardhatEthersSigner,
  machine: string,
  count: bigint,
) {
  const thresholds = {
    tempThreshold: 200n,
    tempCountThreshold: count,
    vibraThreshold: 100n,
    vibraCountThreshold: count,
  };
  if (!isFixed(service)) return (await legacy(service, owner).setThresholds(machine, thresholds)).wait();
  const m = await service.machineInfo(machine);
  return (
    await service
      .connect(unit)
      .proposeSettings(machine, { unit: m.unit, provider: m.provider, partPrice: m.partPrice, thresholds })
  ).wait();
}

type Sent = Promise<{ wait(): Promise<unknown> }>;

/** Resolves true when `call` is mined, false when it reverts (or, given as a thunk, does not exist in the ABI compiled). */
export async function succeeds(call: Sent | (() => Sent)): Promise<boolean> {
  try {
    await (await (typeof call === "function" ? call() : call)).wait();
    return true;
  } catch {
    return false;
  }
}
