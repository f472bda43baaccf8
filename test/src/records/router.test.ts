import { expect } from "chai";
import { evaluateStorage, pairTableFromCounts } from "../../../src/partition/storage";
import { RecordRouter, RecordsError } from "../../../src/records";

// Communities A = {1,2,3} (chain 0), B = {3,4,5,6} (chain 1), C = {5,6} (chain 2); devices 7 and 8
// are in no community (uncovered), so no chain runs for them.
const devices = ["1", "2", "3", "4", "5", "6", "7", "8"];
const communities = [
  ["1", "2", "3"],
  ["3", "4", "5", "6"],
  ["5", "6"],
];

describe("records/router", () => {
  const router = new RecordRouter(devices, communities);

  it("routes an intra-chain record to the smallest community holding both devices", () => {
    expect(router.route("1", "2")).to.deep.equal({ chains: [0], cross: false, hostless: 0, cost: 3 });
    expect(router.route("3", "2")).to.deep.equal({ chains: [0], cross: false, hostless: 0, cost: 3 });
    expect(router.route("3", "4")).to.deep.equal({ chains: [1], cross: false, hostless: 0, cost: 4 });
    expect(router.route("6", "5")).to.deep.equal({ chains: [2], cross: false, hostless: 0, cost: 2 });
  });

  it("routes a cross-chain record to the smallest chain of each endpoint, sender's first", () => {
    expect(router.route("1", "4")).to.deep.equal({ chains: [0, 1], cross: true, hostless: 0, cost: 7 });
    expect(router.route("4", "1")).to.deep.equal({ chains: [1, 0], cross: true, hostless: 0, cost: 7 });
    expect(router.route("2", "6")).to.deep.equal({ chains: [0, 2], cross: true, hostless: 0, cost: 5 });
  });

  it("writes a record with a device in no community on the other device's chain only, counting the copy formula 1 gives the device's own chain", () => {
    expect(router.route("6", "7")).to.deep.equal({ chains: [2], cross: true, hostless: 1, cost: 3 });
    expect(router.route("7", "1")).to.deep.equal({ chains: [0], cross: true, hostless: 1, cost: 4 });
  });

  it("writes a record between two devices in no community on no chain", () => {
    expect(router.route("7", "8")).to.deep.equal({ chains: [], cross: true, hostless: 2, cost: 2 });
    expect(router.chainless).to.deep.equal(["7", "8"]);
  });

  it("prices the log exactly as the storage model does", () => {
    const pairs: [string, string, number][] = [
      ["1", "2", 10],
      ["2", "3", 4],
      ["3", "4", 5],
      ["5", "6", 6],
      ["1", "4", 3],
      ["2", "6", 1],
      ["6", "7", 2],
      ["7", "8", 1],
    ];
    const cost = pairs.reduce((sum, [a, b, count]) => sum + router.route(a, b)!.cost * count, 0);
    const cross = pairs.reduce(
      (sum, [a, b, count]) => sum + (router.route(a, b)!.cross ? router.route(a, b)!.cost * count : 0),
      0,
    );
    const model = evaluateStorage(pairTableFromCounts(devices, pairs), communities);
    expect({ cost, cross }).to.deep.equal({ cost: model.count, cross: model.cross });
    expect(cost).to.equal(30 + 12 + 20 + 12 + 21 + 5 + 6 + 2);
  });

  it("knows only the partition's devices", () => {
    expect(router.route("1", "99")).to.equal(undefined);
    expect(router.route("99", "1")).to.equal(undefined);
    expect([router.knows("8"), router.knows("99")]).to.deep.equal([true, false]);
  });

  it("takes the devices and members of a topology", () => {
    const fromTopology = RecordRouter.fromTopology({
      devices,
      communities: communities.map((members) => ({ members })),
    });
    expect(fromTopology.route("2", "6")).to.deep.equal(router.route("2", "6"));
    expect(fromTopology.chainSize(1)).to.equal(4);
  });

  it("refuses a community without members", () => {
    expect(() => new RecordRouter(devices, [["1", "2"], []])).to.throw(
      RecordsError,
      "community chain 2 has no members: no record can be placed on it",
    );
  });
});
