/** deploy/summary: the progress line deploy:all prints per step. */
import { expect } from "chai";
import { formatDeployProgress } from "../../../src/deploy/summary";

describe("deploy/summary progress lines", () => {
  it("prints the chain and step, with Ignition's step count while a module deploys", () => {
    expect(formatDeployProgress({ chain: "main", message: "deploying MainAnchoring", done: 2, total: 5 })).to.equal(
      "main: deploying MainAnchoring [2/5]",
    );
    expect(formatDeployProgress({ chain: "main", message: "deploying MainAnchoring", done: 0, total: 0 })).to.equal(
      "main: deploying MainAnchoring",
    );
    expect(formatDeployProgress({ chain: "community-1", message: "registered 4 members" })).to.equal(
      "community-1: registered 4 members",
    );
  });
});
