import { expect } from "chai";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { TrafficLogError, TrafficLogSyntaxError, TrafficRecordError } from "../../../src/traffic/errors";
import { parseTimestamp, readTrafficLog, streamTrafficLog } from "../../../src/traffic/log";
import type { TrafficRecord, TrustGraph } from "../../../src/traffic/types";
import { rejection } from "../../helpers/rejection";

const T0 = Date.UTC(2024, 0, 1); // 2024-01-01T00:00:00Z = 1704067200000
const HOUR = 3_600_000;

let dir: string;

async function logFile(name: string, text: string): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, text);
  return file;
}

async function collect(file: string, opts?: Parameters<typeof streamTrafficLog>[1]): Promise<TrafficRecord[]> {
  const records: TrafficRecord[] = [];
  for await (const record of streamTrafficLog(file, opts)) records.push(record);
  return records;
}

function edge(graph: TrustGraph, a: string, b: string): { count: number; weight: number } {
  return graph.getEdgeAttributes(graph.edge(a, b) as string);
}

describe("traffic/log", () => {
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "commchain-log-"));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  describe("parseTimestamp", () => {
    it("reads Unix milliseconds and ISO-8601 with and without zone (no zone = UTC)", () => {
      expect(parseTimestamp("1704067200000")).to.equal(T0);
      expect(parseTimestamp("2024-01-01T00:00:00Z")).to.equal(T0);
      expect(parseTimestamp("2024-01-01T00:00:00")).to.equal(T0);
      expect(parseTimestamp("2024-01-01")).to.equal(T0);
      expect(parseTimestamp("2024-01-01 01:30")).to.equal(T0 + 1.5 * HOUR);
      expect(parseTimestamp("2024-01-01T02:00:00.250+01:00")).to.equal(T0 + HOUR + 250);
      expect(parseTimestamp("2023-12-31T20:00:00-0400")).to.equal(T0);
    });

    it("describes what is wrong with a bad timestamp", () => {
      expect(parseTimestamp("yesterday")).to.equal(
        '"yesterday" is neither Unix milliseconds nor an ISO-8601 date-time',
      );
      expect(parseTimestamp("2024-02-30T00:00:00Z")).to.equal('"2024-02-30T00:00:00Z" is not a valid date-time');
      expect(parseTimestamp("2024-01-01T24:00:00Z")).to.equal('"2024-01-01T24:00:00Z" is not a valid date-time');
      expect(parseTimestamp("-5")).to.match(/neither Unix milliseconds/);
      expect(parseTimestamp("1.5")).to.match(/neither Unix milliseconds/);
      expect(parseTimestamp("99999999999999999999")).to.match(/too large/);
    });
  });

  describe("a valid log", () => {
    // Columns reordered, an extra column, CRLF, quoted fields (one holding the delimiter),
    // padded ids, ms and ISO timestamps, bytes sometimes empty, a trailing newline.
    //   line 2: a→b  T0          line 3: a→c  T0+30min   line 4: b→a  T0+1h
    //   line 5: b→c  02:00+01:00 = T0+1h                  line 6: c→a  T0+2h (ms)
    //   line 7: b→a  00:30 (no zone, UTC) = T0+30min
    // span = T0+2h − T0 = 2 h; a–b 3 records → ω 1.5/h; a–c 2 → 1/h; b–c 1 → 0.5/h;
    // records per device: a 3+2 = 5, b 3+1 = 4, c 2+1 = 3.
    const text =
      "to,note,timestamp,from,bytes\r\n" +
      "b,x,2024-01-01T00:00:00Z,a,10\r\n" +
      `"c","y, z",${T0 + HOUR / 2},a,\r\n` +
      "a,,2024-01-01T01:00:00.000+00:00,b,5\r\n" +
      '" c ",q,2024-01-01T02:00:00+01:00,b,7\r\n' +
      `a,w,"${T0 + 2 * HOUR}",c,\r\n` +
      "a,v,2024-01-01T00:30:00, b ,0\r\n";

    it("streams every record with its line, timestamp, ids and bytes", async () => {
      const file = await logFile("valid.csv", text);
      expect(await collect(file)).to.deep.equal([
        { timestamp: T0, from: "a", to: "b", bytes: 10, line: 2 },
        { timestamp: T0 + HOUR / 2, from: "a", to: "c", line: 3 },
        { timestamp: T0 + HOUR, from: "b", to: "a", bytes: 5, line: 4 },
        { timestamp: T0 + HOUR, from: "b", to: "c", bytes: 7, line: 5 },
        { timestamp: T0 + 2 * HOUR, from: "c", to: "a", line: 6 },
        { timestamp: T0 + HOUR / 2, from: "b", to: "a", bytes: 0, line: 7 },
      ]);
    });

    it("builds the undirected trust graph with counts, weights per hour and node records", async () => {
      const file = await logFile("valid.csv", text);
      const { graph, summary } = await readTrafficLog(file);
      expect(summary).to.deep.equal({
        file,
        records: 6,
        devices: 3,
        spanHours: 2,
        firstTimestamp: T0,
        lastTimestamp: T0 + 2 * HOUR,
        skipped: [],
      });
      expect(graph.type).to.equal("undirected");
      expect(graph.order).to.equal(3);
      expect(graph.size).to.equal(3);
      expect(edge(graph, "a", "b")).to.deep.equal({ count: 3, weight: 1.5 });
      expect(edge(graph, "c", "a")).to.deep.equal({ count: 2, weight: 1 });
      expect(edge(graph, "b", "c")).to.deep.equal({ count: 1, weight: 0.5 });
      expect(graph.getNodeAttributes("a")).to.deep.equal({ records: 5 });
      expect(graph.getNodeAttributes("b")).to.deep.equal({ records: 4 });
      expect(graph.getNodeAttributes("c")).to.deep.equal({ records: 3 });
    });

    it("reports progress up to the file size", async () => {
      const file = await logFile("valid.csv", text);
      const progress: [number, number][] = [];
      await readTrafficLog(file, { onProgress: (read, total) => progress.push([read, total]) });
      expect(progress.length).to.be.greaterThan(0);
      expect(progress[progress.length - 1]).to.deep.equal([Buffer.byteLength(text), Buffer.byteLength(text)]);
    });

    it("counts a span under one hour as one hour", async () => {
      // 3 records within 20 minutes: weight = count / 1 h, not count / (1/3 h).
      const file = await logFile(
        "short.csv",
        `timestamp,from,to\n${T0},01,02\n${T0 + 600_000},02,01\n${T0 + 1_200_000},01,03\n`,
      );
      const { graph, summary } = await readTrafficLog(file);
      expect(summary.spanHours).to.equal(1);
      expect(edge(graph, "01", "02")).to.deep.equal({ count: 2, weight: 2 });
      expect(edge(graph, "01", "03")).to.deep.equal({ count: 1, weight: 1 });
    });

    it("reads a log with a single record (zero span)", async () => {
      const file = await logFile("single.csv", `timestamp,from,to\n${T0},x,y`);
      const { graph, summary } = await readTrafficLog(file);
      expect(summary).to.include({ records: 1, devices: 2, spanHours: 1 });
      expect(edge(graph, "x", "y")).to.deep.equal({ count: 1, weight: 1 });
    });
  });

  describe("bad rows", () => {
    const cases: { name: string; row: string; field: string; message: RegExp }[] = [
      { name: "an empty timestamp", row: ",a,b,1", field: "timestamp", message: /is empty/ },
      {
        name: "an unreadable timestamp",
        row: "noon,a,b,1",
        field: "timestamp",
        message: /"noon" is neither Unix milliseconds nor an ISO-8601/,
      },
      {
        name: "an impossible date",
        row: "2024-02-30T10:00:00Z,a,b,1",
        field: "timestamp",
        message: /is not a valid date-time/,
      },
      { name: "an empty from", row: `${T0}, ,b,1`, field: "from", message: /is empty: a device id is required/ },
      { name: "an empty to", row: `${T0},a,,1`, field: "to", message: /is empty: a device id is required/ },
      {
        name: "a device talking to itself",
        row: `${T0},a,a,1`,
        field: "to",
        message: /is "a", the same device as "from"/,
      },
      { name: "negative bytes", row: `${T0},a,b,-1`, field: "bytes", message: /"-1" is not a non-negative integer/ },
      {
        name: "fractional bytes",
        row: `${T0},a,b,1.5`,
        field: "bytes",
        message: /"1.5" is not a non-negative integer/,
      },
      { name: "a short row", row: `${T0},a`, field: "to", message: /is missing/ },
      {
        name: "a control character in an id",
        row: `${T0},"a\tb",c,1`,
        field: "from",
        message: /contains a control character/,
      },
    ];
    for (const { name, row, field, message } of cases) {
      it(`rejects ${name}, naming file, line and field`, async () => {
        const file = await logFile("bad.csv", `timestamp,from,to,bytes\n${T0},x,y,1\n\n${row}\n${T0},y,z,2\n`);
        const error = await rejection(readTrafficLog(file));
        expect(error).to.be.instanceOf(TrafficRecordError);
        const recordError = error as TrafficRecordError;
        expect(recordError.file).to.equal(file);
        expect(recordError.line).to.equal(4);
        expect(recordError.field).to.equal(field);
        expect(recordError.message).to.match(message);
        expect(recordError.message.startsWith(`${file}:4: field "${field}" `)).to.equal(true);
      });
    }

    it("skips bad rows with skipInvalid and lists their lines and reasons", async () => {
      const file = await logFile(
        "skip.csv",
        [
          "timestamp,from,to,bytes",
          `${T0},a,b,1`, // 2 ok
          `${T0},a,a,1`, // 3 self
          `soon,a,b,1`, // 4 timestamp
          `${T0 + 2 * HOUR},b,a,`, // 5 ok
          `${T0},c,b,x`, // 6 bytes
          `${T0 + HOUR},c,b,3`, // 7 ok
        ].join("\n"),
      );
      const seen: [number, string][] = [];
      const records = await collect(file, { skipInvalid: true, onSkip: (line, reason) => seen.push([line, reason]) });
      expect(records.map((r) => r.line)).to.deep.equal([2, 5, 7]);
      expect(seen.map(([line]) => line)).to.deep.equal([3, 4, 6]);

      const { graph, summary } = await readTrafficLog(file, { skipInvalid: true });
      expect(summary.records).to.equal(3);
      expect(summary.skipped).to.deep.equal([
        { line: 3, reason: 'field "to" is "a", the same device as "from"' },
        { line: 4, reason: 'field "timestamp" "soon" is neither Unix milliseconds nor an ISO-8601 date-time' },
        { line: 6, reason: 'field "bytes" "x" is not a non-negative integer' },
      ]);
      expect(edge(graph, "a", "b")).to.deep.equal({ count: 2, weight: 1 });
      expect(edge(graph, "b", "c")).to.deep.equal({ count: 1, weight: 0.5 });
    });

    it("throws a syntax error with the line for CSV that does not parse, even with skipInvalid", async () => {
      const file = await logFile("quote.csv", `timestamp,from,to\n${T0},a,b\n${T0},"a" x,b\n`);
      for (const skipInvalid of [false, true]) {
        const error = await rejection(readTrafficLog(file, { skipInvalid }));
        expect(error).to.be.instanceOf(TrafficLogSyntaxError);
        expect((error as TrafficLogSyntaxError).line).to.equal(3);
        expect(error.message).to.match(
          new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:3: CSV does not parse`),
        );
      }
    });
  });

  describe("unusable logs", () => {
    it("rejects a missing file", async () => {
      const file = path.join(dir, "absent.csv");
      const error = await rejection(readTrafficLog(file));
      expect(error).to.be.instanceOf(TrafficLogError);
      expect(error.message).to.match(/absent\.csv: cannot be read/);
    });

    it("rejects an empty file", async () => {
      const file = await logFile("empty.csv", "");
      const error = await rejection(readTrafficLog(file));
      expect(error).to.be.instanceOf(TrafficLogError);
      expect(error.message).to.equal(`${file}: empty log: no header and no records`);
    });

    it("rejects a header with no records", async () => {
      const file = await logFile("header.csv", "timestamp,from,to,bytes\r\n\r\n");
      const error = await rejection(readTrafficLog(file));
      expect(error).to.be.instanceOf(TrafficLogError);
      expect(error.message).to.equal(`${file}: empty log: the header has no records after it`);
    });

    it("rejects a log without a header", async () => {
      const file = await logFile("noheader.csv", `${T0},a,b\n${T0},b,c\n`);
      const error = await rejection(readTrafficLog(file));
      expect(error).to.be.instanceOf(TrafficLogError);
      expect(error.message).to.equal(
        `${file}: missing header: line 1 must name the columns timestamp,from,to[,bytes], got "${T0},a,b"`,
      );
    });

    it("rejects a header lacking a required column, and one naming a column twice", async () => {
      const missing = await logFile("missing.csv", `timestamp,from,bytes\n${T0},a,1\n`);
      const error = await rejection(readTrafficLog(missing));
      expect(error).to.be.instanceOf(TrafficLogError);
      expect(error.message).to.equal(`${missing}: header lacks required column "to" (got "timestamp,from,bytes")`);

      const twice = await logFile("twice.csv", `timestamp,from,to,From\n${T0},a,b,c\n`);
      expect((await rejection(readTrafficLog(twice))).message).to.equal(`${twice}: header names column "from" twice`);
    });

    it("rejects a log with one device: every row joins it to itself", async () => {
      const file = await logFile("one.csv", `timestamp,from,to\n${T0},07,07\n${T0 + HOUR},07,07\n`);
      const strict = await rejection(readTrafficLog(file));
      expect(strict).to.be.instanceOf(TrafficRecordError);
      expect((strict as TrafficRecordError).line).to.equal(2);
      const skipping = await rejection(readTrafficLog(file, { skipInvalid: true }));
      expect(skipping).to.be.instanceOf(TrafficLogError);
      expect(skipping.message).to.equal(`${file}: no valid records: all 2 rows were skipped as invalid`);
    });

    it("still reads a log whose only valid rows involve two devices", async () => {
      const file = await logFile(
        "two.csv",
        `timestamp,from,to\n${T0},07,07\n${T0},07,08\n${T0 + 4 * HOUR},08,07\n${T0 + 5 * HOUR},08,08\n`,
      );
      const { graph, summary } = await readTrafficLog(file, { skipInvalid: true });
      expect(summary).to.include({ records: 2, devices: 2, spanHours: 4 });
      expect(summary.skipped.map((s) => s.line)).to.deep.equal([2, 5]);
      expect(graph.nodes()).to.deep.equal(["07", "08"]);
      expect(edge(graph, "07", "08")).to.deep.equal({ count: 2, weight: 0.5 });
    });
  });
});
