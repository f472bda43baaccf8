import { RecordWriter } from "../../src/records";
import { expect } from "chai";
import hre, { ethers } from "hardhat";
import { BrowserProvider, type Eip1193Provider } from "ethers";
import { AnchorHub__factory } from "../../typechain-types";
import { LightClient, MainChainProofError, Relay, fetchHeader } from "../../src/anchor";
import { community, communications, expectReject, mainHub, tempDir, type TestCommunity } from "../src/anchor/fixtures";

type Log = { data: string; topics: string[] };

/** The main chain's RPC with `forge` applied to every log it returns. */
function lyingMainRpc(forge: (log: Log) => void, keep: (log: Log) => boolean = () => true): BrowserProvider {
  const eip1193: Eip1193Provider = {
    async request({ method, params }) {
      const result = await hre.network.provider.request({ method, params: params as unknown[] });
      if (method !== "eth_getLogs") return result;
      for (const log of result as Log[]) forge(log);
      return (result as Log[]).filter(keep);
    },
  };
  return new BrowserProvider(eip1193, undefined, { cacheTimeout: -1 });
}

describe("security M4: the light client checks the main RPC's CheckpointAnchored logs against the hub's proven state", () => {
  let cleanup: () => void;
  let c: TestCommunity;
  let hubAddress: string;
  let anchoredTopic: string;
  before(async () => {
    const temp = tempDir();
    cleanup = temp.cleanup;
    c = await community("community-1", 31_201, temp.dir);
    const { hub, relayerHub } = await mainHub();
    hubAddress = await hub.getAddress();
    anchoredTopic = hub.interface.getEvent("CheckpointAnchored").topicHash;
    await hub.registerChain(c.chain.chainId, 0, (await fetchHeader(c.chain.rpc, 0n)).hash);
    const writer = await RecordWriter.open(c.writer, c.recordLog, c.store);
    for (const record of communications(8)) writer.append(record);
    await (await writer.flush())!.tx.wait();
    expect(
      (
        await new Relay({
          hub: relayerHub,
          chains: [{ name: c.name, chainId: c.chain.chainId, rpc: c.chain.rpc }],
        }).round()
      )[0].status,
    ).to.equal("anchored");
  });
  after(() => cleanup());

  it("an honest main RPC: the anchors are accepted and proven against the pinned main block", async () => {
    const client = await LightClient.load(
      AnchorHub__factory.connect(
        hubAddress,
        lyingMainRpc(() => undefined),
      ),
    );
    const head = await fetchHeader(ethers.provider, "latest");
    expect(client.trustedMainBlock).to.deep.equal({
      number: Number(head.number),
      hash: head.hash,
      stateRoot: head.stateRoot,
    });
    expect(client.latestAnchor(c.chain.chainId)!.stateRoot).to.equal(
      (await fetchHeader(c.chain.rpc, "latest")).stateRoot,
    );
    // a main block given by the user
    const given = await LightClient.load(AnchorHub__factory.connect(hubAddress, ethers.provider), {
      trustedMainBlock: head.hash,
    });
    expect(given.anchorsOf(c.chain.chainId)).to.have.length(1);
  });

  it("a forged state root in a CheckpointAnchored log is refused", async () => {
    const forgedRoot = ethers.id("forged state root");
    const liar = lyingMainRpc((log) => {
      // data: epoch, blockHash, stateRoot, parentHash, headerCount
      if (log.topics[0] === anchoredTopic)
        log.data = log.data.slice(0, 2 + 64 * 2) + forgedRoot.slice(2) + log.data.slice(2 + 64 * 3);
    });
    const error = await expectReject(
      LightClient.load(AnchorHub__factory.connect(hubAddress, liar)),
      MainChainProofError,
      /^the CheckpointAnchored log of chain 31201 block \d+ epoch 0 \(main block \d+\) says stateRoot 0x[0-9a-f]{64}, but the hub holds 0x[0-9a-f]{64} at the trusted main block \d+: the main chain's RPC forged the log$/,
    );
    expect(error.reason).to.equal("main-chain-proof");
  });

  it("withheld logs and a forged hub proof are refused", async () => {
    // the chain's registration is shown, its checkpoint hidden: the hub's proven lastHeight gives it away
    const hiding = lyingMainRpc(
      () => undefined,
      (log) => log.topics[0] !== anchoredTopic,
    );
    const client = new LightClient(AnchorHub__factory.connect(hubAddress, hiding));
    await expectReject(
      client.sync(),
      MainChainProofError,
      /^the main chain.s RPC withheld CheckpointAnchored logs: chain 31201 is proven anchored up to block \d+ in epoch 0 at main block \d+, the logs reach no block of that epoch$/,
    );

    const forgedProof = {
      async send(method: string, params: unknown[]) {
        const result = (await ethers.provider.send(method, params)) as { storageProof?: { value: string }[] };
        if (method === "eth_getProof") result.storageProof![1].value = ethers.id("forged");
        return result;
      },
    };
    await expectReject(
      LightClient.load(AnchorHub__factory.connect(hubAddress, ethers.provider), { rpc: forgedProof }),
      MainChainProofError,
      /is proven to be \d+, the main chain's RPC claims \d+/,
    );
  });
});
