/** The summary table of deploy:all and the parsing of its arguments. */
import { expect } from "chai";
import { parseEther } from "ethers";
import {
  DeployArgumentError,
  deploySummaryRows,
  formatDeploySummary,
  parseAddressList,
  parseTokenAmount,
  type ChainDeployment,
} from "../../../src/deploy";

const base = { rpc: "http://127.0.0.1:1", deploymentDir: "/x", resumed: false } as const;
const deployments: ChainDeployment[] = [
  {
    ...base,
    chain: "main",
    chainId: 31000,
    module: "MainAnchoring",
    deploymentId: "commchain-main",
    contracts: { AnchorHub: "0x1" },
    deployed: [],
    transactions: 2,
  },
  {
    ...base,
    chain: "community-12",
    chainId: 31012,
    module: "CommunitySuite",
    deploymentId: "commchain-community-12",
    contracts: { DataToken: "0x2", Register: "0x3" },
    deployed: ["Register"],
    transactions: 17,
    members: { registered: ["a", "b"], already: ["c"] },
    trustRoot: { registeredNow: true, root: "0xabc" },
  },
];

describe("deploy/summary and arguments", () => {
  it("tabulates each chain: contracts, what this run deployed and sent, members and trust root", () => {
    expect(deploySummaryRows(deployments)).to.deep.equal([
      ["main", "31000", "MainAnchoring", "1", "0", "2", "-", "-"],
      ["community-12", "31012", "CommunitySuite", "2", "1", "17", "3 (2 new)", "registered now"],
    ]);
    expect(formatDeploySummary(deployments).split("\n")).to.deep.equal([
      "chain         chain id  module          contracts  deployed now  txs  members    trust root",
      "------------  --------  --------------  ---------  ------------  ---  ---------  --------------",
      "main             31000  MainAnchoring           1             0    2  -          -",
      "community-12     31012  CommunitySuite          2             1   17  3 (2 new)  registered now",
    ]);
  });

  it("parses token amounts in whole tokens and address lists", () => {
    expect([
      parseTokenAmount("10", "--upload-reward"),
      parseTokenAmount(" 0.5 ", "--x"),
      parseTokenAmount("0", "--x"),
    ]).to.deep.equal([parseEther("10"), parseEther("0.5"), 0n]);
    expect(() => parseTokenAmount("ten", "--upload-reward")).to.throw(
      DeployArgumentError,
      '--upload-reward: "ten" is not a token amount (a decimal number such as 10 or 0.5)',
    );
    expect(() => parseTokenAmount("-1", "--verification-reward")).to.throw(
      DeployArgumentError,
      "--verification-reward: must not be negative, got -1",
    );
    expect(parseAddressList("")).to.deep.equal([]);
    expect(parseAddressList(" 0xa , ,0xb")).to.deep.equal(["0xa", "0xb"]);
  });
});
