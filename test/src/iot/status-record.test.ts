// The status record's transaction: addRecord without third parties, addRecordWithReaders with them,
// readers over the contract's per-record bound left for an authorize each.
import { expect } from "chai";
import { getAddress, keccak256, toBeHex, zeroPadValue } from "ethers";
import { EPR_MAX_READERS_PER_RECORD, eprInterface } from "../../../src/iot/abi";
import { DEFAULT_GAS, recordGasLimit } from "../../../src/iot/gas";
import { statusRecordCall } from "../../../src/iot/status-record";

const record = {
  query: "status?device=0x01&sequence=7",
  contentHash: keccak256(Uint8Array.of(7)),
  uri: "ipfs://bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy",
  objectCommitment: keccak256(Uint8Array.of(8)),
};
const readers = (n: number) => Array.from({ length: n }, (_, i) => getAddress(zeroPadValue(toBeHex(0x100 + i), 20)));
const base = recordGasLimit(Buffer.byteLength(record.query), Buffer.byteLength(record.uri));

describe("iot/status-record", () => {
  it("is a plain addRecord without third parties", () => {
    const call = statusRecordCall({ ...record, thirdParties: [] });
    const parsed = eprInterface.parseTransaction({ data: call.data })!;
    expect([parsed.name, ...parsed.args.toArray()]).to.deep.equal([
      "addRecord",
      record.query,
      record.contentHash,
      record.uri,
      record.objectCommitment,
      0n,
    ]);
    expect([call.gasLimit, call.readers, call.later]).to.deep.equal([base, [], []]);
  });

  it("authorizes the third parties in the record's own transaction, with gas for each", () => {
    const thirdParties = readers(3);
    const call = statusRecordCall({ ...record, thirdParties });
    const parsed = eprInterface.parseTransaction({ data: call.data })!;
    expect(parsed.name).to.equal("addRecordWithReaders");
    expect(parsed.args.toArray().slice(0, 5)).to.deep.equal([
      record.query,
      record.contentHash,
      record.uri,
      record.objectCommitment,
      0n,
    ]);
    expect(parsed.args.readers.toArray()).to.deep.equal(thirdParties);
    expect([call.gasLimit, call.readers, call.later]).to.deep.equal([
      base + 3n * DEFAULT_GAS.authorize,
      thirdParties,
      [],
    ]);
  });

  it("leaves the readers over the per-record bound for later, in order", () => {
    const thirdParties = readers(EPR_MAX_READERS_PER_RECORD + 2);
    const call = statusRecordCall({ ...record, thirdParties }, { ...DEFAULT_GAS, authorize: 1_000n });
    expect(eprInterface.parseTransaction({ data: call.data })!.args.readers.toArray()).to.deep.equal(
      thirdParties.slice(0, EPR_MAX_READERS_PER_RECORD),
    );
    expect(call.readers).to.deep.equal(thirdParties.slice(0, EPR_MAX_READERS_PER_RECORD));
    expect(call.later).to.deep.equal(thirdParties.slice(EPR_MAX_READERS_PER_RECORD));
    expect(call.gasLimit).to.equal(base + BigInt(EPR_MAX_READERS_PER_RECORD) * 1_000n);
  });
});
