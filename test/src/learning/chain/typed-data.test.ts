import { expect } from "chai";
import { Wallet, id } from "ethers";
import { CommchainError } from "../../../../src/errors";
import { LearningChainError, SurvivorIndexError } from "../../../../src/learning/chain/errors";
import {
  analysisMarketDomain,
  joinSigner,
  roundAckSigner,
  signJoin,
  signRoundAck,
  survivorIndices,
  survivorsBitmap,
} from "../../../../src/learning/chain/typed-data";

const MARKET = "0x5FbDB2315678afecb367f032d93F642f64180aa3";

describe("learning/chain: typed data", () => {
  it("builds the market's domain", () => {
    expect(analysisMarketDomain(MARKET, 31337n)).to.deep.equal({
      name: "commchain AnalysisMarket",
      version: "1",
      chainId: 31337n,
      verifyingContract: MARKET,
    });
  });

  it("a join and an ack recover to their signer, and to nobody else once altered", async () => {
    const owner = new Wallet(id("typed-data owner"));
    const domain = analysisMarketDomain(MARKET, 31337n);
    const join = { taskId: 1n, owner: owner.address, samples: 500n, keysHash: id("keys") };
    const joinSig = await signJoin(owner, domain, join);
    expect(joinSigner(domain, join, joinSig)).to.equal(owner.address);
    expect(joinSigner(domain, { ...join, samples: 501n }, joinSig)).to.not.equal(owner.address);
    const ack = { taskId: 1n, round: 2n, survivors: 0b1011n, aggregateHash: id("agg"), modelHash: id("model") };
    const ackSig = await signRoundAck(owner, domain, ack);
    expect(roundAckSigner(domain, ack, ackSig)).to.equal(owner.address);
    expect(roundAckSigner(analysisMarketDomain(MARKET, 1n), ack, ackSig)).to.not.equal(owner.address);
  });

  it("survivorsBitmap sets bit i for index i; survivorIndices reads them back, lowest first", () => {
    expect(survivorsBitmap([])).to.equal(0n);
    expect(survivorsBitmap([3, 0, 1])).to.equal(0b1011n);
    expect(survivorsBitmap([127])).to.equal(1n << 127n);
    expect(survivorIndices(0b1011n)).to.deep.equal([0, 1, 3]);
    expect(survivorIndices(survivorsBitmap([9, 4, 100]))).to.deep.equal([4, 9, 100]);
  });

  it("survivorsBitmap refuses an index out of range, fractional or repeated, naming it", () => {
    for (const [indices, owners, message] of [
      [[5], 5, "survivor index 5: expected an integer in [0, 5)"],
      [[128], undefined, "survivor index 128: expected an integer in [0, 128)"],
      [[-1], 5, "survivor index -1: expected an integer in [0, 5)"],
      [[1.5], 5, "survivor index 1.5: expected an integer in [0, 5)"],
      [[2, 2], 5, "survivor index 2: listed twice"],
    ] as const) {
      const call = () => survivorsBitmap(indices, owners);
      expect(call).to.throw(SurvivorIndexError, message);
      expect(call).to.throw(LearningChainError);
      expect(call).to.throw(CommchainError);
    }
  });
});
