/** records/format: the text records:send and records:verify print. */
import { expect } from "chai";
import { describePlacement, formatSendSummary, type SendSummary } from "../../../src/records";

const chain = { resumedFrom: 0, seconds: 1, batches: 1, transactions: 1 };
const summary: SendSummary = {
  log: "traffic.csv",
  records: 1200,
  intra: 1000,
  cross: 200,
  unplaced: 3,
  hostless: 5,
  copies: 1400,
  written: 1395,
  alreadyOnChain: 5,
  skippedUnknown: 2,
  storageCount: 1405,
  chainless: ["44"],
  batchSize: 1024,
  rate: null,
  seconds: 2.5,
  recordsPerSecond: 558,
  chains: [
    {
      ...chain,
      name: "community-1",
      records: 1000,
      total: 1000,
      gas: 1234567,
      gasPerRecord: 1235,
      recordsPerSecond: 1000,
    },
    {
      ...chain,
      name: "community-10",
      records: 395,
      total: 400,
      gas: 500000,
      gasPerRecord: 1266,
      recordsPerSecond: 395,
    },
  ],
  placements: "/c/records/placements.ndjson",
};

describe("records/format", () => {
  it("summarises a send: totals, formula 1, devices without a chain, skipped records, a row per chain, the files", () => {
    expect(formatSendSummary(summary, "/c/records/summary.json").split("\n")).to.deep.equal([
      "1,200 records of traffic.csv: 1,000 intra-chain, 200 cross-chain → 1,400 copies on 2 chains (1,395 written now, 5 already there)",
      "  formula 1 storage count 1,405; 1,395 records in 2.50 s = 558 records/s",
      "  devices in no community (no chain): 44: 5 copies not written, 3 records on no chain",
      "  skipped 2 records naming unknown devices",
      "  chain         records  total  batches  txs        gas  gas/record  records/s",
      "  community-1     1,000  1,000        1    1  1,234,567       1,235      1,000",
      "  community-10      395    400        1    1    500,000       1,266        395",
      "  placements: /c/records/placements.ndjson",
      "  summary: /c/records/summary.json",
    ]);
  });

  it("leaves out the lines on chainless devices and skipped records when there are none", () => {
    const text = formatSendSummary({ ...summary, chainless: [], skippedUnknown: 0, chains: [] }, "s.json");
    expect(text.split("\n")).to.deep.equal([
      "1,200 records of traffic.csv: 1,000 intra-chain, 200 cross-chain → 1,400 copies on 0 chains (1,395 written now, 5 already there)",
      "  formula 1 storage count 1,405; 1,395 records in 2.50 s = 558 records/s",
      "  chain  records  total  batches  txs  gas  gas/record  records/s",
      "  placements: /c/records/placements.ndjson",
      "  summary: s.json",
    ]);
  });

  it("describes a placement with its number of copies", () => {
    expect(describePlacement({ line: 7, from: "01", to: "02", cross: false, records: [["community-1", 5]] })).to.equal(
      "line 7: 01 -> 02, intra-chain, 1 copy",
    );
    expect(
      describePlacement({
        line: 8,
        from: "01",
        to: "09",
        cross: true,
        records: [
          ["community-1", 6],
          ["community-2", 0],
        ],
      }),
    ).to.equal("line 8: 01 -> 09, cross-chain, 2 copies");
  });
});
