// Gas of the data-sharing contracts (Register, Summary, EPR, factory) on the in-process Hardhat
// network: what one participant, one relationship and each EPR action cost, next to what a full
// deployment of a Summary or an EPR would cost without minimal proxies.
// Run: npx hardhat run bench/sharing-gas.ts   (last line: one JSON object with the figures)
import { ethers } from "hardhat";
import type { ContractTransactionResponse } from "ethers";
import { attestationDomain, objectCommitment, signAttestation } from "../src/iot/attestation";

const Kind = { Device: 0, ServiceProvider: 1, ThirdParty: 2 } as const;
const REWARD = ethers.parseEther("1");
const REWARDS = {
  uploadReward: REWARD,
  verificationReward: REWARD,
  capPerPeriod: 1000n * REWARD,
  period: 86_400n,
  bonusRefundDelay: 7n * 86_400n,
};

async function gasOf(tx: Promise<ContractTransactionResponse>): Promise<number> {
  const receipt = await (await tx).wait();
  if (receipt === null) throw new Error("transaction was not mined");
  return Number(receipt.gasUsed);
}

async function deploymentGas(contract: { deploymentTransaction(): ContractTransactionResponse | null }) {
  const receipt = await contract.deploymentTransaction()?.wait();
  if (!receipt) throw new Error("deployment was not mined");
  return Number(receipt.gasUsed);
}

async function main() {
  const [admin, registrar, device, provider, lab, verifier] = await ethers.getSigners();
  const token = await ethers.deployContract("DataToken", [admin.address]);
  const summaryImplementation = await ethers.deployContract("Summary");
  const register = await ethers.deployContract("Register", [admin.address, summaryImplementation]);
  const eprImplementation = await ethers.deployContract("EquipmentProviderRelationship", [register, token]);
  const factory = await ethers.deployContract("RelationshipFactory", [
    admin.address,
    register,
    token,
    eprImplementation,
    REWARDS,
  ]);
  await (await register.setRelationshipFactory(factory)).wait();
  await (await token.grantRole(await token.MINTER_ROLE(), factory)).wait();
  await (await register.grantRole(await register.REGISTRAR_ROLE(), registrar.address)).wait();
  await (await factory.grantRole(await factory.VERIFIER_ROLE(), verifier.address)).wait();
  await (await token.grantRole(await token.MINTER_ROLE(), admin.address)).wait();

  const registerSelf = await gasOf(register.connect(device).register("robot-arm-01", device.address, Kind.Device));
  const registerByRegistrar = await gasOf(
    register.connect(registrar).register("maintainer-acme", provider.address, Kind.ServiceProvider),
  );
  await gasOf(register.connect(registrar).register("university-lab", lab.address, Kind.ThirdParty));
  const createRelationship = await gasOf(
    factory.connect(provider).createRelationship(device.address, provider.address),
  );
  const epr = await ethers.getContractAt(
    "EquipmentProviderRelationship",
    await factory.relationshipOf(device.address, provider.address),
  );
  for (const party of [device, provider]) {
    const summary = await ethers.getContractAt("Summary", await register.summaryOf(party.address));
    await (await summary.connect(party).acceptRelationship(epr)).wait();
  }

  const hash = ethers.keccak256(ethers.toUtf8Bytes("temperature,vibration\n201,101\n"));
  const digest = ethers.keccak256(ethers.toUtf8Bytes("the envelope's bytes"));
  const commitment = objectCommitment(digest);
  const query = "SELECT temperature, vibration FROM status WHERE batch = 1";
  const uri = "ipfs://bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi";
  const addRecord = await gasOf(epr.connect(provider).addRecord(query, hash, uri, commitment, 0n));
  await (await token.mint(provider.address, REWARD)).wait();
  await (await token.connect(provider).approve(epr, REWARD)).wait();
  const addRecordWithBonus = await gasOf(epr.connect(provider).addRecord(query, hash, uri, commitment, REWARD));
  const authorize = await gasOf(epr.connect(device).authorize(0, lab.address));
  const authorizeSecondRecord = await gasOf(epr.connect(device).authorize(1, lab.address));
  const revoke = await gasOf(epr.connect(device).revoke(0, lab.address));
  // One transaction per share: the device's record and its readers together (lab linked already,
  // lab2 and lab3 linked by this transaction), against addRecord + one authorize each.
  const [lab2, lab3] = [ethers.Wallet.createRandom().address, ethers.Wallet.createRandom().address];
  await gasOf(register.connect(registrar).register("second-lab", lab2, Kind.ThirdParty));
  await gasOf(register.connect(registrar).register("third-lab", lab3, Kind.ThirdParty));
  const addRecordByDevice = await gasOf(epr.connect(device).addRecord(query, hash, uri, commitment, 0n));
  const addRecordWithOneReader = await gasOf(
    epr.connect(device).addRecordWithReaders(query, hash, uri, commitment, 0n, [lab.address]),
  );
  const addRecordWithThreeReaders = await gasOf(
    epr.connect(device).addRecordWithReaders(query, hash, uri, commitment, 0n, [lab.address, lab2, lab3]),
  );
  const addRecordWithThreeLinkedReaders = await gasOf(
    epr.connect(device).addRecordWithReaders(query, hash, uri, commitment, 0n, [lab.address, lab2, lab3]),
  );
  // An attestation: the verifier's EIP-712 signature, checked on chain, then both rewards minted.
  const domain = await attestationDomain(ethers.provider, await epr.getAddress());
  const signed = (recordId: bigint) =>
    signAttestation(verifier, domain, { recordId, uri, contentHash: hash, objectDigest: digest });
  const attest = await gasOf(epr.connect(verifier).attest(0, digest, await signed(0n)));
  const attestWithBonus = await gasOf(epr.connect(verifier).attest(1, digest, await signed(1n)));

  const figures = {
    bench: "sharing-gas",
    registerSelf,
    registerByRegistrar,
    createRelationship,
    addRecord,
    addRecordWithBonus,
    authorize,
    authorizeSecondRecord,
    revoke,
    attest,
    attestWithBonus,
    addRecordByDevice,
    addRecordWithOneReader,
    addRecordWithThreeReaders,
    addRecordWithThreeLinkedReaders,
    // The two-step path it replaces, for a reader whose Summary lists the EPR already.
    addRecordThenAuthorize: addRecordByDevice + authorizeSecondRecord,
    fullSummaryDeployment: await deploymentGas(summaryImplementation),
    fullEprDeployment: await deploymentGas(eprImplementation),
    registerDeployment: await deploymentGas(register),
    factoryDeployment: await deploymentGas(factory),
  };
  console.log(JSON.stringify(figures));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
