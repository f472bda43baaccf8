import { expect } from "chai";
import { ethers } from "hardhat";
import fc from "fast-check";
import { fetchHeaders, type BlockHeader } from "../../../src/anchor";
import type { AnchorHub } from "../../../typechain-types";

const CHAIN_ID = 31337n;
const SPAN = 24;

type Command =
  | { readonly kind: "anchor"; readonly count: number }
  | { readonly kind: "forged"; readonly count: number; readonly at: number; readonly byte: number }
  | { readonly kind: "reset"; readonly height: number; readonly honest: boolean };

/** The model: the epoch, its trust root and the heights anchored in it. */
interface Model {
  epoch: number;
  trustedHeight: number;
  rootHonest: boolean;
  last: number;
  anchored: Set<number>;
}

const command: fc.Arbitrary<Command> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant("anchor" as const), count: fc.integer({ min: 1, max: 5 }) }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("forged" as const),
      count: fc.integer({ min: 1, max: 4 }),
      at: fc.nat(),
      byte: fc.integer({ min: 1, max: 255 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("reset" as const), height: fc.nat(), honest: fc.boolean() }) },
);

describe("AnchorHub invariant: every stored checkpoint descends from its epoch's trust root", () => {
  let real: BlockHeader[];
  let base: number;
  before(async () => {
    for (let i = 0; i < SPAN; i++) await ethers.provider.send("evm_mine", []);
    const head = BigInt(await ethers.provider.getBlockNumber());
    real = await fetchHeaders(ethers.provider, head - BigInt(SPAN - 1), head);
    base = Number(real[0].number);
  });
  const at = (height: number) => real[height - base];

  /** The hub's view equals the model, and each current-epoch checkpoint is the real block there, linked to the real block before. */
  async function check(hub: AnchorHub, model: Model): Promise<void> {
    expect(await hub.epochOf(CHAIN_ID)).to.equal(BigInt(model.epoch));
    expect(await hub.lastAnchoredHeight(CHAIN_ID)).to.equal(BigInt(model.last));
    const root = await hub.trustRoot(CHAIN_ID);
    expect([root.height, root.epoch]).to.deep.equal([BigInt(model.trustedHeight), BigInt(model.epoch)]);
    for (let h = model.trustedHeight + 1; h <= model.last; h++) {
      if (!model.anchored.has(h)) {
        await expect(hub.checkpointAt(CHAIN_ID, h)).to.be.revertedWithCustomError(hub, "AnchorHubNoCheckpoint");
        continue;
      }
      // only an honest trust root can have descendants: they are then the real blocks
      expect(model.rootHonest).to.equal(true);
      const checkpoint = await hub.checkpointAt(CHAIN_ID, h);
      expect([checkpoint.epoch, checkpoint.blockHash, checkpoint.stateRoot, checkpoint.parentHash]).to.deep.equal([
        BigInt(model.epoch),
        at(h).hash,
        at(h).stateRoot,
        at(h - 1).hash,
      ]);
    }
    if (model.rootHonest) expect(root.blockHash).to.equal(at(model.trustedHeight).hash);
  }

  it("holds over random anchor, forged-anchor and reset sequences", async () => {
    const [admin, relayer] = await ethers.getSigners();
    await fc.assert(
      fc.asyncProperty(fc.array(command, { minLength: 1, maxLength: 10 }), async (commands) => {
        const hub = await ethers.deployContract("AnchorHub", [admin.address]);
        await hub.grantRole(await hub.RELAYER_ROLE(), relayer.address);
        await hub.registerChain(CHAIN_ID, base, real[0].hash);
        const model: Model = { epoch: 0, trustedHeight: base, rootHonest: true, last: base, anchored: new Set() };
        const top = base + SPAN - 1;
        for (const c of commands) {
          if (c.kind === "reset") {
            const height = base + (c.height % SPAN);
            await hub.resetChain(CHAIN_ID, height, c.honest ? at(height).hash : ethers.id(`forged root ${height}`));
            Object.assign(model, {
              epoch: model.epoch + 1,
              trustedHeight: height,
              rootHonest: c.honest,
              last: height,
              anchored: new Set(),
            });
          } else {
            const to = Math.min(model.last + c.count, top);
            if (to === model.last) continue;
            const headers = real.slice(model.last + 1 - base, to + 1 - base).map((h) => ethers.getBytes(h.rlp));
            if (c.kind === "forged") {
              // one byte of one header changed: a forged state root, number, link or shape
              const header = headers[c.at % headers.length];
              header[c.at % header.length] ^= c.byte;
            }
            const anchoring = hub.connect(relayer).anchor(CHAIN_ID, to, at(to).hash, headers);
            if (c.kind === "anchor" && model.rootHonest) {
              await anchoring;
              model.last = to;
              model.anchored.add(to);
            } else {
              await expect(anchoring).to.be.reverted;
            }
          }
          await check(hub, model);
        }
      }),
      { numRuns: 25 },
    );
  });
});
