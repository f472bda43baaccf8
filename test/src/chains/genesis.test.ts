import { expect } from "chai";
import fs from "node:fs";
import path from "node:path";
import { Wallet } from "ethers";
import { deviceWallet, systemWallet } from "../../../src/chains/accounts";
import { chainNodeNetwork } from "../../../src/chains/chain-node";
import { GenesisError } from "../../../src/chains/errors";
import {
  buildGenesis,
  GENESIS_DEFAULTS,
  GENESIS_FILE,
  readGenesis,
  summarizeGenesis,
  writeGenesis,
} from "../../../src/chains/genesis";
import { tempDir } from "./helpers";

const DEVICES = ["a", "b", "c"];
const OTHER_MNEMONIC = "test test test test test test test test test test test junk";

describe("src/chains/genesis and the chain network built from it", () => {
  let dir: string;
  beforeEach(() => {
    dir = tempDir("genesis");
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("records accounts by derivation and balance, never by key, and round-trips", () => {
    const genesis = buildGenesis({ name: "community-1", chainId: 31001, members: ["b", "c"] }, DEVICES, {
      timestamp: 1_700_000_000,
    });
    expect(genesis).to.deep.include({
      version: 1,
      chain: "community-1",
      chainId: 31001,
      timestamp: 1_700_000_000,
      hardfork: "osaka",
      blockGasLimit: 60_000_000,
      initialBaseFeePerGas: "1000000000",
      coinbase: GENESIS_DEFAULTS.coinbase,
    });
    expect(genesis.accounts.map((a) => [a.kind, a.name, a.index, a.address])).to.deep.equal([
      ["system", "deployer", 0, systemWallet("deployer").address],
      ["system", "relayer", 1, systemWallet("relayer").address],
      ["system", "writer", 2, systemWallet("writer").address],
      ["system", "minter", 3, systemWallet("minter").address],
      ["system", "orderer", 4, systemWallet("orderer").address],
      ["system", "cloud", 5, systemWallet("cloud").address],
      ["device", "b", 1, deviceWallet("b", DEVICES).address],
      ["device", "c", 2, deviceWallet("c", DEVICES).address],
    ]);
    expect(genesis.accounts.every((a) => a.balance === "10000000000000000000000")).to.equal(true);
    const file = path.join(dir, GENESIS_FILE);
    writeGenesis(file, genesis);
    expect(fs.readFileSync(file, "utf8")).to.not.contain(deviceWallet("b", DEVICES).privateKey.slice(2));
    expect(readGenesis(file)).to.deep.equal(genesis);
    expect(summarizeGenesis(genesis, "community-1/genesis.json")).to.deep.equal({
      file: "community-1/genesis.json",
      timestamp: 1_700_000_000,
      hardfork: "osaka",
      blockGasLimit: 60_000_000,
      initialBaseFeePerGas: "1000000000",
      coinbase: GENESIS_DEFAULTS.coinbase,
      balance: "10000000000000000000000",
      accounts: 8,
    });
  });

  it("configures the chain process's Hardhat network from the genesis, keys derived from the mnemonic", () => {
    const genesis = buildGenesis({ name: "community-2", chainId: 31002, members: ["a"] }, DEVICES, {
      timestamp: 1_700_000_000,
      balance: 5n,
    });
    writeGenesis(path.join(dir, GENESIS_FILE), genesis);
    const network = chainNodeNetwork(dir);
    expect(network).to.deep.include({
      chainId: 31002,
      hardfork: "osaka",
      initialDate: "2023-11-14T22:13:20.000Z",
      blockGasLimit: 60_000_000,
      initialBaseFeePerGas: 1_000_000_000,
      coinbase: GENESIS_DEFAULTS.coinbase,
      mining: { auto: true, interval: 0, mempool: { order: "fifo" } },
      allowBlocksWithSameTimestamp: true,
    });
    const accounts = network.accounts as { privateKey: string; balance: string }[];
    expect(accounts.map((a) => [new Wallet(a.privateKey).address, a.balance])).to.deep.equal(
      genesis.accounts.map((a) => [a.address, "5"]),
    );
  });

  it("refuses to run a chain with a mnemonic other than the one it was created with", () => {
    writeGenesis(
      path.join(dir, GENESIS_FILE),
      buildGenesis({ name: "main", chainId: 31000, members: [] }, DEVICES, { timestamp: 1_700_000_000 }),
    );
    expect(() => chainNodeNetwork(dir, OTHER_MNEMONIC)).to.throw(
      GenesisError,
      `${path.join(dir, GENESIS_FILE)}: accounts[0].address: is ${systemWallet("deployer").address} but the project mnemonic gives`,
    );
  });

  it("names the file and key of a bad genesis", () => {
    const file = path.join(dir, GENESIS_FILE);
    expect(() => readGenesis(file)).to.throw(GenesisError, `${file}: does not exist`);
    const genesis = buildGenesis({ name: "main", chainId: 31000, members: [] }, DEVICES, {
      timestamp: 1_700_000_000,
    }) as unknown as Record<string, unknown>;
    fs.writeFileSync(file, JSON.stringify({ ...genesis, chainId: "31000" }));
    expect(() => readGenesis(file)).to.throw(GenesisError, `${file}: chainId: must be a positive integer, got "31000"`);
    fs.writeFileSync(
      file,
      JSON.stringify({
        ...genesis,
        accounts: [{ kind: "device", name: "a", index: -1, address: "0x00", balance: "1" }],
      }),
    );
    expect(() => readGenesis(file)).to.throw(
      GenesisError,
      `${file}: accounts[0].index: must be a non-negative integer`,
    );
  });
});
