import { expect } from "chai";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { ethers } from "hardhat";
import {
  DEVICE_ID,
  Kind,
  Status,
  Topic,
  actAs,
  addPointer,
  deployWithParticipants,
  deployWithProposedRelationship as deployWithRelationship,
  pointer,
} from "./fixtures";

type StatusName = keyof typeof Status;

/** Bring the device's Summary entry for the EPR to `status` through real transitions. */
async function reach(status: StatusName, ctx: Awaited<ReturnType<typeof deployWithRelationship>>) {
  const { epr, deviceSummary, device, provider } = ctx;
  const rel = await epr.getAddress();
  if (status === "AwaitingUpdate") {
    await addPointer(epr, provider, pointer(9));
  }
  if (status === "Authorized") await deviceSummary.connect(device).acceptRelationship(rel);
  if (status === "Rejected") await deviceSummary.connect(device).rejectRelationship(rel);
  if (status === "Deleted") await deviceSummary.connect(device).deleteRelationship(rel);
  expect(await deviceSummary.statusOf(rel)).to.equal(Status[status]);
}

describe("Summary", () => {
  describe("initial state", () => {
    it("belongs to its participant, obeys the Register and lists nothing", async () => {
      const { register, deviceSummary, device, outsider } = await loadFixture(deployWithParticipants);
      expect(await deviceSummary.owner()).to.equal(device.address);
      expect(await deviceSummary.register()).to.equal(await register.getAddress());
      expect(await deviceSummary.relationships(0, 10)).to.deep.equal([]);
      expect(await deviceSummary.relationshipCount()).to.equal(0n);
      expect(await deviceSummary.statusOf(outsider.address)).to.equal(Status.None);
      await expect(deviceSummary.relationshipAt(0))
        .to.be.revertedWithCustomError(deviceSummary, "SummaryIndexOutOfBounds")
        .withArgs(0n, 0n);
    });

    it("has its implementation's initializer disabled", async () => {
      const { summaryImplementation, outsider } = await loadFixture(deployWithParticipants);
      await expect(summaryImplementation.initialize(outsider.address)).to.be.revertedWithCustomError(
        summaryImplementation,
        "InvalidInitialization",
      );
    });
  });

  describe("addRelationship", () => {
    it("is called by the factory for both parties: status New, RelationshipAdded and the status event", async () => {
      const { factory, device, provider, deviceSummary, providerSummary } = await loadFixture(deployWithParticipants);
      const rel = await factory.connect(provider).createRelationship.staticCall(device.address, provider.address);
      await expect(factory.connect(provider).createRelationship(device.address, provider.address))
        .to.emit(deviceSummary, "RelationshipAdded")
        .withArgs(rel)
        .and.to.emit(deviceSummary, "RelationshipStatusChanged")
        .withArgs(rel, Status.None, Status.New)
        .and.to.emit(providerSummary, "RelationshipAdded")
        .withArgs(rel);
      for (const summary of [deviceSummary, providerSummary]) {
        expect(await summary.statusOf(rel)).to.equal(Status.New);
        expect(await summary.relationships(0, 10)).to.deep.equal([rel]);
        expect(await summary.relationshipCount()).to.equal(1n);
        expect(await summary.relationshipAt(0)).to.equal(rel);
      }
      await expect(deviceSummary.relationshipAt(1))
        .to.be.revertedWithCustomError(deviceSummary, "SummaryIndexOutOfBounds")
        .withArgs(1n, 1n);
    });

    it("reverts for any caller but the Register's factory, the owner included", async () => {
      const { deviceSummary, device, outsider } = await loadFixture(deployWithParticipants);
      for (const caller of [device, outsider]) {
        await expect(deviceSummary.connect(caller).addRelationship(outsider.address))
          .to.be.revertedWithCustomError(deviceSummary, "SummaryNotFactory")
          .withArgs(caller.address);
      }
      expect(await deviceSummary.relationshipCount()).to.equal(0n);
    });

    it("reverts for a relationship already listed and leaves it as it was", async () => {
      const { factory, epr, deviceSummary } = await loadFixture(deployWithRelationship);
      const asFactory = await actAs(await factory.getAddress());
      await expect(deviceSummary.connect(asFactory).addRelationship(epr))
        .to.be.revertedWithCustomError(deviceSummary, "SummaryRelationshipExists")
        .withArgs(await epr.getAddress(), Status.New);
      expect(await deviceSummary.relationshipCount()).to.equal(1n);
    });
  });

  describe("notify", () => {
    it("moves New to AwaitingUpdate and emits the Notification", async () => {
      const { epr, deviceSummary, providerSummary, provider } = await loadFixture(deployWithRelationship);
      const rel = await epr.getAddress();
      await expect(addPointer(epr, provider, pointer(1)))
        .to.emit(deviceSummary, "Notification")
        .withArgs(rel, Topic.RecordAdded, 0n, provider.address)
        .and.to.emit(deviceSummary, "RelationshipStatusChanged")
        .withArgs(rel, Status.New, Status.AwaitingUpdate)
        .and.to.emit(providerSummary, "Notification")
        .withArgs(rel, Topic.RecordAdded, 0n, provider.address);
      expect(await deviceSummary.statusOf(rel)).to.equal(Status.AwaitingUpdate);
      expect(await providerSummary.statusOf(rel)).to.equal(Status.AwaitingUpdate);
    });

    it("moves Authorized to AwaitingUpdate", async () => {
      const ctx = await loadFixture(deployWithRelationship);
      await reach("Authorized", ctx);
      const rel = await ctx.epr.getAddress();
      await expect(addPointer(ctx.epr, ctx.provider, pointer(1)))
        .to.emit(ctx.deviceSummary, "RelationshipStatusChanged")
        .withArgs(rel, Status.Authorized, Status.AwaitingUpdate);
      expect(await ctx.deviceSummary.statusOf(rel)).to.equal(Status.AwaitingUpdate);
    });

    for (const status of ["AwaitingUpdate", "Rejected", "Deleted"] as const) {
      it(`keeps ${status} as it is but still emits the Notification`, async () => {
        const ctx = await loadFixture(deployWithRelationship);
        await reach(status, ctx);
        const rel = await ctx.epr.getAddress();
        // Straight from the relationship: a closed one takes no records, but may still notify (a revocation, say).
        const asEpr = await actAs(rel);
        await expect(ctx.deviceSummary.connect(asEpr).notify(Topic.ReaderRevoked, 7n, ctx.device.address))
          .to.emit(ctx.deviceSummary, "Notification")
          .withArgs(rel, Topic.ReaderRevoked, 7n, ctx.device.address)
          .and.not.to.emit(ctx.deviceSummary, "RelationshipStatusChanged");
        expect(await ctx.deviceSummary.statusOf(rel)).to.equal(Status[status]);
      });
    }

    it("reverts for a caller that is not a relationship listed in the Summary", async () => {
      const { deviceSummary, outsider, device } = await loadFixture(deployWithRelationship);
      await expect(deviceSummary.connect(outsider).notify(Topic.RecordAdded, 0, outsider.address))
        .to.be.revertedWithCustomError(deviceSummary, "SummaryUnknownRelationship")
        .withArgs(outsider.address);
      await expect(deviceSummary.connect(device).notify(Topic.RecordAdded, 0, device.address))
        .to.be.revertedWithCustomError(deviceSummary, "SummaryUnknownRelationship")
        .withArgs(device.address);
    });

    it("reverts for a relationship of this factory not (yet) listed in this Summary", async () => {
      const { epr, thirdPartySummary } = await loadFixture(deployWithRelationship);
      const asEpr = await actAs(await epr.getAddress());
      await expect(thirdPartySummary.connect(asEpr).notify(Topic.RecordAdded, 0, asEpr.address))
        .to.be.revertedWithCustomError(thirdPartySummary, "SummaryUnknownRelationship")
        .withArgs(asEpr.address);
    });
  });

  describe("owner decisions (accept, reject, delete)", () => {
    const decisions = {
      acceptRelationship: {
        to: "Authorized",
        from: ["New", "AwaitingUpdate", "Rejected"],
        invalid: ["Authorized", "Deleted"],
      },
      rejectRelationship: {
        to: "Rejected",
        from: ["New", "AwaitingUpdate", "Authorized"],
        invalid: ["Rejected", "Deleted"],
      },
      deleteRelationship: {
        to: "Deleted",
        from: ["New", "AwaitingUpdate", "Authorized", "Rejected"],
        invalid: ["Deleted"],
      },
    } as const;

    for (const [fn, rule] of Object.entries(decisions) as [
      keyof typeof decisions,
      (typeof decisions)[keyof typeof decisions],
    ][]) {
      for (const from of rule.from) {
        it(`${fn} moves ${from} to ${rule.to} with the status event`, async () => {
          const ctx = await loadFixture(deployWithRelationship);
          await reach(from, ctx);
          const rel = await ctx.epr.getAddress();
          await expect(ctx.deviceSummary.connect(ctx.device)[fn](rel))
            .to.emit(ctx.deviceSummary, "RelationshipStatusChanged")
            .withArgs(rel, Status[from], Status[rule.to]);
          expect(await ctx.deviceSummary.statusOf(rel)).to.equal(Status[rule.to]);
          expect(await ctx.deviceSummary.relationships(0, 10)).to.deep.equal([rel]);
        });
      }
      for (const from of rule.invalid) {
        it(`${fn} reverts from ${from} with SummaryInvalidTransition and changes nothing`, async () => {
          const ctx = await loadFixture(deployWithRelationship);
          await reach(from, ctx);
          const rel = await ctx.epr.getAddress();
          await expect(ctx.deviceSummary.connect(ctx.device)[fn](rel))
            .to.be.revertedWithCustomError(ctx.deviceSummary, "SummaryInvalidTransition")
            .withArgs(rel, Status[from], Status[rule.to]);
          expect(await ctx.deviceSummary.statusOf(rel)).to.equal(Status[from]);
        });
      }
      it(`${fn} reverts for a caller that is not the owner`, async () => {
        const { deviceSummary, epr, provider, device } = await loadFixture(deployWithRelationship);
        await expect(deviceSummary.connect(provider)[fn](epr))
          .to.be.revertedWithCustomError(deviceSummary, "SummaryNotOwner")
          .withArgs(provider.address, device.address);
        expect(await deviceSummary.statusOf(epr)).to.equal(Status.New);
      });
      it(`${fn} reverts for a relationship not in the Summary`, async () => {
        const { deviceSummary, device, outsider } = await loadFixture(deployWithRelationship);
        await expect(deviceSummary.connect(device)[fn](outsider.address))
          .to.be.revertedWithCustomError(deviceSummary, "SummaryUnknownRelationship")
          .withArgs(outsider.address);
        expect(await deviceSummary.statusOf(outsider.address)).to.equal(Status.None);
      });
    }
  });

  describe("isAccepted", () => {
    it("is given by acceptRelationship, kept through notifications, withdrawn by reject and delete", async () => {
      const ctx = await loadFixture(deployWithRelationship);
      const { deviceSummary, device, epr } = ctx;
      const rel = await epr.getAddress();
      expect(await deviceSummary.isAccepted(rel)).to.equal(false);
      await deviceSummary.connect(device).acceptRelationship(rel);
      expect(await deviceSummary.isAccepted(rel)).to.equal(true);
      await reach("AwaitingUpdate", ctx);
      expect(await deviceSummary.isAccepted(rel)).to.equal(true);
      await deviceSummary.connect(device).rejectRelationship(rel);
      expect(await deviceSummary.isAccepted(rel)).to.equal(false);
      await deviceSummary.connect(device).acceptRelationship(rel);
      await deviceSummary.connect(device).deleteRelationship(rel);
      expect(await deviceSummary.isAccepted(rel)).to.equal(false);
      expect(await deviceSummary.isAccepted(ctx.outsider.address)).to.equal(false);
    });
  });

  describe("relationships (paginated)", () => {
    it("returns the relationships in the order added, one page at a time", async () => {
      const { factory, register, registrar, provider, providerSummary } = await loadFixture(deployWithParticipants);
      const devices = (await ethers.getSigners()).slice(10, 15);
      const eprs: string[] = [];
      for (const [i, device] of devices.entries()) {
        await register.connect(registrar).register(`device-${i}`, device.address, Kind.Device);
        await factory.connect(provider).createRelationship(device.address, provider.address);
        eprs.push(await factory.relationshipOf(device.address, provider.address));
      }
      expect(await providerSummary.relationshipCount()).to.equal(5n);
      expect(await providerSummary.relationships(0, 2)).to.deep.equal(eprs.slice(0, 2));
      expect(await providerSummary.relationships(2, 2)).to.deep.equal(eprs.slice(2, 4));
      expect(await providerSummary.relationships(4, 2)).to.deep.equal(eprs.slice(4));
      expect(await providerSummary.relationships(1, ethers.MaxUint256)).to.deep.equal(eprs.slice(1));
      expect(await providerSummary.relationships(5, 2)).to.deep.equal([]);
      expect(await providerSummary.relationships(0, 0)).to.deep.equal([]);
    });
  });

  describe("transferOwnership", () => {
    it("follows the Register: the new account decides, the old one no longer can", async () => {
      const { register, deviceSummary, epr, device, device2 } = await loadFixture(deployWithRelationship);
      await register.connect(device).changeAccount(DEVICE_ID, device2.address);
      await expect(deviceSummary.connect(device).acceptRelationship(epr))
        .to.be.revertedWithCustomError(deviceSummary, "SummaryNotOwner")
        .withArgs(device.address, device2.address);
      await deviceSummary.connect(device2).acceptRelationship(epr);
      expect(await deviceSummary.statusOf(epr)).to.equal(Status.Authorized);
    });

    it("reverts for any caller but the Register, the owner included", async () => {
      const { deviceSummary, device, outsider } = await loadFixture(deployWithParticipants);
      for (const caller of [device, outsider]) {
        await expect(deviceSummary.connect(caller).transferOwnership(outsider.address))
          .to.be.revertedWithCustomError(deviceSummary, "SummaryNotRegister")
          .withArgs(caller.address);
      }
      expect(await deviceSummary.owner()).to.equal(device.address);
    });

    it("is what the Register calls, with OwnershipTransferred", async () => {
      const { register, deviceSummary, outsider, device } = await loadFixture(deployWithParticipants);
      const asRegister = await actAs(await register.getAddress());
      await expect(deviceSummary.connect(asRegister).transferOwnership(outsider.address))
        .to.emit(deviceSummary, "OwnershipTransferred")
        .withArgs(device.address, outsider.address);
      expect(await deviceSummary.owner()).to.equal(outsider.address);
    });
  });
});
