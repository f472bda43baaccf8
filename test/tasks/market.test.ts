/**
 * The market tasks end to end on real chains, as a user runs them: `chains:up` (a main chain and
 * one community chain), `deploy:all`, the community's store node with its gateway serving paid
 * puts and the PRE proxy, then every `market:*` task through the paper's flow: a storage offer,
 * registrations (Low direct, High through the orderer with fees), storage paid and uploaded, the
 * provider's audit, tokenization, and four trades (confirmed, refunded, disputed and resolved,
 * claimed), with `market:status` after; and the errors a user meets on the way.
 */
import fs from "node:fs";
import path from "node:path";
import { expect } from "chai";
import hre from "hardhat";
import { keccak256, parseEther, toUtf8Bytes } from "ethers";
import { participantWallet, systemWallet, deviceWallet } from "../../src/chains/accounts";
import { chainProvider } from "../../src/chains/providers";
import { chainsDown } from "../../src/chains/down";
import { chainsUp } from "../../src/chains/up";
import { readTopology, topologyPath, type Topology } from "../../src/chains/topology";
import { writePartition, type PartitionDocument } from "../../src/partition/document";
import { MarketInputError, MarketTransactionError } from "../../src/market/errors";
import type { MarketStatus } from "../../src/market/desk/status";
import { startRunStores, type RunStores } from "../../src/system/stores";
import { DataToken__factory, OwnershipRegistry__factory } from "../../typechain-types";
import { tempDir } from "../src/anchor/fixtures";
import { rejection } from "../helpers/rejection";
import { runTask } from "../helpers/run-task";

const MAIN_CHAIN_ID = 43_000;
const DEVICE = "2";

function partition(): PartitionDocument {
  const nodes = ["1", "2", "3"];
  const communities = [nodes];
  return {
    version: 1,
    log: { file: "traffic.csv", records: 6, devices: 3, spanHours: 1 },
    threshold: { value: 1, unit: "records/hour", auto: true },
    graph: {
      nodes,
      edges: [
        ["1", "2", 2, 4],
        ["2", "3", 2, 4],
        ["1", "3", 2, 4],
      ],
    },
    byK: [{ k: 3, communities, uncovered: [], overlapping: [] }],
    chosen: { k: 3, communities, interChainNodes: [], uncovered: [] },
    strategies: [],
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("tasks/market: the data market's tasks on chains:up chains", function () {
  this.timeout(600_000);
  let dir: string;
  let cleanup: () => void;
  let topology: Topology;
  let stores: RunStores;
  let gateway: string;
  let dataFile: string;
  let data: Buffer;
  let hash: string;
  const chain = "community-1";
  const task = <T>(name: string, args: Record<string, unknown>) =>
    runTask<T>(`market:${name}`, { dir, chain, ...args });

  before(async () => {
    ({ dir, cleanup } = tempDir("commchain-market-tasks-"));
    const partitionFile = path.join(dir, "partition.json");
    await writePartition(partitionFile, partition());
    await chainsUp({
      dir,
      partition: partitionFile,
      basePort: 0,
      mainChainId: MAIN_CHAIN_ID,
      timeoutMs: 240_000,
      projectRoot: hre.config.paths.root,
      configFile: hre.config.paths.configFile,
    });
    await runTask("deploy:all", { dir });
    topology = readTopology(topologyPath(dir));
    stores = await startRunStores(topology, path.join(dir, "store"));
    gateway = stores.of(chain).gateway.url;
    // Ether for the participants, data token for the owner and both buyers (the minter's job).
    const entry = topology.communities[0];
    const provider = chainProvider(entry);
    try {
      const deployer = systemWallet("deployer").connect(provider);
      const minter = systemWallet("minter").connect(provider);
      const token = DataToken__factory.connect(entry.contracts.DataToken!, minter);
      const accounts = [participantWallet("provider", 1), participantWallet("thirdParty", 1)];
      for (const account of accounts)
        await (await deployer.sendTransaction({ to: account.address, value: parseEther("10") })).wait();
      for (const account of [...accounts, deviceWallet(DEVICE, topology)])
        await (await token.mint(account.address, parseEther("100"))).wait();
    } finally {
      provider.destroy();
    }
    dataFile = path.join(dir, "dataset.bin");
    data = Buffer.alloc(600 * 1024, 7);
    data.write("commchain market task plaintext");
    fs.writeFileSync(dataFile, data);
  });

  after(async () => {
    await stores?.close();
    if (dir !== undefined && fs.existsSync(topologyPath(dir))) await chainsDown(dir);
    cleanup?.();
  });

  describe("ownership: register and the orderer", function () {
    it("storage:offer sets cloud's offer", async () => {
      const { result } = await task<{ pricePerMiBHour: string }>("storage:offer", { price: "0.1", maxHours: 720 });
      expect(result.pricePerMiBHour).to.equal(parseEther("0.1").toString());
    });

    it("register --file seals the data (its root is the hash) and queues it Low", async () => {
      const { result, output } = await task<{ hash: string; level: string; fragments: number; manifestFile: string }>(
        "register",
        { account: DEVICE, file: dataFile },
      );
      hash = result.hash;
      expect([result.level, result.fragments]).to.deep.equal(["Low", 3]);
      const manifest = JSON.parse(fs.readFileSync(result.manifestFile, "utf8"));
      expect(manifest.root).to.equal(hash);
      expect(fs.readFileSync(result.manifestFile, "utf8")).to.not.include("commchain market task plaintext");
      expect(output).to.contain(`registered on ${chain} as ${DEVICE}`);
    });

    it("register --hash --level high signs the entry into the orderer's inbox; the orderer batches it with the Low quota", async () => {
      const high = [keccak256(toUtf8Bytes("snapshot 1")), keccak256(toUtf8Bytes("snapshot 2"))];
      await task("register", { account: DEVICE, hash: high[0], level: "high", fee: "1" });
      await task("register", { account: DEVICE, hash: high[1], level: "high", fee: "0" });
      const before = await task<MarketStatus>("status", { json: true });
      expect([before.result.registry.inbox, before.result.registry.lowPending]).to.deep.equal([2, 1]);

      const { result } = await task<{ batches: { high: number; low: number; fees: string }[]; submitted: number }>(
        "orderer",
        { account: "orderer" },
      );
      expect(result.submitted).to.equal(2);
      expect(result.batches).to.deep.equal([
        { ...result.batches[0], high: 2, low: 1, fees: parseEther("1").toString() },
      ]);
      const entry = topology.communities[0];
      const provider = chainProvider(entry);
      try {
        const registry = OwnershipRegistry__factory.connect(entry.contracts.OwnershipRegistry!, provider);
        const owner = deviceWallet(DEVICE, topology).address;
        for (const h of [hash, ...high]) expect((await registry.registration(h)).owner).to.equal(owner);
      } finally {
        provider.destroy();
      }
    });

    it("refuses a second registration of a hash, naming its owner", async () => {
      const error = await rejection(task("register", { account: "1", hash, level: "low" }));
      expect(error).to.be.instanceOf(MarketInputError);
      expect(error.message).to.match(/is already registered, to 0x[0-9a-fA-F]{40} \(the first registration wins\)/);
    });
  });

  describe("storage, audit and tokenization", function () {
    it("audit refuses an asset whose fragments are not stored, and sends nothing", async () => {
      await task("tokenize", { account: DEVICE, hash, price: "5", openness: "complete" });
      const error = await rejection(task("audit", { account: "cloud", hash, storeDir: stores.of(chain).node.dir }));
      expect(error).to.be.instanceOf(MarketInputError);
      expect(error.message).to.contain("fragment 0 has no CID (it was never uploaded)");
    });

    it("storage:pay leases the sealed bytes from cloud and uploads the fragments through the gateway", async () => {
      const { result } = await task<{ bytes: number; uploaded: unknown[]; leaseId: string }>("storage:pay", {
        account: DEVICE,
        hash,
        gateway,
      });
      expect(result.uploaded).to.have.length(3);
      expect(result.bytes).to.equal(600 * 1024 + 3 * 28);
      expect(result.leaseId).to.equal("1");
    });

    it("audit lists the asset once every fragment is in the provider's store", async () => {
      const { result } = await task<{ listed: boolean; fragments: number }>("audit", {
        account: "cloud",
        hash,
        storeDir: stores.of(chain).node.dir,
      });
      expect([result.listed, result.fragments]).to.deep.equal([true, 3]);
      const status = await task<MarketStatus>("status", { json: true });
      expect(status.result.assets.map((a) => [a.hash, a.openness, a.state])).to.deep.equal([
        [hash, "complete", "Listed"],
      ]);
    });
  });

  describe("trades", function () {
    it("buy, grant by PRE, confirm: the buyer writes the data, the trade completes", async () => {
      const bought = await task<{ tradeId: string }>("buy", { account: "lab", hash });
      expect(bought.result.tradeId).to.equal("1");
      await task("grant", { account: DEVICE, trade: "1", proxies: gateway });
      const out = path.join(dir, "received.bin");
      const { result } = await task<{ bytes: number; confirmed: boolean }>("confirm", {
        account: "lab",
        trade: "1",
        proxies: gateway,
        out,
      });
      expect([result.bytes, result.confirmed]).to.deep.equal([data.length, true]);
      expect(fs.readFileSync(out).equals(data)).to.equal(true);
    });

    it("offer, open, refund after the delivery window (TradeTooEarly before it)", async () => {
      const key = await task<{ publicKey: string }>("key", { account: "provider" });
      const offerFile = path.join(dir, "offer-refund.json");
      await task("offer", {
        account: DEVICE,
        hash,
        buyer: "provider",
        buyerKey: key.result.publicKey,
        price: "3",
        deliveryWindow: "2s",
        out: offerFile,
      });
      const opened = await task<{ tradeId: string }>("open", { account: "provider", offer: offerFile });
      const early = await rejection(task("refund", { account: "provider", trade: opened.result.tradeId }));
      expect(early).to.be.instanceOf(MarketTransactionError);
      expect(early.message).to.match(/^refund\(2\) was refused: TradeTooEarly\(\d+, \d+\)$/);
      await sleep(3_000);
      const { result } = await task<{ amount: string }>("refund", { account: "provider", trade: "2" });
      expect(result.amount).to.equal(parseEther("3").toString());
    });

    it("dispute with evidence, resolve from it: a delivery that opens pays the owner; another evidence file is refused", async () => {
      await task("buy", { account: "provider", hash });
      await task("grant", { account: DEVICE, trade: "3", proxies: gateway });
      const disputed = await task<{ evidenceFile: string; cfrags: number }>("dispute", {
        account: "provider",
        trade: "3",
        proxies: gateway,
      });
      expect(disputed.result.cfrags).to.equal(1);
      const forged = path.join(dir, "forged-evidence.json");
      fs.writeFileSync(
        forged,
        fs.readFileSync(disputed.result.evidenceFile, "utf8").replace('"threshold": 1', '"threshold": 2'),
      );
      const refused = await rejection(task("resolve", { account: "deployer", trade: "3", evidence: forged }));
      expect(refused).to.be.instanceOf(MarketInputError);
      expect(refused.message).to.contain("trade 3 was disputed with 0x");
      const { result } = await task<{ buyerBps: number; toOwner: string; verdict: string }>("resolve", {
        trade: "3",
        evidence: disputed.result.evidenceFile,
      });
      expect([result.buyerBps, result.toOwner]).to.deep.equal([0, parseEther("5").toString()]);
      expect(result.verdict).to.match(/^claim unfounded/);
    });

    it("claim after the confirmation window of a granted offer", async () => {
      const key = await task<{ publicKey: string }>("key", { account: "lab" });
      const offerFile = path.join(dir, "offer-claim.json");
      await task("offer", {
        account: DEVICE,
        hash,
        buyer: "lab",
        buyerKey: key.result.publicKey,
        price: "2",
        confirmWindow: "2s",
        out: offerFile,
      });
      await task("open", { account: "lab", offer: offerFile });
      await task("grant", { account: DEVICE, trade: "4", proxies: gateway });
      await sleep(3_000);
      const { result } = await task<{ amount: string }>("claim", { account: DEVICE, trade: "4" });
      expect(result.amount).to.equal(parseEther("2").toString());
    });

    it("status lists every trade by state and no escrow left; the table names them", async () => {
      const { result } = await task<MarketStatus>("status", { json: true });
      expect(result.trades.map((t) => [t.id, t.state])).to.deep.equal([
        ["1", "Completed"],
        ["2", "Refunded"],
        ["3", "Resolved"],
        ["4", "Completed"],
      ]);
      expect([result.escrow, result.openEscrow]).to.deep.equal(["0", "0"]);
      expect(result.registry.registered).to.deep.equal({ High: 2, Low: 1 });
      const table = await task<MarketStatus>("status", {});
      expect(table.output).to.match(/^4 +0x[0-9a-f]{8}…[0-9a-f]{4} +Completed +2\.0 CDT/m);
      expect(table.output).to.contain("escrow held by DataTrade: 0.0 CDT");
    });
  });

  describe("bad input", function () {
    it("names an unknown chain, account, openness and a trade that does not exist", async () => {
      const cases: [() => Promise<unknown>, RegExp][] = [
        [
          () => runTask("market:status", { dir, chain: "main" }),
          /^--chain: "main" is not a community chain .*\(the main chain runs no market\)/,
        ],
        [() => task("key", { account: "nobody" }), /^--account: "nobody" is neither a system role/],
        [
          () => task("tokenize", { account: DEVICE, hash, openness: "open" }),
          /^--openness: "open" is not one of complete, partial, none/,
        ],
        [() => task("refund", { account: "lab", trade: "99" }), /^--trade: trade 99 does not exist on community-1/],
        [
          () => task("grant", { account: DEVICE, trade: "1", proxies: "ftp://x" }),
          /^--proxies: "ftp:\/\/x" is not an http\(s\) URL/,
        ],
        [
          () => task("confirm", { account: "provider", trade: "1", proxies: gateway, out: path.join(dir, "x") }),
          /^--account: 0x[0-9a-fA-F]{40} is not the buyer of trade 1/,
        ],
      ];
      for (const [promise, message] of cases) {
        const error = await rejection(promise());
        expect(error, String(message)).to.be.instanceOf(MarketInputError);
        expect(error.message).to.match(message);
      }
    });
  });
});
