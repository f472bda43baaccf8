// LocalSender: contract calls sent as raw transactions signed here, answered with the response
// ethers would give, without recovering the sender from the signature.
import { expect } from "chai";
import { ethers, network } from "hardhat";
import { BrowserProvider, SigningKey, Wallet, id, type TransactionResponseParams } from "ethers";
import { LocalSender, sentTransaction } from "../../../src/chains/local-sender";
import { rejection } from "../../helpers/rejection";

/** Runs `body` with sender recovery made to fail, so any recovery on the way shows. */
async function withoutRecovery<T>(body: () => Promise<T>): Promise<T> {
  const original = SigningKey.recoverPublicKey;
  SigningKey.recoverPublicKey = () => {
    throw new Error("the sender was recovered from a signature");
  };
  try {
    return await body();
  } finally {
    SigningKey.recoverPublicKey = original;
  }
}

describe("chains/local-sender", () => {
  const key = new Wallet(id("local-sender test key"));
  let provider: BrowserProvider;

  before(async () => {
    // No response cache: a cached nonce would hand two transactions the same one.
    provider = new BrowserProvider(network.provider, undefined, { cacheTimeout: -1 });
    const [funder] = await ethers.getSigners();
    await (await funder.sendTransaction({ to: key.address, value: ethers.parseEther("10") })).wait();
  });

  it("sends a contract call and answers with the transaction sent, without recovering the sender", async () => {
    const [admin] = await ethers.getSigners();
    const token = await ethers.deployContract("DataToken", [admin.address]);
    await token.grantRole(await token.MINTER_ROLE(), key.address);
    const sender = new LocalSender(key, provider);
    const nonce = await provider.getTransactionCount(key.address, "pending");
    const fees = { maxFeePerGas: 10_000_000_000n, maxPriorityFeePerGas: 1_000_000_000n };
    const { tx, receipt } = await withoutRecovery(async () => {
      const sent = await token.connect(sender).mint(admin.address, 7n, { nonce, gasLimit: 200_000n, ...fees });
      return { tx: sent, receipt: await sent.wait() };
    });
    expect([tx.from, tx.nonce, tx.gasLimit, tx.maxFeePerGas, tx.maxPriorityFeePerGas, tx.to]).to.deep.equal([
      key.address,
      nonce,
      200_000n,
      fees.maxFeePerGas,
      fees.maxPriorityFeePerGas,
      await token.getAddress(),
    ]);
    expect(receipt?.hash).to.equal(tx.hash);
    expect(receipt?.status).to.equal(1);
    expect(await token.balanceOf(admin.address)).to.equal(7n);
    // The chain's own record of the transaction names the same sender.
    expect((await provider.getTransaction(tx.hash))?.from).to.equal(key.address);
  });

  it("builds the response ethers builds", async () => {
    const raw = await key.signTransaction({
      type: 2,
      chainId: 31337n,
      nonce: 3,
      to: key.address,
      value: 5n,
      gasLimit: 21_000n,
      maxFeePerGas: 2n,
      maxPriorityFeePerGas: 1n,
    });
    // Two fields the response's type requires and ethers leaves empty for a pending EIP-1559
    // transaction: its index in a block (0 here) and its gas price (here the fee cap).
    const fields = ({ index, gasPrice, ...rest }: Record<string, unknown>) => ({ rest, index, gasPrice });
    const ours = fields(sentTransaction(raw, key.address, provider).toJSON());
    // What ethers' broadcastTransaction does with the bytes it sent (it passes the parsed Transaction).
    const parsed = ethers.Transaction.from(raw) as unknown as TransactionResponseParams;
    const theirs = fields(provider._wrapTransactionResponse(parsed, await provider.getNetwork()).toJSON());
    expect(ours.rest).to.deep.equal(theirs.rest);
    expect([ours.index, ours.gasPrice, theirs.index, theirs.gasPrice]).to.deep.equal([0, "2", undefined, null]);
  });

  it("asks the chain for what the request lacks, and passes the chain's refusal on", async () => {
    const sender = new LocalSender(key, provider);
    const tx = await sender.sendTransaction({ to: ethers.ZeroAddress, value: 1n });
    expect((await tx.wait())?.status).to.equal(1);
    expect(tx.nonce).to.equal((await provider.getTransactionCount(key.address)) - 1);
    // A nonce already used: the chain refuses the transaction and the error says so.
    const refused = await rejection(
      sender.sendTransaction({ to: ethers.ZeroAddress, value: 1n, nonce: 0, gasLimit: 21_000n }),
    );
    expect((refused as Error & { code?: string }).code).to.equal("NONCE_EXPIRED");
    expect(sender.connect(provider)).to.be.instanceOf(LocalSender);
    expect(() => sender.connect(null)).to.throw(/needs a JSON-RPC provider/);
  });

  it("signs transactions and messages exactly as the key does (the same bytes, the same hash)", async () => {
    const sender = new LocalSender(key, provider);
    const request = {
      type: 2,
      chainId: 31337n,
      to: key.address,
      value: 9n,
      gasLimit: 21_000n,
      maxFeePerGas: 10_000_000_000n,
      maxPriorityFeePerGas: 1_000_000_000n,
    };
    const nonce = await provider.getTransactionCount(key.address, "pending");
    const expected = await key.signTransaction({ ...request, nonce });
    const sent = await sender.sendTransaction(request);
    expect(sent.hash).to.equal(ethers.keccak256(expected));
    expect((await sent.wait())?.status).to.equal(1);
    for (const message of ["commchain:read:x:0:1", new Uint8Array([0, 1, 2])]) {
      expect(await sender.signMessage(message)).to.equal(await key.signMessage(message));
    }
  });
});
