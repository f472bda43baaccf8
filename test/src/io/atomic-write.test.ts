import { expect } from "chai";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { writeFileAtomic, writeFileAtomicSync, writeFilesAtomic } from "../../../src/io/atomic-write";

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), "commchain-atomic-"));
}

/** Files left in `dir` besides the expected ones: a leaked temporary file would show here. */
function entries(dir: string): string[] {
  return fs.readdirSync(dir).sort();
}

describe("io/atomic-write", () => {
  let dir: string;
  beforeEach(() => {
    dir = tempDir();
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  describe("writeFileAtomic", () => {
    it("writes text, bytes and streamed chunks, creating the directory", async () => {
      await writeFileAtomic(path.join(dir, "a/b/text.txt"), "hello\n");
      await writeFileAtomic(path.join(dir, "bytes.bin"), new Uint8Array([0, 1, 255]));
      async function* chunks() {
        for (let i = 0; i < 20_000; i++) yield `${i}\n`;
      }
      await writeFileAtomic(path.join(dir, "streamed.txt"), chunks());
      expect(fs.readFileSync(path.join(dir, "a/b/text.txt"), "utf8")).to.equal("hello\n");
      expect([...fs.readFileSync(path.join(dir, "bytes.bin"))]).to.deep.equal([0, 1, 255]);
      const lines = fs.readFileSync(path.join(dir, "streamed.txt"), "utf8").split("\n");
      expect(lines).to.have.length(20_001);
      expect(lines[19_999]).to.equal("19999");
      expect(entries(dir)).to.deep.equal(["a", "bytes.bin", "streamed.txt"]);
    });

    it("sets the requested mode", async () => {
      const file = path.join(dir, "key");
      await writeFileAtomic(file, "secret", { mode: 0o600 });
      expect(fs.statSync(file).mode & 0o777).to.equal(0o600);
    });

    it("leaves the old file whole and no temporary file when the content fails mid-way", async () => {
      const file = path.join(dir, "data.txt");
      fs.writeFileSync(file, "old");
      async function* failing() {
        yield "new part";
        throw new Error("source broke");
      }
      await writeFileAtomic(file, failing()).then(
        () => expect.fail("should have thrown"),
        (error: Error) => expect(error.message).to.equal("source broke"),
      );
      expect(fs.readFileSync(file, "utf8")).to.equal("old");
      expect(entries(dir)).to.deep.equal(["data.txt"]);
    });
  });

  describe("writeFileAtomicSync", () => {
    it("replaces a file in one step and leaves no temporary file", () => {
      const file = path.join(dir, "topology.json");
      writeFileAtomicSync(file, "{}\n");
      writeFileAtomicSync(file, '{"version":1}\n');
      expect(fs.readFileSync(file, "utf8")).to.equal('{"version":1}\n');
      expect(entries(dir)).to.deep.equal(["topology.json"]);
    });
  });

  describe("writeFilesAtomic", () => {
    it("writes every file of a set", async () => {
      await writeFilesAtomic([
        { path: path.join(dir, "report.md"), data: "# r\n" },
        { path: path.join(dir, "chart.svg"), data: "<svg/>" },
      ]);
      expect(entries(dir)).to.deep.equal(["chart.svg", "report.md"]);
    });

    it("touches no destination when one file of the set cannot be written", async () => {
      fs.writeFileSync(path.join(dir, "report.md"), "old report");
      // A regular file where a directory is needed: the second write fails before any rename.
      fs.writeFileSync(path.join(dir, "blocked"), "");
      await writeFilesAtomic([
        { path: path.join(dir, "report.md"), data: "new report" },
        { path: path.join(dir, "blocked", "chart.svg"), data: "<svg/>" },
      ]).then(
        () => expect.fail("should have thrown"),
        (error: NodeJS.ErrnoException) => expect(error.code).to.be.oneOf(["ENOTDIR", "EEXIST"]),
      );
      expect(fs.readFileSync(path.join(dir, "report.md"), "utf8")).to.equal("old report");
      expect(entries(dir)).to.deep.equal(["blocked", "report.md"]);
    });
  });
});
