import { expect } from "chai";
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import net from "node:net";
import path from "node:path";
import { JsonRpcProvider, Mnemonic, parseEther, Wallet, getCreateAddress } from "ethers";
import { deviceWallet, SYSTEM_ROLES, systemWallet } from "../../../src/chains/accounts";
import { ChainStartError, ExternalChainError, PortInUseError } from "../../../src/chains/errors";
import { JOURNAL_FILE, readJournal } from "../../../src/chains/journal";
import { RpcError, rpcCall } from "../../../src/chains/rpc";
import type { ChainStatus } from "../../../src/chains/status";
import {
  readTopology,
  topologyPath,
  writeTopology,
  type ChainEntry,
  type Topology,
} from "../../../src/chains/topology";
import type { ChainDownResult } from "../../../src/chains/down";
import type { ChainsUpResult } from "../../../src/chains/up";
import { writePartition, PartitionEmptyError, PartitionSyntaxError } from "../../../src/partition/document";
import {
  ANCHOR_HUB_STUB_INIT_CODE,
  chainProcessesUnder,
  COUNTER_INIT_CODE,
  killChainProcessesUnder,
  partitionDocument,
  tempDir,
  waitGone,
} from "./helpers";
import { rejection } from "../../helpers/rejection";
import { runTask } from "../../helpers/run-task";

const DEVICES = ["01", "02", "03", "04", "05", "06", "07"];
/** Device 04 bridges the two communities. */
const COMMUNITIES = [
  ["01", "02", "03", "04"],
  ["04", "05", "06", "07"],
];
const FUNDED = parseEther("10000");

type Block = { number: string; hash: string; timestamp: string };

async function chainBlocks(rpc: string): Promise<Block[]> {
  const head = Number(await rpcCall<string>(rpc, "eth_blockNumber"));
  return Promise.all(
    Array.from({ length: head + 1 }, (_, n) =>
      rpcCall<Block>(rpc, "eth_getBlockByNumber", [`0x${n.toString(16)}`, false]),
    ),
  );
}

async function balance(rpc: string, address: string): Promise<bigint> {
  return BigInt(await rpcCall<string>(rpc, "eth_getBalance", [address, "latest"]));
}

describe("chains:up / chains:status / chains:down on hardhat node processes", function () {
  this.timeout(600_000);
  let work: string;
  let dir: string;
  let partition: string;
  let topology: Topology;
  let community1: ChainEntry;
  let community2: ChainEntry;
  const providers: JsonRpcProvider[] = [];
  let sleeper: ChildProcess | undefined;

  function connect(chain: ChainEntry): JsonRpcProvider {
    // No request cache: two transactions in a row must not both read the same pending nonce.
    const provider = new JsonRpcProvider(chain.rpc, chain.chainId, { staticNetwork: true, cacheTimeout: -1 });
    provider.pollingInterval = 50;
    providers.push(provider);
    return provider;
  }

  before(async () => {
    work = tempDir("chains");
    dir = path.join(work, "chains");
    partition = path.join(work, "partition.json");
    await writePartition(partition, partitionDocument(DEVICES, COMMUNITIES));
    const { result } = await runTask<ChainsUpResult>("chains:up", { partition, dir, basePort: 0, mainChainId: 41000 });
    expect(result.chains.map((c) => c.action)).to.deep.equal(["started", "started", "started"]);
    topology = readTopology(topologyPath(dir));
    [community1, community2] = topology.communities;
  });

  after(async () => {
    for (const provider of providers) provider.destroy();
    sleeper?.kill("SIGKILL");
    if (dir !== undefined) await killChainProcessesUnder(dir);
    if (work !== undefined) fs.rmSync(work, { recursive: true, force: true });
  });

  it("writes topology.json with distinct chain ids, ports and the partition's members", () => {
    const chains = [topology.main, ...topology.communities];
    expect(chains.map((c) => c.name)).to.deep.equal(["main", "community-1", "community-2"]);
    expect(chains.map((c) => c.chainId)).to.deep.equal([41000, 41001, 41002]);
    expect(new Set(chains.map((c) => c.port)).size).to.equal(3);
    expect(chains.map((c) => c.rpc)).to.deep.equal(chains.map((c) => `http://127.0.0.1:${c.port}`));
    expect(chains.map((c) => c.members)).to.deep.equal([[], ...COMMUNITIES]);
    expect(topology.devices).to.deep.equal(DEVICES);
    expect(topology.partition).to.equal(partition);
    for (const chain of chains) {
      expect(chain.external).to.equal(false);
      expect(chain.contracts).to.deep.equal({});
      expect(chain.pid).to.be.a("number");
      expect(chain.genesis?.hash).to.match(/^0x[0-9a-f]{64}$/);
      expect(fs.existsSync(path.join(dir, chain.name, "genesis.json"))).to.equal(true);
      expect(fs.existsSync(path.join(dir, chain.name, "node.log"))).to.equal(true);
    }
    expect(chainProcessesUnder(dir).sort()).to.deep.equal(chains.map((c) => c.pid).sort());
  });

  it("runs every chain with its own chain id and genesis", async () => {
    for (const chain of [topology.main, ...topology.communities]) {
      expect(Number(await rpcCall<string>(chain.rpc, "eth_chainId"))).to.equal(chain.chainId);
      const genesis = await rpcCall<{ hash: string }>(chain.rpc, "eth_getBlockByNumber", ["0x0", false]);
      expect(genesis.hash).to.equal(chain.genesis?.hash);
    }
  });

  it("funds system accounts everywhere and each member on its chains at genesis, a bridge device with one address on both", async () => {
    for (const chain of [topology.main, ...topology.communities]) {
      for (const role of SYSTEM_ROLES) expect(await balance(chain.rpc, systemWallet(role).address)).to.equal(FUNDED);
    }
    const bridge = deviceWallet("04", topology).address;
    expect(await balance(community1.rpc, bridge)).to.equal(FUNDED);
    expect(await balance(community2.rpc, bridge)).to.equal(FUNDED);
    expect(await balance(community1.rpc, deviceWallet("01", topology).address)).to.equal(FUNDED);
    expect(await balance(community2.rpc, deviceWallet("01", topology).address)).to.equal(0n);
    expect(await balance(topology.main.rpc, bridge)).to.equal(0n);
    expect(
      ((await rpcCall<string[]>(community1.rpc, "eth_accounts")) as string[]).map((a) => a.toLowerCase()),
    ).to.include(bridge.toLowerCase());
  });

  it("reports every chain with chains:status, as a table and as JSON", async () => {
    const d1 = deviceWallet("01", topology).connect(connect(community1));
    await (await d1.sendTransaction({ to: deviceWallet("02", topology).address, value: 5n })).wait();
    const { result, output } = await runTask<ChainStatus[]>("chains:status", { dir, json: false });
    expect(result.map((s) => [s.name, s.chainId, s.rpc, s.pid, s.alive, s.height, s.lastAnchored])).to.deep.equal([
      ["main", 41000, topology.main.rpc, topology.main.pid, true, 0, null],
      ["community-1", 41001, community1.rpc, community1.pid, true, 1, null],
      ["community-2", 41002, community2.rpc, community2.pid, true, 0, null],
    ]);
    const rows = output.split("\n");
    expect(rows[0].split(/\s+/)).to.deep.equal([
      "chain",
      "chain",
      "id",
      "rpc",
      "pid",
      "alive",
      "height",
      "clock",
      "anchored",
    ]);
    const clock = `${result[1].clockOffset! >= 0 ? "+" : ""}${result[1].clockOffset}s`;
    expect(rows[2].split(/\s+/)).to.deep.equal([
      "community-1",
      "41001",
      community1.rpc,
      String(community1.pid),
      "yes",
      "1",
      clock,
      "-",
    ]);
    // The chain's clock is the wall clock (it just mined a block).
    expect(Math.abs(result[1].clockOffset!)).to.be.at.most(2);
    const json = await runTask<ChainStatus[]>("chains:status", { dir, json: true });
    // The clock offset of a chain that mines nothing moves with the wall clock between the two
    // calls (a second may tick): compare it within a second, everything else exactly.
    const parsed = JSON.parse(json.output) as ChainStatus[];
    const withoutClock = (all: ChainStatus[]) => all.map(({ clockOffset: _clock, ...rest }) => rest);
    expect(withoutClock(parsed)).to.deep.equal(withoutClock(result));
    parsed.forEach((s, i) => expect(Math.abs(s.clockOffset! - result[i].clockOffset!), s.name).to.be.at.most(1));
  });

  it("shows the last anchored height of each community chain from the main chain's AnchorHub", async () => {
    const deployer = systemWallet("deployer").connect(connect(topology.main));
    const deployment = await deployer.sendTransaction({ data: ANCHOR_HUB_STUB_INIT_CODE });
    await deployment.wait();
    const hub = getCreateAddress({ from: deployer.address, nonce: deployment.nonce });
    const withHub = readTopology(topologyPath(dir));
    withHub.main.contracts.AnchorHub = hub;
    writeTopology(topologyPath(dir), withHub);
    topology = withHub;
    const { result, output } = await runTask<ChainStatus[]>("chains:status", { dir, json: false });
    expect(result.map((s) => [s.name, s.height, s.lastAnchored])).to.deep.equal([
      ["main", 1, null],
      ["community-1", 1, 41008],
      ["community-2", 0, 41009],
    ]);
    expect(output.split("\n")[3].split(/\s+/).at(-1)).to.equal("41009");
  });

  it("leaves running chains alone when chains:up runs again", async () => {
    const { result } = await runTask<ChainsUpResult>("chains:up", { dir, partition });
    expect(result.chains.map((c) => [c.action, c.pid])).to.deep.equal([
      ["running", topology.main.pid],
      ["running", community1.pid],
      ["running", community2.pid],
    ]);
    expect(readTopology(topologyPath(dir))).to.deep.equal(topology);
  });

  it("restarts a chain killed with SIGKILL with the same height, block hashes, balances and contract state", async () => {
    const provider = connect(community1);
    const d1 = deviceWallet("01", topology).connect(provider);
    const d3 = deviceWallet("03", topology).connect(provider);
    await (await d3.sendTransaction({ to: deviceWallet("04", topology).address, value: parseEther("1.5") })).wait();
    const deployment = await d1.sendTransaction({ data: COUNTER_INIT_CODE });
    await deployment.wait();
    const counter = getCreateAddress({ from: d1.address, nonce: deployment.nonce });
    await (await d1.sendTransaction({ to: counter })).wait();
    await (await d3.sendTransaction({ to: counter })).wait();
    // The chain process signs for no one: the deployer signs locally like every client.
    await (await systemWallet("deployer").connect(provider).sendTransaction({ to: counter })).wait();

    const blocks = await chainBlocks(community1.rpc);
    const watched = [d1.address, d3.address, deviceWallet("04", topology).address, systemWallet("deployer").address];
    const balances = await Promise.all(watched.map((a) => balance(community1.rpc, a)));
    expect(await rpcCall(community1.rpc, "eth_getStorageAt", [counter, "0x0", "latest"])).to.equal(
      `0x${"0".repeat(63)}3`,
    );

    process.kill(community1.pid as number, "SIGKILL");
    await waitGone(community1.pid as number);
    const status = await runTask<ChainStatus[]>("chains:status", { dir, json: true });
    expect(status.result[1]).to.include({ alive: false, height: null });

    const { result } = await runTask<ChainsUpResult>("chains:up", { dir });
    const killed = community1;
    const restarted = readTopology(topologyPath(dir)).communities[0];
    community1 = restarted;
    expect(result.chains.map((c) => c.action)).to.deep.equal(["running", "restarted", "running"]);
    expect(restarted.pid).to.not.equal(killed.pid);
    expect(restarted.pid).to.equal(result.chains[1].pid);
    expect(restarted.port).to.equal(killed.port);

    expect(await chainBlocks(community1.rpc)).to.deep.equal(blocks);
    expect(await Promise.all(watched.map((a) => balance(community1.rpc, a)))).to.deep.equal(balances);
    expect(await rpcCall(community1.rpc, "eth_getStorageAt", [counter, "0x0", "latest"])).to.equal(
      `0x${"0".repeat(63)}3`,
    );
    const log = fs.readFileSync(path.join(dir, "community-1", "node.log"), "utf8");
    expect(log).to.contain(`replayed ${blocks.length - 1} blocks`);

    // The chain goes on from the restored state, dated by the wall clock again.
    await (await d1.sendTransaction({ to: counter })).wait();
    expect(await rpcCall(community1.rpc, "eth_getStorageAt", [counter, "0x0", "latest"])).to.equal(
      `0x${"0".repeat(63)}4`,
    );
    const next = (await chainBlocks(community1.rpc)).at(-1) as Block;
    expect(Number(next.number)).to.equal(blocks.length);
    expect(Math.abs(Number(next.timestamp) - Date.now() / 1000)).to.be.lessThan(120);
  });

  it("drops a torn last journal line on restart", async () => {
    const d5 = deviceWallet("05", topology).connect(connect(community2));
    await (await d5.sendTransaction({ to: deviceWallet("06", topology).address, value: 9n })).wait();
    const blocks = await chainBlocks(community2.rpc);
    const journal = path.join(dir, "community-2", JOURNAL_FILE);
    const complete = fs.readFileSync(journal);
    process.kill(community2.pid as number, "SIGKILL");
    await waitGone(community2.pid as number);
    // What a kill in the middle of an append leaves behind.
    fs.appendFileSync(journal, '{"kind":"block","number":2,"hash":"0x5e');
    const { result } = await runTask<ChainsUpResult>("chains:up", { dir });
    community2 = readTopology(topologyPath(dir)).communities[1];
    expect(result.chains[2].action).to.equal("restarted");
    expect(fs.readFileSync(journal)).to.deep.equal(complete);
    expect(readJournal(journal).torn).to.equal(undefined);
    expect(await chainBlocks(community2.rpc)).to.deep.equal(blocks);
    expect(fs.readFileSync(path.join(dir, "community-2", "node.log"), "utf8")).to.contain(
      "dropped a torn last line (line 3, 39 bytes)",
    );
  });

  it("refuses methods that cannot be replayed with a JSON-RPC error naming method and chain", async () => {
    const error = (await rejection(
      rpcCall(community1.rpc, "hardhat_setBalance", [deviceWallet("01", topology).address, "0x1"]),
    )) as RpcError;
    expect(error).to.be.instanceOf(RpcError);
    expect(error.code).to.equal(-32004);
    expect(error.problem).to.match(
      /^hardhat_setBalance is refused on persistent chain community-1: its effect cannot be replayed/,
    );
    expect(await balance(community1.rpc, deviceWallet("01", topology).address)).to.be.greaterThan(parseEther("9999"));
  });

  it("stops exactly the processes it started with chains:down, and leaves a reused pid alone", async () => {
    const pids = [topology.main.pid, community1.pid, community2.pid];
    expect(chainProcessesUnder(dir).sort()).to.deep.equal([...pids].sort());
    const { result } = await runTask<ChainDownResult[]>("chains:down", { dir });
    expect(result).to.deep.equal([
      { name: "main", pid: pids[0], outcome: "stopped" },
      { name: "community-1", pid: pids[1], outcome: "stopped" },
      { name: "community-2", pid: pids[2], outcome: "stopped" },
    ]);
    expect(chainProcessesUnder(dir)).to.deep.equal([]);
    const stopped = readTopology(topologyPath(dir));
    expect([stopped.main.pid, ...stopped.communities.map((c) => c.pid)]).to.deep.equal([null, null, null]);

    // A recorded pid that now belongs to some other process must survive chains:down.
    sleeper = spawn("sleep", ["600"], { stdio: "ignore" });
    stopped.main.pid = sleeper.pid as number;
    fs.writeFileSync(topologyPath(dir), JSON.stringify(stopped));
    const again = await runTask<ChainDownResult[]>("chains:down", { dir });
    expect(again.result[0]).to.deep.equal({ name: "main", pid: sleeper.pid, outcome: "foreign" });
    expect(sleeper.exitCode).to.equal(null);
    expect(() => process.kill(sleeper!.pid as number, 0)).to.not.throw();
  });

  it("stops the chains it started when one of them fails to start, leaving topology.json as it was", async () => {
    // Tamper with a journaled block of community-2: its replay stops and the process exits.
    const journal = path.join(dir, "community-2", JOURNAL_FILE);
    const lines = fs.readFileSync(journal, "utf8").split("\n");
    const block = JSON.parse(lines[1]);
    block.timestamp += 1;
    lines[1] = JSON.stringify(block);
    fs.writeFileSync(journal, lines.join("\n"));
    const before = fs.readFileSync(topologyPath(dir), "utf8");

    const error = (await rejection(runTask("chains:up", { dir }))) as ChainStartError;
    expect(error).to.be.instanceOf(ChainStartError);
    expect(error.chain).to.equal("community-2");
    expect(error.logFile).to.equal(path.join(dir, "community-2", "node.log"));
    expect(error.message).to.contain("chain community-2 failed to start: its process");
    expect(error.message).to.contain("replaying block 1 gave hash");
    expect(chainProcessesUnder(dir)).to.deep.equal([]);
    expect(fs.readFileSync(topologyPath(dir), "utf8")).to.equal(before);
  });
});

describe("chains:up on bad input", function () {
  this.timeout(120_000);
  let work: string;
  let blocker: net.Server | undefined;

  beforeEach(() => {
    work = tempDir("chains-bad");
  });
  afterEach(async () => {
    blocker?.close();
    blocker = undefined;
    await killChainProcessesUnder(work);
    fs.rmSync(work, { recursive: true, force: true });
  });

  function expectNothingStarted(dir: string): void {
    expect(fs.existsSync(topologyPath(dir))).to.equal(false);
    expect(chainProcessesUnder(work)).to.deep.equal([]);
  }

  it("rejects a partition file that does not parse, naming it", async () => {
    const partition = path.join(work, "partition.json");
    fs.writeFileSync(partition, "{ chosen: ");
    const dir = path.join(work, "chains");
    const error = await rejection(runTask("chains:up", { partition, dir, basePort: 0 }));
    expect(error).to.be.instanceOf(PartitionSyntaxError);
    expect(error.message).to.equal(
      `${partition}: is not valid JSON (${(() => {
        try {
          JSON.parse("{ chosen: ");
        } catch (e) {
          return (e as Error).message;
        }
      })()})`,
    );
    expectNothingStarted(dir);
  });

  it("rejects a partition without communities", async () => {
    const partition = path.join(work, "partition.json");
    await writePartition(partition, partitionDocument(["a", "b"], []));
    const dir = path.join(work, "chains");
    const error = await rejection(runTask("chains:up", { partition, dir, basePort: 0 }));
    expect(error).to.be.instanceOf(PartitionEmptyError);
    expect(error.message).to.equal(`${partition}: chosen.communities: has no community, so there is no chain to run`);
    expectNothingStarted(dir);
  });

  it("rejects a port in use, naming the port and the chain", async () => {
    blocker = net.createServer();
    await new Promise<void>((resolve) => blocker!.listen(0, "127.0.0.1", resolve));
    const port = (blocker.address() as net.AddressInfo).port;
    const partition = path.join(work, "partition.json");
    await writePartition(partition, partitionDocument(["a", "b", "c"], [["a", "b", "c"]]));
    const dir = path.join(work, "chains");
    const error = (await rejection(runTask("chains:up", { partition, dir, basePort: port }))) as PortInUseError;
    expect(error).to.be.instanceOf(PortInUseError);
    expect(error.message).to.equal(
      `port ${port} of chain main is already in use on 127.0.0.1 (by a process that is not main)`,
    );
    expectNothingStarted(dir);
    expect(fs.existsSync(path.join(dir, "main", "genesis.json"))).to.equal(false);
  });

  it("asks for a partition when the directory has no topology yet", async () => {
    const dir = path.join(work, "chains");
    const error = await rejection(runTask("chains:up", { dir, basePort: 0 }));
    expect(error.message).to.equal(
      `${topologyPath(dir)}: does not exist and no partition was given to plan the chains from (--partition)`,
    );
    expectNothingStarted(dir);
  });
});

describe("chains:up with an external chain", function () {
  this.timeout(300_000);
  let work: string;
  let dir: string;
  let external: http.Server;
  let externalRpc: string;

  let savedMnemonic: string | undefined;

  before(async () => {
    // A chain set with an external chain refuses the public development mnemonic (security H3).
    savedMnemonic = process.env.COMMCHAIN_MNEMONIC;
    process.env.COMMCHAIN_MNEMONIC = Mnemonic.fromEntropy(Uint8Array.from({ length: 16 }, (_, i) => i + 1)).phrase;
    work = tempDir("chains-external");
    dir = path.join(work, "chains");
    // A stand-in for geth --dev: answers eth_chainId (1337), eth_blockNumber and eth_getBlockByNumber
    // (a latest block 30 s behind the wall clock) over JSON-RPC.
    external = http.createServer((request, response) => {
      let body = "";
      request.on("data", (chunk) => (body += chunk));
      request.on("end", () => {
        const call = JSON.parse(body) as { id: number; method: string };
        const latest = { number: "0x10", timestamp: `0x${(Math.floor(Date.now() / 1000) - 30).toString(16)}` };
        const result = { eth_chainId: "0x539", eth_blockNumber: "0x10", eth_getBlockByNumber: latest }[call.method];
        response.setHeader("content-type", "application/json");
        response.end(
          JSON.stringify(
            result === undefined
              ? { jsonrpc: "2.0", id: call.id, error: { code: -32601, message: "no" } }
              : { jsonrpc: "2.0", id: call.id, result },
          ),
        );
      });
    });
    await new Promise<void>((resolve) => external.listen(0, "127.0.0.1", resolve));
    externalRpc = `http://127.0.0.1:${(external.address() as net.AddressInfo).port}`;
  });
  after(async () => {
    if (savedMnemonic === undefined) delete process.env.COMMCHAIN_MNEMONIC;
    else process.env.COMMCHAIN_MNEMONIC = savedMnemonic;
    await killChainProcessesUnder(dir);
    external.close();
    fs.rmSync(work, { recursive: true, force: true });
  });

  it("does not start an external chain, only checks its chain id, and leaves it alone on chains:down", async () => {
    const partition = path.join(work, "partition.json");
    await writePartition(partition, partitionDocument(["a", "b", "c"], [["a", "b", "c"]]));
    const { result } = await runTask<ChainsUpResult>("chains:up", {
      partition,
      dir,
      basePort: 0,
      external: `main=${externalRpc}`,
    });
    expect(result.chains.map((c) => [c.name, c.chainId, c.action])).to.deep.equal([
      ["main", 1337, "external"],
      ["community-1", 31001, "started"],
    ]);
    const topology = readTopology(topologyPath(dir));
    expect(topology.main).to.deep.equal({
      name: "main",
      chainId: 1337,
      rpc: externalRpc,
      members: [],
      contracts: {},
      external: true,
    });
    expect(fs.existsSync(path.join(dir, "main"))).to.equal(false);
    expect(chainProcessesUnder(dir)).to.deep.equal([topology.communities[0].pid]);

    const status = await runTask<ChainStatus[]>("chains:status", { dir, json: true });
    const { clockOffset, ...main } = status.result[0];
    expect(main).to.deep.equal({
      name: "main",
      chainId: 1337,
      rpc: externalRpc,
      external: true,
      pid: null,
      alive: null,
      height: 16,
      lastAnchored: null,
    });
    expect(clockOffset).to.be.within(-31, -30);
    const down = await runTask<ChainDownResult[]>("chains:down", { dir });
    expect(down.result.map((r) => r.outcome)).to.deep.equal(["external", "stopped"]);
    expect(chainProcessesUnder(dir)).to.deep.equal([]);
  });

  it("rejects an external chain that answers with another chain id before starting anything", async () => {
    const topology = readTopology(topologyPath(dir));
    topology.main.chainId = 999;
    writeTopology(topologyPath(dir), topology);
    const error = (await rejection(runTask("chains:up", { dir, timeout: 5 }))) as ExternalChainError;
    expect(error).to.be.instanceOf(ExternalChainError);
    expect(error.message).to.equal(
      `external chain main at ${externalRpc}: ${externalRpc} answers with chain id 1337, not 999`,
    );
    expect(chainProcessesUnder(dir)).to.deep.equal([]);
  });
});
