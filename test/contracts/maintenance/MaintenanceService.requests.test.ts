import { expect } from "chai";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import {
  changeAsUnit,
  Origin,
  Status,
  blockTime,
  deployWithMachine,
  lowerCountThresholds,
  readings,
  statusBits,
} from "./fixture";

/** {deployWithMachine} with one manual request (id 1) raised by the owner. */
async function deployWithRequest() {
  const f = await deployWithMachine();
  const tx = await f.service.connect(f.owner).requestService(f.machine.address);
  return { ...f, requestedAt: await blockTime(tx) };
}

/** {deployWithRequest} with request 1 accepted by the provider. */
async function deployWithAcceptedRequest() {
  const f = await deployWithRequest();
  const tx = await f.service.connect(f.provider).acceptServiceRequest(1n);
  return { ...f, acceptedAt: await blockTime(tx) };
}

describe("MaintenanceService: service requests", () => {
  describe("requestService", () => {
    it("lets the owner raise a request to the provider and emits ServiceRequested", async () => {
      const { service, owner, provider, machine } = await loadFixture(deployWithMachine);
      expect(await service.connect(owner).requestService.staticCall(machine.address)).to.equal(1n);
      const tx = await service.connect(owner).requestService(machine.address);
      await expect(tx)
        .to.emit(service, "ServiceRequested")
        .withArgs(1n, machine.address, provider.address, owner.address, Origin.Manual);
      const request = await service.serviceRequest(1n);
      expect(request.machine).to.equal(machine.address);
      expect(request.provider).to.equal(provider.address);
      expect(request.requester).to.equal(owner.address);
      expect(request.status).to.equal(Status.Requested);
      expect(request.origin).to.equal(Origin.Manual);
      expect(request.requestedAt).to.equal(await blockTime(tx));
      expect(await service.serviceRequestCount()).to.equal(1n);
    });

    it("lets the unit raise one too, numbering requests in order, without touching the counts", async () => {
      const { service, owner, unit, provider, machine } = await loadFixture(deployWithMachine);
      const { temps, vibras } = readings(7, 0, 500);
      await service.connect(unit).reportReadings(machine.address, temps, vibras);
      await service.connect(owner).requestService(machine.address);
      await expect(service.connect(unit).requestService(machine.address))
        .to.emit(service, "ServiceRequested")
        .withArgs(2n, machine.address, provider.address, unit.address, Origin.Manual);
      expect((await service.serviceRequest(2n)).requester).to.equal(unit.address);
      expect((await service.machineInfo(machine.address)).vibraCount).to.equal(7n);
      expect(await service.serviceRequestCount()).to.equal(2n);
    });

    it("rejects the provider and strangers, and an unknown machine", async () => {
      const { service, owner, provider, stranger, machine, admin } = await loadFixture(deployWithMachine);
      for (const caller of [provider, stranger, admin]) {
        await expect(service.connect(caller).requestService(machine.address))
          .to.be.revertedWithCustomError(service, "MaintenanceServiceUnauthorizedRequester")
          .withArgs(machine.address, caller.address);
      }
      await expect(service.connect(owner).requestService(stranger.address))
        .to.be.revertedWithCustomError(service, "MaintenanceServiceUnknownMachine")
        .withArgs(stranger.address);
      expect(await service.serviceRequestCount()).to.equal(0n);
    });
  });

  describe("acceptServiceRequest", () => {
    it("lets the provider accept, stamps acceptedAt and emits ServiceAccepted", async () => {
      const { service, provider, machine, requestedAt } = await loadFixture(deployWithRequest);
      await time.increase(60);
      const tx = await service.connect(provider).acceptServiceRequest(1n);
      await expect(tx).to.emit(service, "ServiceAccepted").withArgs(1n, machine.address, provider.address);
      const request = await service.serviceRequest(1n);
      expect(request.status).to.equal(Status.Accepted);
      expect(request.requestedAt).to.equal(requestedAt);
      expect(request.acceptedAt).to.equal(await blockTime(tx));
      expect(request.acceptedAt).to.be.greaterThan(requestedAt);
    });

    it("rejects anyone but the provider the request was addressed to", async () => {
      const f = await loadFixture(deployWithRequest);
      const { service, owner, unit, stranger, provider2 } = f;
      // A provider appointed after the request does not inherit it.
      await changeAsUnit(f, { provider: provider2.address, partPrice: 1n });
      for (const caller of [owner, unit, stranger, provider2]) {
        await expect(service.connect(caller).acceptServiceRequest(1n))
          .to.be.revertedWithCustomError(service, "MaintenanceServiceUnauthorizedProvider")
          .withArgs(1n, caller.address);
      }
      expect((await service.serviceRequest(1n)).status).to.equal(Status.Requested);
    });

    it("rejects an unknown request", async () => {
      const { service, provider } = await loadFixture(deployWithRequest);
      for (const id of [0n, 2n]) {
        await expect(service.connect(provider).acceptServiceRequest(id))
          .to.be.revertedWithCustomError(service, "MaintenanceServiceUnknownRequest")
          .withArgs(id);
      }
    });

    it("rejects a request that is not Requested, naming its status", async () => {
      const { service, provider } = await loadFixture(deployWithAcceptedRequest);
      await expect(service.connect(provider).acceptServiceRequest(1n))
        .to.be.revertedWithCustomError(service, "MaintenanceServiceUnexpectedRequestStatus")
        .withArgs(1n, Status.Accepted, statusBits(Status.Requested));
      expect((await service.serviceRequest(1n)).status).to.equal(Status.Accepted);
    });
  });

  describe("completeServiceRequest", () => {
    it("lets the provider complete an accepted request and emits ServiceCompleted", async () => {
      const { service, provider, machine, requestedAt, acceptedAt } = await loadFixture(deployWithAcceptedRequest);
      const tx = await service.connect(provider).completeServiceRequest(1n);
      await expect(tx).to.emit(service, "ServiceCompleted").withArgs(1n, machine.address, provider.address);
      const request = await service.serviceRequest(1n);
      expect(request.status).to.equal(Status.Completed);
      expect([request.requestedAt, request.acceptedAt, request.completedAt, request.cancelledAt]).to.deep.equal([
        requestedAt,
        acceptedAt,
        await blockTime(tx),
        0n,
      ]);
    });

    it("rejects a request not yet accepted, and a completed one", async () => {
      const { service, provider } = await loadFixture(deployWithRequest);
      await expect(service.connect(provider).completeServiceRequest(1n))
        .to.be.revertedWithCustomError(service, "MaintenanceServiceUnexpectedRequestStatus")
        .withArgs(1n, Status.Requested, statusBits(Status.Accepted));
      await service.connect(provider).acceptServiceRequest(1n);
      await service.connect(provider).completeServiceRequest(1n);
      await expect(service.connect(provider).completeServiceRequest(1n))
        .to.be.revertedWithCustomError(service, "MaintenanceServiceUnexpectedRequestStatus")
        .withArgs(1n, Status.Completed, statusBits(Status.Accepted));
    });

    it("rejects anyone but the provider, and an unknown request", async () => {
      const { service, owner, unit, stranger, provider } = await loadFixture(deployWithAcceptedRequest);
      for (const caller of [owner, unit, stranger]) {
        await expect(service.connect(caller).completeServiceRequest(1n))
          .to.be.revertedWithCustomError(service, "MaintenanceServiceUnauthorizedProvider")
          .withArgs(1n, caller.address);
      }
      await expect(service.connect(provider).completeServiceRequest(9n))
        .to.be.revertedWithCustomError(service, "MaintenanceServiceUnknownRequest")
        .withArgs(9n);
      expect((await service.serviceRequest(1n)).status).to.equal(Status.Accepted);
    });
  });

  describe("cancelServiceRequest", () => {
    it("lets the owner cancel a Requested request and emits ServiceCancelled", async () => {
      const { service, owner, machine } = await loadFixture(deployWithRequest);
      const tx = await service.connect(owner).cancelServiceRequest(1n);
      await expect(tx).to.emit(service, "ServiceCancelled").withArgs(1n, machine.address, owner.address);
      const request = await service.serviceRequest(1n);
      expect(request.status).to.equal(Status.Cancelled);
      expect(request.cancelledAt).to.equal(await blockTime(tx));
    });

    it("lets the owner cancel an Accepted request, which the provider can then not complete", async () => {
      const { service, owner, provider, machine, acceptedAt } = await loadFixture(deployWithAcceptedRequest);
      await expect(service.connect(owner).cancelServiceRequest(1n))
        .to.emit(service, "ServiceCancelled")
        .withArgs(1n, machine.address, owner.address);
      const request = await service.serviceRequest(1n);
      expect(request.status).to.equal(Status.Cancelled);
      expect(request.acceptedAt).to.equal(acceptedAt);
      await expect(service.connect(provider).completeServiceRequest(1n))
        .to.be.revertedWithCustomError(service, "MaintenanceServiceUnexpectedRequestStatus")
        .withArgs(1n, Status.Cancelled, statusBits(Status.Accepted));
    });

    it("rejects a Completed or Cancelled request, naming the statuses it accepts", async () => {
      const { service, owner, provider, machine } = await loadFixture(deployWithAcceptedRequest);
      await service.connect(provider).completeServiceRequest(1n);
      await expect(service.connect(owner).cancelServiceRequest(1n))
        .to.be.revertedWithCustomError(service, "MaintenanceServiceUnexpectedRequestStatus")
        .withArgs(1n, Status.Completed, statusBits(Status.Requested, Status.Accepted));
      await service.connect(owner).requestService(machine.address);
      await service.connect(owner).cancelServiceRequest(2n);
      await expect(service.connect(owner).cancelServiceRequest(2n))
        .to.be.revertedWithCustomError(service, "MaintenanceServiceUnexpectedRequestStatus")
        .withArgs(2n, Status.Cancelled, statusBits(Status.Requested, Status.Accepted));
    });

    it("rejects anyone but the machine's owner, and an unknown request", async () => {
      const { service, owner, unit, provider, stranger, machine } = await loadFixture(deployWithRequest);
      for (const caller of [unit, provider, stranger]) {
        await expect(service.connect(caller).cancelServiceRequest(1n))
          .to.be.revertedWithCustomError(service, "MaintenanceServiceUnauthorizedOwner")
          .withArgs(machine.address, caller.address);
      }
      await expect(service.connect(owner).cancelServiceRequest(0n))
        .to.be.revertedWithCustomError(service, "MaintenanceServiceUnknownRequest")
        .withArgs(0n);
      expect((await service.serviceRequest(1n)).status).to.equal(Status.Requested);
    });
  });

  describe("the automatic request's lifecycle", () => {
    it("a request raised by vibration goes Requested -> Accepted -> Completed", async () => {
      const f = await loadFixture(deployWithMachine);
      const { service, unit, provider, machine } = f;
      await lowerCountThresholds(f);
      const { temps, vibras } = readings(5, 0, 101);
      await service.connect(unit).reportReadings(machine.address, temps, vibras);
      await service.connect(provider).acceptServiceRequest(1n);
      await service.connect(provider).completeServiceRequest(1n);
      const request = await service.serviceRequest(1n);
      expect(request.status).to.equal(Status.Completed);
      expect(request.origin).to.equal(Origin.Vibration);
      expect(request.requester).to.equal(unit.address);
    });
  });

  describe("serviceRequest / partOrder", () => {
    it("reject ids never issued", async () => {
      const { service } = await loadFixture(deployWithRequest);
      await expect(service.serviceRequest(0n))
        .to.be.revertedWithCustomError(service, "MaintenanceServiceUnknownRequest")
        .withArgs(0n);
      await expect(service.serviceRequest(2n))
        .to.be.revertedWithCustomError(service, "MaintenanceServiceUnknownRequest")
        .withArgs(2n);
      await expect(service.partOrder(1n))
        .to.be.revertedWithCustomError(service, "MaintenanceServiceUnknownPartOrder")
        .withArgs(1n);
    });
  });
});
