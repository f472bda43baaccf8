import { chainProvider } from "../../../src/chains";
import fs from "node:fs";
import path from "node:path";
import { expect } from "chai";
import { Wallet } from "ethers";
import hre from "hardhat";
import { normalizeHardhatNetworkAccountsConfig } from "hardhat/internal/core/providers/util";
import type { ChainRecord } from "../../../src/records";
import { ChainUnreachableError } from "../../../src/chains/errors";
import { freePort } from "../../../src/chains/ports";
import { writeTopology, type Topology } from "../../../src/chains/topology";
import { evaluateStorage, pairTableFromCounts } from "../../../src/partition/storage";
import {
  RecordRouter,
  RecordsInterruptedError,
  RecordsSetupError,
  ResumeMismatchError,
  UnknownLogDeviceError,
  readPlacements,
  sendRecords,
  writeLogRecords,
  type Clock,
  type ConfirmedBatch,
  type Placement,
  type RecordChain,
  type SendSummary,
  type WriteLogRecordsOptions,
} from "../../../src/records";
import { community, expectReject, tempDir, type TestCommunity } from "../anchor/fixtures";

// Communities: 1 = {01,02,03,04}, 2 = {04,05,06}, 3 = {06,07,08,09}; 04 and 06 bridge them.
// Devices 10 and 11 are in no community: no chain runs for them.
const DEVICES = ["01", "02", "03", "04", "05", "06", "07", "08", "09", "10", "11"];
const COMMUNITIES = [
  ["01", "02", "03", "04"],
  ["04", "05", "06"],
  ["06", "07", "08", "09"],
];
/** The log cycles through these pairs: intra, cross, with a chainless device, between two chainless devices. */
const PAIRS: [string, string][] = [
  ["01", "02"], // intra 1
  ["02", "03"], // intra 1
  ["04", "05"], // intra 2 (04 is also in 1, but 1 lacks 05)
  ["04", "06"], // intra 2
  ["06", "07"], // intra 3 (06 is in 2 and 3; 3 holds 07)
  ["07", "08"], // intra 3
  ["01", "05"], // cross 1 + 2
  ["08", "02"], // cross 3 + 1 (sender's chain first)
  ["05", "09"], // cross 2 + 3
  ["10", "01"], // 10 is chainless: on 1 only
  ["10", "11"], // both chainless: on no chain
];
const RECORDS = 600;

interface LogRow {
  line: number;
  timestamp: number;
  from: string;
  to: string;
  bytes: number;
}

function logRows(count: number, offset = 0): LogRow[] {
  return Array.from({ length: count }, (_, i) => {
    const [from, to] = PAIRS[(i + offset) % PAIRS.length];
    return {
      line: i + 2,
      timestamp: 1_704_067_200_000 + 1_000 * (i + offset),
      from,
      to,
      bytes: 64 + ((i + offset) % 200),
    };
  });
}

function writeLog(file: string, rows: readonly LogRow[]): string {
  fs.writeFileSync(
    file,
    `timestamp,from,to,bytes\n${rows.map((r) => `${r.timestamp},${r.from},${r.to},${r.bytes}`).join("\n")}\n`,
  );
  return file;
}

/**
 * Formula 1 worked from the definitions on device sets, independently of the router: the smallest
 * community holding both devices, else the smallest community of each (a device in none: none).
 */
function expectedChains(from: string, to: string): { chains: number[]; cross: boolean } {
  const smallest = (candidates: number[]) =>
    candidates.sort((a, b) => COMMUNITIES[a].length - COMMUNITIES[b].length || a - b)[0];
  const holding = (device: string) => COMMUNITIES.map((_, c) => c).filter((c) => COMMUNITIES[c].includes(device));
  const shared = holding(from).filter((c) => COMMUNITIES[c].includes(to));
  if (shared.length > 0) return { chains: [smallest(shared)], cross: false };
  return { chains: [smallest(holding(from)), smallest(holding(to))].filter((c) => c !== undefined), cross: true };
}

/** Every record of a chain's batch store, in record-id order. */
async function storedRecords(c: TestCommunity): Promise<ChainRecord[]> {
  const records: ChainRecord[] = [];
  for (const id of await c.store.list()) records.push(...(await c.store.read(id)).records);
  return records;
}

async function placementsOf(file: string): Promise<Placement[]> {
  const list: Placement[] = [];
  for await (const p of readPlacements(file)) list.push(p);
  return list;
}

describe("records/send: writeLogRecords on in-process chains", function () {
  this.timeout(300_000);
  let dir: string;
  let cleanup: () => void;
  const router = new RecordRouter(DEVICES, COMMUNITIES);
  const rows = logRows(RECORDS);
  let logFile: string;

  async function chains(prefix: string, firstChainId: number): Promise<TestCommunity[]> {
    return Promise.all(
      COMMUNITIES.map((_, i) => community(`community-${i + 1}`, firstChainId + i, path.join(dir, prefix))),
    );
  }

  /** The fixtures' writer (account 1) as a Wallet: batches in flight are signed locally. */
  const writerKey = normalizeHardhatNetworkAccountsConfig(hre.config.networks.hardhat.accounts)[1].privateKey;

  function targets(list: readonly TestCommunity[]): RecordChain[] {
    return list.map((c) => ({
      name: c.name,
      writer: new Wallet(writerKey, c.chain.provider),
      recordLog: c.recordLog,
      store: c.store,
    }));
  }

  function run(list: readonly TestCommunity[], overrides: Partial<WriteLogRecordsOptions> = {}): Promise<SendSummary> {
    // no partial batch sent for its age: batches are then exactly batchSize, however slow the machine
    return writeLogRecords({
      log: logFile,
      router,
      chains: targets(list),
      placementsFile: path.join(dir, "placements.ndjson"),
      batchSize: 64,
      maxBatchAgeMs: Infinity,
      ...overrides,
    });
  }

  before(() => {
    ({ dir, cleanup } = tempDir("commchain-records-send-"));
    logFile = writeLog(path.join(dir, "traffic.csv"), rows);
  });
  after(() => cleanup?.());

  describe("a complete run, then again", () => {
    let full: TestCommunity[];
    let summary: SendSummary;
    let placements: Placement[];
    const confirmed: ConfirmedBatch[] = [];

    before(async () => {
      full = await chains("full", 32_001);
      summary = await run(full, {
        placementsFile: path.join(dir, "full.ndjson"),
        onBatchConfirmed: (batch) => confirmed.push(batch),
      });
      placements = await placementsOf(path.join(dir, "full.ndjson"));
    });

    it("puts every record on the chains formula 1 places it on, numbered in log order on each chain", async () => {
      const expected = COMMUNITIES.map((): LogRow[] => []);
      expect(placements).to.have.length(RECORDS);
      placements.forEach((placement, i) => {
        const row = rows[i];
        const { chains, cross } = expectedChains(row.from, row.to);
        const copies = chains.map((c) => [`community-${c + 1}`, expected[c].length]);
        chains.forEach((c) => expected[c].push(row));
        expect(placement).to.deep.equal({ line: row.line, from: row.from, to: row.to, cross, records: copies });
      });
      for (const [c, chain] of full.entries()) {
        expect(Number(await chain.log.nextSequence())).to.equal(expected[c].length);
        const stored = await storedRecords(chain);
        expect(stored).to.deep.equal(
          expected[c].map((row, sequence) => ({
            sequence,
            timestamp: row.timestamp,
            from: row.from,
            to: row.to,
            bytes: row.bytes,
          })),
        );
      }
    });

    it("counts intra and cross records, copies, chainless devices, and formula 1's storage count", () => {
      // per cycle of 11 pairs: 6 intra, 5 cross of which 2 have a chainless end (1 hostless copy each... and 2 for 10-11)
      const cycles = Math.floor(RECORDS / PAIRS.length); // 54 cycles and 6 records: pairs 0..5, all intra
      const pairCounts = PAIRS.map((_, p) => cycles + (p < RECORDS % PAIRS.length ? 1 : 0));
      const model = evaluateStorage(
        pairTableFromCounts(
          DEVICES,
          PAIRS.map(([a, b], p) => [a, b, pairCounts[p]] as const),
        ),
        COMMUNITIES,
      );
      expect(summary).to.deep.include({
        records: RECORDS,
        intra: 6 * cycles + 6,
        cross: 5 * cycles,
        unplaced: cycles,
        hostless: 3 * cycles,
        copies: 6 * cycles + 6 + 3 * 2 * cycles + cycles,
        alreadyOnChain: 0,
        skippedUnknown: 0,
        storageCount: model.count,
        chainless: ["10", "11"],
        batchSize: 64,
        rate: null,
      });
      expect(summary.written).to.equal(summary.copies);
      const perChain = [0, 1, 2].map(
        (c) => placements.filter((p) => p.records.some(([chain]) => chain === `community-${c + 1}`)).length,
      );
      expect(summary.chains.map((c) => [c.name, c.records, c.total, c.transactions])).to.deep.equal(
        perChain.map((count, c) => [`community-${c + 1}`, count, count, Math.ceil(count / 64)]),
      );
      for (const chain of summary.chains) {
        expect(chain.batches).to.equal(chain.transactions);
        expect(chain.gas).to.be.greaterThan(0);
        expect(chain.gasPerRecord).to.equal(Math.round(chain.gas / chain.records));
      }
    });

    it("reports every confirmed batch with its chain, records, block and gas", async () => {
      for (const chain of summary.chains) {
        const batches = confirmed.filter((b) => b.chain === chain.name);
        expect(batches).to.have.length(chain.batches);
        expect(batches.reduce((sum, b) => sum + b.records, 0)).to.equal(chain.records);
        expect(batches.reduce((sum, b) => sum + b.gasUsed, 0n)).to.equal(BigInt(chain.gas));
      }
      const community = full[0];
      const logs = await community.log.queryFilter(community.log.filters.BatchAppended());
      const ours = confirmed.filter((b) => b.chain === community.name);
      expect(ours.map((b) => b.blockNumber).sort((a, b) => a - b)).to.deep.equal(logs.map((log) => log.blockNumber));
    });

    it("writes nothing the second time: every record is already on its chain", async () => {
      const again = await run(full, { placementsFile: path.join(dir, "again.ndjson") });
      expect(again).to.deep.include({
        written: 0,
        alreadyOnChain: summary.copies,
        copies: summary.copies,
        storageCount: summary.storageCount,
      });
      expect(again.chains.map((c) => [c.resumedFrom, c.records, c.total, c.transactions])).to.deep.equal(
        summary.chains.map((c) => [c.total, 0, c.total, 0]),
      );
      expect(fs.readFileSync(path.join(dir, "again.ndjson"), "utf8")).to.equal(
        fs.readFileSync(path.join(dir, "full.ndjson"), "utf8"),
      );
    });

    it("stops at the first record naming an unknown device, before writing anything", async () => {
      const bad = writeLog(path.join(dir, "unknown.csv"), [
        ...rows,
        { line: 0, timestamp: 1_704_067_900_000, from: "02", to: "99", bytes: 1 },
      ]);
      const error = await expectReject(
        run(full, { log: bad }),
        UnknownLogDeviceError,
        new RegExp(`^${bad}:${RECORDS + 2}: to device "99" is not a device of the partition`),
      );
      expect(error).to.deep.include({ line: RECORDS + 2, field: "to", device: "99" });
      expect(Number(await full[0].log.nextSequence())).to.equal(summary.chains[0].total);

      const skipped = await run(full, {
        log: bad,
        skipUnknown: true,
        placementsFile: path.join(dir, "skipped.ndjson"),
      });
      expect(skipped).to.deep.include({ records: RECORDS, skippedUnknown: 1, written: 0 });
    });

    it("refuses to resume onto chains that hold another log's records", async () => {
      const otherRows = logRows(RECORDS, 1);
      const other = writeLog(path.join(dir, "other.csv"), otherRows);
      // chain 1's last record, and the record the other log places at that position of chain 1
      const onChain1 = (list: LogRow[]) => list.filter((r) => expectedChains(r.from, r.to).chains.includes(0));
      const held = summary.chains[0].total;
      const [last, theirs] = [onChain1(rows)[held - 1], onChain1(otherRows)[held - 1]];
      const text = (r: LogRow) => `${r.from} -> ${r.to} at ${r.timestamp} (${r.bytes} bytes)`;
      const error = await expectReject(
        run(full, { log: other }),
        ResumeMismatchError,
        /^chain community-1: cannot resume: /,
      );
      expect(error.message).to.equal(
        `chain community-1: cannot resume: its RecordLog ${full[0].recordLog} already holds ${held} records; record ${held - 1} there is ${text(last)} ` +
          `but ${other}:${theirs.line} (the log's record ${held - 1} for this chain) is ${text(theirs)}: the chain holds another log's records ` +
          "(use another --dir, or the log and partition the chains were filled from)",
      );
      const short = writeLog(path.join(dir, "short.csv"), rows.slice(0, 100));
      await expectReject(
        run(full, { log: short }),
        ResumeMismatchError,
        /already holds \d+ records but .*short\.csv places only \d+ on it/,
      );
    });
  });

  it("resumes an interrupted run without writing a record twice, numbering as one run would", async () => {
    const list = await chains("resumed", 32_011);
    const stop = new AbortController();
    const file = path.join(dir, "resumed.ndjson");
    await expectReject(
      run(list, {
        placementsFile: file,
        onProgress: (p) => (p.records >= 256 ? stop.abort() : undefined),
        signal: stop.signal,
      }),
      RecordsInterruptedError,
      /^interrupted after 256 log records \(all of them written and confirmed\); run records:send again to resume$/,
    );
    expect(fs.existsSync(file)).to.equal(false);
    const firstPart = COMMUNITIES.map(
      (_, c) => rows.slice(0, 256).filter((r) => expectedChains(r.from, r.to).chains.includes(c)).length,
    );
    expect(await Promise.all(list.map(async (c) => Number(await c.log.nextSequence())))).to.deep.equal(firstPart);

    // the rest in larger batches, hashed in a worker thread: the numbering does not depend on either
    const resumed = await run(list, { placementsFile: file, batchSize: 100, workers: 1 });
    expect(resumed.alreadyOnChain).to.equal(firstPart.reduce((a, b) => a + b, 0));
    expect(resumed.chains.map((c) => c.resumedFrom)).to.deep.equal(firstPart);
    expect(resumed.written + resumed.alreadyOnChain).to.equal(resumed.copies);

    const reference = await chains("reference", 32_021);
    await run(reference, { placementsFile: path.join(dir, "reference.ndjson") });
    for (const [c, chain] of list.entries())
      expect(await storedRecords(chain)).to.deep.equal(await storedRecords(reference[c]));
    expect(fs.readFileSync(file, "utf8")).to.equal(fs.readFileSync(path.join(dir, "reference.ndjson"), "utf8"));
  });

  it("paces the records to --rate", async () => {
    let now = 0;
    const slept: number[] = [];
    const clock: Clock = {
      now: () => now,
      sleep: async (ms) => {
        slept.push(ms);
        now += ms;
      },
    };
    const list = await chains("paced", 32_031);
    const short = writeLog(path.join(dir, "paced.csv"), rows.slice(0, 40));
    const summary = await run(list, {
      log: short,
      rate: 200,
      clock,
      maxBatchAgeMs: Infinity,
      placementsFile: path.join(dir, "paced.ndjson"),
    });
    // 40 records at 200/s: the last is due 39 × 5 ms after the first
    expect(slept.reduce((a, b) => a + b, 0)).to.equal(195);
    expect(summary).to.deep.include({ rate: 200, records: 40 });
  });

  it("sends a partial batch once its first record is maxBatchAgeMs old", async () => {
    let now = 0;
    const clock: Clock = { now: () => now, sleep: async (ms) => void (now += ms) };
    const list = await chains("aged", 32_051);
    const short = writeLog(path.join(dir, "aged.csv"), rows.slice(0, 22));
    // 2 records per second: each record is 500 ms after the one before it
    const summary = await run(list, {
      log: short,
      rate: 2,
      clock,
      maxBatchAgeMs: 1_000,
      placementsFile: path.join(dir, "aged.ndjson"),
    });
    for (const [c, chain] of list.entries()) {
      const sizes: number[] = [];
      for (const id of await chain.store.list()) sizes.push((await chain.store.read(id)).records.length);
      expect(sizes.reduce((a, b) => a + b, 0)).to.equal(summary.chains[c].records);
      // a record waits at most 1 s, so at most 3 records (1 s apart at most) share a batch
      expect(Math.max(...sizes), `community-${c + 1}`).to.be.at.most(3);
      expect(sizes.length).to.equal(summary.chains[c].batches);
    }
  });

  it("names a chain that does not answer", async () => {
    const port = await freePort();
    const rpc = `http://127.0.0.1:${port}`;
    const provider = chainProvider({ rpc, chainId: 32_099, name: "community-2" }, 2_000);
    const list = await chains("down", 32_041);
    const chainsGiven = targets(list);
    chainsGiven[1] = { ...chainsGiven[1], rpc, writer: Wallet.createRandom().connect(provider) };
    try {
      await expectReject(
        writeLogRecords({ log: logFile, router, chains: chainsGiven, placementsFile: path.join(dir, "down.ndjson") }),
        ChainUnreachableError,
        new RegExp(
          `^chain community-2 \\(${rpc}\\) is down: unreachable \\(ECONNREFUSED\\); start it \\(npx hardhat chains:up\\) and run records:send again`,
        ),
      );
    } finally {
      provider.destroy();
    }
  });
});

describe("records/send: sendRecords over a chains directory", () => {
  let dir: string;
  let cleanup: () => void;
  before(() => ({ dir, cleanup } = tempDir("commchain-records-dir-")));
  after(() => cleanup?.());

  async function topologyWith(contracts: Record<string, string>): Promise<string> {
    const rpc = `http://127.0.0.1:${await freePort()}`;
    const topology: Topology = {
      version: 1,
      devices: ["1", "2", "3"],
      main: { name: "main", chainId: 41_000, rpc, members: [], contracts: {}, external: true },
      communities: [{ name: "community-1", chainId: 41_001, rpc, members: ["1", "2", "3"], contracts, external: true }],
    };
    writeTopology(path.join(dir, "topology.json"), topology);
    return rpc;
  }

  it("needs the RecordLog of every community chain", async () => {
    await topologyWith({});
    await expectReject(
      sendRecords({ dir, log: path.join(dir, "traffic.csv") }),
      RecordsSetupError,
      /topology\.json: communities\[0\] \(community-1\): contracts\.RecordLog is missing; deploy the contracts first \(npx hardhat deploy:all\)$/,
    );
  });

  it("names a community chain that is down before writing anything", async () => {
    const rpc = await topologyWith({ RecordLog: "0x5FbDB2315678afecb367f032d93F642f64180aa3" });
    await expectReject(
      sendRecords({ dir, log: path.join(dir, "traffic.csv") }),
      ChainUnreachableError,
      new RegExp(`^chain community-1 \\(${rpc}\\) is down: unreachable \\(ECONNREFUSED\\)`),
    );
  });
});
