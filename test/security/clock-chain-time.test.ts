// Issue 9 item 8: a chain's clock tells the time. Equal block timestamps were off, so every
// automined block was dated at least a second after its parent and a burst pushed the clock far
// ahead of the wall clock (200 transfers in 3.3 s: 196 s ahead).
import { expect } from "chai";
import fs from "node:fs";
import path from "node:path";
import { rpcCall } from "../../src/chains/rpc";
import { killChainProcessesUnder, tempDir, waitGone } from "../src/chains/helpers";
import { chainBlocks, sendBurst, signBurst, startChain, writeBurstGenesis, type Block } from "./chain-fixture";

const PER_SENDER = 100; // 10 senders: 1,000 transactions
const TOLERANCE_SECONDS = 2;

async function latestOffset(rpc: string): Promise<number> {
  const latest = await rpcCall<Block>(rpc, "eth_getBlockByNumber", ["latest", false]);
  return Number(latest.timestamp) - Date.now() / 1000;
}

describe("security clock: a chain's clock stays with the wall clock under load and across restarts", function () {
  this.timeout(600_000);
  let work: string;
  let chainDir: string;

  before(() => {
    work = tempDir("clock");
    chainDir = path.join(work, "community-1");
    writeBurstGenesis(chainDir);
  });
  after(async () => {
    await killChainProcessesUnder(work);
    fs.rmSync(work, { recursive: true, force: true });
  });

  it("leaves the latest block within 2 s of the wall clock after a burst of 1,000 transactions, and replays it to the same hashes after kill -9", async () => {
    const chain = await startChain(chainDir);
    const acknowledged = await sendBurst(chain.rpc, signBurst(PER_SENDER));
    expect(acknowledged).to.have.length(PER_SENDER * 10);
    expect(Math.abs(await latestOffset(chain.rpc))).to.be.at.most(TOLERANCE_SECONDS);
    const blocks = await chainBlocks(chain.rpc);
    expect(blocks.flatMap((b) => b.transactions)).to.have.length(PER_SENDER * 10);
    const stamps = blocks.map((b) => Number(b.timestamp));
    expect(stamps.every((t, i) => i === 0 || t >= stamps[i - 1])).to.equal(true);

    process.kill(chain.pid, "SIGKILL");
    await waitGone(chain.pid);
    const restarted = await startChain(chainDir, chain.port);
    // Every block, equal timestamps included, replays to its journaled hash.
    expect(await chainBlocks(restarted.rpc)).to.deep.equal(blocks);
    expect(fs.readFileSync(path.join(chainDir, "node.log"), "utf8")).to.contain(
      `replaying ${blocks.length - 1} blocks`,
    );

    // After the restart the clock goes on from the wall clock, not from the genesis date (2025).
    await sendBurst(restarted.rpc, signBurst(1, PER_SENDER));
    expect(Math.abs(await latestOffset(restarted.rpc))).to.be.at.most(TOLERANCE_SECONDS);
  });
});
