// Shared by the security tests of the identity and sharing findings (H1, M1, L6); no tests here.
//
// Each of those tests replays an exploit of the security review and asserts it is now
// impossible. To show that the test would have caught the flaw, it also runs against the
// contracts before the fix (3b3b9ea): the deployment and the calls the exploit needs go through
// the helpers below, which speak both ABIs (the factory's constructor took two reward amounts
// then, and records carried no object commitment). Everything else the tests call is the same in
// both versions, or is the fix itself.
import { ethers } from "hardhat";
import { Contract, Wallet, type Signer } from "ethers";

/** Mirrors `IRegister.Kind`. */
export const Kind = { Device: 0, ServiceProvider: 1, ThirdParty: 2 } as const;

export const UPLOAD_REWARD = ethers.parseEther("10");
export const VERIFICATION_REWARD = ethers.parseEther("2");
export const REWARD_CAP = ethers.parseEther("100");
export const REWARD_PERIOD = 86_400n;
export const BONUS_REFUND_DELAY = 7n * 86_400n;

/** The record calls in the ABI of the contracts before the fix. */
const LEGACY_EPR_ABI = [
  "function addRecord(string query, bytes32 contentHash, string uri, uint256 bonus) returns (uint256)",
  "function addRecordWithReaders(string query, bytes32 contentHash, string uri, uint256 bonus, address[] readers) returns (uint256)",
  "function attest(uint256 recordId, bytes32 contentHash)",
];

/** Data sharing deployed and wired as `CommunitySuite` does: token, Register, EPR implementation, factory, roles. */
export async function deploySharingSuite() {
  const [admin, registrar, verifier] = await ethers.getSigners();
  const token = await ethers.deployContract("DataToken", [admin.address]);
  const register = await ethers.deployContract("Register", [admin.address, await ethers.deployContract("Summary")]);
  const implementation = await ethers.deployContract("EquipmentProviderRelationship", [register, token]);
  const Factory = await ethers.getContractFactory("RelationshipFactory");
  const rewards: unknown[] =
    Factory.interface.deploy.inputs.length === 5
      ? [
          {
            uploadReward: UPLOAD_REWARD,
            verificationReward: VERIFICATION_REWARD,
            capPerPeriod: REWARD_CAP,
            period: REWARD_PERIOD,
            bonusRefundDelay: BONUS_REFUND_DELAY,
          },
        ]
      : [UPLOAD_REWARD, VERIFICATION_REWARD];
  // The constructor's arity depends on the contracts compiled (see above), so the typed deploy cannot be used.
  const factory = await (Factory.deploy as (...args: unknown[]) => ReturnType<typeof Factory.deploy>)(
    admin.address,
    register,
    token,
    implementation,
    ...rewards,
  );
  await register.setRelationshipFactory(factory);
  await token.grantRole(await token.MINTER_ROLE(), factory);
  await register.grantRole(await register.REGISTRAR_ROLE(), registrar.address);
  await factory.grantRole(await factory.VERIFIER_ROLE(), verifier.address);
  return { token, register, factory, admin, registrar, verifier };
}

/** A fresh account holding ETH for gas and nothing else. */
export async function freshAccount(): Promise<Wallet> {
  const wallet = new Wallet(Wallet.createRandom().privateKey, ethers.provider);
  const [funder] = await ethers.getSigners();
  await (await funder.sendTransaction({ to: wallet.address, value: ethers.parseEther("1") })).wait();
  return wallet;
}

/** A data pointer with its object digest (what a verifier that fetched the object knows) and commitment. */
export function pointer(n: number) {
  const objectDigest = ethers.id(`the stored object of record ${n}`);
  return {
    query: `status?sequence=${n}`,
    contentHash: ethers.id(`status snapshot ${n}`),
    uri: `ipfs://bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52z${n % 10}`,
    objectDigest,
    objectCommitment: ethers.keccak256(ethers.AbiCoder.defaultAbiCoder().encode(["bytes32"], [objectDigest])),
  };
}

/** Whether the compiled EPR takes an object commitment with each record (the fixed contracts). */
export async function recordsTakeCommitments(): Promise<boolean> {
  const epr = await ethers.getContractFactory("EquipmentProviderRelationship");
  return epr.interface.getFunction("addRecord")!.inputs.length === 5;
}

/** `signer` adds `p` to `epr` in whichever ABI the compiled EPR has. */
export async function addRecord(epr: string, signer: Signer, p: ReturnType<typeof pointer>, bonus = 0n) {
  if (await recordsTakeCommitments()) {
    return (await ethers.getContractAt("EquipmentProviderRelationship", epr, signer)).addRecord(
      p.query,
      p.contentHash,
      p.uri,
      p.objectCommitment,
      bonus,
    );
  }
  return new Contract(epr, LEGACY_EPR_ABI, signer).addRecord(p.query, p.contentHash, p.uri, bonus);
}

/** The device adds `p` to `epr` with `readers`, in whichever ABI the compiled EPR has. */
export async function addRecordWithReaders(
  epr: string,
  device: Signer,
  p: ReturnType<typeof pointer>,
  readers: readonly string[],
) {
  if (await recordsTakeCommitments()) {
    return (await ethers.getContractAt("EquipmentProviderRelationship", epr, device)).addRecordWithReaders(
      p.query,
      p.contentHash,
      p.uri,
      p.objectCommitment,
      0n,
      [...readers],
    );
  }
  return new Contract(epr, LEGACY_EPR_ABI, device).addRecordWithReaders(p.query, p.contentHash, p.uri, 0n, [
    ...readers,
  ]);
}

/** The review's verifier call: `attest(recordId, contentHash)` with the hash anyone reads on chain (gone since the fix). */
export function legacyAttest(epr: string, verifier: Signer, recordId: number, contentHash: string) {
  return new Contract(epr, LEGACY_EPR_ABI, verifier).attest(recordId, contentHash);
}

/** Sends `send()`; resolves true if it was mined, false if it reverted (the exploit step was refused). */
export async function succeeds(send: () => Promise<{ wait(): Promise<unknown> }>): Promise<boolean> {
  try {
    await (await send()).wait();
    return true;
  } catch {
    return false;
  }
}
