/**
 * deploy:all on bad input, without chains: arguments refused before anything is sent, and chains
 * that are not running named with their RPC.
 */
import fs from "node:fs";
import { expect } from "chai";
import hre from "hardhat";
import { ProjectArtifactResolver } from "../../../src/deploy/artifact-resolver";
import { planTopology } from "../../../src/chains/plan";
import { freePorts } from "../../../src/chains/ports";
import { topologyPath, writeTopology } from "../../../src/chains/topology";
import { deployAll, DeployArgumentError, DeployIncompleteError } from "../../../src/deploy";
import { ChainUnreachableError } from "../../../src/chains/errors";
import { tempDir } from "../anchor/fixtures";
import { rejection } from "../../helpers/rejection";

describe("deploy/deploy-all on bad input", () => {
  let dir: string;
  let cleanup: () => void;
  let rpcs: string[];
  before(async () => {
    ({ dir, cleanup } = tempDir("commchain-deploy-input-"));
    // ports nothing listens on: the chains are planned but not running
    const topology = planTopology(
      ["a", "b", "c"],
      [
        ["a", "b"],
        ["b", "c"],
      ],
      { mainChainId: 45_000, ports: await freePorts(3) },
    );
    writeTopology(topologyPath(dir), topology);
    rpcs = [topology.main.rpc, ...topology.communities.map((c) => c.rpc)];
  });
  after(() => cleanup());

  const options = () => ({ dir, artifactResolver: new ProjectArtifactResolver(hre.artifacts) });

  it("names every chain that is not running with its RPC, and leaves topology.json as it was", async () => {
    const before = fs.readFileSync(topologyPath(dir), "utf8");
    const error = (await rejection(deployAll(options()))) as DeployIncompleteError;
    expect(error).to.be.instanceOf(DeployIncompleteError);
    expect(error.failures.every((failure) => failure instanceof ChainUnreachableError)).to.equal(true);
    expect(error.failures.map((failure) => failure.message)).to.deep.equal(
      ["main", "community-1", "community-2"].map(
        (name, i) =>
          `chain ${name} (${rpcs[i]}) is down: unreachable (ECONNREFUSED); start the chains with \`npx hardhat chains:up\` and run deploy:all again`,
      ),
    );
    expect(error.completed).to.deep.equal([]);
    expect(error.message).to.contain(
      "No chain completed. Run deploy:all again to resume once the cause is fixed (a chain that is down: npx hardhat chains:up).",
    );
    expect(fs.readFileSync(topologyPath(dir), "utf8")).to.equal(before);
    expect(fs.readdirSync(dir)).to.deep.equal(["topology.json"]);
  });

  it("refuses a verifier that is no address and a negative reward before contacting any chain", async () => {
    const badVerifier = await rejection(
      deployAll({ ...options(), verifiers: ["0x00000000000000000000000000000000000000A1", "alice"] }),
    );
    expect(badVerifier).to.be.instanceOf(DeployArgumentError);
    expect(badVerifier.message).to.equal('verifiers[1]: "alice" is not an address');
    const negative = await rejection(deployAll({ ...options(), uploadReward: -1n }));
    expect(negative.message).to.equal("uploadReward: must not be negative, got -1");
  });

  it("deploy:all refuses an unparsable reward before compiling or contacting a chain", async () => {
    const error = await rejection(
      hre.run("deploy:all", { dir, uploadReward: "lots", verificationReward: "2", verifiers: "" }),
    );
    expect(error).to.be.instanceOf(DeployArgumentError);
    expect(error.message).to.equal(
      '--upload-reward: "lots" is not a token amount (a decimal number such as 10 or 0.5)',
    );
  });
});
