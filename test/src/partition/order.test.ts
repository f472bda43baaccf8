import { expect } from "chai";
import fc from "fast-check";
import { canonicalCommunities, compareCommunities, compareDeviceIds } from "../../../src/partition/order";

const sign = (x: number) => Math.sign(x) + 0; // + 0 folds -0 into 0 for deep equality

/** Short ids over digits (with zeros), letters and separators: every kind of run boundary. */
const deviceId = (maxLength: number) => fc.string({ unit: fc.constantFrom(..."0019abA.-"), maxLength });

describe("partition/order", function () {
  describe("compareDeviceIds", function () {
    it("orders runs of digits by their number", function () {
      const ids = ["10", "2", "1", "100", "20", "03"];
      expect([...ids].sort(compareDeviceIds)).to.deep.equal(["1", "2", "03", "10", "20", "100"]);
    });

    it("orders mixed ids run by run", function () {
      const ids = ["dev10", "dev9", "dev9a", "dev", "Dev2", "plc1-10", "plc1-9", "plc10-1"];
      expect([...ids].sort(compareDeviceIds)).to.deep.equal([
        "Dev2",
        "dev",
        "dev9",
        "dev9a",
        "dev10",
        "plc1-9",
        "plc1-10",
        "plc10-1",
      ]);
    });

    it("tells apart ids that spell the same number, by code units", function () {
      expect(sign(compareDeviceIds("07", "7"))).to.equal(-1);
      expect(sign(compareDeviceIds("7", "07"))).to.equal(1);
      expect(sign(compareDeviceIds("a007b", "a7b"))).to.equal(-1);
      expect(compareDeviceIds("07", "07")).to.equal(0);
    });

    it("compares numbers longer than any integer type exactly", function () {
      expect(sign(compareDeviceIds("123456789012345678901234567890", "123456789012345678901234567891"))).to.equal(-1);
      expect(sign(compareDeviceIds("99999999999999999999", "100000000000000000000"))).to.equal(-1);
    });

    it("is a total order (antisymmetric, transitive, zero only on equal ids)", function () {
      const id = deviceId(6);
      fc.assert(
        fc.property(id, id, id, (a, b, c) => {
          const ab = sign(compareDeviceIds(a, b));
          const antisymmetric = ab === -sign(compareDeviceIds(b, a));
          const zeroOnlyOnEqual = (ab === 0) === (a === b);
          const transitive = !(ab <= 0 && compareDeviceIds(b, c) <= 0) || compareDeviceIds(a, c) <= 0;
          return antisymmetric && zeroOnlyOnEqual && transitive;
        }),
        { numRuns: 1000 },
      );
    });

    it("sorts to the same order whatever the input order", function () {
      const listAndShuffle = fc
        .array(deviceId(4), { maxLength: 30 })
        .chain((list) => fc.tuple(fc.constant(list), fc.shuffledSubarray(list, { minLength: list.length })));
      fc.assert(
        fc.property(
          listAndShuffle,
          ([list, shuffled]) =>
            JSON.stringify([...shuffled].sort(compareDeviceIds)) === JSON.stringify([...list].sort(compareDeviceIds)),
        ),
        { numRuns: 200 },
      );
    });
  });

  describe("canonicalCommunities", function () {
    it("sorts members, then communities by size descending and first member", function () {
      const communities = [new Set(["9", "10"]), ["3", "1", "2"], ["12", "11", "2"], ["5", "4"]];
      expect(canonicalCommunities(communities)).to.deep.equal([
        ["1", "2", "3"],
        ["2", "11", "12"],
        ["4", "5"],
        ["9", "10"],
      ]);
    });

    it("breaks ties on the first member with the next members and drops repeated members", function () {
      expect(canonicalCommunities([["1", "3", "3"], ["1", "2"], [], ["0"]])).to.deep.equal([
        ["1", "2"],
        ["1", "3"],
        ["0"],
        [],
      ]);
    });

    it("compareCommunities puts larger communities first", function () {
      expect(compareCommunities(["1", "2"], ["0"])).to.be.below(0);
      expect(compareCommunities(["1", "2"], ["1", "2"])).to.equal(0);
      expect(compareCommunities(["1", "10"], ["1", "9"])).to.be.above(0);
    });
  });
});
