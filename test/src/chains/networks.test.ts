import { expect } from "chai";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import hre from "hardhat";
import { DEFAULT_MNEMONIC } from "../../../src/chains/accounts";
import { chainsDir, topologyNetworks } from "../../../src/chains/networks";
import { planTopology } from "../../../src/chains/plan";
import { topologyPath, writeTopology } from "../../../src/chains/topology";
import { tempDir } from "./helpers";

function writeSample(dir: string): void {
  const topology = planTopology(
    ["a", "b", "c"],
    [
      ["a", "b"],
      ["b", "c"],
    ],
    {
      mainChainId: 31000,
      ports: [8600, 8601, 8602],
      external: { "community-2": { rpc: "http://10.1.2.3:8545", chainId: 1337 } },
    },
  );
  writeTopology(topologyPath(dir), topology);
}

/** Runs the Hardhat CLI of this project in a child process (the config is loaded afresh there). */
function hardhat(args: string[], env: NodeJS.ProcessEnv): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(
    process.execPath,
    [require.resolve("hardhat/internal/cli/cli"), "--config", hre.config.paths.configFile, ...args],
    {
      cwd: hre.config.paths.root,
      env: { ...process.env, ...env },
      encoding: "utf8",
    },
  );
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe("src/chains/networks", function () {
  this.timeout(120_000);
  let dir: string;
  beforeEach(() => {
    dir = tempDir("networks");
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("makes every chain of the topology a network with its url, chain id and the system accounts", () => {
    writeSample(dir);
    const warnings: string[] = [];
    const accounts = { mnemonic: DEFAULT_MNEMONIC, path: "m/44'/60'/1'/0", initialIndex: 0, count: 6 };
    const saved = {
      mnemonic: process.env.COMMCHAIN_MNEMONIC,
      file: process.env.COMMCHAIN_MNEMONIC_FILE,
      token: process.env.COMMCHAIN_RPC_TOKEN,
    };
    delete process.env.COMMCHAIN_MNEMONIC;
    delete process.env.COMMCHAIN_MNEMONIC_FILE;
    process.env.COMMCHAIN_RPC_TOKEN = "t".repeat(32);
    try {
      // The external chain gets no accounts while the mnemonic is the public development one.
      const httpHeaders = { authorization: `Bearer ${"t".repeat(32)}` };
      expect(topologyNetworks(dir, (w) => warnings.push(w))).to.deep.equal({
        main: { url: "http://127.0.0.1:8600", chainId: 31000, httpHeaders, accounts },
        "community-1": { url: "http://127.0.0.1:8601", chainId: 31001, httpHeaders, accounts },
        "community-2": { url: "http://10.1.2.3:8545", chainId: 1337, httpHeaders, accounts: [] },
      });
      expect(warnings).to.have.length(1);
      expect(warnings[0]).to.match(
        /^commchain: network community-2 has no accounts: it is external and the development mnemonic is public/,
      );
    } finally {
      for (const [name, value] of [
        ["COMMCHAIN_MNEMONIC", saved.mnemonic],
        ["COMMCHAIN_MNEMONIC_FILE", saved.file],
        ["COMMCHAIN_RPC_TOKEN", saved.token],
      ] as const) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
  });

  it("gives no networks and no warning without a topology, and a warning for a bad one", () => {
    const warnings: string[] = [];
    expect(topologyNetworks(dir, (w) => warnings.push(w))).to.deep.equal({});
    expect(warnings).to.deep.equal([]);
    fs.writeFileSync(topologyPath(dir), '{"version": 1, "main": 7}');
    expect(topologyNetworks(dir, (w) => warnings.push(w))).to.deep.equal({});
    expect(warnings).to.deep.equal([
      `commchain: no chain networks from ${topologyPath(dir)}: ${topologyPath(dir)}: main: must be an object`,
    ]);
  });

  it("resolves the chains directory from COMMCHAIN_DIR against the project root", () => {
    expect(chainsDir("/project", {})).to.equal("/project/.commchain");
    expect(chainsDir("/project", { COMMCHAIN_DIR: "run/chains" })).to.equal("/project/run/chains");
    expect(chainsDir("/project", { COMMCHAIN_DIR: "/srv/chains" })).to.equal("/srv/chains");
  });

  it("registers the networks in hardhat.config.ts, and a bad topology only warns", () => {
    writeSample(dir);
    const known = hardhat(["--network", "community-1", "chains:status", "--help"], { COMMCHAIN_DIR: dir });
    expect(known.status, known.stderr).to.equal(0);
    const unknown = hardhat(["--network", "community-3", "chains:status", "--help"], { COMMCHAIN_DIR: dir });
    expect(unknown.status).to.not.equal(0);
    expect(unknown.stderr + unknown.stdout).to.contain("community-3");

    fs.writeFileSync(path.join(dir, "topology.json"), "{ broken");
    const broken = hardhat(["chains:status", "--help"], { COMMCHAIN_DIR: dir });
    expect(broken.status, broken.stderr).to.equal(0);
    expect(broken.stderr).to.contain(`commchain: no chain networks from ${topologyPath(dir)}`);
  });
});
