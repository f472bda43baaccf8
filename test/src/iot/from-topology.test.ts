// The unit's chain, contracts and wallet from topology.json.
import { expect } from "chai";
import path from "node:path";
import { deviceWallet } from "../../../src/chains/accounts";
import { writeTopology, type ChainEntry, type Topology } from "../../../src/chains/topology";
import { IoTConfigError } from "../../../src/iot/errors";
import { unitChainFromTopology } from "../../../src/iot/from-topology";
import { tempDir } from "./helpers";

const address = (n: number) => `0x${n.toString(16).padStart(40, "0")}`;
const chain = (name: string, chainId: number, members: string[], contracts: Record<string, string>): ChainEntry => ({
  name,
  chainId,
  rpc: `http://10.0.0.${chainId % 100}:8545`,
  members,
  contracts,
  external: true,
});

describe("iot/from-topology", () => {
  let dir: string;
  let dispose: () => Promise<void>;
  const topology: Topology = {
    version: 1,
    devices: ["01", "02", "03"],
    main: chain("main", 41000, [], {}),
    communities: [
      chain("community-1", 41001, ["01", "02"], {
        MaintenanceService: address(1),
        DataToken: address(2),
        Register: address(3),
      }),
      chain("community-2", 41002, ["02", "03"], { MaintenanceService: address(4), DataToken: address(5) }),
    ],
  };

  // These chains are external, which refuses the public development mnemonic (security H3).
  let savedMnemonic: string | undefined;
  before(() => {
    savedMnemonic = process.env.COMMCHAIN_MNEMONIC;
    process.env.COMMCHAIN_MNEMONIC = "test test test test test test test test test test test junk";
  });
  after(() => {
    if (savedMnemonic === undefined) delete process.env.COMMCHAIN_MNEMONIC;
    else process.env.COMMCHAIN_MNEMONIC = savedMnemonic;
  });

  beforeEach(async () => {
    ({ dir, dispose } = await tempDir("iot-topology"));
    writeTopology(path.join(dir, "topology.json"), topology);
  });
  afterEach(() => dispose());

  it("finds the device's community chain, its contracts and the device's wallet", () => {
    const resolved = unitChainFromTopology(dir, "01");
    expect([resolved.chain, resolved.rpc, resolved.chainId]).to.deep.equal([
      "community-1",
      "http://10.0.0.1:8545",
      41001,
    ]);
    expect(resolved.contracts).to.deep.equal({
      maintenanceService: address(1),
      dataToken: address(2),
      register: address(3),
    });
    expect(resolved.wallet.address).to.equal(deviceWallet("01", topology).address);
    // No Register on community-2: the unit then skips the reader check.
    expect(unitChainFromTopology(dir, "03").contracts).to.deep.equal({
      maintenanceService: address(4),
      dataToken: address(5),
    });
  });

  it("makes a bridge device name its chain, and refuses a chain it is not on", () => {
    expect(() => unitChainFromTopology(dir, "02")).to.throw(
      IoTConfigError,
      /device 02 bridges community-1, community-2: name the chain/,
    );
    expect(unitChainFromTopology(dir, "02", { chain: "community-2" }).chainId).to.equal(41002);
    expect(() => unitChainFromTopology(dir, "03", { chain: "community-1" })).to.throw(
      IoTConfigError,
      /not a member of chain community-1/,
    );
    expect(() => unitChainFromTopology(dir, "99")).to.throw(IoTConfigError, /member of no community chain/);
  });

  it("names the contract a chain lacks, under the configured name", () => {
    expect(() => unitChainFromTopology(dir, "01", { names: { maintenanceService: "Maintenance" } }))
      .to.throw(IoTConfigError, /chain community-1 .* has no contract "Maintenance"/)
      .with.property("option", "contracts.maintenanceService");
  });
});
