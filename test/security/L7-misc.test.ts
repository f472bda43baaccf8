// Security review L7 (the parts of this stream): prime-shamir accepted t = 0, which makes every
// share equal the secret, and the `file:` location written on chain for a record batch was an
// absolute host path. Run against a9c0a2f these fail: share(secret, 3, 0) returned three copies
// of the secret, and the location was file:///<absolute path>.
import { expect } from "chai";
import { share } from "../../src/offchain/prime-shamir";
import { InvalidThresholdError } from "../../src/offchain/errors";
import { BatchStore } from "../../src/anchor/batch-store";

describe("security L7: prime-field Shamir refuses degenerate thresholds", function () {
  it("refuses t = 0, which would hand every holder the secret", function () {
    expect(() => share(42n, 3, 0)).to.throw(InvalidThresholdError, /t must be at least 1/);
  });

  it("refuses t >= n (fewer holders than t+1 could never reconstruct)", function () {
    expect(() => share(42n, 3, 3)).to.throw(InvalidThresholdError, /n must be at least t\+1/);
  });

  it("still shares with 1 <= t < n, and no single share is the secret", function () {
    const shares = share(42n, 3, 1);
    expect(shares.map((s) => s.x)).to.deep.equal([1n, 2n, 3n]);
    expect(shares.some((s) => s.y === 42n)).to.equal(false);
  });
});

describe("security L7: batch locations on chain name no host path", function () {
  it("writes a location relative to the batch store, without the store's absolute directory", function () {
    const dir = "/home/operator/secret-project/.commchain/batches";
    const location = new BatchStore(dir).locationOf(3);
    expect(location).to.not.contain("/home/operator");
    expect(location).to.match(/^file:batch-0+3\.json$/);
  });
});
