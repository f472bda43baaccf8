import { expect } from "chai";
import fs from "node:fs";
import { Signature, Transaction, Wallet } from "ethers";
import type { EthereumProvider } from "hardhat/types";
import { deviceWallet, systemWallet } from "../../../src/chains/accounts";
import {
  rawTransaction,
  UnserializableTransactionError,
  type RpcTransaction,
} from "../../../src/chains/raw-transaction";
import { chainProvider, tempDir, writeTestGenesis } from "./helpers";

const DEVICES = ["d1", "d2"];
const GWEI = 1_000_000_000n;

describe("src/chains/raw-transaction", () => {
  let chainDir: string;
  let chain: EthereumProvider;
  let sender: Wallet;

  before(async () => {
    chainDir = tempDir("raw");
    writeTestGenesis(chainDir, { devices: DEVICES });
    chain = await chainProvider(chainDir);
    sender = new Wallet(deviceWallet("d1", DEVICES).privateKey);
  });
  after(() => fs.rmSync(chainDir, { recursive: true, force: true }));

  async function roundTrip(signed: string): Promise<void> {
    const hash = (await chain.request({ method: "eth_sendRawTransaction", params: [signed] })) as string;
    const mined = (await chain.request({ method: "eth_getTransactionByHash", params: [hash] })) as RpcTransaction;
    expect(rawTransaction(mined)).to.equal(signed);
  }

  async function nonce(address: string): Promise<number> {
    return Number(await chain.request({ method: "eth_getTransactionCount", params: [address, "latest"] }));
  }

  it("rebuilds legacy EIP-155, access-list and EIP-1559 transactions byte for byte", async () => {
    const to = deviceWallet("d2", DEVICES).address;
    await roundTrip(
      await sender.signTransaction({
        type: 0,
        chainId: 31001n,
        nonce: await nonce(sender.address),
        to,
        value: 1n,
        gasLimit: 21_000n,
        gasPrice: 3n * GWEI,
      }),
    );
    await roundTrip(
      await sender.signTransaction({
        type: 1,
        chainId: 31001n,
        nonce: await nonce(sender.address),
        to,
        value: 2n,
        gasLimit: 30_000n,
        gasPrice: 3n * GWEI,
        accessList: [{ address: to, storageKeys: [`0x${"00".repeat(31)}01`] }],
      }),
    );
    await roundTrip(
      await sender.signTransaction({
        type: 2,
        chainId: 31001n,
        nonce: await nonce(sender.address),
        to,
        value: 3n,
        data: "0xdeadbeef",
        gasLimit: 30_000n,
        maxFeePerGas: 3n * GWEI,
        maxPriorityFeePerGas: GWEI,
      }),
    );
  });

  it("rebuilds a pre-EIP-155 legacy transaction (no chain id)", async () => {
    const tx = Transaction.from({
      type: 0,
      nonce: await nonce(sender.address),
      to: sender.address,
      value: 4n,
      gasLimit: 21_000n,
      gasPrice: 3n * GWEI,
    });
    tx.signature = Signature.from(sender.signingKey.sign(tx.unsignedHash));
    expect(tx.chainId).to.equal(0n);
    await roundTrip(tx.serialized);
  });

  it("rebuilds an EIP-7702 set-code transaction with its authorization list", async () => {
    const authority = new Wallet(systemWallet("minter").privateKey);
    const authorization = await authority.authorize({
      address: sender.address,
      nonce: await nonce(authority.address),
      chainId: 31001n,
    });
    await roundTrip(
      await sender.signTransaction({
        type: 4,
        chainId: 31001n,
        nonce: await nonce(sender.address),
        to: authority.address,
        gasLimit: 100_000n,
        maxFeePerGas: 3n * GWEI,
        maxPriorityFeePerGas: GWEI,
        authorizationList: [authorization],
      }),
    );
  });

  it("refuses a transaction whose fields do not give its hash", async () => {
    const hash = `0x${"11".repeat(32)}`;
    const forged: RpcTransaction = {
      hash,
      type: "0x2",
      chainId: "0x7919",
      nonce: "0x0",
      to: sender.address,
      value: "0x1",
      input: "0x",
      gas: "0x5208",
      maxFeePerGas: "0x1",
      maxPriorityFeePerGas: "0x1",
      accessList: [],
      yParity: "0x0",
      r: `0x${"22".repeat(32)}`,
      s: `0x${"33".repeat(31)}`,
    };
    expect(() => rawTransaction(forged)).to.throw(
      UnserializableTransactionError,
      `transaction ${hash} cannot be journaled: its fields serialise to a transaction with hash 0x`,
    );
  });
});
