/**
 * One Ignition module on one chain with its journal in the chain's data directory, on a fresh
 * in-process chain: first run, re-run, and a journal whose contracts are gone from the chain.
 */
import fs from "node:fs";
import path from "node:path";
import { expect } from "chai";
import hre from "hardhat";
import { ProjectArtifactResolver } from "../../../src/deploy/artifact-resolver";
import { mainAnchoringModule } from "../../../ignition/modules/MainAnchoring";
import {
  DeploymentJournalError,
  deployModule,
  deploymentDir,
  deploymentId,
  missingRecordedCode,
  type ModuleProgress,
} from "../../../src/deploy";
import { inProcessChain, tempDir, type TestChain } from "../anchor/fixtures";

describe("deploy/module-deployment", () => {
  let dir: string;
  let cleanup: () => void;
  let chain: TestChain;
  let accounts: string[];
  beforeEach(async () => {
    ({ dir, cleanup } = tempDir("commchain-module-deployment-"));
    chain = await inProcessChain(31_500);
    accounts = (await chain.eip1193.request({ method: "eth_accounts" })) as string[];
  });
  afterEach(() => cleanup());

  const target = { name: "main", rpc: "http://127.0.0.1:1", external: false };
  function run(onProgress?: (progress: ModuleProgress) => void) {
    return deployModule({
      chain: target,
      chainDir: dir,
      module: mainAnchoringModule(),
      provider: chain.eip1193,
      accounts,
      artifactResolver: new ProjectArtifactResolver(hre.artifacts),
      onProgress,
    });
  }
  const code = async (address: string) =>
    (await chain.eip1193.request({ method: "eth_getCode", params: [address, "latest"] })) as string;

  it("names deployments and their folders after the chain", () => {
    expect(deploymentId({ name: "community-3" })).to.equal("commchain-community-3");
    expect(deploymentDir("/data/community-3", { name: "community-3" })).to.equal(
      "/data/community-3/ignition/commchain-community-3",
    );
  });

  it("deploys with its journal inside the chain directory, then resumes it without sending anything", async () => {
    const lines: string[] = [];
    const first = await run((p) => lines.push(`${p.message} ${p.done}/${p.total}`));
    const folder = path.join(dir, "ignition", "commchain-main");
    expect(first).to.deep.include({
      moduleId: "MainAnchoring",
      deploymentId: "commchain-main",
      deploymentDir: folder,
      deployed: ["AnchorHub", "CoalitionRewards"],
      transactions: 4,
      resumed: false,
    });
    expect(Object.keys(first.contracts)).to.deep.equal(["AnchorHub", "CoalitionRewards"]);
    expect(await code(first.contracts.AnchorHub)).to.not.equal("0x");
    expect(fs.existsSync(path.join(folder, "journal.jsonl"))).to.equal(true);
    expect(lines).to.deep.equal([
      "starting Ignition deployment MainAnchoring 0/0",
      `AnchorHub deployed at ${first.contracts.AnchorHub} 1/6`,
      `CoalitionRewards deployed at ${first.contracts.CoalitionRewards} 2/6`,
      "AnchorHub.RELAYER_ROLE read 3/6",
      "CoalitionRewards.ROUND_ROLE read 4/6",
      "grantRelayerToRelayer done 5/6",
      "grantRoundToDeployer done 6/6",
    ]);

    const height = await chain.provider.getBlockNumber();
    const again = await run();
    expect(again).to.deep.include({ deployed: [], transactions: 0, resumed: true });
    expect(again.contracts).to.deep.equal(first.contracts);
    expect(await chain.provider.getBlockNumber()).to.equal(height);
  });

  it("moves a journal aside whose contracts have no code on the chain, and deploys anew", async () => {
    const first = await run();
    await chain.eip1193.request({ method: "hardhat_setCode", params: [first.contracts.AnchorHub, "0x"] });
    expect(await missingRecordedCode(first.deploymentDir, chain.eip1193)).to.deep.equal([
      { futureId: "MainAnchoring#AnchorHub", address: first.contracts.AnchorHub },
    ]);

    const lines: string[] = [];
    const redeployed = await run((p) => lines.push(p.message));
    expect(lines[0]).to.match(
      new RegExp(
        `^the recorded MainAnchoring#AnchorHub at ${first.contracts.AnchorHub} has no code \\(chain reset\\?\\); earlier journal moved to .*commchain-main\\.stale-[0-9TZ-]+, deploying anew$`,
      ),
    );
    expect(redeployed).to.deep.include({ deployed: ["AnchorHub", "CoalitionRewards"], resumed: false });
    expect(fs.existsSync(path.join(redeployed.discardedJournal!, "journal.jsonl"))).to.equal(true);
    expect(redeployed.contracts.AnchorHub).to.not.equal(first.contracts.AnchorHub);
    expect(await code(redeployed.contracts.AnchorHub)).to.not.equal("0x");
    expect(await missingRecordedCode(redeployed.deploymentDir, chain.eip1193)).to.deep.equal([]);
  });

  it("names a deployed-addresses file it cannot read", async () => {
    const folder = deploymentDir(dir, target);
    fs.mkdirSync(folder, { recursive: true });
    fs.writeFileSync(path.join(folder, "deployed_addresses.json"), "{ torn");
    const error = await missingRecordedCode(folder, chain.eip1193).then(
      () => expect.fail("expected a rejection"),
      (e: Error) => e,
    );
    expect(error).to.be.instanceOf(DeploymentJournalError);
    expect(error.message).to.match(
      new RegExp(
        `^${path.join(folder, "deployed_addresses.json")}: cannot be read as Ignition's deployed addresses \\(`,
      ),
    );
  });
});
