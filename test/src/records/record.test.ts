import { expect } from "chai";
import { AbiCoder, hexlify, keccak256 } from "ethers";
import fc from "fast-check";
import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import {
  RECORD_LEAF_TYPES,
  RecordFormatError,
  encodeRecord,
  recordLeaf,
  recordLeafValues,
  toHex,
  validateRecord,
  type ChainRecord,
} from "../../../src/records";

const record: ChainRecord = { sequence: 7, timestamp: 1_700_000_123_456, from: "03", to: "17", bytes: 512 };

const arbitraryRecord = fc.record({
  sequence: fc.nat({ max: Number.MAX_SAFE_INTEGER }),
  timestamp: fc.nat({ max: Number.MAX_SAFE_INTEGER }),
  from: fc.string({ minLength: 1, maxLength: 80, unit: "grapheme" }),
  to: fc.string({ minLength: 1, maxLength: 80, unit: "grapheme" }),
  bytes: fc.nat({ max: Number.MAX_SAFE_INTEGER }),
});

describe("anchor/records", () => {
  it("encodes a record exactly as ethers' AbiCoder does", () => {
    const expected = AbiCoder.defaultAbiCoder().encode([...RECORD_LEAF_TYPES], recordLeafValues(record));
    expect(hexlify(encodeRecord(record))).to.equal(expected);
    fc.assert(
      fc.property(arbitraryRecord, (r) => {
        expect(hexlify(encodeRecord(r))).to.equal(
          AbiCoder.defaultAbiCoder().encode([...RECORD_LEAF_TYPES], recordLeafValues(r)),
        );
      }),
      { numRuns: 300 },
    );
  });

  it("hashes a record to the double keccak256 of its encoding, as StandardMerkleTree does", () => {
    const encoded = AbiCoder.defaultAbiCoder().encode([...RECORD_LEAF_TYPES], recordLeafValues(record));
    expect(toHex(recordLeaf(record))).to.equal(keccak256(keccak256(encoded)));
    fc.assert(
      fc.property(arbitraryRecord, (r) => {
        const tree = StandardMerkleTree.of([recordLeafValues(r)], [...RECORD_LEAF_TYPES]);
        expect(toHex(recordLeaf(r))).to.equal(tree.leafHash(recordLeafValues(r)));
      }),
      { numRuns: 100 },
    );
  });

  it("gives every field a different leaf", () => {
    const leaves = new Set(
      [
        record,
        { ...record, sequence: 8 },
        { ...record, timestamp: record.timestamp + 1 },
        { ...record, from: "04" },
        { ...record, to: "18" },
        { ...record, bytes: 513 },
        { ...record, from: "17", to: "03" },
      ].map((r) => toHex(recordLeaf(r))),
    );
    expect(leaves.size).to.equal(7);
  });

  it("rejects a record with a bad field, naming the field", () => {
    const bad: [Partial<ChainRecord>, RegExp][] = [
      [{ sequence: -1 }, /^row 12: field "sequence"/],
      [{ timestamp: 1.5 }, /^row 12: field "timestamp"/],
      [{ bytes: Number.MAX_SAFE_INTEGER + 2 }, /^row 12: field "bytes"/],
      [{ bytes: Number.NaN }, /^row 12: field "bytes"/],
      [{ from: "" }, /^row 12: field "from"/],
      [{ to: 17 as unknown as string }, /^row 12: field "to"/],
    ];
    for (const [change, message] of bad) {
      expect(() => validateRecord({ ...record, ...change }, "row 12")).to.throw(RecordFormatError, message);
    }
    expect(() => validateRecord(record)).not.to.throw();
  });
});
