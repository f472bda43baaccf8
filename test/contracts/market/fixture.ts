import { ethers } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { DataToken, OwnershipRegistry } from "../../../typechain-types";
import { highEntry, signRegistration, type HighEntry, type SignedEntry } from "../../../src/market/registration";

/** What each owner holds and approves after {deployRegistry}. */
export const OWNER_FUNDS = ethers.parseEther("1000");

/** `Level`, `DataKind` and `LifecycleStage` of the contract, by name. */
export const Level = { Low: 0n, High: 1n } as const;

/**
 * A data token, a registry with its default parameters, an orderer holding ORDERER_ROLE and
 * three owners, each funded and having approved the registry for {OWNER_FUNDS}.
 */
export async function deployRegistry() {
  const [admin, orderer, alice, bob, carol, stranger] = await ethers.getSigners();
  const token: DataToken = await ethers.deployContract("DataToken", [admin.address]);
  await token.grantRole(await token.MINTER_ROLE(), admin.address);
  const registry: OwnershipRegistry = await ethers.deployContract("OwnershipRegistry", [
    await token.getAddress(),
    admin.address,
  ]);
  await registry.grantRole(await registry.ORDERER_ROLE(), orderer.address);
  const address = await registry.getAddress();
  for (const owner of [alice, bob, carol]) {
    await token.mint(owner.address, OWNER_FUNDS);
    await token.connect(owner).approve(address, OWNER_FUNDS);
  }
  const chainId = (await ethers.provider.getNetwork()).chainId;
  return { token, registry, address, chainId, admin, orderer, alice, bob, carol, stranger };
}

export type Fixture = Awaited<ReturnType<typeof deployRegistry>>;

let counter = 0;

/** A fresh data hash. */
export function dataHash(label = `data-${counter++}`): string {
  return ethers.keccak256(ethers.toUtf8Bytes(label));
}

/** A High entry of `owner` with fee `fee`, timestamped now, valid for an hour, signed by `signer` (default: the owner). */
export async function signedEntry(
  f: Pick<Fixture, "address" | "chainId">,
  owner: HardhatEthersSigner,
  fee: bigint,
  overrides: Partial<HighEntry> & { signer?: HardhatEthersSigner } = {},
): Promise<SignedEntry> {
  const now = BigInt(await time.latest());
  const { signer, ...fields } = overrides;
  const entry: HighEntry = {
    ...highEntry({
      dataHash: dataHash(),
      timestamp: now,
      fee,
      owner: owner.address,
      nonce: BigInt(counter++),
      deadline: now + 3600n,
    }),
    ...fields,
  };
  const signature = await signRegistration(signer ?? owner, f.address, f.chainId, entry);
  return { entry, signature };
}

/** `registerBatch` by the orderer with `signed`. */
export function register(f: Pick<Fixture, "registry" | "orderer">, signed: readonly SignedEntry[]) {
  return f.registry.connect(f.orderer).registerBatch(
    signed.map((s) => s.entry),
    signed.map((s) => s.signature),
  );
}
