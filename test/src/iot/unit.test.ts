// The IoT unit on the in-process Hardhat network: readings batched to MaintenanceService with
// service requests and part orders reported, parts paid through permits, status data through a
// Helia store into the EPR, readers authorized and revoked, reverts reported, and an outage plus
// a crash of the unit ridden out without losing or repeating a batch.
import { expect } from "chai";
import { rm } from "node:fs/promises";
import { ethers, network } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { keccak256, Wallet } from "ethers";
import {
  createdByFactory,
  GatewayRequestError,
  NotAReaderError,
  onChainReadPredicate,
  openHeliaStore,
  startGateway,
  type Gateway,
  type HeliaStore,
} from "../../../src/offchain";
import { eprInterface, maintenanceServiceInterface } from "../../../src/iot/abi";
import { objectCommitment, objectDigest, prepareAttestation } from "../../../src/iot/attestation";
import { AttestationObjectError, UnitClosedError, UnregisteredReaderError } from "../../../src/iot/errors";
import { RelationshipKeyrings } from "../../../src/iot/relationships";
import { readStatus, listRecords, type ReaderStep } from "../../../src/iot/reader";
import { SyntheticSensor } from "../../../src/iot/sensors";
import { encodeStatus } from "../../../src/iot/status";
import { IoTUnit, type IoTUnitEvents, type IoTUnitOptions } from "../../../src/iot/unit";
import {
  deploySuite,
  deploySuiteAccepted,
  deploySuiteAtPaperThresholds,
  LOW_COUNT_THRESHOLD,
  MACHINE,
  MACHINE_WALLET,
  PART_PRICE,
  reading,
  UNIT_TOKENS,
  UPLOAD_REWARD,
  type Suite,
} from "./fixture";
import { expectRejects, SwitchableTransport, tempDir } from "./helpers";

/** Every event of `unit`, by name, in order. */
function record(unit: IoTUnit): { [K in keyof IoTUnitEvents]: IoTUnitEvents[K][] } {
  const names: (keyof IoTUnitEvents)[] = [
    "batchQueued",
    "permitSigned",
    "readingsApplied",
    "serviceRequested",
    "partOrdered",
    "statusUploaded",
    "recordAdded",
    "readerAuthorized",
    "readerRevoked",
    "readerSkipped",
    "readerMoved",
    "revocationResumed",
    "balance",
    "reverted",
    "outage",
    "recovered",
    "stalled",
    "failure",
    "sensorEnded",
  ];
  const seen = Object.fromEntries(names.map((n) => [n, [] as unknown[]])) as {
    [K in keyof IoTUnitEvents]: IoTUnitEvents[K][];
  };
  for (const name of names) unit.on(name, ((...args: unknown[]) => (seen[name] as unknown[][]).push(args)) as never);
  return seen;
}

/** What Table 1 does with `readings` at the given thresholds: how many requests and orders fire. */
function table1(
  readings: { temperature: number; vibration: number }[],
  countThreshold: number,
): { requests: number; orders: number } {
  let vibraCount = 0;
  let tempCount = 0;
  let requests = 0;
  let orders = 0;
  for (const r of readings) {
    if (Math.round(r.vibration) > 100) vibraCount++;
    if (Math.round(r.temperature) > 200) tempCount++;
    if (vibraCount > countThreshold) [requests, vibraCount] = [requests + 1, 0];
    if (tempCount > countThreshold) [orders, tempCount] = [orders + 1, 0];
  }
  return { requests, orders };
}

describe("iot/unit", function () {
  this.timeout(120_000);
  let dir: string;
  let dispose: () => Promise<void>;
  const units: IoTUnit[] = [];
  let store: HeliaStore | undefined;
  let gateway: Gateway | undefined;

  async function openUnit(suite: Suite, options: Partial<IoTUnitOptions> = {}): Promise<IoTUnit> {
    const unit = await IoTUnit.open({
      wallet: suite.wallets.unit,
      chain: network.provider,
      contracts: suite.contracts,
      machine: MACHINE,
      stateDir: dir,
      batch: { size: 5, maxDelayMs: 60_000 },
      queue: { pollIntervalMs: 5, retry: { initialMs: 10, maxMs: 50 } },
      ...options,
    });
    units.push(unit);
    return unit;
  }

  async function openSharingUnit(suite: Suite, options: Partial<IoTUnitOptions> = {}): Promise<IoTUnit> {
    store ??= await openHeliaStore({ dir: `${dir}-store` });
    return openUnit(suite, {
      sharing: {
        store,
        relationships: [{ epr: await suite.epr.getAddress(), provider: suite.wallets.provider.signingKey.publicKey }],
      },
      ...options,
    });
  }

  beforeEach(async () => {
    ({ dir, dispose } = await tempDir("iot-unit"));
  });

  afterEach(async () => {
    for (const unit of units.splice(0)) await unit.close();
    await gateway?.close();
    gateway = undefined;
    await store?.close();
    store = undefined;
    await dispose();
    await rm(`${dir}-store`, { recursive: true, force: true });
  });

  describe("readings", () => {
    it("batches readings and raises a service request once more than VibraCountThreshold readings vibrated", async () => {
      const suite = await loadFixture(deploySuite);
      const {
        unit: unitWallet,
        provider: providerWallet,
        lab: labWallet,
        otherLab: otherLabWallet,
        stranger: strangerWallet,
      } = suite.wallets;
      const sensor = new SyntheticSensor({
        seed: 1,
        count: 12,
        episodes: [{ start: 2, length: LOW_COUNT_THRESHOLD + 1, kind: "vibration" }],
      });
      const unit = await openUnit(suite, { sensor, funding: false });
      const seen = record(unit);
      await unit.run();
      await unit.idle();

      expect(seen.batchQueued.map(([b]) => [b.nonce, b.readings, b.permit])).to.deep.equal([
        [0, 5, false],
        [1, 5, false],
        [2, 2, false],
      ]);
      expect(seen.readingsApplied.map(([e]) => [e.nonce, e.readings, e.vibraCount, e.machine])).to.deep.equal([
        [0, 5, 3, MACHINE], // readings 2, 3, 4 vibrate
        [1, 5, 0, MACHINE], // reading 5 is the fourth: the count exceeds 3, fires and resets
        [2, 2, 0, MACHINE],
      ]);
      expect(seen.serviceRequested).to.have.length(1);
      const [request] = seen.serviceRequested[0];
      expect([
        request.requestId,
        request.machine,
        request.provider,
        request.requester,
        request.origin,
        request.nonce,
      ]).to.deep.equal([1n, MACHINE, providerWallet.address, unitWallet.address, "vibration", 1]);
      expect(seen.partOrdered).to.deep.equal([]);
      expect(seen.sensorEnded).to.have.length(1);
      expect(await suite.service.serviceRequestCount()).to.equal(1n);
      const onChain = await suite.service.serviceRequest(1);
      expect([onChain.machine, onChain.provider, onChain.requester]).to.deep.equal([
        MACHINE,
        providerWallet.address,
        unitWallet.address,
      ]);
      expect(await ethers.provider.getTransactionCount(unitWallet.address)).to.equal(3);
    });

    it("refuses readings once closed, after queueing the partial batch", async () => {
      const suite = await loadFixture(deploySuite);
      const unit = await openUnit(suite, { funding: false });
      await unit.record(reading(0, 80, 40));
      await unit.close();
      expect(unit.queue.entries().map((e) => e.meta.readings)).to.deep.equal([1]);
      const error = await expectRejects(unit.record(reading(1, 80, 40)), UnitClosedError);
      expect(error.account).to.equal(suite.wallets.unit.address);
    });

    it("sends a batch of one reading as reportReading", async () => {
      const suite = await loadFixture(deploySuite);
      const {
        unit: unitWallet,
        provider: providerWallet,
        lab: labWallet,
        otherLab: otherLabWallet,
        stranger: strangerWallet,
      } = suite.wallets;
      const unit = await openUnit(suite, { batch: { size: 1, maxDelayMs: 60_000 }, funding: false });
      const seen = record(unit);
      await unit.record(reading(0, 80, 150));
      await unit.record(reading(1, 81, 30));
      await unit.idle();
      const selector = maintenanceServiceInterface.getFunction("reportReading")!.selector;
      expect(unit.queue.entries().map((e) => e.data.slice(0, 10))).to.deep.equal([selector, selector]);
      expect(seen.readingsApplied.map(([e]) => [e.readings, e.vibraCount])).to.deep.equal([
        [1, 1],
        [1, 1],
      ]);
      expect((await suite.service.machineInfo(MACHINE)).vibraCount).to.equal(1n);
    });

    it("flushes a partial batch after its max delay", async () => {
      const suite = await loadFixture(deploySuite);
      const {
        unit: unitWallet,
        provider: providerWallet,
        lab: labWallet,
        otherLab: otherLabWallet,
        stranger: strangerWallet,
      } = suite.wallets;
      const unit = await openUnit(suite, { batch: { size: 100, maxDelayMs: 20 }, funding: false });
      const applied = new Promise<IoTUnitEvents["readingsApplied"]>((resolve) =>
        unit.once("readingsApplied", (...args) => resolve(args)),
      );
      await unit.record(reading(0, 80, 40));
      await unit.record(reading(1, 80, 40));
      const [event] = await applied;
      expect(event.readings).to.equal(2);
    });

    it("at the paper's thresholds (1000), the default synthetic machine raises the requests and orders Table 1 predicts", async () => {
      const suite = await loadFixture(deploySuiteAtPaperThresholds);
      const {
        unit: unitWallet,
        provider: providerWallet,
        lab: labWallet,
        otherLab: otherLabWallet,
        stranger: strangerWallet,
      } = suite.wallets;
      const readings = new SyntheticSensor({ seed: 42, count: 6000 });
      const expected = table1(
        Array.from({ length: 6000 }, () => readings.next()),
        1000,
      );
      expect(expected.requests).to.be.at.least(1);
      expect(expected.orders).to.be.at.least(1);
      const unit = await openUnit(suite, {
        sensor: new SyntheticSensor({ seed: 42, count: 6000 }),
        batch: { size: 500, maxDelayMs: 60_000 },
      });
      const seen = record(unit);
      await unit.run();
      await unit.idle();
      expect(seen.serviceRequested).to.have.length(expected.requests);
      expect(seen.partOrdered).to.have.length(expected.orders);
      expect(await suite.service.serviceRequestCount()).to.equal(BigInt(expected.requests));
      expect(await suite.service.partOrderCount()).to.equal(BigInt(expected.orders));
      expect(seen.readingsApplied.reduce((sum, [e]) => sum + e.readings, 0)).to.equal(6000);
    });
  });

  describe("part payments", () => {
    it("pays part orders under a permit carried by a batch: no approve transaction, balances moved", async () => {
      const suite = await loadFixture(deploySuite);
      const {
        unit: unitWallet,
        provider: providerWallet,
        lab: labWallet,
        otherLab: otherLabWallet,
        stranger: strangerWallet,
      } = suite.wallets;
      const service = await suite.service.getAddress();
      // Two part orders: eight hot readings at a count threshold of 3.
      const sensor = new SyntheticSensor({
        seed: 3,
        count: 10,
        episodes: [{ start: 0, length: 2 * (LOW_COUNT_THRESHOLD + 1), kind: "temperature" }],
      });
      const unit = await openUnit(suite, { sensor });
      const seen = record(unit);
      await unit.run();
      await unit.idle();

      const target = PART_PRICE * 10n; // the default policy: ten parts' worth
      expect(seen.permitSigned.map(([p]) => [p.value, p.nonce, p.batchNonce])).to.deep.equal([[target, 0n, 0]]);
      expect(seen.batchQueued.map(([b]) => b.permit)).to.deep.equal([true, false]);
      expect(seen.partOrdered.map(([o]) => [o.orderId, o.payer, o.provider, o.price])).to.deep.equal([
        [1n, unitWallet.address, providerWallet.address, PART_PRICE],
        [2n, unitWallet.address, providerWallet.address, PART_PRICE],
      ]);
      expect(await suite.token.balanceOf(unitWallet.address)).to.equal(UNIT_TOKENS - 2n * PART_PRICE);
      expect(await suite.token.balanceOf(providerWallet.address)).to.equal(2n * PART_PRICE);
      expect(await suite.token.allowance(unitWallet.address, service)).to.equal(target - 2n * PART_PRICE);
      expect(await suite.token.nonces(unitWallet.address)).to.equal(1n);
      expect(unit.ledger).to.deep.equal({ earned: 0n, spent: 2n * PART_PRICE, balance: UNIT_TOKENS - 2n * PART_PRICE });
      expect(seen.balance.at(-1)![0]).to.deep.equal(unit.ledger);
      // Every transaction of the unit went to MaintenanceService: none to the token (no approve).
      const sent = await ethers.provider.getTransactionCount(unitWallet.address);
      expect(sent).to.equal(2);
      expect(unit.queue.entries().map((e) => e.to)).to.deep.equal([service, service]);
    });

    it("signs a new permit only when the allowance it saw falls under the low-water mark", async () => {
      const suite = await loadFixture(deploySuite);
      const {
        unit: unitWallet,
        provider: providerWallet,
        lab: labWallet,
        otherLab: otherLabWallet,
        stranger: strangerWallet,
      } = suite.wallets;
      // lowWater 2 parts, target 3 parts: the second order leaves 1 part of allowance, under the mark.
      const unit = await openUnit(suite, {
        funding: { lowWater: 2n * PART_PRICE, target: 3n * PART_PRICE },
        batch: { size: 4, maxDelayMs: 60_000 },
      });
      const seen = record(unit);
      const hot = (i: number) => reading(i, 250, 40);
      for (let i = 0; i < 8; i++) await unit.record(hot(i)); // orders parts 1 and 2
      await unit.idle();
      for (let i = 8; i < 12; i++) await unit.record(hot(i)); // carries the second permit, orders part 3
      await unit.idle();
      expect(seen.permitSigned.map(([p]) => [p.nonce, p.batchNonce])).to.deep.equal([
        [0n, 0],
        [1n, 2],
      ]);
      expect(seen.partOrdered).to.have.length(3);
      expect(await suite.token.allowance(unitWallet.address, suite.contracts.maintenanceService)).to.equal(
        2n * PART_PRICE,
      );
    });

    it("keeps a batch that could not pay: readings and requests applied, the order unpaid, paid later once funded (M7)", async () => {
      const suite = await loadFixture(deploySuite);
      const { unit: unitWallet, provider: providerWallet, stranger: strangerWallet } = suite.wallets;
      // The unit holds no tokens: it gave them all away before its queue opened (nonce 0).
      await (
        await suite.token.connect(unitWallet.connect(ethers.provider)).transfer(strangerWallet.address, UNIT_TOKENS)
      ).wait();
      const unit = await openUnit(suite, { batch: { size: 4, maxDelayMs: 60_000 } });
      const seen = record(unit);
      const unpaid: unknown[][] = [];
      const paid: unknown[][] = [];
      unit.on("partOrderUnpaid", (e) => unpaid.push([e.nonce, e.orderId, e.payer, e.price]));
      unit.on("partOrderPaid", (e) => paid.push([e.nonce, e.orderId, e.payer, e.provider, e.price]));
      for (let i = 0; i < 4; i++) await unit.record(reading(i, 250, 150)); // the fourth fires both counts
      for (let i = 4; i < 8; i++) await unit.record(reading(i, 80, 40));
      await unit.idle();
      expect(seen.reverted).to.deep.equal([]);
      expect(seen.readingsApplied.map(([e]) => [e.nonce, e.readings])).to.deep.equal([
        [1, 4],
        [2, 4],
      ]);
      expect(seen.serviceRequested.map(([e]) => [e.nonce, e.requestId])).to.deep.equal([[1, 1n]]);
      expect(seen.partOrdered.map(([o]) => [o.nonce, o.orderId])).to.deep.equal([[1, 1n]]);
      expect(unpaid).to.deep.equal([[1, 1n, unitWallet.address, PART_PRICE]]);
      expect(unit.unpaidOrders.map((o) => o.orderId)).to.deep.equal([1n]);
      expect((await suite.service.partOrder(1n)).status).to.equal(2n); // Unpaid
      expect(await suite.token.balanceOf(providerWallet.address)).to.equal(0n);

      // Restarted, the unit finds what it owes on chain; funded again, it pays it, once.
      await unit.close();
      units.splice(units.indexOf(unit), 1);
      const restarted = await openUnit(suite, { batch: { size: 4, maxDelayMs: 60_000 } });
      restarted.on("partOrderPaid", (e) => paid.push([e.nonce, e.orderId, e.payer, e.provider, e.price]));
      expect(restarted.unpaidOrders).to.deep.equal([]);
      expect((await restarted.findUnpaidOrders()).map((o) => [o.nonce, o.orderId, o.payer, o.price])).to.deep.equal([
        [1, 1n, unitWallet.address, PART_PRICE],
      ]);
      await (
        await suite.token.connect(strangerWallet.connect(ethers.provider)).transfer(unitWallet.address, PART_PRICE)
      ).wait();
      expect(await restarted.payUnpaidOrders()).to.deep.equal([3]);
      expect(await restarted.payUnpaidOrders()).to.deep.equal([]); // already queued
      await restarted.idle();
      expect(paid).to.deep.equal([[3, 1n, unitWallet.address, providerWallet.address, PART_PRICE]]);
      expect(restarted.unpaidOrders).to.deep.equal([]);
      expect(await restarted.findUnpaidOrders()).to.deep.equal([]);
      expect((await suite.service.partOrder(1n)).status).to.equal(1n); // Paid
      expect(await suite.token.balanceOf(providerWallet.address)).to.equal(PART_PRICE);
      expect(restarted.ledger.spent).to.equal(PART_PRICE);
    });
  });

  describe("settings the owner proposes (M2)", () => {
    it("reports the owner's pending proposal and accepts it on request; until then batches pay the old price", async () => {
      const suite = await loadFixture(deploySuite);
      const { unit: unitWallet, provider: providerWallet } = suite.wallets;
      await (await suite.service.setSettingsDelay(86_400)).wait(); // the fixture's delay is zero
      const m = await suite.service.machineInfo(MACHINE);
      const proposed = {
        unit: m.unit,
        provider: m.provider,
        partPrice: PART_PRICE * 2n,
        thresholds: { tempThreshold: 200, tempCountThreshold: 1, vibraThreshold: 100, vibraCountThreshold: 1 },
      };
      const tx = await suite.service
        .connect(MACHINE_WALLET.connect(ethers.provider))
        .proposeSettings(MACHINE, proposed);
      const effectiveAt = Number((await (await tx.wait())!.getBlock()).timestamp) + 86_400;
      const unit = await openUnit(suite, { batch: { size: 4, maxDelayMs: 60_000 } });
      const pending = {
        unit: unitWallet.address,
        provider: providerWallet.address,
        partPrice: PART_PRICE * 2n,
        tempThreshold: 200,
        tempCountThreshold: 1,
        vibraThreshold: 100,
        vibraCountThreshold: 1,
        effectiveAt,
      };
      expect(unit.pendingSettings).to.deep.equal(pending);
      const seen: unknown[] = [];
      unit.on("settingsPending", (info) => seen.push(info));
      const ordered: bigint[] = [];
      unit.on("partOrdered", (o) => ordered.push(o.price));
      for (let i = 0; i < 4; i++) await unit.record(reading(i, 250, 40)); // the fourth orders a part, at the old price
      await unit.idle();
      expect(seen).to.deep.equal([]); // the same proposal is reported once, on open
      expect(ordered).to.deep.equal([PART_PRICE]);

      expect(await unit.acceptPendingSettings()).to.equal(1);
      await unit.idle();
      expect(unit.pendingSettings).to.equal(undefined);
      expect(unit.settings).to.include({
        partPrice: (PART_PRICE * 2n).toString(),
        tempCountThreshold: 1,
        vibraCountThreshold: 1,
      });
      expect((await suite.service.machineInfo(MACHINE)).partPrice).to.equal(PART_PRICE * 2n);
    });
  });

  describe("status data", () => {
    it("uploads a snapshot to Helia, puts its pointer and object commitment in the EPR, and earns the upload reward once a verifier attests it", async () => {
      const suite = await loadFixture(deploySuiteAccepted);
      const {
        unit: unitWallet,
        provider: providerWallet,
        lab: labWallet,
        otherLab: otherLabWallet,
        stranger: strangerWallet,
      } = suite.wallets;
      const unit = await openSharingUnit(suite, { funding: false });
      const seen = record(unit);
      for (let i = 0; i < 7; i++) await unit.record(reading(i, 70 + i, 40 + i));
      const [upload] = await unit.uploadStatus();
      await unit.idle();

      const eprAddress = await suite.epr.getAddress();
      expect(upload.snapshot.window).to.deep.equal({
        from: reading(0, 0, 0).time,
        to: reading(6, 0, 0).time,
        readings: 7,
      });
      expect(upload.snapshot.temperature).to.include({ min: 70, max: 76, mean: 73, last: 76, aboveThreshold: 0 });
      expect(upload.contentHash).to.equal(keccak256(encodeStatus(upload.snapshot)));
      expect(upload.readers).to.have.members([unitWallet.address, providerWallet.address]);
      expect(await store!.isPinned(upload.cid)).to.equal(true);

      const stored = await suite.epr.record(0);
      expect([stored.addedBy, stored.contentHash, stored.uri, stored.query]).to.deep.equal([
        unitWallet.address,
        upload.contentHash,
        `ipfs://${upload.cid}`,
        upload.query,
      ]);
      expect(seen.recordAdded.map(([e]) => [e.epr, e.recordId, e.addedBy, e.contentHash, e.uri])).to.deep.equal([
        [eprAddress, 0n, unitWallet.address, upload.contentHash, upload.uri],
      ]);
      // The readings first (a full batch of 5, then the partial batch of 2 flushed by the upload), then the record.
      expect(unit.queue.entries().map((e) => [e.kind, e.meta.readings ?? null])).to.deep.equal([
        ["readings", 5],
        ["readings", 2],
        ["record", null],
      ]);
      // The commitment is to the bytes the store serves for the CID.
      expect(upload.objectDigest).to.equal(objectDigest(await store!.get(upload.cid)));
      expect(await suite.epr.objectCommitmentOf(0)).to.equal(objectCommitment(upload.objectDigest));
      expect(upload.objectCommitment).to.equal(objectCommitment(upload.objectDigest));
      // Nothing is paid on upload.
      expect(unit.ledger).to.deep.equal({ earned: 0n, spent: 0n });
      expect(await suite.token.balanceOf(unitWallet.address)).to.equal(UNIT_TOKENS);
      // A verifier fetches the object, signs, and the attestation pays the device.
      const attestation = await prepareAttestation({
        runner: ethers.provider,
        epr: eprAddress,
        recordId: 0,
        verifier: suite.wallets.verifier,
        source: { store: store! },
      });
      expect([attestation.objectDigest, attestation.checkedPlaintext, attestation.verifier]).to.deep.equal([
        upload.objectDigest,
        false,
        suite.wallets.verifier.address,
      ]);
      await (
        await suite.epr
          .connect(suite.wallets.verifier.connect(ethers.provider))
          .attest(0, attestation.objectDigest, attestation.signature)
      ).wait();
      expect((await suite.epr.record(0)).attestedBy).to.equal(suite.wallets.verifier.address);
      expect(await suite.token.balanceOf(unitWallet.address)).to.equal(UNIT_TOKENS + UPLOAD_REWARD);

      // The provider reads it back from the store, each step timed.
      const steps: ReaderStep[] = [];
      const read = await readStatus({
        runner: ethers.provider,
        epr: eprAddress,
        recordId: "latest",
        reader: providerWallet,
        source: { store: store! },
        onStep: (step) => steps.push(step),
      });
      expect(read.snapshot).to.deep.equal(upload.snapshot);
      expect(steps).to.deep.equal(["query", "get", "decode", "unwrap", "decrypt", "verify"]);
      expect(await unit.uploadStatus()).to.deep.equal([]);
    });

    it("uploads automatically every `statusEvery` readings", async () => {
      const suite = await loadFixture(deploySuite);
      const {
        unit: unitWallet,
        provider: providerWallet,
        lab: labWallet,
        otherLab: otherLabWallet,
        stranger: strangerWallet,
      } = suite.wallets;
      store = await openHeliaStore({ dir: `${dir}-store` });
      const unit = await openUnit(suite, {
        funding: false,
        sharing: {
          store,
          relationships: [{ epr: await suite.epr.getAddress(), provider: providerWallet.signingKey.publicKey }],
          statusEvery: 4,
        },
      });
      const seen = record(unit);
      for (let i = 0; i < 9; i++) await unit.record(reading(i, 70, 40));
      await unit.idle();
      expect(seen.statusUploaded.map(([u]) => [u.sequence, u.snapshot.window.readings])).to.deep.equal([
        [1, 4],
        [2, 4],
      ]);
      expect(await suite.epr.recordCount()).to.equal(2n);
      expect(unit.pendingStatusReadings).to.equal(1);
    });

    it("lets an authorized third party fetch, decrypt and verify (store and gateway); an unauthorized one cannot", async () => {
      const suite = await loadFixture(deploySuite);
      const {
        unit: unitWallet,
        provider: providerWallet,
        lab: labWallet,
        otherLab: otherLabWallet,
        stranger: strangerWallet,
      } = suite.wallets;
      const unit = await openSharingUnit(suite, { funding: false });
      const seen = record(unit);
      const eprAddress = await suite.epr.getAddress();
      await unit.shareWith(labWallet.signingKey.publicKey);
      for (let i = 0; i < 3; i++) await unit.record(reading(i, 90, 120));
      const [upload] = await unit.uploadStatus();
      await unit.idle();

      expect(upload.readers).to.have.members([unitWallet.address, providerWallet.address, labWallet.address]);
      expect(seen.readerAuthorized.map(([e]) => [e.epr, e.recordId, e.reader, e.nonce])).to.deep.equal([
        [eprAddress, 0n, labWallet.address, upload.nonce],
      ]);
      // One transaction per share: the record and its reader, no follow-up.
      expect(unit.queue.entries().map((e) => [e.kind, e.meta.parent ?? null])).to.deep.equal([
        ["readings", null],
        ["record", null],
      ]);
      expect(eprInterface.parseTransaction({ data: unit.queue.entries()[1].data })?.name).to.equal(
        "addRecordWithReaders",
      );
      expect(await suite.epr.canRead(0, labWallet.address)).to.equal(true);
      expect(await suite.epr.canRead(0, otherLabWallet.address)).to.equal(false);

      gateway = await startGateway({
        store: store!,
        chainId: (await ethers.provider.getNetwork()).chainId,
        predicate: onChainReadPredicate({
          runner: ethers.provider,
          trusted: createdByFactory(ethers.provider, await suite.factory.getAddress()),
        }),
      });
      for (const source of [{ store: store! }, { gateway: gateway.url }]) {
        const steps: ReaderStep[] = [];
        const read = await readStatus({
          runner: ethers.provider,
          epr: eprAddress,
          recordId: 0,
          reader: labWallet,
          source,
          onStep: (s) => steps.push(s),
        });
        expect(read.snapshot).to.deep.equal(upload.snapshot);
        expect(read.record.contentHash).to.equal(upload.contentHash);
        expect(steps).to.deep.equal(
          "gateway" in source
            ? ["query", "sign", "get", "decode", "unwrap", "decrypt", "verify"]
            : ["query", "get", "decode", "unwrap", "decrypt", "verify"],
        );
      }
      // A registered lab the device did not choose: no wrapped key, and the gateway refuses it.
      const notWrapped = await expectRejects(
        readStatus({
          runner: ethers.provider,
          epr: eprAddress,
          recordId: 0,
          reader: otherLabWallet,
          source: { store: store! },
        }),
        NotAReaderError,
      );
      expect(notWrapped.reader).to.equal(otherLabWallet.address);
      const refused = await expectRejects(
        readStatus({
          runner: ethers.provider,
          epr: eprAddress,
          recordId: 0,
          reader: otherLabWallet,
          source: { gateway: gateway.url },
        }),
        GatewayRequestError,
      );
      expect([refused.status, refused.code]).to.deep.equal([403, "Forbidden"]);
    });

    it("revocation rotates: the reader loses access to its records, and later data is not wrapped for it", async () => {
      const suite = await loadFixture(deploySuite);
      const {
        unit: unitWallet,
        provider: providerWallet,
        lab: labWallet,
        otherLab: otherLabWallet,
        stranger: strangerWallet,
      } = suite.wallets;
      const unit = await openSharingUnit(suite, { funding: false });
      const seen = record(unit);
      const eprAddress = await suite.epr.getAddress();
      await unit.shareWith(labWallet.signingKey.publicKey);
      await unit.shareWith(otherLabWallet.signingKey.publicKey);
      await unit.record(reading(0, 90, 50));
      await unit.uploadStatus();
      await unit.record(reading(1, 91, 50));
      await unit.uploadStatus();
      await unit.idle();
      const epochBefore = unit.readers().length;
      expect(epochBefore).to.equal(4);

      expect(await unit.stopSharingWith(labWallet.address)).to.deep.equal({ [eprAddress]: [0, 1] });
      await unit.idle();
      expect(seen.readerRevoked.map(([e]) => [e.recordId, e.reader])).to.deep.equal([
        [0n, labWallet.address],
        [1n, labWallet.address],
      ]);
      expect(await suite.epr.canRead(0, labWallet.address)).to.equal(false);
      expect(await suite.epr.canRead(1, labWallet.address)).to.equal(false);
      expect(await suite.epr.canRead(1, otherLabWallet.address)).to.equal(true);
      expect(unit.readers().map((r) => r.address)).to.deep.equal([
        unitWallet.address,
        providerWallet.address,
        otherLabWallet.address,
      ]);

      await unit.record(reading(2, 92, 50));
      const [later] = await unit.uploadStatus();
      await unit.idle();
      expect(later.readers).to.have.members([unitWallet.address, providerWallet.address, otherLabWallet.address]);
      await expectRejects(
        readStatus({
          runner: ethers.provider,
          epr: eprAddress,
          recordId: 2,
          reader: labWallet,
          source: { store: store! },
        }),
        NotAReaderError,
      );
      const stillReads = await readStatus({
        runner: ethers.provider,
        epr: eprAddress,
        recordId: 2,
        reader: otherLabWallet,
        source: { store: store! },
      });
      expect(stillReads.snapshot.sequence).to.equal(3);
      expect(await suite.epr.canRead(2, labWallet.address)).to.equal(false);
      expect(await suite.epr.canRead(2, otherLabWallet.address)).to.equal(true);
      gateway = await startGateway({
        store: store!,
        chainId: (await ethers.provider.getNetwork()).chainId,
        predicate: onChainReadPredicate({ runner: ethers.provider, trusted: [eprAddress] }),
      });
      const refused = await expectRejects(
        readStatus({
          runner: ethers.provider,
          epr: eprAddress,
          recordId: 0,
          reader: labWallet,
          source: { gateway: gateway.url },
        }),
        GatewayRequestError,
      );
      expect(refused.status).to.equal(403);
      // The device's own records, listed by the provider.
      const records = await listRecords(ethers.provider, eprAddress, { addedBy: unitWallet.address });
      expect(records.map((r) => r.recordId)).to.deep.equal([0n, 1n, 2n]);
    });

    it("revokes a reader its record authorized when the reader was revoked between the upload and the mining", async () => {
      const suite = await loadFixture(deploySuite);
      const { lab: labWallet, otherLab: otherLabWallet } = suite.wallets;
      const transport = new SwitchableTransport();
      const unit = await openSharingUnit(suite, { funding: false, chain: transport });
      const seen = record(unit);
      const eprAddress = await suite.epr.getAddress();
      await unit.shareWith(labWallet.signingKey.publicKey);
      await unit.shareWith(otherLabWallet.signingKey.publicKey);
      await unit.record(reading(0, 90, 50));
      transport.down = true;
      const [upload] = await unit.uploadStatus();
      expect(upload.readers).to.include.members([labWallet.address, otherLabWallet.address]);
      // The record's transaction is signed with both readers; the lab is revoked before it is mined.
      expect(await unit.stopSharingWith(labWallet.address)).to.deep.equal({ [eprAddress]: [] });
      transport.down = false;
      await unit.idle();

      expect(seen.readerAuthorized.map(([e]) => [e.recordId, e.reader])).to.deep.equal([
        [0n, labWallet.address],
        [0n, otherLabWallet.address],
      ]);
      expect(seen.readerRevoked.map(([e]) => [e.recordId, e.reader])).to.deep.equal([[0n, labWallet.address]]);
      expect(unit.queue.entries().map((e) => [e.kind, e.meta.parent ?? null, e.meta.reader ?? null])).to.deep.equal([
        ["readings", null, null],
        ["record", null, null],
        ["revoke", upload.nonce, labWallet.address],
      ]);
      expect(await suite.epr.canRead(0, labWallet.address)).to.equal(false);
      expect(await suite.epr.canRead(0, otherLabWallet.address)).to.equal(true);
      // The state remembers the reader still authorized, so revoking it later withdraws record 0 too.
      expect(await unit.stopSharingWith(otherLabWallet.address)).to.deep.equal({ [eprAddress]: [0] });
    });

    it("authorizes with one follow-up each the readers of a record queued as a plain addRecord (a queue of an earlier unit)", async () => {
      const suite = await loadFixture(deploySuite);
      const { lab: labWallet } = suite.wallets;
      const unit = await openSharingUnit(suite, { funding: false });
      const seen = record(unit);
      const eprAddress = await suite.epr.getAddress();
      await unit.shareWith(labWallet.signingKey.publicKey);
      const pointer = {
        query: "status?sequence=1",
        contentHash: keccak256(Uint8Array.of(1)),
        uri: "ipfs://bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy",
      };
      const entry = await unit.queue.enqueue({
        kind: "record",
        to: eprAddress,
        data: eprInterface.encodeFunctionData("addRecord", [
          pointer.query,
          pointer.contentHash,
          pointer.uri,
          keccak256(Uint8Array.of(2)),
          0n,
        ]),
        gasLimit: 600_000n,
        meta: {
          epr: eprAddress,
          cid: pointer.uri.slice("ipfs://".length),
          contentHash: pointer.contentHash,
          sequence: 1,
          authorize: [labWallet.address],
        },
      });
      await unit.idle();

      expect(unit.queue.entries().map((e) => [e.kind, e.meta.parent ?? null])).to.deep.equal([
        ["record", null],
        ["authorize", entry.nonce],
      ]);
      expect(seen.readerAuthorized.map(([e]) => [e.recordId, e.reader, e.nonce])).to.deep.equal([
        [0n, labWallet.address, entry.nonce + 1],
      ]);
      expect(await suite.epr.canRead(0, labWallet.address)).to.equal(true);
      expect(await unit.stopSharingWith(labWallet.address)).to.deep.equal({ [eprAddress]: [0] });
    });

    it("lets a verifier that reads the record check the plaintext; refuses to attest an object that is not the committed one", async () => {
      const suite = await loadFixture(deploySuiteAccepted);
      const { lab: labWallet } = suite.wallets;
      const unit = await openSharingUnit(suite, { funding: false });
      const eprAddress = await suite.epr.getAddress();
      await unit.shareWith(labWallet.signingKey.publicKey);
      await unit.record(reading(0, 90, 50));
      const [first] = await unit.uploadStatus();
      await unit.record(reading(1, 91, 50));
      const [second] = await unit.uploadStatus();
      await unit.idle();
      // The lab is a reader: it decrypts and checks the content hash before it signs.
      await suite.factory.grantRole(await suite.factory.VERIFIER_ROLE(), labWallet.address);
      const checked = await prepareAttestation({
        runner: ethers.provider,
        epr: eprAddress,
        recordId: 0,
        verifier: labWallet,
        source: { store: store! },
      });
      expect([checked.checkedPlaintext, checked.objectDigest]).to.deep.equal([true, first.objectDigest]);
      // A store that serves record 1's object for record 0's CID is caught before anything is signed.
      const swapped: HeliaStore = Object.assign(Object.create(store!) as HeliaStore, {
        get: () => store!.get(second.cid),
      });
      const error = await expectRejects(
        prepareAttestation({
          runner: ethers.provider,
          epr: eprAddress,
          recordId: 0,
          verifier: labWallet,
          source: { store: swapped },
        }),
        AttestationObjectError,
      );
      expect([error.recordId, error.commitment, error.objectDigest]).to.deep.equal([
        0n,
        first.objectCommitment,
        second.objectDigest,
      ]);
    });

    it("follows a reader that moves its identity: the old key gets nothing more, later snapshots go to the new key and address", async () => {
      const suite = await loadFixture(deploySuite);
      const { lab: labWallet, otherLab: otherLabWallet } = suite.wallets;
      const moved = new Wallet(Wallet.createRandom().privateKey);
      const unit = await openSharingUnit(suite, { funding: false });
      await unit.close();
      units.splice(units.indexOf(unit), 1);
      const keys = new Map([[moved.address, moved.signingKey.publicKey]]);
      const following = await openUnit(suite, {
        funding: false,
        sharing: {
          store: store!,
          relationships: [{ epr: await suite.epr.getAddress(), provider: suite.wallets.provider.signingKey.publicKey }],
          readerKeyOf: (account) => keys.get(account),
        },
      });
      const seen = record(following);
      const eprAddress = await suite.epr.getAddress();
      await following.shareWith(labWallet.signingKey.publicKey);
      await following.shareWith(otherLabWallet.signingKey.publicKey);
      await following.record(reading(0, 90, 50));
      await following.uploadStatus();
      await following.idle();
      expect(await suite.epr.canRead(0, labWallet.address)).to.equal(true);

      // The lab rotates its key (its old one leaked, say).
      await (
        await suite.register.connect(labWallet.connect(ethers.provider)).changeAccount("tu-lab", moved.address)
      ).wait();
      await following.record(reading(1, 91, 50));
      const [later] = await following.uploadStatus();
      await following.idle();
      expect(seen.readerMoved.map(([m]) => m)).to.deep.equal([
        { previous: labWallet.address, next: moved.address, eprs: [eprAddress], rewrapped: true },
      ]);
      expect(later.readers).to.include(moved.address).and.not.include(labWallet.address);
      expect(
        eprInterface
          .parseTransaction({ data: following.queue.entries().find((e) => e.nonce === later.nonce)!.data })!
          .args.readers.toArray(),
      ).to.have.members([moved.address, otherLabWallet.address]);
      // On chain the identity reads both records under its new account, the old account neither.
      for (const id of [0, 1]) {
        expect(await suite.epr.canRead(id, moved.address)).to.equal(true);
        expect(await suite.epr.canRead(id, labWallet.address)).to.equal(false);
      }
      await expectRejects(
        readStatus({
          runner: ethers.provider,
          epr: eprAddress,
          recordId: 1,
          reader: labWallet,
          source: { store: store! },
        }),
        NotAReaderError,
      );
      expect(
        (
          await readStatus({
            runner: ethers.provider,
            epr: eprAddress,
            recordId: 1,
            reader: moved,
            source: { store: store! },
          })
        ).snapshot.sequence,
      ).to.equal(2);
      // The authorizations followed: revoking the new account withdraws both records.
      expect(await following.stopSharingWith(moved.address)).to.deep.equal({ [eprAddress]: [0, 1] });
      await following.idle();
      expect(await suite.epr.canRead(0, moved.address)).to.equal(false);
      expect(await following.followIdentities()).to.deep.equal([]);
    });

    it("drops a moved reader's old key when it does not know the new one, and says so", async () => {
      const suite = await loadFixture(deploySuite);
      const { lab: labWallet } = suite.wallets;
      const moved = Wallet.createRandom();
      const unit = await openSharingUnit(suite, { funding: false });
      const seen = record(unit);
      await unit.shareWith(labWallet.signingKey.publicKey);
      await (
        await suite.register.connect(labWallet.connect(ethers.provider)).changeAccount("tu-lab", moved.address)
      ).wait();
      await unit.record(reading(0, 90, 50));
      const [upload] = await unit.uploadStatus();
      await unit.idle();
      expect(seen.readerMoved.map(([m]) => [m.previous, m.next, m.rewrapped])).to.deep.equal([
        [labWallet.address, moved.address, false],
      ]);
      expect(upload.readers).to.have.members([suite.wallets.unit.address, suite.wallets.provider.address]);
      expect(unit.queue.entries().find((e) => e.nonce === upload.nonce)!.kind).to.equal("record");
      expect(
        eprInterface.parseTransaction({ data: unit.queue.entries().find((e) => e.nonce === upload.nonce)!.data })!.name,
      ).to.equal("addRecord");
    });

    it("finishes on open a revocation a crash cut short after its intent was written, queueing each revoke once", async () => {
      const suite = await loadFixture(deploySuite);
      const { lab: labWallet } = suite.wallets;
      const unit = await openSharingUnit(suite, { funding: false });
      const eprAddress = await suite.epr.getAddress();
      await unit.shareWith(labWallet.signingKey.publicKey);
      for (const i of [0, 1]) {
        await unit.record(reading(i, 90, 50));
        await unit.uploadStatus();
      }
      await unit.idle();
      // The keyring's save fails (the process dies there): the intent is on disk, no revoke is queued.
      const save = RelationshipKeyrings.prototype.save;
      RelationshipKeyrings.prototype.save = () => Promise.reject(new Error("killed while saving the keyring"));
      try {
        await expectRejects(unit.stopSharingWith(labWallet.address), Error);
      } finally {
        RelationshipKeyrings.prototype.save = save;
      }
      expect(unit.queue.entries().filter((e) => e.kind === "revoke")).to.deep.equal([]);
      await unit.close();
      units.splice(units.indexOf(unit), 1);

      const reopened = await openSharingUnit(suite, { funding: false });
      await reopened.idle();
      const revokes = reopened.queue
        .entries()
        .filter((e) => e.kind === "revoke")
        .map((e) => [e.meta.recordId, e.meta.reader]);
      expect(revokes).to.deep.equal([
        [0, labWallet.address],
        [1, labWallet.address],
      ]);
      expect(await suite.epr.canRead(0, labWallet.address)).to.equal(false);
      expect(await suite.epr.canRead(1, labWallet.address)).to.equal(false);
      expect(reopened.readers().map((r) => r.address)).to.not.include(labWallet.address);
      await reopened.close();
      units.splice(units.indexOf(reopened), 1);
      // Nothing left to resume: a third open queues nothing.
      const third = await openSharingUnit(suite, { funding: false });
      expect(third.queue.entries().filter((e) => e.kind === "revoke")).to.have.length(2);
    });

    it("refuses to share with a reader the Register does not know", async () => {
      const suite = await loadFixture(deploySuite);
      const {
        unit: unitWallet,
        provider: providerWallet,
        lab: labWallet,
        otherLab: otherLabWallet,
        stranger: strangerWallet,
      } = suite.wallets;
      const unit = await openSharingUnit(suite, { funding: false });
      const error = await expectRejects(unit.shareWith(strangerWallet.signingKey.publicKey), UnregisteredReaderError);
      expect(error.reader).to.equal(strangerWallet.address);
      expect(unit.readers()).to.have.length(2);
    });
  });

  describe("outages", () => {
    it("keeps queueing while the chain is down, survives a crash of the unit, and applies every batch exactly once", async () => {
      const suite = await loadFixture(deploySuite);
      const {
        unit: unitWallet,
        provider: providerWallet,
        lab: labWallet,
        otherLab: otherLabWallet,
        stranger: strangerWallet,
      } = suite.wallets;
      const transport = new SwitchableTransport();
      const sensor = new SyntheticSensor({ seed: 9, count: 200 });
      const produced: number[] = [];
      const first = await openUnit(suite, {
        chain: transport,
        funding: false,
        batch: { size: 10, maxDelayMs: 60_000 },
      });
      const firstSeen = record(first);
      for (let i = 0; i < 50; i++) await first.record(sensor.next());
      await first.idle();
      transport.down = true;
      for (let i = 50; i < 120; i++) await first.record(sensor.next());
      await first.flush();
      expect(first.queue.pending()).to.have.length(7);
      expect(firstSeen.outage.length).to.be.at.least(1);
      // The unit dies with 7 batches on disk, unsent.
      await first.close();
      units.splice(units.indexOf(first), 1);

      const second = await openUnit(suite, {
        chain: transport,
        funding: false,
        batch: { size: 10, maxDelayMs: 60_000 },
      });
      const secondSeen = record(second);
      expect(second.queue.pending().map((e) => e.nonce)).to.deep.equal([5, 6, 7, 8, 9, 10, 11]);
      for (let i = 120; i < 200; i++) await second.record(sensor.next());
      transport.down = false;
      await second.idle();
      for (const [e] of [...firstSeen.readingsApplied, ...secondSeen.readingsApplied]) produced.push(e.readings);
      expect(produced.reduce((a, b) => a + b, 0)).to.equal(200);
      expect([...firstSeen.readingsApplied, ...secondSeen.readingsApplied].map(([e]) => e.nonce)).to.deep.equal(
        Array.from({ length: 20 }, (_, i) => i),
      );
      const logs = await suite.service.queryFilter(suite.service.filters.ReadingsReported(MACHINE));
      expect(logs.reduce((sum, log) => sum + Number(log.args.readings), 0)).to.equal(200);
      expect(logs).to.have.length(20);
      expect(await ethers.provider.getTransactionCount(unitWallet.address)).to.equal(20);
    });

    it("opened for the first time while the chain is down, reads its machine after the outage and then signs its permit", async () => {
      const suite = await loadFixture(deploySuite);
      const transport = new SwitchableTransport();
      transport.down = true;
      const unit = await openUnit(suite, {
        chain: transport,
        chainId: 31337,
        queue: { startNonce: 0, pollIntervalMs: 5, retry: { initialMs: 10, maxMs: 50 } },
      });
      const seen = record(unit);
      expect(unit.settings).to.equal(undefined);
      for (let i = 0; i < 5; i++) await unit.record(reading(i, 80, 40));
      expect(seen.batchQueued.map(([b]) => b.permit)).to.deep.equal([false]);
      transport.down = false;
      await unit.idle();
      expect(seen.recovered).to.have.length(1);
      for (let i = 5; i < 10; i++) await unit.record(reading(i, 250, 40));
      await unit.idle();
      expect(unit.settings?.partPrice).to.equal(PART_PRICE.toString());
      expect(seen.batchQueued.map(([b]) => b.permit)).to.deep.equal([false, true]);
      expect(seen.partOrdered).to.have.length(1);
      expect(seen.failure).to.deep.equal([]);
    });

    it("opens while the chain is down from its cached settings, once it was opened up", async () => {
      const suite = await loadFixture(deploySuite);
      const {
        unit: unitWallet,
        provider: providerWallet,
        lab: labWallet,
        otherLab: otherLabWallet,
        stranger: strangerWallet,
      } = suite.wallets;
      const transport = new SwitchableTransport();
      const first = await openUnit(suite, { chain: transport, funding: false });
      expect(first.settings?.vibraCountThreshold).to.equal(LOW_COUNT_THRESHOLD);
      await first.close();
      units.splice(units.indexOf(first), 1);
      transport.down = true;
      const second = await openUnit(suite, { chain: transport, funding: false });
      expect(second.settings?.vibraCountThreshold).to.equal(LOW_COUNT_THRESHOLD);
      await second.record(reading(0, 80, 40));
      await second.flush();
      expect(second.queue.pending()).to.have.length(1);
      transport.down = false;
      await second.idle();
      expect(await ethers.provider.getTransactionCount(unitWallet.address)).to.equal(1);
    });
  });
});
