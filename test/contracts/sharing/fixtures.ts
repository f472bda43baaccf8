// Fixtures shared by the Register, Summary, EPR and factory tests: one deployment of the whole
// data-sharing wiring, then the same deployment with participants, a relationship and a record.
import { expect } from "chai";
import { ethers } from "hardhat";
import { impersonateAccount, setBalance } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
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

export const DEVICE_ID = "robot-arm-01";
export const PROVIDER_ID = "maintainer-acme";
export const THIRD_PARTY_ID = "university-lab";

/** A data pointer as the provider would add it: a query, the hash of its result, an IPFS CID. */
export function pointer(n: number) {
  const data = `temperature,vibration\n${200 + n},${100 + n}\n`;
  return {
    query: `SELECT temperature, vibration FROM status WHERE batch = ${n}`,
    contentHash: ethers.keccak256(ethers.toUtf8Bytes(data)),
    uri: `ipfs://bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbz${n}`,
  };
}

/**
 * Expects `add(query, contentHash, uri)` to revert for each malformed pointer field with its custom
 * error and bounds: an empty or too long query (1024 bytes), a zero hash, an empty or too long URI
 * (256 bytes).
 */
export async function expectPointerFieldReverts(
  epr: EquipmentProviderRelationship,
  add: (query: string, contentHash: string, uri: string) => Promise<unknown>,
): Promise<void> {
  const p = pointer(1);
  await expect(add("", p.contentHash, p.uri)).to.be.revertedWithCustomError(epr, "RelationshipEmptyQuery");
  await expect(add("q".repeat(1025), p.contentHash, p.uri))
    .to.be.revertedWithCustomError(epr, "RelationshipFieldTooLong").withArgs("query", 1025n, 1024n);
  await expect(add(p.query, ethers.ZeroHash, p.uri)).to.be.revertedWithCustomError(epr, "RelationshipZeroContentHash");
  await expect(add(p.query, p.contentHash, "")).to.be.revertedWithCustomError(epr, "RelationshipEmptyUri");
  await expect(add(p.query, p.contentHash, "u".repeat(257)))
    .to.be.revertedWithCustomError(epr, "RelationshipFieldTooLong").withArgs("uri", 257n, 256n);
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
    admin.address, register, token, relationshipImplementation, UPLOAD_REWARD, VERIFICATION_REWARD,
  ]);
  await register.setRelationshipFactory(factory);
  await token.grantRole(await token.MINTER_ROLE(), factory);
  await register.grantRole(await register.REGISTRAR_ROLE(), registrar.address);
  await factory.grantRole(await factory.VERIFIER_ROLE(), verifier.address);
  await factory.grantRole(await factory.VERIFIER_ROLE(), verifier2.address);
  return {
    token, register, factory, summaryImplementation, relationshipImplementation,
    admin, registrar, device, provider, thirdParty, verifier, verifier2, outsider, device2, provider2,
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

/** {deployWithParticipants} with the device–provider relationship created by the device. */
export async function deployWithRelationship() {
  const base = await deployWithParticipants();
  const { factory, device, provider } = base;
  await factory.connect(device).createRelationship(device.address, provider.address);
  const epr = await relationshipAt(await factory.relationshipOf(device.address, provider.address));
  return { ...base, epr };
}

/**
 * {deployWithRelationship} with record 0 added by the provider (no bonus), and the provider funded
 * for bonuses the way the paper's economy funds it: the device pays its upload reward to the
 * provider (as for a maintenance service) and the provider approves the EPR for bonuses.
 */
export async function deployWithRecord() {
  const base = await deployWithRelationship();
  const { epr, token, device, provider } = base;
  const first = pointer(0);
  await epr.connect(provider).addRecord(first.query, first.contentHash, first.uri, 0n);
  await token.connect(device).transfer(provider.address, UPLOAD_REWARD);
  await token.connect(provider).approve(epr, ethers.MaxUint256);
  return { ...base, first };
}
