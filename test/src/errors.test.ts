import { expect } from "chai";
import { CommchainError } from "../../src/errors";
import { TrafficError, TrafficLogError } from "../../src/traffic/errors";
import { PartitionError } from "../../src/partition/errors";
import { PercolationError, InvalidCliqueSizeError } from "../../src/partition/percolation-errors";
import { ChainError } from "../../src/chains/errors";
import { DeployError } from "../../src/deploy/errors";
import { AnchorError } from "../../src/anchor/errors";
import { RecordsError } from "../../src/records/errors";
import { OffchainError } from "../../src/offchain/errors";
import { IoTError } from "../../src/iot/errors";
import { CryptoError } from "../../src/crypto/errors";
import { DurationError } from "../../src/util/errors";

describe("errors", () => {
  it("every domain's base error is a CommchainError, so callers can catch what the project rejected", () => {
    for (const Base of [
      TrafficError,
      PartitionError,
      ChainError,
      DeployError,
      AnchorError,
      RecordsError,
      OffchainError,
      IoTError,
      CryptoError,
      DurationError,
    ]) {
      const error = new Base("bad input");
      expect(error).to.be.instanceOf(CommchainError);
      expect(error.name).to.equal(Base.name);
      expect(error.message).to.equal("bad input");
    }
  });

  it("percolation errors are partition errors, and subclasses keep their own names", () => {
    const error = new InvalidCliqueSizeError("k", 1, 2);
    expect(error).to.be.instanceOf(PercolationError).and.instanceOf(PartitionError).and.instanceOf(CommchainError);
    expect(error.name).to.equal("InvalidCliqueSizeError");
    expect(new TrafficLogError("traffic.csv", "is empty")).to.be.instanceOf(TrafficError);
  });
});
