// Fixtures shared by the Register, Summary, EPR and factory tests: one deployment of the whole
// data-sharing wiring, then the same deployment with participants, a relationship and a record.
import { expect } from "chai";
import { ethers } from "hardhat";
import { impersonateAccount, setBalance } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { Signer } from "ethers";
import { ATTESTATION_TYPES, objectCommitment } from "../../../src/iot/attestation";
import type { EquipmentProviderRelationship, Summary } from "../../../typechain-types";

/** Mirrors `IRegister.Kind`. */
export const Kind = { Device: 0, ServiceProvider: 1, ThirdParty: 2 } as const;
/** Mirrors `ISummary.Status`. */
export const Status = { None: 0, New: 1, AwaitingUpdate: 2, Authorized: 3, Rejected: 4, Deleted: 5 } as const;
/** Mirrors `ISummary.Topic`. */
export const Topic = { RecordAdded: 0, RecordAttested: 1, ReaderAuthorized: 2, ReaderRevoked: 3 } as const;
/** Mirrors `IRelationshipFactory.RewardKind`. */
export const RewardKind = { Upload: 0, Verification: 1 } as const;

export const UPLOAD_REWARD = ethers.parseEther("10");
export const VERIFICATION_REWARD = ethers.parseEther("2");
/** The per-relationship cap: five attested records' rewards per day. */
export const REWARD_CAP = 5n * (UPLOAD_REWARD + VERIFICATION_REWARD);
export const REWARD_PERIOD = 86_400n;
export const BONUS_REFUND_DELAY = 7n * 86_400n;
/** The factory's constructor parameters the fixtures deploy with. */
export const REWARD_PARAMETERS = {
  uploadReward: UPLOAD_REWARD,
  verificationReward: VERIFICATION_REWARD,
  capPerPeriod: REWARD_CAP,
  period: REWARD_PERIOD,
  bonusRefundDelay: BONUS_REFUND_DELAY,
};
/** DataToken the fixtures mint to the provider and the device for bonuses. */
export const SEED_TOKENS = ethers.parseEther("100");

export const DEVICE_ID = "robot-arm-01";
export const PROVIDER_ID = "maintainer-acme";
export const THIRD_PARTY_ID = "university-lab";

/** The commitment an adder stores for an object whose bytes hash to `objectDigest` (the SDK's). */
export { objectCommitment as commitmentOf } from "../../../src/iot/attestation";
export { ATTESTATION_TYPES };

/**
 * A data pointer as the provider would add it: a query, the hash of its result, an IPFS CID, and
 * the commitment to the stored object (`objectDigest` is what a verifier who fetched it reveals).
 */
export function pointer(n: number) {
  const data = `temperature,vibration\n${200 + n},${100 + n}\n`;
  const objectDigest = ethers.keccak256(ethers.toUtf8Bytes(`ciphertext of ${data}`));
  return {
    query: `SELECT temperature, vibration FROM status WHERE batch = ${n}`,
    contentHash: ethers.keccak256(ethers.toUtf8Bytes(data)),
    uri: `ipfs://bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbz${n}`,
    objectDigest,
    objectCommitment: objectCommitment(objectDigest),
  };
}

/** `signer`'s EIP-712 attestation of record `recordId` of `epr` with `objectDigest`, over the record's URI and hash. */
export async function signAttestation(
  epr: EquipmentProviderRelationship,
  signer: Signer,
  recordId: bigint | number,
  objectDigest: string,
  record?: { uri: string; contentHash: string },
): Promise<string> {
  const { chainId } = await ethers.provider.getNetwork();
  const stored = record ?? (await epr.record(recordId));
  return signer.signTypedData(
    { name: "commchain EPR", version: "1", chainId, verifyingContract: await epr.getAddress() },
    ATTESTATION_TYPES,
    { recordId, uri: stored.uri, contentHash: stored.contentHash, objectDigest },
  );
}

/** `verifier` attests record `recordId` of `epr` with the digest `objectDigest` (submitted by `verifier` itself). */
export async function attestAs(
  epr: EquipmentProviderRelationship,
  verifier: Signer,
  recordId: bigint | number,
  objectDigest: string,
) {
  return epr
    .connect(verifier)
    .attest(recordId, objectDigest, await signAttestation(epr, verifier, recordId, objectDigest));
}

/**
 * Expects `add(query, contentHash, uri, objectCommitment)` to revert for each malformed pointer
 * field with its custom error and bounds: an empty or too long query (1024 bytes), a zero hash, an
 * empty or too long URI (256 bytes), a zero object commitment.
 */
export async function expectPointerFieldReverts(
  epr: EquipmentProviderRelationship,
  add: (query: string, contentHash: string, uri: string, objectCommitment: string) => Promise<unknown>,
): Promise<void> {
  const p = pointer(1);
  const c = p.objectCommitment;
  await expect(add("", p.contentHash, p.uri, c)).to.be.revertedWithCustomError(epr, "RelationshipEmptyQuery");
  await expect(add("q".repeat(1025), p.contentHash, p.uri, c))
    .to.be.revertedWithCustomError(epr, "RelationshipFieldTooLong")
    .withArgs("query", 1025n, 1024n);
  await expect(add(p.query, ethers.ZeroHash, p.uri, c)).to.be.revertedWithCustomError(
    epr,
    "RelationshipZeroContentHash",
  );
  await expect(add(p.query, p.contentHash, "", c)).to.be.revertedWithCustomError(epr, "RelationshipEmptyUri");
  await expect(add(p.query, p.contentHash, "u".repeat(257), c))
    .to.be.revertedWithCustomError(epr, "RelationshipFieldTooLong")
    .withArgs("uri", 257n, 256n);
  await expect(add(p.query, p.contentHash, p.uri, ethers.ZeroHash)).to.be.revertedWithCustomError(
    epr,
    "RelationshipZeroObjectCommitment",
  );
}

/** The EIP-1167 runtime code of a minimal proxy delegating to `implementation`. */
export function minimalProxyCode(implementation: string): string {
  return `0x363d3d373d3d3d363d73${implementation.slice(2).toLowerCase()}5af43d82803e903d91602b57fd5bf3`;
}

/** A signer acting from a contract's address (to call what only that contract may call). */
export async function actAs(address: string): Promise<HardhatEthersSigner> {
  await impersonateAccount(address);
  await setBalance(address, ethers.parseEther("1"));
  return ethers.getSigner(address);
}

export async function summaryAt(address: string): Promise<Summary> {
  return ethers.getContractAt("Summary", address);
}

export async function relationshipAt(address: string): Promise<EquipmentProviderRelationship> {
  return ethers.getContractAt("EquipmentProviderRelationship", address);
}

/** Token, Register with its Summary implementation, EPR implementation and factory, roles wired. */
export async function deploySharing() {
  const [admin, registrar, device, provider, thirdParty, verifier, verifier2, outsider, device2, provider2] =
    await ethers.getSigners();
  const token = await ethers.deployContract("DataToken", [admin.address]);
  const summaryImplementation = await ethers.deployContract("Summary");
  const register = await ethers.deployContract("Register", [admin.address, summaryImplementation]);
  const relationshipImplementation = await ethers.deployContract("EquipmentProviderRelationship", [register, token]);
  const factory = await ethers.deployContract("RelationshipFactory", [
    admin.address,
    register,
    token,
    relationshipImplementation,
    REWARD_PARAMETERS,
  ]);
  await register.setRelationshipFactory(factory);
  await token.grantRole(await token.MINTER_ROLE(), factory);
  // The admin seeds balances for bonuses (the main job's `minter` does the same).
  await token.grantRole(await token.MINTER_ROLE(), admin.address);
  await register.grantRole(await register.REGISTRAR_ROLE(), registrar.address);
  await factory.grantRole(await factory.VERIFIER_ROLE(), verifier.address);
  await factory.grantRole(await factory.VERIFIER_ROLE(), verifier2.address);
  return {
    token,
    register,
    factory,
    summaryImplementation,
    relationshipImplementation,
    admin,
    registrar,
    device,
    provider,
    thirdParty,
    verifier,
    verifier2,
    outsider,
    device2,
    provider2,
  };
}

/** {deploySharing} with a device, a service provider and a third party registered by the registrar. */
export async function deployWithParticipants() {
  const base = await deploySharing();
  const { register, registrar, device, provider, thirdParty } = base;
  await register.connect(registrar).register(DEVICE_ID, device.address, Kind.Device);
  await register.connect(registrar).register(PROVIDER_ID, provider.address, Kind.ServiceProvider);
  await register.connect(registrar).register(THIRD_PARTY_ID, thirdParty.address, Kind.ThirdParty);
  return {
    ...base,
    deviceSummary: await summaryAt(await register.summaryOf(device.address)),
    providerSummary: await summaryAt(await register.summaryOf(provider.address)),
    thirdPartySummary: await summaryAt(await register.summaryOf(thirdParty.address)),
  };
}

/** {deployWithParticipants} with the device–provider relationship created by the provider, not accepted yet. */
export async function deployWithProposedRelationship() {
  const base = await deployWithParticipants();
  const { factory, device, provider } = base;
  await factory.connect(provider).createRelationship(device.address, provider.address);
  const epr = await relationshipAt(await factory.relationshipOf(device.address, provider.address));
  return { ...base, epr };
}

/** {deployWithProposedRelationship} with the relationship accepted in both Summaries, so rewards flow. */
export async function deployWithRelationship() {
  const base = await deployWithProposedRelationship();
  const { epr, deviceSummary, providerSummary, device, provider } = base;
  await deviceSummary.connect(device).acceptRelationship(epr);
  await providerSummary.connect(provider).acceptRelationship(epr);
  return base;
}

/**
 * {deployWithRelationship} with record 0 added by the provider (no bonus), the provider and the
 * device seeded with {SEED_TOKENS} each and the provider's standing approval of the EPR for bonuses.
 */
export async function deployWithRecord() {
  const base = await deployWithRelationship();
  const { epr, token, admin, device, provider } = base;
  const first = pointer(0);
  await epr.connect(provider).addRecord(first.query, first.contentHash, first.uri, first.objectCommitment, 0n);
  await token.connect(admin).mint(provider.address, SEED_TOKENS);
  await token.connect(admin).mint(device.address, SEED_TOKENS);
  await token.connect(provider).approve(epr, ethers.MaxUint256);
  return { ...base, first };
}

/** `signer` adds pointer `p` to `epr` with `addRecord` (and `bonus`). */
export function addPointer(
  epr: EquipmentProviderRelationship,
  signer: Signer,
  p: { query: string; contentHash: string; uri: string; objectCommitment: string },
  bonus = 0n,
) {
  return epr.connect(signer).addRecord(p.query, p.contentHash, p.uri, p.objectCommitment, bonus);
}
