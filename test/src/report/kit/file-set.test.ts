import { expect } from "chai";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { formatJsonFile, setFilePath, writeFileSet } from "../../../../src/report/kit/file-set";

describe("report kit: file set", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), "commchain-file-set-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("puts relative files under the directory and keeps absolute ones", () => {
    expect(setFilePath("/out", "charts/a.svg")).to.equal(path.join("/out", "charts/a.svg"));
    expect(setFilePath("out", "a.md")).to.equal(path.join("out", "a.md"));
    expect(setFilePath("/out", "/elsewhere/b.json")).to.equal("/elsewhere/b.json");
  });

  it("writes every file, creating directories, and returns their paths by key in order", async () => {
    const out = path.join(dir, "out");
    const elsewhere = path.join(dir, "elsewhere.json");
    const written = await writeFileSet(out, {
      json: { file: elsewhere, data: formatJsonFile({ a: 1, b: [true] }) },
      markdown: { file: "report.md", data: "# R\n" },
      chart: { file: "charts/c.svg", data: new TextEncoder().encode("<svg/>") },
    });
    expect(written).to.deep.equal({
      json: elsewhere,
      markdown: path.join(out, "report.md"),
      chart: path.join(out, "charts", "c.svg"),
    });
    expect(Object.keys(written)).to.deep.equal(["json", "markdown", "chart"]);
    expect(readFileSync(elsewhere, "utf8")).to.equal('{\n  "a": 1,\n  "b": [\n    true\n  ]\n}\n');
    expect(readFileSync(written.markdown, "utf8")).to.equal("# R\n");
    expect(readFileSync(written.chart, "utf8")).to.equal("<svg/>");
    // no temporary file is left beside them
    expect(readdirSync(out).sort()).to.deep.equal(["charts", "report.md"]);
    expect(readdirSync(path.join(out, "charts"))).to.deep.equal(["c.svg"]);
  });

  it("replaces an earlier set and touches none of it when one file cannot be written", async () => {
    await writeFileSet(dir, { a: { file: "a.md", data: "old a" } });
    writeFileSync(path.join(dir, "blocked"), "a file where a directory should be");
    let caught: unknown;
    try {
      await writeFileSet(dir, { a: { file: "a.md", data: "new a" }, b: { file: "blocked/sub/b.md", data: "b" } });
    } catch (error) {
      caught = error;
    }
    expect((caught as NodeJS.ErrnoException).code).to.equal("ENOTDIR");
    expect(readFileSync(path.join(dir, "a.md"), "utf8")).to.equal("old a");
    expect(readdirSync(dir).sort()).to.deep.equal(["a.md", "blocked"]);
    await writeFileSet(dir, { a: { file: "a.md", data: "new a" } });
    expect(readFileSync(path.join(dir, "a.md"), "utf8")).to.equal("new a");
    expect(existsSync(path.join(dir, "blocked", "sub", "b.md"))).to.equal(false);
  });
});
