// EPR.addRecordWithReaders and its permit variant: the device adds a record and authorizes its
// first readers in one transaction, with the same checks, state, events and notifications as
// addRecord followed by one authorize per reader, except that a reader holding no identity is
// skipped with ReaderSkipped instead of reverting the record.
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { ContractTransactionResponse } from "ethers";
import type { DataToken, EquipmentProviderRelationship } from "../../../typechain-types";
import { signPermit as signPermitAs } from "../../../src/iot/funding";
import {
  DEVICE_ID,
  Kind,
  SEED_TOKENS,
  Status,
  THIRD_PARTY_ID,
  Topic,
  VERIFICATION_REWARD,
  addPointer,
  attestAs,
  deployWithRelationship,
  expectPointerFieldReverts,
  pointer,
  summaryAt,
} from "./fixtures";

/** Mirrors `EquipmentProviderRelationship.MAX_READERS_PER_RECORD`. */
const MAX_READERS = 16;

/** {deployWithRelationship} with a second third party, record 0 added by the device, and the device seeded with tokens. */
async function deployWithReaders() {
  const base = await deployWithRelationship();
  const { register, registrar, provider2, epr, device, token, admin } = base;
  await register.connect(registrar).register("second-lab", provider2.address, Kind.ThirdParty);
  await addPointer(epr, device, pointer(0));
  await token.connect(admin).mint(device.address, SEED_TOKENS);
  return { ...base, lab2: provider2, lab2Summary: await summaryAt(await register.summaryOf(provider2.address)) };
}

/** {deployWithReaders} with MAX_READERS + 1 registered third parties (accounts the registrar registers). */
async function deployWithManyReaders() {
  const base = await deployWithReaders();
  const { register, registrar } = base;
  const many = Array.from({ length: MAX_READERS + 1 }, (_, i) =>
    ethers.getAddress(ethers.zeroPadValue(ethers.toBeHex(0x1000 + i), 20)),
  );
  for (const [i, account] of many.entries())
    await register.connect(registrar).register(`lab-${i}`, account, Kind.ThirdParty);
  return { ...base, many };
}

/** An EIP-2612 permit signed by `owner` for `spender`. */
async function signPermit(token: DataToken, owner: HardhatEthersSigner, spender: string, value: bigint) {
  const deadline = BigInt(await time.latest()) + 3600n;
  const { chainId } = await ethers.provider.getNetwork();
  const domain = { name: await token.name(), version: "1", chainId, verifyingContract: await token.getAddress() };
  return signPermitAs(owner, domain, { spender, value, nonce: await token.nonces(owner.address), deadline });
}

/** Sends the transactions one after the other; every log, as comparable strings (emitter, topics, data). */
async function logsOf(...txs: (() => Promise<ContractTransactionResponse>)[]): Promise<string[]> {
  const logs: string[] = [];
  for (const send of txs) {
    const receipt = await (await send()).wait();
    for (const log of receipt!.logs) logs.push([log.address, ...log.topics, log.data].join(" "));
  }
  return logs;
}

/** The names of the EPR's own events in a transaction's receipt, in order. */
async function eprEventsOf(
  epr: EquipmentProviderRelationship,
  tx: Promise<ContractTransactionResponse>,
): Promise<string[]> {
  const receipt = await (await tx).wait();
  const address = await epr.getAddress();
  return receipt!.logs.filter((l) => l.address === address).map((l) => epr.interface.parseLog(l)!.name);
}

describe("EquipmentProviderRelationship.addRecordWithReaders", () => {
  it("adds the device's record and authorizes its readers: RecordAdded, then ReaderAuthorized per reader", async () => {
    const {
      epr,
      factory,
      token,
      device,
      thirdParty,
      lab2,
      deviceSummary,
      providerSummary,
      thirdPartySummary,
      lab2Summary,
    } = await loadFixture(deployWithReaders);
    const p = pointer(1);
    const rel = await epr.getAddress();
    const readers = [thirdParty.address, lab2.address];
    expect(await epr.MAX_READERS_PER_RECORD()).to.equal(BigInt(MAX_READERS));
    expect(
      await epr
        .connect(device)
        .addRecordWithReaders.staticCall(p.query, p.contentHash, p.uri, p.objectCommitment, 0n, readers),
    ).to.equal(1n);
    const supply = await token.totalSupply();
    const tx = epr.connect(device).addRecordWithReaders(p.query, p.contentHash, p.uri, p.objectCommitment, 0n, readers);
    await expect(tx)
      .to.emit(epr, "RecordAdded")
      .withArgs(1n, device.address, p.contentHash, p.objectCommitment, p.query, p.uri, 0n)
      .and.to.emit(epr, "ReaderAuthorized")
      .withArgs(1n, thirdParty.address, await thirdPartySummary.getAddress())
      .and.to.emit(epr, "ReaderAuthorized")
      .withArgs(1n, lab2.address, await lab2Summary.getAddress())
      .and.to.emit(factory, "SummaryLinked")
      .withArgs(rel, thirdParty.address, await thirdPartySummary.getAddress())
      .and.to.emit(factory, "SummaryLinked")
      .withArgs(rel, lab2.address, await lab2Summary.getAddress())
      .and.to.emit(deviceSummary, "Notification")
      .withArgs(rel, Topic.RecordAdded, 1n, device.address)
      .and.to.emit(providerSummary, "Notification")
      .withArgs(rel, Topic.RecordAdded, 1n, device.address)
      .and.to.emit(deviceSummary, "Notification")
      .withArgs(rel, Topic.ReaderAuthorized, 1n, device.address)
      .and.to.emit(providerSummary, "Notification")
      .withArgs(rel, Topic.ReaderAuthorized, 1n, device.address)
      .and.to.emit(thirdPartySummary, "Notification")
      .withArgs(rel, Topic.ReaderAuthorized, 1n, device.address)
      .and.to.emit(lab2Summary, "Notification")
      .withArgs(rel, Topic.ReaderAuthorized, 1n, device.address);
    await expect(tx).not.to.emit(factory, "RewardPaid");
    expect(await eprEventsOf(epr, tx)).to.deep.equal(["RecordAdded", "ReaderAuthorized", "ReaderAuthorized"]);
    const stored = await epr.record(1);
    expect([stored.query, stored.contentHash, stored.uri, stored.addedBy, stored.bonus]).to.deep.equal([
      p.query,
      p.contentHash,
      p.uri,
      device.address,
      0n,
    ]);
    expect(stored.addedAt).to.equal(BigInt(await time.latest()));
    expect(await epr.readersOf(1)).to.deep.equal(readers);
    expect(await epr.canRead(1, thirdParty.address)).to.equal(true);
    expect(await epr.canRead(1, lab2.address)).to.equal(true);
    expect(await epr.canRead(0, thirdParty.address)).to.equal(false);
    expect(await thirdPartySummary.statusOf(rel)).to.equal(Status.AwaitingUpdate);
    expect(await lab2Summary.relationships(0, 10)).to.deep.equal([rel]);
    expect(await token.totalSupply()).to.equal(supply);
  });

  it("leaves the same state and emits the same logs as addRecord then one authorize per reader", async () => {
    const { epr, token, device, thirdParty, lab2, thirdPartySummary, lab2Summary } =
      await loadFixture(deployWithReaders);
    const p = pointer(1);
    const readers = [thirdParty.address, lab2.address];
    const stateOf = async () => {
      // Everything but the record's timestamp: the two paths mine different numbers of blocks.
      const { query, contentHash, uri, addedBy, attestedBy, attestedAt, bonus } = await epr.record(1);
      return {
        count: await epr.recordCount(),
        record: [query, contentHash, uri, addedBy, attestedBy, attestedAt, bonus],
        readers: await epr.readersOf(1),
        balance: await token.balanceOf(device.address),
        summaries: [await thirdPartySummary.relationships(0, 10), await lab2Summary.relationships(0, 10)],
        statuses: [await thirdPartySummary.statusOf(epr), await lab2Summary.statusOf(epr)],
      };
    };
    const twoStepLogs = await logsOf(
      () => addPointer(epr, device, p),
      ...readers.map((reader) => () => epr.connect(device).authorize(1, reader)),
    );
    const twoStepState = await stateOf();

    await loadFixture(deployWithReaders);
    const oneStepLogs = await logsOf(() =>
      epr.connect(device).addRecordWithReaders(p.query, p.contentHash, p.uri, p.objectCommitment, 0n, readers),
    );
    expect(await stateOf()).to.deep.equal(twoStepState);
    // The same logs; only their order differs (every state change comes before the first call out).
    expect([...oneStepLogs].sort()).to.deep.equal([...twoStepLogs].sort());
    expect(oneStepLogs).to.have.length(twoStepLogs.length);
  });

  it("adds a record with no reader as addRecord by the device does", async () => {
    const { epr, device } = await loadFixture(deployWithReaders);
    const p = pointer(1);
    await expect(epr.connect(device).addRecordWithReaders(p.query, p.contentHash, p.uri, p.objectCommitment, 0n, []))
      .to.emit(epr, "RecordAdded")
      .withArgs(1n, device.address, p.contentHash, p.objectCommitment, p.query, p.uri, 0n)
      .and.not.to.emit(epr, "ReaderAuthorized");
    expect(await epr.readersOf(1)).to.deep.equal([]);
  });

  it("authorizes up to MAX_READERS_PER_RECORD readers and refuses one more, adding nothing", async () => {
    const { epr, device, many } = await loadFixture(deployWithManyReaders);
    const p = pointer(1);
    await expect(epr.connect(device).addRecordWithReaders(p.query, p.contentHash, p.uri, p.objectCommitment, 0n, many))
      .to.be.revertedWithCustomError(epr, "RelationshipTooManyReaders")
      .withArgs(BigInt(MAX_READERS + 1), BigInt(MAX_READERS));
    expect(await epr.recordCount()).to.equal(1n);
    await epr
      .connect(device)
      .addRecordWithReaders(p.query, p.contentHash, p.uri, p.objectCommitment, 0n, many.slice(0, MAX_READERS));
    expect(await epr.readersOf(1)).to.deep.equal(many.slice(0, MAX_READERS));
  });

  it("escrows the device's bonus, which the record's verifier collects", async () => {
    const { epr, token, device, thirdParty, verifier } = await loadFixture(deployWithReaders);
    await token.connect(device).approve(epr, ethers.MaxUint256);
    const bonus = ethers.parseEther("4");
    const p = pointer(1);
    const rel = await epr.getAddress();
    await expect(
      epr
        .connect(device)
        .addRecordWithReaders(p.query, p.contentHash, p.uri, p.objectCommitment, bonus, [thirdParty.address]),
    )
      .to.emit(epr, "RecordAdded")
      .withArgs(1n, device.address, p.contentHash, p.objectCommitment, p.query, p.uri, bonus)
      .and.to.emit(token, "Transfer")
      .withArgs(device.address, rel, bonus);
    expect(await token.balanceOf(rel)).to.equal(bonus);
    await attestAs(epr, verifier, 1, p.objectDigest);
    expect(await token.balanceOf(verifier.address)).to.equal(VERIFICATION_REWARD + bonus);
  });

  it("reverts for a caller other than the device, naming it: the provider adds with addRecord only", async () => {
    const { epr, device, provider, thirdParty, outsider } = await loadFixture(deployWithReaders);
    const p = pointer(1);
    for (const caller of [provider, thirdParty, outsider]) {
      await expect(
        epr
          .connect(caller)
          .addRecordWithReaders(p.query, p.contentHash, p.uri, p.objectCommitment, 0n, [thirdParty.address]),
      )
        .to.be.revertedWithCustomError(epr, "RelationshipNotDevice")
        .withArgs(caller.address, device.address);
    }
    expect(await epr.recordCount()).to.equal(1n);
  });

  it("follows the device's identity to its new account", async () => {
    const { epr, register, device, device2, thirdParty } = await loadFixture(deployWithReaders);
    await register.connect(device).changeAccount(DEVICE_ID, device2.address);
    const p = pointer(1);
    await expect(
      epr
        .connect(device)
        .addRecordWithReaders(p.query, p.contentHash, p.uri, p.objectCommitment, 0n, [thirdParty.address]),
    )
      .to.be.revertedWithCustomError(epr, "RelationshipNotDevice")
      .withArgs(device.address, device2.address);
    await epr
      .connect(device2)
      .addRecordWithReaders(p.query, p.contentHash, p.uri, p.objectCommitment, 0n, [thirdParty.address]);
    expect((await epr.record(1)).addedBy).to.equal(device2.address);
    expect(await epr.canRead(1, thirdParty.address)).to.equal(true);
  });

  it("reverts for an empty or too long query, a zero hash, an empty or too long URI, a zero commitment, adding nothing", async () => {
    const { epr, device, thirdParty } = await loadFixture(deployWithReaders);
    await expectPointerFieldReverts(epr, (query, hash, uri, commitment) =>
      epr.connect(device).addRecordWithReaders(query, hash, uri, commitment, 0n, [thirdParty.address]),
    );
    expect(await epr.recordCount()).to.equal(1n);
  });

  it("skips a reader holding no identity with ReaderSkipped, and adds the record with the other readers", async () => {
    const { epr, register, device, thirdParty, lab2, outsider, thirdPartySummary, lab2Summary } =
      await loadFixture(deployWithReaders);
    // The third party rotated its key: the device still names the old account.
    await register.connect(thirdParty).changeAccount(THIRD_PARTY_ID, outsider.address);
    const p = pointer(1);
    const tx = epr
      .connect(device)
      .addRecordWithReaders(p.query, p.contentHash, p.uri, p.objectCommitment, 0n, [
        thirdParty.address,
        ethers.ZeroAddress,
        lab2.address,
      ]);
    await expect(tx)
      .to.emit(epr, "ReaderSkipped")
      .withArgs(1n, thirdParty.address)
      .and.to.emit(epr, "ReaderSkipped")
      .withArgs(1n, ethers.ZeroAddress)
      .and.to.emit(epr, "ReaderAuthorized")
      .withArgs(1n, lab2.address, await lab2Summary.getAddress())
      .and.not.to.emit(thirdPartySummary, "Notification");
    expect(await eprEventsOf(epr, tx)).to.deep.equal([
      "RecordAdded",
      "ReaderSkipped",
      "ReaderSkipped",
      "ReaderAuthorized",
    ]);
    expect(await epr.recordCount()).to.equal(2n);
    expect(await epr.readersOf(1)).to.deep.equal([lab2.address]);
    expect(await epr.canRead(1, outsider.address)).to.equal(false);
  });

  it("reverts for a party as reader and a reader named twice, adding nothing", async () => {
    const { epr, device, provider, thirdParty, thirdPartySummary } = await loadFixture(deployWithReaders);
    const p = pointer(1);
    const add = (readers: string[]) =>
      epr.connect(device).addRecordWithReaders(p.query, p.contentHash, p.uri, p.objectCommitment, 0n, readers);
    for (const party of [device, provider]) {
      // A bad reader after a good one: the good one's authorization is rolled back with the record.
      await expect(add([thirdParty.address, party.address]))
        .to.be.revertedWithCustomError(epr, "RelationshipReaderIsParty")
        .withArgs(party.address);
    }
    await expect(add([thirdParty.address, thirdParty.address]))
      .to.be.revertedWithCustomError(epr, "RelationshipAlreadyAuthorized")
      .withArgs(1n, thirdParty.address);
    expect(await epr.recordCount()).to.equal(1n);
    expect(await thirdPartySummary.relationshipCount()).to.equal(0n);
  });

  it("reverts on a relationship a party rejected or deleted", async () => {
    const { epr, device, thirdParty, deviceSummary } = await loadFixture(deployWithReaders);
    await deviceSummary.connect(device).deleteRelationship(epr);
    const p = pointer(1);
    await expect(
      epr
        .connect(device)
        .addRecordWithReaders(p.query, p.contentHash, p.uri, p.objectCommitment, 0n, [thirdParty.address]),
    )
      .to.be.revertedWithCustomError(epr, "RelationshipClosed")
      .withArgs(await deviceSummary.getAddress(), Status.Deleted);
  });

  it("reverts when the bonus exceeds the device's allowance or balance, adding nothing", async () => {
    const { epr, token, device, thirdParty } = await loadFixture(deployWithReaders);
    const p = pointer(1);
    const rel = await epr.getAddress();
    await expect(
      epr
        .connect(device)
        .addRecordWithReaders(p.query, p.contentHash, p.uri, p.objectCommitment, 1n, [thirdParty.address]),
    )
      .to.be.revertedWithCustomError(token, "ERC20InsufficientAllowance")
      .withArgs(rel, 0n, 1n);
    await token.connect(device).approve(epr, ethers.MaxUint256);
    await expect(
      epr
        .connect(device)
        .addRecordWithReaders(p.query, p.contentHash, p.uri, p.objectCommitment, SEED_TOKENS + 1n, [
          thirdParty.address,
        ]),
    )
      .to.be.revertedWithCustomError(token, "ERC20InsufficientBalance")
      .withArgs(device.address, SEED_TOKENS, SEED_TOKENS + 1n);
    expect(await epr.recordCount()).to.equal(1n);
    expect(await epr.canRead(1, thirdParty.address)).to.equal(false);
  });

  describe("addRecordWithReadersAndPermit", () => {
    it("escrows the device's bonus on its permit signature, without a prior approve, and authorizes the readers", async () => {
      const { epr, token, register, device, thirdParty, lab2 } = await loadFixture(deployWithReaders);
      const bonus = ethers.parseEther("2");
      const rel = await epr.getAddress();
      const permit = await signPermit(token, device, rel, bonus);
      const p = pointer(1);
      const tx = epr
        .connect(device)
        .addRecordWithReadersAndPermit(
          p.query,
          p.contentHash,
          p.uri,
          p.objectCommitment,
          bonus,
          [thirdParty.address, lab2.address],
          permit,
        );
      await expect(tx)
        .to.emit(epr, "RecordAdded")
        .withArgs(1n, device.address, p.contentHash, p.objectCommitment, p.query, p.uri, bonus)
        .and.to.emit(epr, "ReaderAuthorized")
        .withArgs(1n, thirdParty.address, await register.summaryOf(thirdParty.address))
        .and.to.emit(epr, "ReaderAuthorized")
        .withArgs(1n, lab2.address, await register.summaryOf(lab2.address))
        .and.to.emit(token, "Transfer")
        .withArgs(device.address, rel, bonus);
      expect(await eprEventsOf(epr, tx)).to.deep.equal(["RecordAdded", "ReaderAuthorized", "ReaderAuthorized"]);
      expect(await token.balanceOf(rel)).to.equal(bonus);
      expect(await token.allowance(device.address, rel)).to.equal(0n);
      expect(await token.nonces(device.address)).to.equal(1n);
      expect(await epr.readersOf(1)).to.deep.equal([thirdParty.address, lab2.address]);
    });

    it("still succeeds when the permit was front-run (the allowance it set is there)", async () => {
      const { epr, token, device, thirdParty, outsider } = await loadFixture(deployWithReaders);
      const bonus = ethers.parseEther("1");
      const rel = await epr.getAddress();
      const permit = await signPermit(token, device, rel, bonus);
      await token.connect(outsider).permit(device.address, rel, bonus, permit.deadline, permit.v, permit.r, permit.s);
      const p = pointer(1);
      await expect(
        epr
          .connect(device)
          .addRecordWithReadersAndPermit(
            p.query,
            p.contentHash,
            p.uri,
            p.objectCommitment,
            bonus,
            [thirdParty.address],
            permit,
          ),
      ).to.emit(epr, "ReaderAuthorized");
      expect(await token.balanceOf(rel)).to.equal(bonus);
    });

    it("reverts with the token's error for an invalid permit and no allowance, adding nothing", async () => {
      const { epr, token, device, provider, thirdParty } = await loadFixture(deployWithReaders);
      const rel = await epr.getAddress();
      // The provider's signature does not pay for the device's bonus.
      const permit = await signPermit(token, provider, rel, 5n);
      const p = pointer(1);
      await expect(
        epr
          .connect(device)
          .addRecordWithReadersAndPermit(
            p.query,
            p.contentHash,
            p.uri,
            p.objectCommitment,
            5n,
            [thirdParty.address],
            permit,
          ),
      )
        .to.be.revertedWithCustomError(token, "ERC20InsufficientAllowance")
        .withArgs(rel, 0n, 5n);
      expect(await epr.recordCount()).to.equal(1n);
    });

    it("reverts for a caller other than the device and for too many readers", async () => {
      const { epr, token, device, provider, many } = await loadFixture(deployWithManyReaders);
      const rel = await epr.getAddress();
      const p = pointer(1);
      const permit = await signPermit(token, provider, rel, 0n);
      await expect(
        epr
          .connect(provider)
          .addRecordWithReadersAndPermit(p.query, p.contentHash, p.uri, p.objectCommitment, 0n, [], permit),
      )
        .to.be.revertedWithCustomError(epr, "RelationshipNotDevice")
        .withArgs(provider.address, device.address);
      const own = await signPermit(token, device, rel, 0n);
      await expect(
        epr
          .connect(device)
          .addRecordWithReadersAndPermit(p.query, p.contentHash, p.uri, p.objectCommitment, 0n, many, own),
      )
        .to.be.revertedWithCustomError(epr, "RelationshipTooManyReaders")
        .withArgs(BigInt(MAX_READERS + 1), BigInt(MAX_READERS));
      expect(await token.nonces(device.address)).to.equal(0n);
      expect(await epr.recordCount()).to.equal(1n);
    });
  });
});
