import { expect } from "chai";
import { ethers } from "hardhat";
import { RecordWriter } from "../../src/records";
import { FullNodeProver, LightClient, Relay, StaleAnchorError, fetchHeader, resetTrustRoot } from "../../src/anchor";
import { community, communications, expectReject, mainHub, tempDir, type TestCommunity } from "../src/anchor/fixtures";

/** A chain recreated with the same chain id: another genesis-time history from block 1 on. */
async function recreate(chainId: number, dir: string): Promise<TestCommunity> {
  const fresh = await community("community-1", chainId, dir);
  await (await (await fresh.chain.signer(2)).sendTransaction({ to: ethers.ZeroAddress, value: 1n })).wait();
  return fresh;
}

async function writeRecords(c: TestCommunity, count: number, seed: number): Promise<void> {
  const writer = await RecordWriter.open(c.writer, c.recordLog, c.store);
  for (const record of communications(count, seed)) writer.append(record);
  await (await writer.flush())!.tx.wait();
}

describe("security M3: anchoring recovers from a recreated or reorganised chain and waits for confirmations", () => {
  let cleanup: () => void;
  let dir: string;
  beforeEach(() => {
    ({ dir, cleanup } = tempDir());
  });
  afterEach(() => cleanup());

  it("reports reset-needed naming resetChain for a recreated chain, and anchors again after an admin resets it", async () => {
    const old = await community("community-1", 31_101, `${dir}/old`);
    const { hub, relayerHub } = await mainHub();
    const [admin, , stranger] = await ethers.getSigners();
    await hub.registerChain(old.chain.chainId, 0, (await fetchHeader(old.chain.rpc, 0n)).hash);
    await writeRecords(old, 5, 0);
    const [first] = await new Relay({
      hub: relayerHub,
      chains: [{ name: "community-1", chainId: old.chain.chainId, rpc: old.chain.rpc }],
    }).round();
    expect(first.status).to.equal("anchored");

    const fresh = await recreate(old.chain.chainId, `${dir}/new`);
    const relay = new Relay({
      hub: relayerHub,
      chains: [{ name: "community-1", chainId: fresh.chain.chainId, rpc: fresh.chain.rpc }],
    });
    for (let round = 0; round < 2; round++) {
      const [stuck] = await relay.round();
      expect(stuck.status).to.equal("reset-needed");
      expect(stuck.error!.message).to.match(
        /the chain was recreated or reorganised below the last anchor\. An admin must give it a new trust root with AnchorHub\.resetChain\(31101, height, blockHash\)/,
      );
      expect(stuck.reset).to.include({ epoch: 0, anchoredHeight: first.height });
      expect(stuck.failures).to.equal(0);
    }

    await expect(hub.connect(stranger).resetChain(fresh.chain.chainId, 0, ethers.id("x")))
      .to.be.revertedWithCustomError(hub, "AccessControlUnauthorizedAccount")
      .withArgs(stranger.address, await hub.DEFAULT_ADMIN_ROLE());
    await expect(hub.resetChain(fresh.chain.chainId, 0, ethers.ZeroHash))
      .to.be.revertedWithCustomError(hub, "AnchorHubZeroBlockHash")
      .withArgs(31_101n, 0n);
    await expect(hub.resetChain(4242, 0, ethers.id("x")))
      .to.be.revertedWithCustomError(hub, "AnchorHubUnknownChain")
      .withArgs(4242n);
    const genesis = (await fetchHeader(fresh.chain.rpc, 0n)).hash;
    await expect(hub.resetChain(fresh.chain.chainId, 0, genesis))
      .to.emit(hub, "ChainReset")
      .withArgs(31_101n, 1n, 0n, genesis, BigInt(first.height!), admin.address);
    expect(await hub.epochOf(fresh.chain.chainId)).to.equal(1n);
    expect((await hub.trustRoot(fresh.chain.chainId)).blockHash).to.equal(genesis);
    // the old epoch's checkpoint is no longer served as current
    await expect(hub.checkpointAt(fresh.chain.chainId, first.height!)).to.be.revertedWithCustomError(
      hub,
      "AnchorHubNoCheckpoint",
    );

    const [resumed] = await relay.round();
    expect(resumed.status).to.equal("anchored");
    expect(resumed.from).to.equal(1);
    const checkpoint = await hub.latestCheckpoint(fresh.chain.chainId);
    expect([checkpoint.epoch, checkpoint.blockHash]).to.deep.equal([
      1n,
      (await fetchHeader(fresh.chain.rpc, "latest")).hash,
    ]);
  });

  it("resetTrustRoot checks the new genesis against the recorded one", async () => {
    const c = await community("community-1", 31_102, dir);
    const { hub } = await mainHub();
    const genesis = (await fetchHeader(c.chain.rpc, 0n)).hash;
    await hub.registerChain(c.chain.chainId, 0, genesis);
    const chain = { name: "community-1", chainId: c.chain.chainId, rpc: c.chain.rpc };
    await expectReject(
      resetTrustRoot(hub, { ...chain, genesisHash: ethers.id("other") }),
      Error,
      /not the chain that was created/,
    );
    expect(await resetTrustRoot(hub, { ...chain, genesisHash: genesis })).to.deep.equal({
      epoch: 1,
      height: 0,
      blockHash: genesis,
    });
  });

  it("the light client refuses a checkpoint of an earlier epoch", async () => {
    const old = await community("community-1", 31_103, `${dir}/old`);
    const { hub, relayerHub } = await mainHub();
    await hub.registerChain(old.chain.chainId, 0, (await fetchHeader(old.chain.rpc, 0n)).hash);
    await writeRecords(old, 4, 0);
    await new Relay({
      hub: relayerHub,
      chains: [{ name: "community-1", chainId: old.chain.chainId, rpc: old.chain.rpc }],
    }).round();
    const client = await LightClient.load(hub.connect(ethers.provider));
    const oldAnchor = client.latestAnchor(old.chain.chainId)!;
    const oldProver = new FullNodeProver(old.chain.rpc, old.recordLog, old.store);
    const oldProof = await oldProver.proveRecord(1, oldAnchor.height);
    expect((await client.verifyProof(oldAnchor, old.recordLog, 1, oldProof)).record.sequence).to.equal(1);

    const fresh = await recreate(old.chain.chainId, `${dir}/new`);
    await hub.resetChain(fresh.chain.chainId, 0, (await fetchHeader(fresh.chain.rpc, 0n)).hash);
    await client.sync();
    expect(client.epochOf(fresh.chain.chainId)).to.equal(1);
    expect(client.latestAnchor(fresh.chain.chainId)).to.equal(undefined);
    const stale = await expectReject(
      client.verifyProof(oldAnchor, old.recordLog, 1, oldProof),
      StaleAnchorError,
      /belongs to epoch 0, but the chain was reset on the AnchorHub \(resetChain\) and is in epoch 1: checkpoints of earlier epochs are no longer valid/,
    );
    expect(stale.reason).to.equal("stale-anchor");
    await expectReject(
      client.verifyRecord(fresh.chain.chainId, old.recordLog, 1, oldProver, { height: oldAnchor.height }),
      StaleAnchorError,
      /belongs to epoch 0/,
    );
    await expectReject(
      client.verifyRecord(fresh.chain.chainId, old.recordLog, 1, oldProver),
      Error,
      /no checkpoint anchored on the AnchorHub since its reset to epoch 1/,
    );

    await writeRecords(fresh, 3, 50);
    await new Relay({
      hub: relayerHub,
      chains: [{ name: "community-1", chainId: fresh.chain.chainId, rpc: fresh.chain.rpc }],
    }).round();
    await client.sync();
    const verified = await client.verifyRecord(
      fresh.chain.chainId,
      fresh.recordLog,
      2,
      new FullNodeProver(fresh.chain.rpc, fresh.recordLog, fresh.store),
    );
    expect([verified.anchor.epoch, verified.record.sequence]).to.deep.equal([1, 2]);
  });

  it("anchors only up to head - confirmations", async () => {
    const c = await community("community-1", 31_104, dir);
    await c.chain.mine(10);
    const { hub, relayerHub } = await mainHub();
    await hub.registerChain(c.chain.chainId, 0, (await fetchHeader(c.chain.rpc, 0n)).hash);
    const head = Number((await fetchHeader(c.chain.rpc, "latest")).number);
    const relay = new Relay({
      hub: relayerHub,
      confirmations: 3,
      chains: [{ name: "community-1", chainId: c.chain.chainId, rpc: c.chain.rpc }],
    });
    const [round] = await relay.round();
    expect([round.status, round.to]).to.deep.equal(["anchored", head - 3]);
    expect(await hub.lastAnchoredHeight(c.chain.chainId)).to.equal(BigInt(head - 3));
    await c.chain.mine(2);
    expect((await relay.round())[0].to).to.equal(head - 1);
    expect((await relay.round())[0].status).to.equal("up-to-date");
    expect(() => new Relay({ hub: relayerHub, confirmations: -1, chains: [] })).to.throw(
      /confirmations must be a non-negative integer, got -1/,
    );
  });
});
