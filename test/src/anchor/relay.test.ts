import net from "node:net";
import { expect } from "chai";
import { ethers } from "hardhat";
import { JsonRpcProvider } from "ethers";
import {
  Relay,
  RelayError,
  fetchHeader,
  type AnchoredEvent,
  type RelayedChain,
  type RpcClient,
} from "../../../src/anchor";
import { inProcessChain, mainHub, type TestChain } from "./fixtures";

/** A port nothing listens on: bound to 0 by the OS, then released. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** An RPC client that can be switched off, as a chain going down and coming back. */
function switchable(rpc: RpcClient): RpcClient & { down: boolean } {
  return {
    down: false,
    send(method, params) {
      return this.down ? Promise.reject(new Error("connect ECONNREFUSED 127.0.0.1")) : rpc.send(method, params);
    },
  };
}

async function registered(chains: TestChain[]) {
  const { hub, relayerHub } = await mainHub();
  for (const chain of chains) await hub.registerChain(chain.chainId, 0, (await fetchHeader(chain.rpc, 0n)).hash);
  return { hub, relayerHub };
}

describe("anchor/relay", () => {
  let a: TestChain;
  let b: TestChain;
  beforeEach(async () => {
    a = await inProcessChain(31_001);
    b = await inProcessChain(31_002);
    await a.mine(5);
    await b.mine(3);
  });

  it("anchors every chain up to its head, then reports it up to date, then anchors the new blocks", async () => {
    const { hub, relayerHub } = await registered([a, b]);
    const relay = new Relay({
      hub: relayerHub,
      chains: [
        { name: "community-1", chainId: a.chainId, rpc: a.rpc },
        { name: "community-2", chainId: b.chainId, rpc: b.rpc },
      ],
    });

    const first = await relay.round();
    expect(
      first.map((r) => [r.chain, r.status, r.from, r.to, r.height, r.transactions.length, r.registered]),
    ).to.deep.equal([
      ["community-1", "anchored", 1, 5, 5, 1, false],
      ["community-2", "anchored", 1, 3, 3, 1, false],
    ]);
    const tipA = await fetchHeader(a.rpc, 5n);
    const checkpoint = await hub.latestCheckpoint(a.chainId);
    expect([checkpoint.height, checkpoint.blockHash, checkpoint.stateRoot]).to.deep.equal([
      5n,
      tipA.hash,
      tipA.stateRoot,
    ]);
    expect(await hub.lastAnchoredHeight(b.chainId)).to.equal(3n);

    expect((await relay.round()).map((r) => [r.status, r.height, r.transactions.length])).to.deep.equal([
      ["up-to-date", 5, 0],
      ["up-to-date", 3, 0],
    ]);

    await a.mine(2);
    const third = await relay.round();
    expect(third.map((r) => [r.status, r.from, r.to])).to.deep.equal([
      ["anchored", 6, 7],
      ["up-to-date", undefined, undefined],
    ]);
    expect(await hub.lastAnchoredHeight(a.chainId)).to.equal(7n);
  });

  it("caps the headers per transaction", async () => {
    const { hub, relayerHub } = await registered([a]);
    await a.mine(5);
    const events: AnchoredEvent[] = [];
    const relay = new Relay({
      hub: relayerHub,
      chains: [{ name: "community-1", chainId: a.chainId, rpc: a.rpc }],
      maxHeadersPerTx: 4,
      onAnchored: (e) => events.push(e),
    });
    const [round] = await relay.round();
    expect(round.transactions).to.have.length(3);
    expect(events.map((e) => [e.from, e.to])).to.deep.equal([
      [1, 4],
      [5, 8],
      [9, 10],
    ]);
    expect(events.every((e) => e.gasUsed > 0n)).to.equal(true);
    expect(await hub.lastAnchoredHeight(a.chainId)).to.equal(10n);
    expect(() => new Relay({ hub: relayerHub, chains: [], maxHeadersPerTx: 0 })).to.throw(
      RelayError,
      /maxHeadersPerTx must be a positive integer, got 0/,
    );
  });

  it("resumes after a restart from the height on the hub, not from local state", async () => {
    const { hub, relayerHub } = await registered([a]);
    const chains: RelayedChain[] = [{ name: "community-1", chainId: a.chainId, rpc: a.rpc }];
    await new Relay({ hub: relayerHub, chains }).round();
    expect(await hub.lastAnchoredHeight(a.chainId)).to.equal(5n);

    // meanwhile another relayer anchored blocks 6..8
    await a.mine(6);
    const headers = await Promise.all([6n, 7n, 8n].map((n) => fetchHeader(a.rpc, n)));
    await relayerHub.anchor(
      a.chainId,
      8,
      headers[2].hash,
      headers.map((h) => h.rlp),
    );

    const restarted = new Relay({ hub: relayerHub, chains });
    const [round] = await restarted.round();
    expect([round.status, round.from, round.to]).to.deep.equal(["anchored", 9, 11]);
    expect(await hub.lastAnchoredHeight(a.chainId)).to.equal(11n);
  });

  it("reports a chain that is down, goes on with the others and retries it with exponential backoff", async () => {
    const { relayerHub, hub } = await registered([a, b]);
    const port = await closedPort();
    const unreachable = new JsonRpcProvider(`http://127.0.0.1:${port}`, 31_009, { staticNetwork: true });
    const flaky = switchable(b.rpc);
    try {
      await hub.registerChain(31_009, 0, ethers.id("genesis of a chain that is down"));
      const relay = new Relay({
        hub: relayerHub,
        chains: [
          { name: "community-1", chainId: a.chainId, rpc: a.rpc },
          { name: "community-2", chainId: b.chainId, rpc: flaky },
          { name: "community-9", chainId: 31_009, rpc: unreachable },
        ],
        backoffInitialMs: 1_000,
        backoffMaxMs: 3_000,
      });
      flaky.down = true;
      const t0 = 1_000_000;
      const first = await relay.round(t0);
      expect(first.map((r) => [r.chain, r.status, r.failures, r.retryAt])).to.deep.equal([
        ["community-1", "anchored", 0, undefined],
        ["community-2", "failed", 1, t0 + 1_000],
        ["community-9", "failed", 1, t0 + 1_000],
      ]);
      expect(first[1].error).to.be.instanceOf(RelayError);
      expect(first[1].error!.message).to.match(/^community-2 \(chain 31002\): connect ECONNREFUSED/);
      expect(first[2].error!.message).to.match(/^community-9 \(chain 31009\): /);
      expect(await hub.lastAnchoredHeight(a.chainId)).to.equal(5n);

      // before the retry time the failed chains wait; then they are retried and the delay doubles, up to the cap
      expect((await relay.round(t0 + 999)).map((r) => r.status)).to.deep.equal(["up-to-date", "waiting", "waiting"]);
      expect((await relay.round(t0 + 1_000)).map((r) => [r.status, r.failures, r.retryAt])).to.deep.equal([
        ["up-to-date", 0, undefined],
        ["failed", 2, t0 + 3_000],
        ["failed", 2, t0 + 3_000],
      ]);
      expect((await relay.round(t0 + 3_000)).slice(1).map((r) => [r.failures, r.retryAt])).to.deep.equal([
        [3, t0 + 6_000],
        [3, t0 + 6_000],
      ]);

      // community-2 comes back: anchored from the hub's height, its backoff cleared
      flaky.down = false;
      const back = await relay.round(t0 + 6_000);
      expect(back.slice(0, 2).map((r) => [r.status, r.from, r.to, r.failures])).to.deep.equal([
        ["up-to-date", undefined, undefined, 0],
        ["anchored", 1, 3, 0],
      ]);
      expect(back[2].status).to.equal("failed");
    } finally {
      unreachable.destroy();
    }
  });

  it("refuses a chain the hub does not know unless an admin registers it at its recorded genesis", async () => {
    const { hub, relayerHub } = await mainHub();
    const genesis = (await fetchHeader(a.rpc, 0n)).hash;
    const [refused] = await new Relay({
      hub: relayerHub,
      chains: [{ name: "community-1", chainId: a.chainId, rpc: a.rpc }],
    }).round();
    expect(refused.status).to.equal("failed");
    expect(refused.error!.message).to.match(
      /^community-1 \(chain 31001\): not registered on the AnchorHub at 0x[0-9a-fA-F]{40}; an admin must register its trust root first$/,
    );

    // a recorded genesis that is not the RPC's block 0: another chain answers there
    const [admin] = await ethers.getSigners();
    const registrar = hub.connect(admin);
    const recorded = ethers.id("the genesis chains:up recorded");
    const [mismatch] = await new Relay({
      hub: relayerHub,
      registrar,
      chains: [{ name: "community-1", chainId: a.chainId, rpc: a.rpc, genesisHash: recorded }],
    }).round();
    expect(mismatch.error!.message).to.equal(
      `community-1 (chain 31001): its block 0 is ${genesis} but its recorded genesis is ${recorded}: not the chain that was created`,
    );
    expect(await hub.isRegistered(a.chainId)).to.equal(false);

    const [round] = await new Relay({
      hub: relayerHub,
      registrar,
      chains: [{ name: "community-1", chainId: a.chainId, rpc: a.rpc, genesisHash: genesis }],
    }).round();
    expect([round.status, round.registered, round.from, round.to]).to.deep.equal(["anchored", true, 1, 5]);
    expect((await hub.trustRoot(a.chainId)).blockHash).to.equal(genesis);
  });

  it("fails a chain whose RPC answers another chain id, or whose history no longer holds the anchored block", async () => {
    const { relayerHub } = await registered([a]);
    const [wrongId] = await new Relay({
      hub: relayerHub,
      chains: [{ name: "community-1", chainId: a.chainId, rpc: b.rpc }],
    }).round();
    expect(wrongId.error!.message).to.equal("community-1 (chain 31001): its RPC answers chain id 31002");

    await new Relay({ hub: relayerHub, chains: [{ name: "community-1", chainId: a.chainId, rpc: a.rpc }] }).round();
    // the chain is restarted: same chain id, another history
    const reset = await inProcessChain(a.chainId);
    const signer = await reset.signer(0);
    await (await signer.sendTransaction({ to: ethers.ZeroAddress, value: 1n })).wait();
    await reset.mine(7);
    const [forked] = await new Relay({
      hub: relayerHub,
      chains: [{ name: "community-1", chainId: a.chainId, rpc: reset.rpc }],
    }).round();
    expect(forked.status).to.equal("reset-needed");
    expect(forked.error!.message).to.match(
      /^community-1 \(chain 31001\): its block 5 is 0x[0-9a-f]{64} but the hub anchored 0x[0-9a-f]{64} in epoch 0: the chain was recreated or reorganised below the last anchor\. An admin must give it a new trust root with AnchorHub\.resetChain\(31001, height, blockHash\)/,
    );
  });

  it("explains a hub revert by its custom error", async () => {
    const { hub } = await registered([a]);
    const [, , stranger] = await ethers.getSigners();
    const [round] = await new Relay({
      hub: hub.connect(stranger),
      chains: [{ name: "community-1", chainId: a.chainId, rpc: a.rpc }],
    }).round();
    expect(round.error!.message).to.match(
      /^community-1 \(chain 31001\): AccessControlUnauthorizedAccount\(0x[0-9a-fA-F]{40}, 0x[0-9a-f]{64}\)$/,
    );
  });
});
