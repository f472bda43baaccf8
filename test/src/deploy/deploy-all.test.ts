/**
 * `deploy:all` end to end on real chains: `chains:up` starts a main chain and two community chains
 * (hardhat node processes on free ports), the task runs through `hre.run`, and everything it
 * claims is read back from the chains: code at every recorded address, roles, members, trust
 * roots. Then a re-run (no transaction), a chain wiped under its journal (detected, redeployed),
 * and chains that are down or die during the deployment (named in the error, resumed after
 * `chains:up`).
 */
import { COMMUNITY_CONTRACT_NAMES, MAIN_CONTRACT_NAMES } from "../../../src/chains";
import fs from "node:fs";
import path from "node:path";
import { expect } from "chai";
import { parseEther } from "ethers";
import hre from "hardhat";
import { chainProvider } from "../../../src/chains/providers";
import { deviceWallet, systemWallet } from "../../../src/chains/accounts";
import { stopChainProcess } from "../../../src/chains/chain-process";
import { chainsDown } from "../../../src/chains/down";
import { JOURNAL_FILE } from "../../../src/chains/journal";
import { rpcCall } from "../../../src/chains/rpc";
import {
  allChains,
  chainDataDir,
  readTopology,
  topologyPath,
  type ChainEntry,
  type Topology,
} from "../../../src/chains/topology";
import { chainsUp } from "../../../src/chains/up";
import { writePartition } from "../../../src/partition/document";
import {
  anchorHub,
  coalitionRewards,
  ChainDeployError,
  communityContracts,
  DeployIncompleteError,
  IgnitionDeploymentError,
  deploymentDir,
  type DeployAllResult,
} from "../../../src/deploy";
import { ChainUnreachableError } from "../../../src/chains/errors";
import { DEFAULT_VERIFICATION_REWARD } from "../../../ignition/modules/defaults";
import { killChainProcessesUnder, partitionDocument, tempDir, waitGone } from "../chains/helpers";
import { rejection } from "../../helpers/rejection";
import { runTask } from "../../helpers/run-task";

const DEVICES = ["01", "02", "03", "04", "05", "06", "07"];
/** Device 04 is a member of both communities. */
const COMMUNITIES = [
  ["01", "02", "03", "04"],
  ["04", "05", "06", "07"],
];
const VERIFIER = "0x00000000000000000000000000000000000000A1";
const ADDRESS = /^0x[0-9a-fA-F]{40}$/;

/** A chains directory with a topology planned from {@link COMMUNITIES} and its chains running. */
async function startChains(prefix: string, mainChainId: number): Promise<{ work: string; dir: string }> {
  const work = tempDir(prefix);
  const dir = path.join(work, "chains");
  const partition = path.join(work, "partition.json");
  await writePartition(partition, partitionDocument(DEVICES, COMMUNITIES));
  await restartChains(dir, mainChainId, partition);
  return { work, dir };
}

async function restartChains(dir: string, mainChainId: number, partition?: string): Promise<void> {
  await chainsUp({
    dir,
    partition,
    basePort: 0,
    mainChainId,
    timeoutMs: 240_000,
    projectRoot: hre.config.paths.root,
    configFile: hre.config.paths.configFile,
  });
}

/** Stops the chains (and any chain process left under the directory), then removes it. */
async function stopChains(work: string | undefined, dir: string | undefined): Promise<void> {
  if (dir !== undefined && fs.existsSync(topologyPath(dir))) await chainsDown(dir).catch(() => undefined);
  if (work !== undefined) {
    await killChainProcessesUnder(work);
    fs.rmSync(work, { recursive: true, force: true });
  }
}

async function heights(topology: Topology): Promise<Record<string, number>> {
  const entries = await Promise.all(
    allChains(topology).map(
      async (chain) => [chain.name, Number(await rpcCall<string>(chain.rpc, "eth_blockNumber"))] as const,
    ),
  );
  return Object.fromEntries(entries);
}

async function codeAt(chain: ChainEntry, address: string): Promise<string> {
  return rpcCall<string>(chain.rpc, "eth_getCode", [address, "latest"]);
}

describe("deploy:all on chains:up chains", function () {
  this.timeout(600_000);

  describe("a running topology", () => {
    let work: string | undefined;
    let dir: string | undefined;
    let topology: Topology;
    let first: DeployAllResult;

    before(async () => {
      ({ work, dir } = await startChains("deploy", 43_000));
    });
    after(() => stopChains(work, dir));

    it("deploys every chain, records every address, wires the roles, registers every member and each trust root", async () => {
      const { result, output } = await runTask<DeployAllResult>("deploy:all", {
        dir,
        verifiers: VERIFIER,
        uploadReward: "3",
      });
      first = result;
      topology = readTopology(topologyPath(dir!));
      expect(Object.keys(topology.main.contracts).sort()).to.deep.equal([...MAIN_CONTRACT_NAMES].sort());
      expect(topology.main.contracts.AnchorHub).to.equal(result.hub);
      for (const chain of topology.communities) {
        expect(Object.keys(chain.contracts).sort()).to.deep.equal([...COMMUNITY_CONTRACT_NAMES].sort());
      }
      for (const chain of allChains(topology)) {
        for (const [name, address] of Object.entries(chain.contracts)) {
          expect(address, `${chain.name} ${name}`).to.match(ADDRESS);
          expect(await codeAt(chain, address), `code of ${chain.name} ${name}`).to.not.equal("0x");
        }
        // every Ignition journal lives inside its chain's data directory
        expect(
          fs.existsSync(path.join(deploymentDir(chainDataDir(dir!, chain), chain), "journal.jsonl")),
          chain.name,
        ).to.equal(true);
      }
      expect(result.chains.map((c) => [c.chain, c.module, c.deploymentId, c.deployed.length, c.resumed])).to.deep.equal(
        [
          ["main", "MainAnchoring", "commchain-main", MAIN_CONTRACT_NAMES.length, false],
          ["community-1", "CommunitySuite", "commchain-community-1", COMMUNITY_CONTRACT_NAMES.length, false],
          ["community-2", "CommunitySuite", "commchain-community-2", COMMUNITY_CONTRACT_NAMES.length, false],
        ],
      );
      expect(result.registeredOnHub).to.deep.equal(["community-1", "community-2"]);

      const deployer = systemWallet("deployer").address;
      const main = chainProvider(topology.main);
      try {
        const hub = anchorHub(topology, main);
        expect(await hub.hasRole(await hub.RELAYER_ROLE(), systemWallet("relayer").address)).to.equal(true);
        expect(await hub.hasRole(await hub.DEFAULT_ADMIN_ROLE(), deployer)).to.equal(true);
        const rewards = coalitionRewards(topology, main);
        expect(await rewards.hasRole(await rewards.ROUND_ROLE(), deployer), "deployer opens rounds").to.equal(true);
        for (const chain of topology.communities) {
          expect(await hub.isRegistered(chain.chainId)).to.equal(true);
          const root = await hub.trustRoot(chain.chainId);
          expect([root.height, root.blockHash]).to.deep.equal([0n, chain.genesis!.hash]);
        }
      } finally {
        main.destroy();
      }

      for (const chain of topology.communities) {
        const provider = chainProvider(chain);
        try {
          const { token, register, factory, maintenance, recordLog, reputation, analysisMarket } = communityContracts(
            topology,
            chain.name,
            provider,
          );
          const minter = await token.MINTER_ROLE();
          expect(await token.hasRole(minter, await factory.getAddress()), "factory mints").to.equal(true);
          expect(await token.hasRole(minter, systemWallet("minter").address), "minter mints").to.equal(true);
          expect(await token.hasRole(await token.DEFAULT_ADMIN_ROLE(), deployer)).to.equal(true);
          expect(await recordLog.hasRole(await recordLog.WRITER_ROLE(), systemWallet("writer").address)).to.equal(true);
          expect(await register.hasRole(await register.REGISTRAR_ROLE(), deployer)).to.equal(true);
          expect(await register.relationshipFactory()).to.equal(await factory.getAddress());
          expect(await register.summaryImplementation()).to.equal(chain.contracts.SummaryImplementation);
          expect(await factory.relationshipImplementation()).to.equal(chain.contracts.RelationshipImplementation);
          expect([await factory.register(), await factory.token()]).to.deep.equal([
            chain.contracts.Register,
            chain.contracts.DataToken,
          ]);
          expect(await maintenance.token()).to.equal(chain.contracts.DataToken);
          expect(
            await reputation.hasRole(await reputation.UPDATER_ROLE(), chain.contracts.AnalysisMarket),
            "the analysis market updates reputations",
          ).to.equal(true);
          expect([await analysisMarket.token(), await analysisMarket.reputation()]).to.deep.equal([
            chain.contracts.DataToken,
            chain.contracts.Reputation,
          ]);
          expect([await factory.rewardAmount(0), await factory.rewardAmount(1)]).to.deep.equal([
            parseEther("3"),
            DEFAULT_VERIFICATION_REWARD,
          ]);
          expect(await factory.isVerifier(VERIFIER)).to.equal(true);
          for (const id of chain.members) {
            const account = deviceWallet(id, topology).address;
            expect(await register.addressOf(id), `${chain.name} member ${id}`).to.equal(account);
            expect(await register.kindOf(account)).to.equal(0n);
            expect(await register.summaryOf(account)).to.not.equal("0x0000000000000000000000000000000000000000");
          }
        } finally {
          provider.destroy();
        }
      }
      expect(result.chains.slice(1).map((c) => c.members)).to.deep.equal(
        COMMUNITIES.map((members) => ({ registered: members, already: [] })),
      );

      // 17 futures of the BPIIoT suite, 12 of the market (4 contracts, 4 role reads, 4 grants) and 4 of
      // the learning (2 contracts, a role read and a grant).
      expect(output).to.match(/^community-1: DataToken deployed at 0x[0-9a-fA-F]{40} \[\d+\/33\]$/m);
      expect(output).to.match(/^community-2: registered 4\/4 member devices \(4 now\)$/m);
      expect(output).to.match(/^community-1: registered on the AnchorHub, trust root block 0 0x[0-9a-f]{64}$/m);
      expect(output).to.match(/^chain\s+chain id\s+module\s+contracts\s+deployed now\s+txs\s+members\s+trust root$/m);
      expect(output).to.match(/^community-2\s+43002\s+CommunitySuite\s+13\s+13\s+\d+\s+4 \(4 new\)\s+registered now$/m);
    });

    it("a second run sends no transaction and changes nothing", async () => {
      const before = await heights(topology);
      const file = fs.readFileSync(topologyPath(dir!), "utf8");
      const { result } = await runTask<DeployAllResult>("deploy:all", { dir, verifiers: VERIFIER, uploadReward: "3" });
      expect(await heights(topology)).to.deep.equal(before);
      expect(fs.readFileSync(topologyPath(dir!), "utf8")).to.equal(file);
      expect(result.chains.map((c) => [c.chain, c.deployed, c.transactions, c.resumed])).to.deep.equal([
        ["main", [], 0, true],
        ["community-1", [], 0, true],
        ["community-2", [], 0, true],
      ]);
      expect(result.chains.map((c) => c.contracts)).to.deep.equal(first.chains.map((c) => c.contracts));
      expect(result.chains.slice(1).map((c) => [c.members, c.trustRoot])).to.deep.equal(
        COMMUNITIES.map((members) => [{ registered: [], already: members }, { registeredNow: false }]),
      );
      expect(result.registeredOnHub).to.deep.equal([]);
    });

    it("refuses to deploy with other reward amounts than the journal's (Ignition reconciliation), sending nothing", async () => {
      const before = await heights(topology);
      const error = await rejection(runTask("deploy:all", { dir, verifiers: VERIFIER, uploadReward: "4" }));
      expect(error).to.be.instanceOf(DeployIncompleteError);
      const failures = (error as DeployIncompleteError).failures;
      expect(failures.map((f) => [f.constructor, (f as IgnitionDeploymentError).chain])).to.deep.equal([
        [IgnitionDeploymentError, "community-1"],
        [IgnitionDeploymentError, "community-2"],
      ]);
      expect(failures[0].message).to.equal(
        `chain community-1: Ignition module CommunitySuite (journal ${deploymentDir(chainDataDir(dir!, topology.communities[0]), topology.communities[0])}): ` +
          "The deployment wasn't run because of the following reconciliation errors:\n  * CommunitySuite#RelationshipFactory: Argument at index 4 has been changed",
      );
      expect(await heights(topology)).to.deep.equal(before);
    });

    it("detects a chain whose state was wiped under its journal and deploys it anew", async () => {
      const chain = topology.communities[0];
      const chainDir = chainDataDir(dir!, chain);
      expect(await stopChainProcess(readTopology(topologyPath(dir!)).communities[0].pid, chainDir)).to.be.oneOf([
        "stopped",
        "killed",
      ]);
      fs.rmSync(path.join(chainDir, JOURNAL_FILE));
      await restartChains(dir!, 43_000);
      expect(await codeAt(chain, chain.contracts.Register)).to.equal("0x");

      const { result, output } = await runTask<DeployAllResult>("deploy:all", {
        dir,
        verifiers: VERIFIER,
        uploadReward: "3",
      });
      const redeployed = result.chains[1];
      expect(output).to.match(
        /^community-1: the recorded CommunitySuite#\w+ at 0x[0-9a-fA-F]{40} has no code \(chain reset\?\); earlier journal moved to .*\.stale-.*, deploying anew$/m,
      );
      expect(fs.existsSync(redeployed.discardedJournal!)).to.equal(true);
      expect([redeployed.deployed.length, redeployed.resumed, redeployed.members]).to.deep.equal([
        COMMUNITY_CONTRACT_NAMES.length,
        false,
        { registered: COMMUNITIES[0], already: [] },
      ]);
      expect(result.chains.map((c) => c.deployed.length)).to.deep.equal([0, COMMUNITY_CONTRACT_NAMES.length, 0]);
      const latest = readTopology(topologyPath(dir!));
      for (const [name, address] of Object.entries(latest.communities[0].contracts))
        expect(await codeAt(chain, address), name).to.not.equal("0x");
    });
  });

  describe("chains that are down or die during the deployment", () => {
    let work: string | undefined;
    let dir: string | undefined;

    before(async () => {
      ({ work, dir } = await startChains("deploy-fail", 44_000));
    });
    after(() => stopChains(work, dir));

    it("names the chain that was down and the one killed mid-deploy, keeps what completed, and resumes after chains:up", async () => {
      const topology = readTopology(topologyPath(dir!));
      const [down, killed] = topology.communities;
      process.kill(down.pid!, "SIGKILL");
      await waitGone(down.pid!);

      // community-2 dies right after its first contract is deployed
      let killedToken: string | undefined;
      const failure = await rejection(
        runTask("deploy:all", { dir }, (line) => {
          const deployed = /^community-2: DataToken deployed at (0x[0-9a-fA-F]{40})/.exec(line);
          if (deployed !== null && killedToken === undefined) {
            killedToken = deployed[1];
            process.kill(killed.pid!, "SIGKILL");
          }
        }),
      );
      expect(killedToken).to.match(ADDRESS);
      expect(failure).to.be.instanceOf(DeployIncompleteError);
      const { failures, completed } = failure as DeployIncompleteError;
      expect(failures.map((f) => f.constructor)).to.deep.equal([ChainUnreachableError, ChainDeployError]);
      expect(failures[0].message).to.equal(
        `chain community-1 (${down.rpc}) is down: unreachable (ECONNREFUSED); start the chains with \`npx hardhat chains:up\` and run deploy:all again`,
      );
      expect(failures[1].message).to.match(
        new RegExp(
          `^chain community-2 \\(${killed.rpc.replace(/\./g, "\\.")}\\): Ignition deployment of CommunitySuite failed: `,
        ),
      );
      expect(completed.map((c) => c.chain)).to.deep.equal(["main"]);
      expect(failure.message).to.contain(
        `main completed and is recorded in ${topologyPath(dir!)}. Run deploy:all again`,
      );

      const kept = readTopology(topologyPath(dir!));
      expect(kept.main.contracts.AnchorHub).to.match(ADDRESS);
      expect(kept.communities.map((c) => c.contracts)).to.deep.equal([{}, {}]);

      await restartChains(dir!, 44_000);
      const { result } = await runTask<DeployAllResult>("deploy:all", { dir });
      expect(result.chains.map((c) => [c.chain, c.resumed, c.deployed.includes("DataToken")])).to.deep.equal([
        ["main", true, false],
        ["community-1", false, true],
        ["community-2", true, false],
      ]);
      // the killed chain kept the token it had deployed: its journal replayed it, Ignition's resumed
      expect(result.chains[2].contracts.DataToken).to.equal(killedToken);
      expect(result.registeredOnHub).to.deep.equal(["community-1", "community-2"]);
      const finished = readTopology(topologyPath(dir!));
      for (const chain of allChains(finished)) {
        for (const [name, address] of Object.entries(chain.contracts))
          expect(await codeAt(chain, address), `${chain.name} ${name}`).to.not.equal("0x");
      }
      expect(finished.communities.map((c) => Object.keys(c.contracts).length)).to.deep.equal([
        COMMUNITY_CONTRACT_NAMES.length,
        COMMUNITY_CONTRACT_NAMES.length,
      ]);
    });

    it("fails with the topology file named when there is no topology", async () => {
      const error = await rejection(runTask("deploy:all", { dir: path.join(work!, "nowhere") }));
      expect(error.message).to.equal(
        `${path.join(work!, "nowhere", "topology.json")}: does not exist (run chains:up first)`,
      );
    });
  });
});
