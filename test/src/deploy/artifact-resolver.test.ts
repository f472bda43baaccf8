/**
 * The artifact resolver Ignition deploys with: the project's artifacts, and build infos that keep
 * what `ignition verify` reads (compiler input and version) without the compiler's output.
 */
import fs from "node:fs";
import path from "node:path";
import { expect } from "chai";
import hre from "hardhat";
import { ProjectArtifactResolver, withoutOutput } from "../../../src/deploy/artifact-resolver";
import { deployModule } from "../../../src/deploy";
import { mainAnchoringModule } from "../../../ignition/modules/MainAnchoring";
import { inProcessChain, tempDir } from "../anchor/fixtures";
import { rejection } from "../../helpers/rejection";

describe("deploy/artifact-resolver", () => {
  const resolver = new ProjectArtifactResolver(hre.artifacts);

  it("loads the artifact Hardhat compiled, by name and by fully qualified name", async () => {
    const byName = await resolver.loadArtifact("AnchorHub");
    expect(byName).to.deep.equal(await hre.artifacts.readArtifact("AnchorHub"));
    expect(await resolver.loadArtifact(`${byName.sourceName}:AnchorHub`)).to.deep.equal(byName);
  });

  it("gives the contract's build info with its compiler input and version, and no output", async () => {
    const artifact = await hre.artifacts.readArtifact("DataToken");
    const full = await hre.artifacts.getBuildInfo(`${artifact.sourceName}:DataToken`);
    const compact = await resolver.getBuildInfo("DataToken");
    expect(full).to.not.equal(undefined);
    expect(compact).to.deep.equal(withoutOutput(full!));
    expect(compact!.input.sources[artifact.sourceName].content).to.include("contract DataToken");
    expect(compact!.output).to.deep.equal({ sources: {}, contracts: {} });
    // Parsed once: a second contract of the same compilation shares the object.
    expect(await resolver.getBuildInfo("AnchorHub")).to.equal(compact);
  });

  it("rejects a contract the project does not have, naming it", async () => {
    expect((await rejection(resolver.getBuildInfo("NoSuchContract"))).message).to.include("NoSuchContract");
  });

  it("lets Ignition store a build info of the input alone in the deployment", async () => {
    const { dir, cleanup } = tempDir("commchain-artifact-resolver-");
    try {
      const chain = await inProcessChain(31_510);
      const accounts = (await chain.eip1193.request({ method: "eth_accounts" })) as string[];
      await deployModule({
        chain: { name: "main", rpc: "http://127.0.0.1:1", external: false },
        chainDir: dir,
        module: mainAnchoringModule(),
        provider: chain.eip1193,
        accounts,
        artifactResolver: resolver,
      });
      const buildInfoDir = path.join(dir, "ignition", "commchain-main", "build-info");
      const files = fs.readdirSync(buildInfoDir);
      expect(files).to.have.length(1);
      const stored = JSON.parse(fs.readFileSync(path.join(buildInfoDir, files[0]), "utf8"));
      expect(stored.output).to.deep.equal({ sources: {}, contracts: {} });
      expect(stored.solcLongVersion).to.be.a("string").that.is.not.empty;
      expect(Object.keys(stored.input.sources)).to.include((await resolver.loadArtifact("AnchorHub")).sourceName);
    } finally {
      cleanup();
    }
  });
});
