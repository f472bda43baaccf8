import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import {
  findPlacement,
  formatPlacement,
  placementsPath,
  readPlacements,
  RecordsError,
  summaryPath,
  type Placement,
} from "../../../src/records";

describe("records/placements", () => {
  let dir: string;
  before(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "commchain-placements-"))));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  const placements: Placement[] = [
    { line: 2, from: "01", to: "02", cross: false, records: [["community-1", 0]] },
    {
      line: 3,
      from: "01",
      to: "07",
      cross: true,
      records: [
        ["community-1", 1],
        ["community-2", 0],
      ],
    },
    { line: 5, from: "08", to: "09", cross: true, records: [] },
  ];

  it("lives under <dir>/records", () => {
    expect(placementsPath("/x/.commchain")).to.equal("/x/.commchain/records/placements.ndjson");
    expect(summaryPath("/x/.commchain")).to.equal("/x/.commchain/records/summary.json");
  });

  it("writes one JSON line per record and reads them back in order", async () => {
    const file = path.join(dir, "placements.ndjson");
    fs.writeFileSync(file, placements.map(formatPlacement).join(""));
    expect(fs.readFileSync(file, "utf8").split("\n")[1]).to.equal(
      '{"line":3,"from":"01","to":"07","cross":true,"records":[["community-1",1],["community-2",0]]}',
    );
    const read: Placement[] = [];
    for await (const p of readPlacements(file)) read.push(p);
    expect(read).to.deep.equal(placements);
    expect(await findPlacement(file, 3)).to.deep.equal(placements[1]);
    expect(await findPlacement(file, 4)).to.equal(undefined);
    expect(await findPlacement(file, 9)).to.equal(undefined);
  });

  it("names the file and line of a malformed placement, and a missing file", async () => {
    const file = path.join(dir, "bad.ndjson");
    fs.writeFileSync(file, `${formatPlacement(placements[0])}{"line":3,"records":[["community-1","x"]]}\n`);
    let error: unknown;
    try {
      await findPlacement(file, 3);
    } catch (e) {
      error = e;
    }
    expect(error)
      .to.be.instanceOf(RecordsError)
      .with.property("message", `${file}:2: must be {line, from, to, cross, records: [[chain, id], …]}`);
    const missing = path.join(dir, "none.ndjson");
    error = undefined;
    try {
      await findPlacement(missing, 2);
    } catch (e) {
      error = e;
    }
    expect(error)
      .to.be.instanceOf(RecordsError)
      .with.property("message", `${missing}: does not exist (run records:send first)`);
  });
});
