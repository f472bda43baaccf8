import { expect } from "chai";
import hre from "hardhat";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { TrafficOptionsError } from "../../src/traffic/errors";
import { writeTrafficLog } from "../../src/traffic/generate";
import { rejection } from "../helpers/rejection";

describe("task gen-traffic", () => {
  let dir: string;
  let printed: string[];
  const log = console.log;

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "commchain-gen-task-"));
  });
  beforeEach(() => {
    printed = [];
    console.log = (...args: unknown[]) => printed.push(args.join(" "));
  });
  afterEach(() => {
    console.log = log;
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("writes the log the library writes for the same options, and summarises it", async () => {
    const out = path.join(dir, "task", "traffic.csv");
    await hre.run("gen-traffic", {
      nodes: 60,
      records: 5000,
      seed: 4,
      span: 2,
      start: "2024-03-01T08:00:00Z",
      overlap: "3",
      out,
    });
    const reference = path.join(dir, "reference.csv");
    await writeTrafficLog(reference, {
      devices: 60,
      records: 5000,
      seed: 4,
      spanHours: 2,
      start: Date.UTC(2024, 2, 1, 8),
      overlap: 3,
    });
    const text = await readFile(out, "utf8");
    expect(text).to.equal(await readFile(reference, "utf8"));
    const lines = text.trimEnd().split("\n");
    expect(lines[0]).to.equal("timestamp,from,to,bytes");
    expect(lines).to.have.length(5001);
    expect(lines[1].startsWith(`${Date.UTC(2024, 2, 1, 8)},`)).to.equal(true);
    const summary = printed.join("\n");
    expect(summary).to.contain(`Wrote ${out}`);
    expect(summary).to.contain("5,000 records, 60 devices (01…60), seed 4");
    expect(summary).to.contain("7 cells of");
    expect(summary).to.contain("3 bridge devices");
  });

  it("uses the paper's defaults but --out", async () => {
    const out = path.join(dir, "default.csv");
    await hre.run("gen-traffic", { out });
    const lines = (await readFile(out, "utf8")).trimEnd().split("\n");
    expect(lines).to.have.length(48_668);
    expect(printed.join("\n")).to.contain("48,667 records, 44 devices (01…44), seed 1");
    expect(printed.join("\n")).to.contain("5 cells of");
  });

  it("rejects a bad --groups and a bad --start, naming them", async () => {
    const out = path.join(dir, "bad.csv");
    for (const [args, message] of [
      [{ groups: "five" }, 'option groups: must be "auto" or an integer ≥ 0, got "five"'],
      [{ start: "soon" }, 'option start: "soon" is neither Unix milliseconds nor an ISO-8601 date-time'],
    ] as const) {
      const error = await rejection(hre.run("gen-traffic", { ...args, out }));
      expect(error).to.be.instanceOf(TrafficOptionsError);
      expect(error.message).to.equal(message);
    }
  });
});
