import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import { writeTopology } from "../../../src/chains/topology";
import { RUN_MARKER_FILE, RunDirError, prepareRunDir, runPaths } from "../../../src/system";

describe("system/run-dir", () => {
  let work: string;
  beforeEach(() => (work = fs.mkdtempSync(path.join(os.tmpdir(), "commchain-run-dir-"))));
  afterEach(() => fs.rmSync(work, { recursive: true, force: true }));

  it("lays a run out under its directory", () => {
    const paths = runPaths(path.join(work, "run"));
    const rel = (file: string) => path.relative(paths.root, file);
    expect(
      [
        paths.marker,
        paths.traffic,
        paths.partition,
        paths.chains,
        paths.store,
        paths.units,
        paths.charts,
        paths.reportMarkdown,
        paths.reportJson,
      ].map(rel),
    ).to.deep.equal([
      RUN_MARKER_FILE,
      "traffic.csv",
      path.join("partition", "partition.json"),
      "chains",
      "store",
      "units",
      "charts",
      "report.md",
      "report.json",
    ]);
  });

  it("creates a missing directory and marks it as a run", async () => {
    const paths = runPaths(path.join(work, "a", "run"));
    expect(await prepareRunDir(paths, { note: "first" })).to.deep.equal({ replaced: false, stoppedChains: 0 });
    expect(fs.readdirSync(paths.root)).to.deep.equal([RUN_MARKER_FILE]);
    expect(JSON.parse(fs.readFileSync(paths.marker, "utf8"))).to.deep.include({ version: 1, note: "first" });
  });

  it("replaces an earlier run, stopping the chain it left running first", async () => {
    const paths = runPaths(path.join(work, "run"));
    await prepareRunDir(paths, {});
    fs.mkdirSync(paths.chains, { recursive: true });
    // A stand-in for a chain left running by `--keep-chains`: a process whose command line names
    // the chain's directory the way a chain process's does, which is what chains:down checks.
    const chainDir = path.join(paths.chains, "main");
    const child = spawn(
      process.execPath,
      ["-e", "setInterval(() => undefined, 1000)", "chain-node", "--chain-dir", chainDir],
      { stdio: "ignore" },
    );
    const exited = new Promise((resolve) => child.once("exit", resolve));
    try {
      const main = {
        name: "main",
        chainId: 31000,
        rpc: "http://127.0.0.1:1",
        members: [],
        contracts: {},
        external: false,
        port: 1,
        pid: child.pid!,
      };
      writeTopology(path.join(paths.chains, "topology.json"), { version: 1, devices: [], main, communities: [] });
      fs.writeFileSync(paths.traffic, "timestamp,from,to\n");
      expect(await prepareRunDir(paths, { note: "second" })).to.deep.equal({ replaced: true, stoppedChains: 1 });
      await exited;
      expect(child.signalCode).to.equal("SIGTERM");
      expect(fs.readdirSync(paths.root)).to.deep.equal([RUN_MARKER_FILE]);
    } finally {
      child.kill("SIGKILL");
    }
  });

  it("leaves an empty directory in place, and refuses one that holds anything but a run", async () => {
    const empty = runPaths(path.join(work, "empty"));
    fs.mkdirSync(empty.root);
    expect(await prepareRunDir(empty, {})).to.deep.equal({ replaced: false, stoppedChains: 0 });

    const stranger = runPaths(path.join(work, "mine"));
    fs.mkdirSync(stranger.root);
    fs.writeFileSync(path.join(stranger.root, "thesis.tex"), "keep me");
    const error = await prepareRunDir(stranger, {}).catch((e: Error) => e);
    expect(error).to.be.instanceOf(RunDirError);
    expect((error as RunDirError).dir).to.equal(stranger.root);
    expect(fs.readFileSync(path.join(stranger.root, "thesis.tex"), "utf8")).to.equal("keep me");

    const file = runPaths(path.join(work, "file"));
    fs.writeFileSync(file.root, "");
    expect(((await prepareRunDir(file, {}).catch((e: Error) => e)) as Error).message).to.equal(
      `run directory ${file.root}: is not a directory`,
    );
  });
});
