// The BPIIoT suite deployed for the IoT unit tests (no tests here): token, MaintenanceService,
// Register with Summaries, the relationship factory with a verifier, and one machine whose unit
// is a key the tests hold, with its EPR to a provider, accepted by both.
import { ethers } from "hardhat";
import { Wallet } from "ethers";
import type {
  DataToken,
  EquipmentProviderRelationship,
  MaintenanceService,
  Register,
  RelationshipFactory,
} from "../../../typechain-types";

/** Mirrors `IRegister.Kind`. */
export const Kind = { Device: 0, ServiceProvider: 1, ThirdParty: 2 } as const;

export const PART_PRICE = ethers.parseEther("5");
export const UPLOAD_REWARD = ethers.parseEther("10");
export const VERIFICATION_REWARD = ethers.parseEther("2");
/** The factory's reward parameters: the cap far above what a test pays. */
export const REWARD_PARAMETERS = {
  uploadReward: UPLOAD_REWARD,
  verificationReward: VERIFICATION_REWARD,
  capPerPeriod: ethers.parseEther("1000"),
  period: 86_400n,
  bonusRefundDelay: 7n * 86_400n,
};
/** What the unit holds at the start: enough for several parts. */
export const UNIT_TOKENS = ethers.parseEther("100");
/** Count thresholds low enough for a test to fire them in a few readings. */
export const LOW_COUNT_THRESHOLD = 3;
/** The paper's thresholds (Table 1). */
export const TEMP_THRESHOLD = 200;
export const VIBRA_THRESHOLD = 100;

/**
 * The machine's own key: it registers itself and owns itself (M2), in every deployment (its nonce
 * does not matter, the unit's does). The unit is another key.
 */
export const MACHINE_WALLET = new Wallet(ethers.zeroPadValue("0x0a11ce", 32));
export const MACHINE = MACHINE_WALLET.address;

/** Sets the machine's thresholds as its owner (the fixture's delay is zero, so they apply at once). */
export async function setMachineThresholds(suite: Pick<Suite, "service">, countThreshold: number): Promise<void> {
  const machine = MACHINE_WALLET.connect(ethers.provider);
  const m = await suite.service.machineInfo(MACHINE);
  const thresholds = {
    tempThreshold: TEMP_THRESHOLD,
    tempCountThreshold: countThreshold,
    vibraThreshold: VIBRA_THRESHOLD,
    vibraCountThreshold: countThreshold,
  };
  await (
    await suite.service
      .connect(machine)
      .proposeSettings(MACHINE, { unit: m.unit, provider: m.provider, partPrice: m.partPrice, thresholds })
  ).wait();
}

/** The accounts of one deployment: the unit's key, the provider's, two labs, a stranger and a verifier. */
export interface SuiteWallets {
  unit: Wallet;
  provider: Wallet;
  lab: Wallet;
  otherLab: Wallet;
  stranger: Wallet;
  verifier: Wallet;
}

// Each deployment gets accounts of its own (deterministic keys, numbered by deployment): tests in
// other files may have used an earlier deployment's unit, and the unit's queue must start at the
// nonce its account really has.
let deployments = 0;
function freshWallets(): SuiteWallets {
  const base = 0x10_000 + 16 * deployments++;
  const wallet = (n: number) => new Wallet(ethers.zeroPadValue(ethers.toBeHex(base + n), 32));
  return {
    unit: wallet(1),
    provider: wallet(2),
    lab: wallet(3),
    otherLab: wallet(4),
    stranger: wallet(5),
    verifier: wallet(6),
  };
}

export interface Suite {
  token: DataToken;
  service: MaintenanceService;
  register: Register;
  factory: RelationshipFactory;
  epr: EquipmentProviderRelationship;
  contracts: { maintenanceService: string; dataToken: string; register: string };
  wallets: SuiteWallets;
}

/** Deploys and wires the suite; the unit's account has sent nothing (its nonce is 0). */
export async function deploySuite(): Promise<Suite> {
  const [admin, , minter] = await ethers.getSigners();
  const wallets = freshWallets();
  const { unit: unitWallet, provider: providerWallet, lab: labWallet, otherLab: otherLabWallet } = wallets;
  for (const wallet of [...Object.values(wallets), MACHINE_WALLET]) {
    await admin.sendTransaction({ to: wallet.address, value: ethers.parseEther("100") });
  }
  const token = await ethers.deployContract("DataToken", [admin.address]);
  const service = await ethers.deployContract("MaintenanceService", [await token.getAddress(), admin.address]);
  // The unit tests configure the machine as its owner without waiting; the timelock itself is
  // tested in test/contracts/maintenance and test/security/M2-machine-squatting.test.ts.
  await service.setSettingsDelay(0);
  const summary = await ethers.deployContract("Summary");
  const register = await ethers.deployContract("Register", [admin.address, summary]);
  const implementation = await ethers.deployContract("EquipmentProviderRelationship", [register, token]);
  const factory = await ethers.deployContract("RelationshipFactory", [
    admin.address,
    register,
    token,
    implementation,
    REWARD_PARAMETERS,
  ]);
  await register.setRelationshipFactory(factory);
  await token.grantRole(await token.MINTER_ROLE(), factory);
  await token.grantRole(await token.MINTER_ROLE(), minter.address);
  await register.grantRole(await register.REGISTRAR_ROLE(), admin.address);
  await factory.grantRole(await factory.VERIFIER_ROLE(), wallets.verifier.address);
  await register.register("packaging-robot-1", unitWallet.address, Kind.Device);
  await register.register("acme-maintenance", providerWallet.address, Kind.ServiceProvider);
  await register.register("tu-lab", labWallet.address, Kind.ThirdParty);
  await register.register("other-lab", otherLabWallet.address, Kind.ThirdParty);
  await factory.createRelationship(unitWallet.address, providerWallet.address);
  const epr = await ethers.getContractAt(
    "EquipmentProviderRelationship",
    await factory.relationshipOf(unitWallet.address, providerWallet.address),
  );
  // The provider accepts; the device's acceptance (needed for rewards) is `acceptAsDevice`, left
  // out here so the unit's account starts at nonce 0.
  const providerSummary = await ethers.getContractAt("Summary", await register.summaryOf(providerWallet.address));
  await (await providerSummary.connect(providerWallet.connect(ethers.provider)).acceptRelationship(epr)).wait();
  await (
    await service
      .connect(MACHINE_WALLET.connect(ethers.provider))
      .registerMachine(MACHINE, unitWallet.address, providerWallet.address, PART_PRICE)
  ).wait();
  await setMachineThresholds({ service }, LOW_COUNT_THRESHOLD);
  await token.connect(minter).mint(unitWallet.address, UNIT_TOKENS);
  return {
    token,
    service,
    register,
    factory,
    epr,
    contracts: {
      maintenanceService: await service.getAddress(),
      dataToken: await token.getAddress(),
      register: await register.getAddress(),
    },
    wallets,
  };
}

/**
 * The device accepts its relationship too, so attested records earn their rewards. Its account
 * sends this transaction: call it before a unit first opens its queue (which starts at the
 * account's nonce then).
 */
export async function acceptAsDevice(suite: Suite): Promise<void> {
  const summary = await ethers.getContractAt("Summary", await suite.register.summaryOf(suite.wallets.unit.address));
  await (await summary.connect(suite.wallets.unit.connect(ethers.provider)).acceptRelationship(suite.epr)).wait();
}

/** {deploySuite} with the device's acceptance, for the tests of attestations and rewards. */
export async function deploySuiteAccepted(): Promise<Suite> {
  const suite = await deploySuite();
  await acceptAsDevice(suite);
  return suite;
}

/** {deploySuite} with the paper's count thresholds (1000) restored on the machine. */
export async function deploySuiteAtPaperThresholds(): Promise<Suite> {
  const suite = await deploySuite();
  await setMachineThresholds(suite, 1000);
  return suite;
}

/** A hot / normal reading at time `i` seconds. */
export const reading = (i: number, temperature: number, vibration: number) => ({
  time: 1_735_689_600_000 + i * 1000,
  temperature,
  vibration,
});
