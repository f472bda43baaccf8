import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { fetchHeader, fetchHeaders, type BlockHeader } from "../../../src/anchor";

/** The hub anchors its own chain here: any chain's RLP headers serve to test the linking rules. */
const CHAIN_ID = 31337n;
const OTHER_CHAIN = 31999n;

async function deployHub() {
  const [admin, relayer, stranger] = await ethers.getSigners();
  const hub = await ethers.deployContract("AnchorHub", [admin.address]);
  await hub.grantRole(await hub.RELAYER_ROLE(), relayer.address);
  return { hub, admin, relayer, stranger };
}

/** A hub with this chain registered at genesis and 20 blocks to anchor. */
async function deployRegisteredHub() {
  const base = await deployHub();
  const genesis = await fetchHeader(ethers.provider, 0n);
  await base.hub.registerChain(CHAIN_ID, 0, genesis.hash);
  // one evm_mine per block: hardhat_mine's skipped blocks report a zero parent hash
  for (let i = 0; i < 20; i++) await ethers.provider.send("evm_mine", []);
  return { ...base, genesis };
}

function rlps(headers: BlockHeader[]): string[] {
  return headers.map((h) => h.rlp);
}

/** `rlp` with one byte at `offset` (from the end if negative) flipped. */
function flipByte(rlp: string, offset: number): string {
  const bytes = ethers.getBytes(rlp);
  const at = offset < 0 ? bytes.length + offset : offset;
  bytes[at] ^= 0x01;
  return ethers.hexlify(bytes);
}

describe("AnchorHub", () => {
  describe("registerChain", () => {
    it("registers a trust root and emits ChainRegistered", async () => {
      const { hub, admin } = await loadFixture(deployHub);
      const hash = ethers.id("block 7");
      expect(await hub.isRegistered(OTHER_CHAIN)).to.equal(false);
      await expect(hub.connect(admin).registerChain(OTHER_CHAIN, 7, hash))
        .to.emit(hub, "ChainRegistered")
        .withArgs(OTHER_CHAIN, 7n, hash, admin.address);
      expect(await hub.isRegistered(OTHER_CHAIN)).to.equal(true);
      expect(await hub.lastAnchoredHeight(OTHER_CHAIN)).to.equal(7n);
      const root = await hub.trustRoot(OTHER_CHAIN);
      expect([root.height, root.blockHash, root.stateRoot, root.parentHash]).to.deep.equal([
        7n,
        hash,
        ethers.ZeroHash,
        ethers.ZeroHash,
      ]);
      expect((await hub.latestCheckpoint(OTHER_CHAIN)).blockHash).to.equal(hash);
      expect((await hub.checkpointAt(OTHER_CHAIN, 7)).blockHash).to.equal(hash);
    });

    it("reverts for a caller without the admin role", async () => {
      const { hub, relayer } = await loadFixture(deployHub);
      await expect(hub.connect(relayer).registerChain(OTHER_CHAIN, 0, ethers.id("g")))
        .to.be.revertedWithCustomError(hub, "AccessControlUnauthorizedAccount")
        .withArgs(relayer.address, await hub.DEFAULT_ADMIN_ROLE());
    });

    it("reverts for a chain registered already and for a zero hash", async () => {
      const { hub } = await loadFixture(deployHub);
      await hub.registerChain(OTHER_CHAIN, 0, ethers.id("g"));
      await expect(hub.registerChain(OTHER_CHAIN, 5, ethers.id("h")))
        .to.be.revertedWithCustomError(hub, "AnchorHubChainAlreadyRegistered")
        .withArgs(OTHER_CHAIN);
      await expect(hub.registerChain(OTHER_CHAIN + 1n, 3, ethers.ZeroHash))
        .to.be.revertedWithCustomError(hub, "AnchorHubZeroBlockHash")
        .withArgs(OTHER_CHAIN + 1n, 3n);
    });
  });

  describe("anchor", () => {
    it("anchors a checkpoint linked to the trust root and emits CheckpointAnchored", async () => {
      const { hub, relayer } = await loadFixture(deployRegisteredHub);
      const headers = await fetchHeaders(ethers.provider, 1n, 10n);
      const tip = headers[9];
      await expect(hub.connect(relayer).anchor(CHAIN_ID, 10, tip.hash, rlps(headers)))
        .to.emit(hub, "CheckpointAnchored")
        .withArgs(CHAIN_ID, 10n, 0n, tip.hash, tip.stateRoot, tip.parentHash, 10n, relayer.address);
      expect(await hub.lastAnchoredHeight(CHAIN_ID)).to.equal(10n);
      const latest = await hub.latestCheckpoint(CHAIN_ID);
      expect([latest.height, latest.blockHash, latest.stateRoot, latest.parentHash]).to.deep.equal([
        10n,
        tip.hash,
        tip.stateRoot,
        tip.parentHash,
      ]);
      expect((await hub.checkpointAt(CHAIN_ID, 10)).stateRoot).to.equal(tip.stateRoot);

      // the next checkpoint links to this one
      const more = await fetchHeaders(ethers.provider, 11n, 12n);
      await expect(hub.connect(relayer).anchor(CHAIN_ID, 12, more[1].hash, rlps(more)))
        .to.emit(hub, "CheckpointAnchored")
        .withArgs(CHAIN_ID, 12n, 0n, more[1].hash, more[1].stateRoot, more[0].hash, 2n, relayer.address);
      expect(await hub.lastAnchoredHeight(CHAIN_ID)).to.equal(12n);
    });

    it("reverts for a caller without RELAYER_ROLE", async () => {
      const { hub, admin, stranger } = await loadFixture(deployRegisteredHub);
      const [header] = await fetchHeaders(ethers.provider, 1n, 1n);
      for (const caller of [admin, stranger]) {
        await expect(hub.connect(caller).anchor(CHAIN_ID, 1, header.hash, [header.rlp]))
          .to.be.revertedWithCustomError(hub, "AccessControlUnauthorizedAccount")
          .withArgs(caller.address, await hub.RELAYER_ROLE());
      }
    });

    it("reverts for an unknown chain", async () => {
      const { hub, relayer } = await loadFixture(deployRegisteredHub);
      const [header] = await fetchHeaders(ethers.provider, 1n, 1n);
      await expect(hub.connect(relayer).anchor(OTHER_CHAIN, 1, header.hash, [header.rlp]))
        .to.be.revertedWithCustomError(hub, "AnchorHubUnknownChain")
        .withArgs(OTHER_CHAIN);
    });

    it("reverts for a height not above the last anchor", async () => {
      const { hub, relayer } = await loadFixture(deployRegisteredHub);
      const headers = await fetchHeaders(ethers.provider, 1n, 5n);
      await hub.connect(relayer).anchor(CHAIN_ID, 5, headers[4].hash, rlps(headers));
      await expect(hub.connect(relayer).anchor(CHAIN_ID, 5, headers[4].hash, []))
        .to.be.revertedWithCustomError(hub, "AnchorHubHeightNotIncreasing")
        .withArgs(CHAIN_ID, 5n, 5n);
      await expect(hub.connect(relayer).anchor(CHAIN_ID, 3, headers[2].hash, rlps(headers.slice(0, 3))))
        .to.be.revertedWithCustomError(hub, "AnchorHubHeightNotIncreasing")
        .withArgs(CHAIN_ID, 5n, 3n);
    });

    it("reverts unless there is one header per block since the last anchor", async () => {
      const { hub, relayer } = await loadFixture(deployRegisteredHub);
      const headers = await fetchHeaders(ethers.provider, 1n, 5n);
      await expect(hub.connect(relayer).anchor(CHAIN_ID, 5, headers[4].hash, rlps(headers.slice(1))))
        .to.be.revertedWithCustomError(hub, "AnchorHubHeaderCountMismatch")
        .withArgs(CHAIN_ID, 5n, 4n);
    });

    it("reverts for a header that is not an RLP block header", async () => {
      const { hub, relayer } = await loadFixture(deployRegisteredHub);
      const headers = await fetchHeaders(ethers.provider, 1n, 3n);
      const truncated = headers[1].rlp.slice(0, 2 + 2 * 300);
      for (const bad of [
        "0x",
        "0xc0",
        ethers.hexlify(ethers.randomBytes(600)),
        truncated,
        flipByte(headers[1].rlp, 1),
      ]) {
        await expect(hub.connect(relayer).anchor(CHAIN_ID, 3, headers[2].hash, [headers[0].rlp, bad, headers[2].rlp]))
          .to.be.revertedWithCustomError(hub, "AnchorHubMalformedHeader")
          .withArgs(CHAIN_ID, 2n);
      }
    });

    it("reverts for a header whose number is not its place", async () => {
      const { hub, relayer } = await loadFixture(deployRegisteredHub);
      const headers = await fetchHeaders(ethers.provider, 1n, 3n);
      await expect(hub.connect(relayer).anchor(CHAIN_ID, 2, headers[2].hash, rlps(headers.slice(1))))
        .to.be.revertedWithCustomError(hub, "AnchorHubHeaderNumberMismatch")
        .withArgs(CHAIN_ID, 1n, 2n);
    });

    it("reverts when a parent link is broken: another trust root, or a forged state root in between", async () => {
      const { hub, relayer, genesis } = await loadFixture(deployRegisteredHub);
      const headers = await fetchHeaders(ethers.provider, 1n, 4n);
      const fakeRoot = ethers.id("another genesis");
      await hub.registerChain(OTHER_CHAIN, 0, fakeRoot);
      await expect(hub.connect(relayer).anchor(OTHER_CHAIN, 4, headers[3].hash, rlps(headers)))
        .to.be.revertedWithCustomError(hub, "AnchorHubBrokenParentLink")
        .withArgs(OTHER_CHAIN, 1n, fakeRoot, genesis.hash);

      // flip a byte of block 2's state root (list prefix 3 bytes + 88): its hash changes, so block 3's link breaks
      const forged = flipByte(headers[1].rlp, 3 + 100);
      const forgedHash = ethers.keccak256(forged);
      await expect(
        hub
          .connect(relayer)
          .anchor(CHAIN_ID, 4, headers[3].hash, [headers[0].rlp, forged, headers[2].rlp, headers[3].rlp]),
      )
        .to.be.revertedWithCustomError(hub, "AnchorHubBrokenParentLink")
        .withArgs(CHAIN_ID, 3n, forgedHash, headers[1].hash);
    });

    it("reverts when the last header does not hash to the claimed block hash", async () => {
      const { hub, relayer } = await loadFixture(deployRegisteredHub);
      const headers = await fetchHeaders(ethers.provider, 1n, 3n);
      const claimed = ethers.id("not block 3");
      await expect(hub.connect(relayer).anchor(CHAIN_ID, 3, claimed, rlps(headers)))
        .to.be.revertedWithCustomError(hub, "AnchorHubHeaderHashMismatch")
        .withArgs(CHAIN_ID, 3n, claimed, headers[2].hash);
      // a forged last header (its state root changed) fails the same way
      const forged = flipByte(headers[2].rlp, 3 + 100);
      await expect(hub.connect(relayer).anchor(CHAIN_ID, 3, headers[2].hash, [headers[0].rlp, headers[1].rlp, forged]))
        .to.be.revertedWithCustomError(hub, "AnchorHubHeaderHashMismatch")
        .withArgs(CHAIN_ID, 3n, headers[2].hash, ethers.keccak256(forged));
    });
  });

  describe("views", () => {
    it("revert for an unknown chain and for a height linked through but not anchored", async () => {
      const { hub, relayer } = await loadFixture(deployRegisteredHub);
      await expect(hub.lastAnchoredHeight(OTHER_CHAIN))
        .to.be.revertedWithCustomError(hub, "AnchorHubUnknownChain")
        .withArgs(OTHER_CHAIN);
      await expect(hub.latestCheckpoint(OTHER_CHAIN))
        .to.be.revertedWithCustomError(hub, "AnchorHubUnknownChain")
        .withArgs(OTHER_CHAIN);
      await expect(hub.checkpointAt(OTHER_CHAIN, 0))
        .to.be.revertedWithCustomError(hub, "AnchorHubUnknownChain")
        .withArgs(OTHER_CHAIN);
      await expect(hub.trustRoot(OTHER_CHAIN))
        .to.be.revertedWithCustomError(hub, "AnchorHubUnknownChain")
        .withArgs(OTHER_CHAIN);
      const headers = await fetchHeaders(ethers.provider, 1n, 4n);
      await hub.connect(relayer).anchor(CHAIN_ID, 4, headers[3].hash, rlps(headers));
      await expect(hub.checkpointAt(CHAIN_ID, 2))
        .to.be.revertedWithCustomError(hub, "AnchorHubNoCheckpoint")
        .withArgs(CHAIN_ID, 2n);
    });

    it("lastAnchoredHeight is the trust root's height before any anchor", async () => {
      const { hub } = await loadFixture(deployRegisteredHub);
      expect(await hub.lastAnchoredHeight(CHAIN_ID)).to.equal(0n);
    });
  });

  describe("gas [gas]", () => {
    it("anchoring many blocks per transaction costs far less per block than one transaction per block", async () => {
      const blocks = 64;
      const perBlock = async (headersPerTx: number) => {
        const { hub, relayer } = await loadFixture(deployRegisteredHub);
        for (let i = 20; i < blocks; i++) await ethers.provider.send("evm_mine", []);
        const headers = await fetchHeaders(ethers.provider, 1n, BigInt(blocks));
        let gas = 0n;
        for (let from = 0; from < blocks; from += headersPerTx) {
          const slice = headers.slice(from, from + headersPerTx);
          const tip = slice[slice.length - 1];
          const receipt = await (await hub.connect(relayer).anchor(CHAIN_ID, tip.number, tip.hash, rlps(slice))).wait();
          gas += receipt!.gasUsed;
        }
        expect(await hub.lastAnchoredHeight(CHAIN_ID)).to.equal(BigInt(blocks));
        return Number(gas) / blocks;
      };
      const figures: Record<string, number> = {};
      for (const headersPerTx of [1, 16, 64])
        figures[`${headersPerTx} headers/tx`] = Math.round(await perBlock(headersPerTx));
      console.log(`      AnchorHub gas per anchored block over ${blocks} blocks: ${JSON.stringify(figures)}`);
      // the strict RLP walk of every header field (differential-fuzzed) costs ~10k gas a header
      expect(figures["16 headers/tx"]).to.be.lessThan(figures["1 headers/tx"] / 3);
      expect(figures["64 headers/tx"]).to.be.lessThan(figures["16 headers/tx"]);
    });
  });
});
