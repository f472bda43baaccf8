import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import {
  DEVICE_ID,
  Kind,
  PROVIDER_ID,
  deploySharing,
  deployWithParticipants,
  minimalProxyCode,
  summaryAt,
} from "../sharing/fixtures";

const idHash = (id: string) => ethers.keccak256(ethers.toUtf8Bytes(id));

describe("Register", () => {
  describe("deployment", () => {
    it("gives the admin the admin role, keeps the Summary implementation and the factory", async () => {
      const { register, summaryImplementation, factory, admin, registrar } = await loadFixture(deploySharing);
      expect(await register.hasRole(await register.DEFAULT_ADMIN_ROLE(), admin.address)).to.equal(true);
      expect(await register.hasRole(await register.REGISTRAR_ROLE(), registrar.address)).to.equal(true);
      expect(await register.REGISTRAR_ROLE()).to.equal(ethers.id("REGISTRAR_ROLE"));
      expect(await register.MAX_ID_LENGTH()).to.equal(64n);
      expect(await register.summaryImplementation()).to.equal(await summaryImplementation.getAddress());
      expect(await register.relationshipFactory()).to.equal(await factory.getAddress());
    });

    it("rejects a Summary implementation without code", async () => {
      const { register, admin, outsider } = await loadFixture(deploySharing);
      await expect(ethers.deployContract("Register", [admin.address, outsider.address]))
        .to.be.revertedWithCustomError(register, "RegisterInvalidImplementation")
        .withArgs(outsider.address);
    });
  });

  describe("setRelationshipFactory", () => {
    async function deployBare() {
      const [admin, outsider] = await ethers.getSigners();
      const summaryImplementation = await ethers.deployContract("Summary");
      const register = await ethers.deployContract("Register", [admin.address, summaryImplementation]);
      return { register, admin, outsider };
    }

    it("sets the factory once and emits RelationshipFactorySet", async () => {
      const { register, outsider } = await loadFixture(deployBare);
      expect(await register.relationshipFactory()).to.equal(ethers.ZeroAddress);
      await expect(register.setRelationshipFactory(outsider.address))
        .to.emit(register, "RelationshipFactorySet")
        .withArgs(outsider.address);
      expect(await register.relationshipFactory()).to.equal(outsider.address);
    });

    it("reverts on a second call, keeping the first factory", async () => {
      const { register, factory, admin } = await loadFixture(deploySharing);
      await expect(register.connect(admin).setRelationshipFactory(admin.address))
        .to.be.revertedWithCustomError(register, "RegisterFactoryAlreadySet")
        .withArgs(await factory.getAddress());
      expect(await register.relationshipFactory()).to.equal(await factory.getAddress());
    });

    it("reverts for the zero address", async () => {
      const { register } = await loadFixture(deployBare);
      await expect(register.setRelationshipFactory(ethers.ZeroAddress)).to.be.revertedWithCustomError(
        register,
        "RegisterZeroFactory",
      );
      expect(await register.relationshipFactory()).to.equal(ethers.ZeroAddress);
    });

    it("reverts for a caller without the admin role", async () => {
      const { register, outsider } = await loadFixture(deployBare);
      await expect(register.connect(outsider).setRelationshipFactory(outsider.address))
        .to.be.revertedWithCustomError(register, "AccessControlUnauthorizedAccount")
        .withArgs(outsider.address, await register.DEFAULT_ADMIN_ROLE());
      expect(await register.relationshipFactory()).to.equal(ethers.ZeroAddress);
    });
  });

  describe("register", () => {
    it("lets an account register itself, both lookups answer and the event names everything", async () => {
      const { register, summaryImplementation, device } = await loadFixture(deploySharing);
      const summary = await register.connect(device).register.staticCall(DEVICE_ID, device.address, Kind.Device);
      const predicted = ethers.getCreate2Address(
        await register.getAddress(),
        idHash(DEVICE_ID),
        ethers.keccak256(
          `0x3d602d80600a3d3981f3${minimalProxyCode(await summaryImplementation.getAddress()).slice(2)}`,
        ),
      );
      expect(summary).to.equal(predicted);
      await expect(register.connect(device).register(DEVICE_ID, device.address, Kind.Device))
        .to.emit(register, "ParticipantRegistered")
        .withArgs(idHash(DEVICE_ID), device.address, Kind.Device, DEVICE_ID, summary, device.address);
      expect(await register.addressOf(DEVICE_ID)).to.equal(device.address);
      expect(await register.idOf(device.address)).to.equal(DEVICE_ID);
      expect(await register.summaryOf(device.address)).to.equal(summary);
      expect(await register.kindOf(device.address)).to.equal(Kind.Device);
      expect(await register.isRegistered(device.address)).to.equal(true);
      const entry = await register.participant(device.address);
      expect([entry.id, entry.kind, entry.summary]).to.deep.equal([DEVICE_ID, BigInt(Kind.Device), summary]);
    });

    it("creates the Summary as an initialized minimal proxy owned by the account", async () => {
      const { register, summaryImplementation, registrar, provider } = await loadFixture(deploySharing);
      const summaryAddress = await register
        .connect(registrar)
        .register.staticCall(PROVIDER_ID, provider.address, Kind.ServiceProvider);
      await expect(register.connect(registrar).register(PROVIDER_ID, provider.address, Kind.ServiceProvider))
        .to.emit(await summaryAt(summaryAddress), "OwnershipTransferred")
        .withArgs(ethers.ZeroAddress, provider.address);
      expect(await register.summaryOf(provider.address)).to.equal(summaryAddress);
      expect(await ethers.provider.getCode(summaryAddress)).to.equal(
        minimalProxyCode(await summaryImplementation.getAddress()),
      );
      const summary = await summaryAt(summaryAddress);
      expect(await summary.owner()).to.equal(provider.address);
      expect(await summary.register()).to.equal(await register.getAddress());
      await expect(summary.initialize(provider.address)).to.be.revertedWithCustomError(
        summary,
        "InvalidInitialization",
      );
    });

    it("lets a registrar register any account, and names the registrar in the event", async () => {
      const { register, registrar, device } = await loadFixture(deploySharing);
      const summary = await register.connect(registrar).register.staticCall(DEVICE_ID, device.address, Kind.Device);
      await expect(register.connect(registrar).register(DEVICE_ID, device.address, Kind.Device))
        .to.emit(register, "ParticipantRegistered")
        .withArgs(idHash(DEVICE_ID), device.address, Kind.Device, DEVICE_ID, summary, registrar.address);
      expect(await register.summaryOf(device.address)).to.equal(summary);
      expect(await register.addressOf(DEVICE_ID)).to.equal(device.address);
    });

    it("accepts an identity of exactly the maximum length and every kind", async () => {
      const { register, registrar, device, provider, thirdParty } = await loadFixture(deploySharing);
      const longest = "d".repeat(64);
      await register.connect(registrar).register(longest, device.address, Kind.Device);
      await register.connect(registrar).register("p", provider.address, Kind.ServiceProvider);
      await register.connect(registrar).register("t", thirdParty.address, Kind.ThirdParty);
      expect(await register.addressOf(longest)).to.equal(device.address);
      expect(await register.kindOf(provider.address)).to.equal(Kind.ServiceProvider);
      expect(await register.kindOf(thirdParty.address)).to.equal(Kind.ThirdParty);
    });

    it("reverts for an empty identity and registers nothing", async () => {
      const { register, device } = await loadFixture(deploySharing);
      await expect(register.connect(device).register("", device.address, Kind.Device))
        .to.be.revertedWithCustomError(register, "RegisterEmptyId")
        .withArgs(device.address);
      expect(await register.isRegistered(device.address)).to.equal(false);
      expect(await register.addressOf("")).to.equal(ethers.ZeroAddress);
    });

    it("reverts for an identity longer than the maximum", async () => {
      const { register, device } = await loadFixture(deploySharing);
      const tooLong = "d".repeat(65);
      await expect(register.connect(device).register(tooLong, device.address, Kind.Device))
        .to.be.revertedWithCustomError(register, "RegisterIdTooLong")
        .withArgs(tooLong, 65n, 64n);
      expect(await register.isRegistered(device.address)).to.equal(false);
    });

    it("reverts for the zero address and registers nothing", async () => {
      const { register, registrar } = await loadFixture(deploySharing);
      await expect(register.connect(registrar).register(DEVICE_ID, ethers.ZeroAddress, Kind.Device))
        .to.be.revertedWithCustomError(register, "RegisterZeroAccount")
        .withArgs(DEVICE_ID);
      expect(await register.addressOf(DEVICE_ID)).to.equal(ethers.ZeroAddress);
    });

    it("reverts for a caller registering another account without the registrar role", async () => {
      const { register, device, outsider } = await loadFixture(deploySharing);
      await expect(register.connect(outsider).register(DEVICE_ID, device.address, Kind.Device))
        .to.be.revertedWithCustomError(register, "RegisterUnauthorized")
        .withArgs(outsider.address, device.address);
      expect(await register.addressOf(DEVICE_ID)).to.equal(ethers.ZeroAddress);
      expect(await register.isRegistered(device.address)).to.equal(false);
    });

    it("lets an account register itself as a Device only: the other kinds need the registrar", async () => {
      const { register, provider, thirdParty } = await loadFixture(deploySharing);
      for (const [who, id, kind] of [
        [provider, PROVIDER_ID, Kind.ServiceProvider],
        [thirdParty, "lab", Kind.ThirdParty],
      ] as const) {
        await expect(register.connect(who).register(id, who.address, kind))
          .to.be.revertedWithCustomError(register, "RegisterKindNeedsRegistrar")
          .withArgs(who.address, kind);
        expect(await register.isRegistered(who.address)).to.equal(false);
        expect(await register.addressOf(id)).to.equal(ethers.ZeroAddress);
      }
    });

    it("refuses the provider and third-party kinds to an account that rotated away, too", async () => {
      const { register, registrar, thirdParty, outsider } = await loadFixture(deploySharing);
      await register.connect(registrar).register("lab", thirdParty.address, Kind.ThirdParty);
      await register.connect(thirdParty).changeAccount("lab", outsider.address);
      await expect(register.connect(thirdParty).register("lab-again", thirdParty.address, Kind.ThirdParty))
        .to.be.revertedWithCustomError(register, "RegisterKindNeedsRegistrar")
        .withArgs(thirdParty.address, Kind.ThirdParty);
    });

    it("reverts for an identity already taken and keeps its holder", async () => {
      const { register, device, outsider } = await loadFixture(deployWithParticipants);
      await expect(register.connect(outsider).register(DEVICE_ID, outsider.address, Kind.Device))
        .to.be.revertedWithCustomError(register, "RegisterIdTaken")
        .withArgs(DEVICE_ID, device.address);
      expect(await register.addressOf(DEVICE_ID)).to.equal(device.address);
      expect(await register.isRegistered(outsider.address)).to.equal(false);
    });

    it("reverts for an account that holds an identity already and keeps it", async () => {
      const { register, device, deviceSummary } = await loadFixture(deployWithParticipants);
      await expect(register.connect(device).register("second-id", device.address, Kind.Device))
        .to.be.revertedWithCustomError(register, "RegisterAccountTaken")
        .withArgs(device.address, DEVICE_ID);
      expect(await register.idOf(device.address)).to.equal(DEVICE_ID);
      expect(await register.kindOf(device.address)).to.equal(Kind.Device);
      expect(await register.summaryOf(device.address)).to.equal(await deviceSummary.getAddress());
      expect(await register.addressOf("second-id")).to.equal(ethers.ZeroAddress);
    });

    it("reverts for a kind outside the enum", async () => {
      const { register, device } = await loadFixture(deploySharing);
      const data = register.interface.encodeFunctionData("register", [DEVICE_ID, device.address, 0]);
      const badKind =
        data.slice(0, 2 + 8 + 64 * 2) + ethers.zeroPadValue("0x03", 32).slice(2) + data.slice(2 + 8 + 64 * 3);
      await expect(device.sendTransaction({ to: await register.getAddress(), data: badKind })).to.be.reverted;
      expect(await register.isRegistered(device.address)).to.equal(false);
    });
  });

  describe("changeAccount", () => {
    it("lets the holder move its identity; the Summary, kind and owner follow", async () => {
      const { register, device, device2, deviceSummary } = await loadFixture(deployWithParticipants);
      await expect(register.connect(device).changeAccount(DEVICE_ID, device2.address))
        .to.emit(register, "AccountChanged")
        .withArgs(idHash(DEVICE_ID), device.address, device2.address, DEVICE_ID)
        .and.to.emit(deviceSummary, "OwnershipTransferred")
        .withArgs(device.address, device2.address);
      expect(await register.addressOf(DEVICE_ID)).to.equal(device2.address);
      expect(await register.idOf(device2.address)).to.equal(DEVICE_ID);
      expect(await register.kindOf(device2.address)).to.equal(Kind.Device);
      expect(await register.summaryOf(device2.address)).to.equal(await deviceSummary.getAddress());
      expect(await deviceSummary.owner()).to.equal(device2.address);
      expect(await register.isRegistered(device.address)).to.equal(false);
      expect(await register.idOf(device.address)).to.equal("");
      expect(await register.summaryOf(device.address)).to.equal(ethers.ZeroAddress);
    });

    it("lets an admin move any identity", async () => {
      const { register, admin, provider, provider2, providerSummary } = await loadFixture(deployWithParticipants);
      await expect(register.connect(admin).changeAccount(PROVIDER_ID, provider2.address))
        .to.emit(register, "AccountChanged")
        .withArgs(idHash(PROVIDER_ID), provider.address, provider2.address, PROVIDER_ID);
      expect(await providerSummary.owner()).to.equal(provider2.address);
    });

    it("frees the previous account to register a new identity", async () => {
      const { register, device, device2 } = await loadFixture(deployWithParticipants);
      await register.connect(device).changeAccount(DEVICE_ID, device2.address);
      await register.connect(device).register("robot-arm-02", device.address, Kind.Device);
      expect(await register.idOf(device.address)).to.equal("robot-arm-02");
      expect(await register.summaryOf(device.address)).to.not.equal(await register.summaryOf(device2.address));
    });

    it("reverts for an unknown identity", async () => {
      const { register, admin, device2 } = await loadFixture(deployWithParticipants);
      await expect(register.connect(admin).changeAccount("nobody", device2.address))
        .to.be.revertedWithCustomError(register, "RegisterUnknownId")
        .withArgs("nobody");
      expect(await register.isRegistered(device2.address)).to.equal(false);
    });

    it("reverts for a caller that is neither the holder nor an admin (a registrar is not enough)", async () => {
      const { register, registrar, outsider, device } = await loadFixture(deployWithParticipants);
      for (const caller of [outsider, registrar]) {
        await expect(register.connect(caller).changeAccount(DEVICE_ID, caller.address))
          .to.be.revertedWithCustomError(register, "RegisterUnauthorized")
          .withArgs(caller.address, device.address);
      }
      expect(await register.addressOf(DEVICE_ID)).to.equal(device.address);
    });

    it("reverts for the zero address", async () => {
      const { register, device, deviceSummary } = await loadFixture(deployWithParticipants);
      await expect(register.connect(device).changeAccount(DEVICE_ID, ethers.ZeroAddress))
        .to.be.revertedWithCustomError(register, "RegisterZeroAccount")
        .withArgs(DEVICE_ID);
      expect(await register.addressOf(DEVICE_ID)).to.equal(device.address);
      expect(await deviceSummary.owner()).to.equal(device.address);
    });

    it("reverts for an account that holds an identity (itself included)", async () => {
      const { register, device, provider } = await loadFixture(deployWithParticipants);
      await expect(register.connect(device).changeAccount(DEVICE_ID, provider.address))
        .to.be.revertedWithCustomError(register, "RegisterAccountTaken")
        .withArgs(provider.address, PROVIDER_ID);
      await expect(register.connect(device).changeAccount(DEVICE_ID, device.address))
        .to.be.revertedWithCustomError(register, "RegisterAccountTaken")
        .withArgs(device.address, DEVICE_ID);
      expect(await register.addressOf(DEVICE_ID)).to.equal(device.address);
      expect(await register.addressOf(PROVIDER_ID)).to.equal(provider.address);
    });
  });

  describe("lookups of unknown participants", () => {
    it("answer zero values, and kindOf / participant revert with RegisterUnknownAccount", async () => {
      const { register, outsider } = await loadFixture(deployWithParticipants);
      expect(await register.addressOf("nobody")).to.equal(ethers.ZeroAddress);
      expect(await register.idOf(outsider.address)).to.equal("");
      expect(await register.summaryOf(outsider.address)).to.equal(ethers.ZeroAddress);
      expect(await register.isRegistered(outsider.address)).to.equal(false);
      await expect(register.kindOf(outsider.address))
        .to.be.revertedWithCustomError(register, "RegisterUnknownAccount")
        .withArgs(outsider.address);
      await expect(register.participant(outsider.address))
        .to.be.revertedWithCustomError(register, "RegisterUnknownAccount")
        .withArgs(outsider.address);
    });
  });
});
