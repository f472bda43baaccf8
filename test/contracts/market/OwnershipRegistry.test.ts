import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { Signature } from "ethers";
import { signPermit } from "../../../src/iot/funding";
import { DataKind, LifecycleStage } from "../../../src/market/registration";
import { dataHash, deployRegistry, Level, OWNER_FUNDS, register, signedEntry, type Fixture } from "./fixture";

const CDT = (n: number) => ethers.parseEther(String(n));

/** Enqueues `n` Low entries of `owner`; returns their hashes in queue order. */
async function enqueue(f: Fixture, n: number, owner = f.carol): Promise<string[]> {
  const hashes: string[] = [];
  for (let i = 0; i < n; i++) {
    const hash = dataHash();
    await f.registry.connect(owner).enqueueLow(hash, await time.latest(), DataKind.Physical, LifecycleStage.Using);
    hashes.push(hash);
  }
  return hashes;
}

describe("OwnershipRegistry: deployment and parameters", () => {
  it("starts with the paper's batch size 5 and q = 0.2, announced by events", async () => {
    const f = await loadFixture(deployRegistry);
    expect(await f.registry.batchSize()).to.equal(5n);
    expect(await f.registry.quotaBps()).to.equal(2000n);
    expect(await f.registry.batchCount()).to.equal(0n);
    const tx = f.registry.deploymentTransaction();
    await expect(tx).to.emit(f.registry, "BatchSizeSet").withArgs(0n, 5n);
    await expect(tx).to.emit(f.registry, "QuotaSet").withArgs(0n, 2000n);
  });

  it("refuses a zero token or admin", async () => {
    const f = await loadFixture(deployRegistry);
    const factory = await ethers.getContractFactory("OwnershipRegistry");
    await expect(factory.deploy(ethers.ZeroAddress, f.admin.address))
      .to.be.revertedWithCustomError(f.registry, "OwnershipInvalidAddress")
      .withArgs(ethers.ZeroAddress, f.admin.address);
    await expect(factory.deploy(await f.token.getAddress(), ethers.ZeroAddress))
      .to.be.revertedWithCustomError(f.registry, "OwnershipInvalidAddress")
      .withArgs(await f.token.getAddress(), ethers.ZeroAddress);
  });

  it("lets the admin set the batch size and quota within range, with events", async () => {
    const f = await loadFixture(deployRegistry);
    await expect(f.registry.setBatchSize(10)).to.emit(f.registry, "BatchSizeSet").withArgs(5n, 10n);
    await expect(f.registry.setQuota(5000)).to.emit(f.registry, "QuotaSet").withArgs(2000n, 5000n);
    expect(await f.registry.batchSize()).to.equal(10n);
    expect(await f.registry.quotaBps()).to.equal(5000n);
    await expect(f.registry.setBatchSize(0))
      .to.be.revertedWithCustomError(f.registry, "OwnershipInvalidBatchSize")
      .withArgs(0n, 64n);
    await expect(f.registry.setBatchSize(65))
      .to.be.revertedWithCustomError(f.registry, "OwnershipInvalidBatchSize")
      .withArgs(65n, 64n);
    await expect(f.registry.setQuota(0))
      .to.be.revertedWithCustomError(f.registry, "OwnershipInvalidQuota")
      .withArgs(0n);
    await expect(f.registry.setQuota(10_001))
      .to.be.revertedWithCustomError(f.registry, "OwnershipInvalidQuota")
      .withArgs(10_001n);
  });

  it("lets nobody but the admin set parameters", async () => {
    const f = await loadFixture(deployRegistry);
    const admin = await f.registry.DEFAULT_ADMIN_ROLE();
    await expect(f.registry.connect(f.orderer).setBatchSize(3))
      .to.be.revertedWithCustomError(f.registry, "AccessControlUnauthorizedAccount")
      .withArgs(f.orderer.address, admin);
    await expect(f.registry.connect(f.stranger).setQuota(3000))
      .to.be.revertedWithCustomError(f.registry, "AccessControlUnauthorizedAccount")
      .withArgs(f.stranger.address, admin);
  });
});

describe("OwnershipRegistry: enqueueLow", () => {
  it("claims the hash for its sender, queued with no fee, not yet registered", async () => {
    const f = await loadFixture(deployRegistry);
    const hash = dataHash();
    const ts = BigInt(await time.latest());
    await expect(f.registry.connect(f.alice).enqueueLow(hash, ts, DataKind.Virtual, LifecycleStage.Design))
      .to.emit(f.registry, "LowEnqueued")
      .withArgs(hash, f.alice.address, 0n);
    expect(await f.registry.lowPending()).to.equal(1n);
    expect(await f.registry.lowAt(0)).to.equal(hash);
    expect(await f.registry.ownerOf(hash)).to.equal(ethers.ZeroAddress);
    const record = await f.registry.registration(hash);
    expect([
      record.owner,
      record.timestamp,
      record.batchId,
      record.level,
      record.kind,
      record.stage,
      record.fee,
    ]).to.deep.equal([f.alice.address, ts, 0n, Level.Low, BigInt(DataKind.Virtual), BigInt(LifecycleStage.Design), 0n]);
  });

  it("refuses a hash already claimed, naming the first owner", async () => {
    const f = await loadFixture(deployRegistry);
    const [hash] = await enqueue(f, 1, f.alice);
    await expect(f.registry.connect(f.bob).enqueueLow(hash, await time.latest(), 0, 0))
      .to.be.revertedWithCustomError(f.registry, "OwnershipAlreadyRegistered")
      .withArgs(hash, f.alice.address);
    const high = await signedEntry(f, f.bob, 0n, { dataHash: hash });
    await expect(register(f, [high]))
      .to.be.revertedWithCustomError(f.registry, "OwnershipAlreadyRegistered")
      .withArgs(hash, f.alice.address);
  });

  it("refuses the zero hash and timestamps over 300 s ahead or over a day old", async () => {
    const f = await loadFixture(deployRegistry);
    await expect(f.registry.enqueueLow(ethers.ZeroHash, await time.latest(), 0, 0)).to.be.revertedWithCustomError(
      f.registry,
      "OwnershipZeroHash",
    );
    const hash = dataHash();
    const now = BigInt(await time.latest());
    // The transaction is mined one second later than the latest block.
    await expect(f.registry.enqueueLow(hash, now + 600n, 0, 0))
      .to.be.revertedWithCustomError(f.registry, "OwnershipTimestampOutOfRange")
      .withArgs(hash, now + 600n, now + 1n);
    const old = now - 86_400n - 10n;
    await expect(f.registry.enqueueLow(hash, old, 0, 0))
      .to.be.revertedWithCustomError(f.registry, "OwnershipTimestampOutOfRange")
      .withArgs(hash, old, now + 2n);
    await expect(f.registry.enqueueLow(hash, now + 300n, 0, 0)).to.emit(f.registry, "LowEnqueued");
  });
});

describe("OwnershipRegistry: registerBatch of High entries", () => {
  it("registers signed entries in fee order, pays each fee owner → orderer, emits per entry and per batch", async () => {
    const f = await loadFixture(deployRegistry);
    const a = await signedEntry(f, f.alice, CDT(7), { kind: DataKind.Physical, stage: LifecycleStage.Using });
    const b = await signedEntry(f, f.bob, CDT(3));
    const c = await signedEntry(f, f.alice, CDT(3));
    const tx = register(f, [a, b, c]);
    await expect(tx)
      .to.emit(f.registry, "OwnershipRegistered")
      .withArgs(
        a.entry.dataHash,
        f.alice.address,
        1n,
        Level.High,
        CDT(7),
        a.entry.timestamp,
        DataKind.Physical,
        LifecycleStage.Using,
      );
    await expect(tx)
      .to.emit(f.registry, "OwnershipRegistered")
      .withArgs(b.entry.dataHash, f.bob.address, 1n, Level.High, CDT(3), b.entry.timestamp, 0n, 0n);
    await expect(tx).to.emit(f.registry, "BatchRegistered").withArgs(1n, f.orderer.address, 3n, 0n, CDT(13));
    await expect(tx).to.changeTokenBalances(f.token, [f.alice, f.bob, f.orderer], [-CDT(10), -CDT(3), CDT(13)]);
    expect(await f.registry.ownerOf(a.entry.dataHash)).to.equal(f.alice.address);
    expect(await f.registry.ownerOf(b.entry.dataHash)).to.equal(f.bob.address);
    const record = await f.registry.registration(a.entry.dataHash);
    expect([record.batchId, record.level, record.fee]).to.deep.equal([1n, Level.High, CDT(7)]);
    expect(await f.registry.nonceUsed(f.alice.address, a.entry.nonce)).to.equal(true);
    expect(await f.registry.batchCount()).to.equal(1n);
  });

  it("registers a High entry without a fee and moves no token", async () => {
    const f = await loadFixture(deployRegistry);
    const a = await signedEntry(f, f.alice, 0n);
    const tx = register(f, [a]);
    await expect(tx).to.emit(f.registry, "BatchRegistered").withArgs(1n, f.orderer.address, 1n, 0n, 0n);
    await expect(tx).to.changeTokenBalances(f.token, [f.alice, f.orderer], [0n, 0n]);
  });

  it("refuses anyone without ORDERER_ROLE", async () => {
    const f = await loadFixture(deployRegistry);
    const a = await signedEntry(f, f.alice, CDT(1));
    await expect(f.registry.connect(f.alice).registerBatch([a.entry], [a.signature]))
      .to.be.revertedWithCustomError(f.registry, "AccessControlUnauthorizedAccount")
      .withArgs(f.alice.address, await f.registry.ORDERER_ROLE());
  });

  it("refuses a Low entry with a fee (R2) and a Low or unknown level without one", async () => {
    const f = await loadFixture(deployRegistry);
    const ok = await signedEntry(f, f.bob, CDT(5));
    const lowFee = await signedEntry(f, f.alice, CDT(2), { level: 0 });
    await expect(register(f, [ok, lowFee]))
      .to.be.revertedWithCustomError(f.registry, "OwnershipLowLevelFee")
      .withArgs(1n, CDT(2));
    const lowFree = await signedEntry(f, f.alice, 0n, { level: 0 });
    await expect(register(f, [lowFree]))
      .to.be.revertedWithCustomError(f.registry, "OwnershipLowLevelInBatch")
      .withArgs(0n);
    const odd = await signedEntry(f, f.alice, 0n, { level: 2 as never });
    await expect(register(f, [odd]))
      .to.be.revertedWithCustomError(f.registry, "OwnershipInvalidLevel")
      .withArgs(0n, 2n);
  });

  it("refuses fees out of order (R3), naming the index", async () => {
    const f = await loadFixture(deployRegistry);
    const a = await signedEntry(f, f.alice, CDT(3));
    const b = await signedEntry(f, f.bob, CDT(3));
    const c = await signedEntry(f, f.carol, CDT(4));
    await expect(register(f, [a, b, c]))
      .to.be.revertedWithCustomError(f.registry, "OwnershipFeeOrder")
      .withArgs(2n, CDT(4), CDT(3));
  });

  it("refuses a signature by anyone but the owner, or of other fields", async () => {
    const f = await loadFixture(deployRegistry);
    const forged = await signedEntry(f, f.alice, CDT(1), { signer: f.stranger });
    await expect(register(f, [forged]))
      .to.be.revertedWithCustomError(f.registry, "OwnershipInvalidSignature")
      .withArgs(0n, f.alice.address);
    // The orderer raises the fee the owner signed.
    const signed = await signedEntry(f, f.alice, CDT(1));
    const raised = { ...signed, entry: { ...signed.entry, fee: CDT(2) } };
    await expect(register(f, [raised]))
      .to.be.revertedWithCustomError(f.registry, "OwnershipInvalidSignature")
      .withArgs(0n, f.alice.address);
  });

  it("refuses an expired signature and a reused nonce", async () => {
    const f = await loadFixture(deployRegistry);
    const now = BigInt(await time.latest());
    const expired = await signedEntry(f, f.alice, CDT(1), { deadline: now });
    await expect(register(f, [expired]))
      .to.be.revertedWithCustomError(f.registry, "OwnershipExpiredSignature")
      .withArgs(0n, now);
    const first = await signedEntry(f, f.alice, CDT(1), { nonce: 42n });
    await register(f, [first]);
    const again = await signedEntry(f, f.alice, CDT(1), { nonce: 42n });
    await expect(register(f, [again]))
      .to.be.revertedWithCustomError(f.registry, "OwnershipNonceUsed")
      .withArgs(f.alice.address, 42n);
    // Another owner's nonce 42 is free.
    await expect(register(f, [await signedEntry(f, f.bob, CDT(1), { nonce: 42n })])).to.emit(
      f.registry,
      "BatchRegistered",
    );
  });

  it("keeps the first registration of a hash, across batches and inside one", async () => {
    const f = await loadFixture(deployRegistry);
    const hash = dataHash();
    await register(f, [await signedEntry(f, f.alice, CDT(2), { dataHash: hash })]);
    await expect(register(f, [await signedEntry(f, f.bob, CDT(9), { dataHash: hash })]))
      .to.be.revertedWithCustomError(f.registry, "OwnershipAlreadyRegistered")
      .withArgs(hash, f.alice.address);
    const other = dataHash();
    const twice = [
      await signedEntry(f, f.bob, CDT(2), { dataHash: other }),
      await signedEntry(f, f.carol, CDT(1), { dataHash: other }),
    ];
    await expect(register(f, twice))
      .to.be.revertedWithCustomError(f.registry, "OwnershipAlreadyRegistered")
      .withArgs(other, f.bob.address);
    await expect(f.registry.connect(f.bob).enqueueLow(hash, await time.latest(), 0, 0))
      .to.be.revertedWithCustomError(f.registry, "OwnershipAlreadyRegistered")
      .withArgs(hash, f.alice.address);
  });

  it("refuses the zero hash and a timestamp 10 minutes ahead", async () => {
    const f = await loadFixture(deployRegistry);
    await expect(
      register(f, [await signedEntry(f, f.alice, 0n, { dataHash: ethers.ZeroHash })]),
    ).to.be.revertedWithCustomError(f.registry, "OwnershipZeroHash");
    const now = BigInt(await time.latest());
    const ahead = await signedEntry(f, f.alice, 0n, { timestamp: now + 600n });
    await expect(register(f, [ahead]))
      .to.be.revertedWithCustomError(f.registry, "OwnershipTimestampOutOfRange")
      .withArgs(ahead.entry.dataHash, now + 600n, now + 1n);
  });

  it("refuses a fee the owner did not approve (the token's error) and registers nothing", async () => {
    const f = await loadFixture(deployRegistry);
    await f.token.connect(f.bob).approve(f.address, 0n);
    const a = await signedEntry(f, f.alice, CDT(5));
    const b = await signedEntry(f, f.bob, CDT(4));
    await expect(register(f, [a, b]))
      .to.be.revertedWithCustomError(f.token, "ERC20InsufficientAllowance")
      .withArgs(f.address, 0n, CDT(4));
    expect(await f.registry.ownerOf(a.entry.dataHash)).to.equal(ethers.ZeroAddress);
    expect(await f.registry.nonceUsed(f.alice.address, a.entry.nonce)).to.equal(false);
    const tooMuch = await signedEntry(f, f.alice, OWNER_FUNDS + 1n);
    await f.token.connect(f.alice).approve(f.address, OWNER_FUNDS + 1n);
    await expect(register(f, [tooMuch]))
      .to.be.revertedWithCustomError(f.token, "ERC20InsufficientBalance")
      .withArgs(f.alice.address, OWNER_FUNDS, OWNER_FUNDS + 1n);
  });

  it("refuses entry and signature arrays of different lengths", async () => {
    const f = await loadFixture(deployRegistry);
    const a = await signedEntry(f, f.alice, 0n);
    await expect(f.registry.connect(f.orderer).registerBatch([a.entry], []))
      .to.be.revertedWithCustomError(f.registry, "OwnershipLengthMismatch")
      .withArgs(1n, 0n);
    await expect(f.registry.connect(f.orderer).registerBatchWithPermits([a.entry], [a.signature], []))
      .to.be.revertedWithCustomError(f.registry, "OwnershipLengthMismatch")
      .withArgs(1n, 0n);
  });
});

describe("OwnershipRegistry: batch size and the Low quota (R3)", () => {
  it("refuses 6 High entries at batch size 5", async () => {
    const f = await loadFixture(deployRegistry);
    const six = [];
    for (let i = 0; i < 6; i++) six.push(await signedEntry(f, f.alice, CDT(6 - i)));
    await expect(register(f, six))
      .to.be.revertedWithCustomError(f.registry, "OwnershipBatchTooLarge")
      .withArgs(6n, 0n, 5n);
  });

  it("refuses 5 High entries while Low entries wait: one seat is the Low quota's", async () => {
    const f = await loadFixture(deployRegistry);
    await enqueue(f, 2);
    const five = [];
    for (let i = 0; i < 5; i++) five.push(await signedEntry(f, f.alice, CDT(5 - i)));
    await expect(register(f, five))
      .to.be.revertedWithCustomError(f.registry, "OwnershipBatchTooLarge")
      .withArgs(5n, 1n, 5n);
    expect(await f.registry.lowTaken(5)).to.equal(1n);
  });

  it("takes the quota of Low entries beside 4 High ones, in queue order, and registers them", async () => {
    const f = await loadFixture(deployRegistry);
    const low = await enqueue(f, 3);
    const four = [];
    for (let i = 0; i < 4; i++) four.push(await signedEntry(f, f.alice, CDT(4 - i)));
    const tx = register(f, four);
    await expect(tx).to.emit(f.registry, "BatchRegistered").withArgs(1n, f.orderer.address, 4n, 1n, CDT(10));
    await expect(tx)
      .to.emit(f.registry, "OwnershipRegistered")
      .withArgs(
        low[0],
        f.carol.address,
        1n,
        Level.Low,
        0n,
        (await f.registry.registration(low[0])).timestamp,
        DataKind.Physical,
        LifecycleStage.Using,
      );
    expect(await f.registry.ownerOf(low[0])).to.equal(f.carol.address);
    expect(await f.registry.ownerOf(low[1])).to.equal(ethers.ZeroAddress);
    expect(await f.registry.lowPending()).to.equal(2n);
    expect(await f.registry.lowAt(0)).to.equal(low[1]);
  });

  it("fills the seats High entries leave with Low ones, and cuts Low-only batches", async () => {
    const f = await loadFixture(deployRegistry);
    const low = await enqueue(f, 7);
    await expect(register(f, [await signedEntry(f, f.alice, CDT(1))]))
      .to.emit(f.registry, "BatchRegistered")
      .withArgs(1n, f.orderer.address, 1n, 4n, CDT(1));
    await expect(register(f, [])).to.emit(f.registry, "BatchRegistered").withArgs(2n, f.orderer.address, 0n, 3n, 0n);
    for (const [i, hash] of low.entries())
      expect((await f.registry.registration(hash)).batchId).to.equal(i < 4 ? 1n : 2n);
    expect(await f.registry.lowPending()).to.equal(0n);
  });

  it("refuses an empty batch when no Low entry waits", async () => {
    const f = await loadFixture(deployRegistry);
    await expect(register(f, [])).to.be.revertedWithCustomError(f.registry, "OwnershipEmptyBatch");
  });

  it("follows the admin's parameters: at batch size 10 and q = 0.25, three Low seats", async () => {
    const f = await loadFixture(deployRegistry);
    await f.registry.setBatchSize(10);
    await f.registry.setQuota(2500);
    await enqueue(f, 5);
    expect(await f.registry.lowTaken(10)).to.equal(3n);
    expect(await f.registry.lowTaken(2)).to.equal(5n);
    const eight = [];
    for (let i = 0; i < 8; i++) eight.push(await signedEntry(f, f.alice, CDT(1)));
    await expect(register(f, eight))
      .to.be.revertedWithCustomError(f.registry, "OwnershipBatchTooLarge")
      .withArgs(8n, 3n, 10n);
    await expect(register(f, eight.slice(0, 7)))
      .to.emit(f.registry, "BatchRegistered")
      .withArgs(1n, f.orderer.address, 7n, 3n, CDT(7));
  });
});

describe("OwnershipRegistry: registerBatchWithPermits", () => {
  it("pays a fee from the owner's EIP-2612 permit without an approve", async () => {
    const f = await loadFixture(deployRegistry);
    await f.token.connect(f.alice).approve(f.address, 0n);
    const deadline = BigInt(await time.latest()) + 3600n;
    const domain = {
      name: await f.token.TOKEN_NAME(),
      version: "1",
      chainId: f.chainId,
      verifyingContract: await f.token.getAddress(),
    };
    const permit = await signPermit(f.alice, domain, { spender: f.address, value: CDT(3), nonce: 0n, deadline });
    const a = await signedEntry(f, f.alice, CDT(3));
    const b = await signedEntry(f, f.bob, CDT(2));
    const none = { value: 0n, deadline: 0n, v: 0, r: ethers.ZeroHash, s: ethers.ZeroHash };
    const tx = f.registry
      .connect(f.orderer)
      .registerBatchWithPermits([a.entry, b.entry], [a.signature, b.signature], [{ ...permit }, none]);
    await expect(tx).to.changeTokenBalances(f.token, [f.alice, f.bob, f.orderer], [-CDT(3), -CDT(2), CDT(5)]);
    expect(await f.token.nonces(f.alice.address)).to.equal(1n);
  });

  it("ignores a forged permit and then fails on the missing allowance", async () => {
    const f = await loadFixture(deployRegistry);
    await f.token.connect(f.alice).approve(f.address, 0n);
    const deadline = BigInt(await time.latest()) + 3600n;
    const domain = {
      name: await f.token.TOKEN_NAME(),
      version: "1",
      chainId: f.chainId,
      verifyingContract: await f.token.getAddress(),
    };
    const forged = await signPermit(f.stranger, domain, { spender: f.address, value: CDT(3), nonce: 0n, deadline });
    const { v, r, s } = Signature.from({ v: forged.v, r: forged.r, s: forged.s });
    const a = await signedEntry(f, f.alice, CDT(3));
    await expect(
      f.registry
        .connect(f.orderer)
        .registerBatchWithPermits([a.entry], [a.signature], [{ value: CDT(3), deadline, v, r, s }]),
    )
      .to.be.revertedWithCustomError(f.token, "ERC20InsufficientAllowance")
      .withArgs(f.address, 0n, CDT(3));
  });
});
